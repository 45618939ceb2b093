
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pm_fit.h"
#include "pm_text.h"


static int pm_cmp_strings(const void *a, const void *b);


static int
pm_cmp_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
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

    f->fill_cat = best;
    free(sorted);

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
