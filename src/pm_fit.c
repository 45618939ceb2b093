
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pm_fit.h"
#include "pm_text.h"


static int pm_cmp_strings(const void *a, const void *b);
static int pm_cmp_doubles(const void *a, const void *b);
static double pm_fit_quantile(const double *x, size_t n, double q);


static int
pm_cmp_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}


static int
pm_cmp_doubles(const void *a, const void *b)
{
    double  x, y;

    x = *(const double *) a;
    y = *(const double *) b;

    return (x > y) - (x < y);
}


/*
 * Fits a numeric feature on the values seen in training (missing ones
 * left out by the caller).  std and maxabs of 0 become 1, as scikit-learn
 * does, so a constant feature maps to 0 at its training value; minmax of
 * a constant feature is 0 everywhere, as svm-scale drops it.  The fill
 * value is the mean of the raw values.
 */

int
pm_fit_numeric(pm_feature_t *f, const double *v, size_t n,
    int transform, int use_log, pm_err_t *err)
{
    size_t  i;
    double  t, sum, raw_sum, sq, maxabs;
    char    nb[PM_NUMBER_SIZE];

    if (n == 0) {
        return pm_err_set(err, PM_EFORMAT, "feature \"%s\" has no values to "
                          "fit", f->name);
    }

    f->type = PM_FEAT_NUMERIC;
    f->width = 1;
    f->xf.kind = transform;
    f->xf.log1p = use_log;
    f->has_range = 1;
    f->min = v[0];
    f->max = v[0];
    sum = 0;
    raw_sum = 0;
    maxabs = 0;

    for (i = 0; i < n; i++) {
        if (use_log && !(v[i] > -1)) {
            return pm_err_set(err, PM_EFORMAT, "feature \"%s\": log1p needs "
                              "values above -1, found %s", f->name,
                              pm_num(v[i], nb));
        }

        t = use_log ? log1p(v[i]) : v[i];
        f->min = (v[i] < f->min) ? v[i] : f->min;
        f->max = (v[i] > f->max) ? v[i] : f->max;
        sum += t;
        raw_sum += v[i];
        maxabs = (fabs(t) > maxabs) ? fabs(t) : maxabs;
    }

    f->fill = raw_sum / (double) n;

    switch (transform) {

    case PM_XF_MINMAX:
        f->xf.p1 = use_log ? log1p(f->min) : f->min;
        f->xf.p2 = use_log ? log1p(f->max) : f->max;
        break;

    case PM_XF_STANDARD:
        f->xf.p1 = sum / (double) n;
        sq = 0;

        for (i = 0; i < n; i++) {
            t = (use_log ? log1p(v[i]) : v[i]) - f->xf.p1;
            sq += t * t;
        }

        f->xf.p2 = sqrt(sq / (double) n);

        if (!(f->xf.p2 > 0)) {
            f->xf.p2 = 1;
        }

        break;

    case PM_XF_MAXABS:
        f->xf.p1 = (maxabs > 0) ? maxabs : 1;
        break;

    default:
        break;
    }

    return PM_OK;
}


/* categories sorted, as scikit-learn's OneHotEncoder; the fill is the mode */

int
pm_fit_categorical(pm_feature_t *f, const char *const *v, size_t n,
    pm_err_t *err)
{
    int           k, best, count, best_count;
    size_t        i, j;
    const char  **sorted;

    f->type = PM_FEAT_CATEGORICAL;

    sorted = malloc(sizeof(char *) * (n + 1));
    if (sorted == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    memcpy(sorted, v, sizeof(char *) * n);
    qsort(sorted, n, sizeof(char *), pm_cmp_strings);

    f->ncat = 0;

    for (i = 0; i < n; i++) {
        if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0) {
            f->ncat++;
        }
    }

    f->width = f->ncat;
    f->categories = calloc((size_t) f->ncat + 1, sizeof(char *));
    f->cat_sorted = calloc((size_t) f->ncat + 1, sizeof(int));

    if (f->categories == NULL || f->cat_sorted == NULL) {
        free(sorted);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    k = -1;
    best = 0;
    best_count = 0;
    count = 0;

    for (i = 0; i < n; i = j) {
        for (j = i; j < n && strcmp(sorted[j], sorted[i]) == 0; j++) {
            /* void */
        }

        k++;
        count = (int) (j - i);
        f->categories[k] = pm_strdup(sorted[i]);

        if (f->categories[k] == NULL) {
            free(sorted);
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        if (count > best_count) {
            best = k;
            best_count = count;
        }
    }

    /* categories are sorted: pm_spec_category() works before the index */

    for (k = 0; k < f->ncat; k++) {
        f->cat_sorted[k] = k;
    }

    f->fill_cat = best;
    free(sorted);

    return PM_OK;
}


/*
 * The q-quantile of the n sorted values x, as numpy.quantile(x, q) with
 * its default method, "linear" (Hyndman and Fan's 7th): h = (n - 1) q,
 * between x[floor(h)] and the next, computed as numpy's _lerp() computes
 * it (from the upper value when the weight is 0.5 or more), so that
 * the exporter's numpy and this agree to the bit.
 */

static double
pm_fit_quantile(const double *x, size_t n, double q)
{
    size_t            lo;
    double            h, g, a, b, d, r;
    volatile double   p;

    h = (double) (n - 1) * q;

    if (h >= (double) (n - 1)) {
        return x[n - 1];
    }

    lo = (size_t) floor(h);
    g = h - (double) lo;
    a = x[lo];
    b = x[lo + 1];
    d = b - a;

    /* p stored apart: a fused multiply-add (-mfma) would round once */

    p = (g >= 0.5) ? d * (1 - g) : d * g;
    r = (g >= 0.5) ? b - p : a + p;

    if (!isfinite(r)) {
        /* b - a overflowed (numpy gives inf or nan): no overflow this way */
        r = a * (1 - g) + b * g;
    }

    return r;
}


/*
 * The drift reference of a feature (spec version 2) from its training
 * values, missing ones left out by the caller.  Numeric: v are the raw
 * values, before log1p and the transform; the edges are the minimum, the
 * deciles numpy.quantile(v, k / 10) for k = 1..9 (pm_fit_quantile()) and
 * the maximum, each kept between the one before and the maximum should
 * rounding put it outside (the spec wants them ascending).  Categorical:
 * v are the category positions (pm_spec_category()).  The shares are the
 * count of values in each bin of pm_spec_bin(), the module's own rule,
 * over n.
 */

int
pm_fit_reference(pm_feature_t *f, const double *v, size_t n, pm_err_t *err)
{
    int      nb, bin, k;
    size_t   i, *count;
    double  *sorted, *e;

    f->ref.has = 0;
    free(f->ref.shares);
    f->ref.shares = NULL;

    if (n == 0) {
        return pm_err_set(err, PM_EFORMAT, "feature \"%s\" has no values for "
                          "a reference", f->name);
    }

    for (i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            return pm_err_set(err, PM_EFORMAT, "feature \"%s\": value %zu "
                              "is not finite", f->name, i);
        }
    }

    nb = (f->type == PM_FEAT_NUMERIC) ? PM_REF_BINS : f->ncat;

    count = calloc((size_t) nb + 2, sizeof(size_t));
    f->ref.shares = calloc((size_t) nb + 1, sizeof(double));

    if (count == NULL || f->ref.shares == NULL) {
        free(count);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    if (f->type == PM_FEAT_NUMERIC) {
        sorted = malloc(sizeof(double) * n);
        if (sorted == NULL) {
            free(count);
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        memcpy(sorted, v, sizeof(double) * n);
        qsort(sorted, n, sizeof(double), pm_cmp_doubles);

        e = f->ref.edges;
        e[0] = sorted[0];
        e[PM_REF_BINS] = sorted[n - 1];

        for (k = 1; k < PM_REF_BINS; k++) {
            e[k] = pm_fit_quantile(sorted, n, (double) k / PM_REF_BINS);
            e[k] = (e[k] < e[k - 1]) ? e[k - 1] : e[k];
            e[k] = (e[k] > e[PM_REF_BINS]) ? e[PM_REF_BINS] : e[k];
        }

        free(sorted);
    }

    for (i = 0; i < n; i++) {
        bin = pm_spec_bin(f, v[i]);

        if (f->type == PM_FEAT_NUMERIC) {
            /* 1..10: the edges hold every training value */
            count[bin - 1]++;
            continue;
        }

        if (bin == f->ncat) {
            free(count);
            return pm_err_set(err, PM_EFORMAT, "feature \"%s\": value %zu "
                              "is not a category", f->name, i);
        }

        count[bin]++;
    }

    for (k = 0; k < nb; k++) {
        f->ref.shares[k] = (double) count[k] / (double) n;
    }

    free(count);
    f->ref.has = 1;

    return PM_OK;
}


/* (y - mean) / std over the training targets; std 0 becomes 1 */

void
pm_fit_target_standard(pm_target_t *t, const double *y, size_t n)
{
    size_t  i;
    double  sum, sq, d;

    sum = 0;

    for (i = 0; i < n; i++) {
        sum += y[i];
    }

    t->xf.kind = PM_XF_STANDARD;
    t->xf.p1 = (n > 0) ? sum / (double) n : 0;
    sq = 0;

    for (i = 0; i < n; i++) {
        d = y[i] - t->xf.p1;
        sq += d * d;
    }

    t->xf.p2 = (n > 0) ? sqrt(sq / (double) n) : 1;

    if (!(t->xf.p2 > 0)) {
        t->xf.p2 = 1;
    }
}
