
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm_fit.h"
#include "pm_spec.h"
#include "pm_text.h"
#include "tap.h"


#define NELTS(a)  (sizeof(a) / sizeof((a)[0]))


static double decile(const double *v, size_t n, int k);
static int edges_are(const pm_feature_t *f, const double *want, double tol);
static int shares_are(const pm_feature_t *f, const double *want, int n);
static int shares_by_scan(const pm_feature_t *f, const double *v, size_t n);
static void test_round_trip(void);


/*
 * The documented rule, written out plainly: numpy.quantile's "linear"
 * method, h = (n - 1) k / 10 on the sorted values, x[floor h] plus the
 * fraction of h times the step to the next value
 */

static double
decile(const double *v, size_t n, int k)
{
    size_t   i, j, lo;
    double   h, t, *x;

    x = malloc(sizeof(double) * n);
    if (x == NULL) {
        return NAN;
    }

    memcpy(x, v, sizeof(double) * n);

    for (i = 1; i < n; i++) {
        for (j = i; j > 0 && x[j - 1] > x[j]; j--) {
            t = x[j];
            x[j] = x[j - 1];
            x[j - 1] = t;
        }
    }

    h = (double) (n - 1) * k / 10;
    lo = (size_t) floor(h);
    t = (lo + 1 < n) ? x[lo] + (h - (double) lo) * (x[lo + 1] - x[lo])
                     : x[n - 1];
    free(x);

    return t;
}


static int
edges_are(const pm_feature_t *f, const double *want, double tol)
{
    int  k, good;

    good = f->ref.has;

    for (k = 0; good && k <= PM_REF_BINS; k++) {
        if (!(fabs(f->ref.edges[k] - want[k])
              <= tol * (1 + fabs(want[k]))))
        {
            tap_diag("edge %d: %.17g, expected %.17g", k, f->ref.edges[k],
                     want[k]);
            good = 0;
        }
    }

    return good;
}


static int
shares_are(const pm_feature_t *f, const double *want, int n)
{
    int     k, good;
    double  sum;

    good = f->ref.has;
    sum = 0;

    for (k = 0; good && k < n; k++) {
        sum += f->ref.shares[k];

        if (fabs(f->ref.shares[k] - want[k]) > 1e-15) {
            tap_diag("share %d: %.17g, expected %.17g", k, f->ref.shares[k],
                     want[k]);
            good = 0;
        }
    }

    return good && fabs(sum - 1) < 1e-12;
}


/*
 * The shares checked against the bin rule written as intervals: bin i
 * (1..10) is [e_i-1, e_i), the last one closed, and when edges repeat, a
 * value equal to them is in the last bin they open
 */

static int
shares_by_scan(const pm_feature_t *f, const double *v, size_t n)
{
    int            k, last, good;
    size_t         i, count[PM_REF_BINS];
    double         sum;
    const double  *e;

    e = f->ref.edges;
    memset(count, 0, sizeof(count));

    for (i = 0; i < n; i++) {
        last = -1;

        for (k = 0; k < PM_REF_BINS; k++) {
            if (v[i] >= e[k]
                && (v[i] < e[k + 1]
                    || (k == PM_REF_BINS - 1 && v[i] <= e[k + 1])))
            {
                last = k;
            }
        }

        if (last < 0) {
            tap_diag("value %.17g is in no bin", v[i]);
            return 0;
        }

        count[last]++;
    }

    good = 1;
    sum = 0;

    for (k = 0; k < PM_REF_BINS; k++) {
        sum += f->ref.shares[k];

        if (f->ref.shares[k] != (double) count[k] / (double) n) {
            tap_diag("share %d: %.17g, %zu of %zu rows", k, f->ref.shares[k],
                     count[k], n);
            good = 0;
        }
    }

    return good && fabs(sum - 1) < 1e-12;
}


void
test_fit(void)
{
    int            rc, k, good;
    size_t         i;
    double         want[PM_REF_BINS + 1], big[1000], sum;
    unsigned       r;
    pm_err_t       err;
    pm_feature_t   f;

    /* n = 6: h = k / 2, every decile a value or the midpoint of two */

    static const double  six[] = { 30, 0, 50, 10, 40, 20 };
    static const double  six_edges[] = {
        0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50
    };
    static const double  six_shares[] = {
        1.0 / 6, 0, 1.0 / 6, 0, 1.0 / 6, 0, 1.0 / 6, 0, 1.0 / 6, 1.0 / 6
    };

    /* irregular values, unsorted, with a negative one and a tie */

    static const double  odd[] = {
        3.7, -1.25, 8.5, 0.3, 12.125, 3.7, 6.02, 1e-3, 99.5, 4.4, 7.75,
        2.2, 5.5
    };

    /* ties: deciles repeat, values sit on repeated edges */

    static const double  ties[] = { 2, 3, 2, 5, 2, 2, 3, 2, 2, 2 };
    static const double  ties_edges[] = {
        2, 2, 2, 2, 2, 2, 2, 2.3, 3, 3.2, 5
    };
    static const double  ties_shares[] = {
        0, 0, 0, 0, 0, 0, 0.7, 0, 0.2, 0.1
    };

    static const double  one[] = { 4.5 };
    static const double  one_shares[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    static const double  cats[] = { 0, 1, 1, 2, 1, 0 };
    static const double  cat_shares[] = { 2.0 / 6, 3.0 / 6, 1.0 / 6 };
    static const double  huge[] = { -1e308, 1e308, 1e308 };

    pm_err_init(&err);
    memset(&f, 0, sizeof(f));
    f.name = "x";
    f.type = PM_FEAT_NUMERIC;

    rc = pm_fit_reference(&f, six, NELTS(six), &err);
    ok(rc == PM_OK && edges_are(&f, six_edges, 0),
       "6 values: the minimum, the deciles (h = (n - 1) k / 10, "
       "interpolated) and the maximum, exactly");
    ok(shares_are(&f, six_shares, PM_REF_BINS),
       "6 values: a sixth in each bin a value opens, the maximum in the "
       "last (closed) bin");

    rc = pm_fit_reference(&f, odd, NELTS(odd), &err);
    for (k = 0; k <= PM_REF_BINS; k++) {
        want[k] = decile(odd, NELTS(odd), k);
    }
    ok(rc == PM_OK && want[0] == -1.25 && want[PM_REF_BINS] == 99.5
       && edges_are(&f, want, 1e-15),
       "13 irregular values: the deciles of the documented formula");
    ok(shares_by_scan(&f, odd, NELTS(odd)),
       "13 irregular values: shares are the rows in [e_i, e_i+1), the last "
       "closed");

    rc = pm_fit_reference(&f, ties, NELTS(ties), &err);
    for (k = 0; k <= PM_REF_BINS; k++) {
        want[k] = decile(ties, NELTS(ties), k);
    }
    ok(rc == PM_OK && edges_are(&f, ties_edges, 1e-15)
       && edges_are(&f, want, 1e-15),
       "ties: repeated deciles (2 seven times), then 2.3, 3, 3.2, 5");
    ok(shares_are(&f, ties_shares, PM_REF_BINS)
       && shares_by_scan(&f, ties, NELTS(ties)),
       "ties: a value on repeated edges counts in the last bin they open "
       "(0.7 in bin 7), never in an empty one");

    rc = pm_fit_reference(&f, one, 1, &err);
    good = (rc == PM_OK);
    for (k = 0; good && k <= PM_REF_BINS; k++) {
        good = (f.ref.edges[k] == 4.5);
    }
    ok(good && shares_are(&f, one_shares, PM_REF_BINS),
       "n = 1: every edge the value, all of it in the last bin");

    /* 1000 values from a fixed generator, many of them tied */

    r = 12345;
    for (i = 0; i < NELTS(big); i++) {
        r = r * 1103515245u + 12345u;
        big[i] = (double) ((r >> 8) % 200) / 8 - 5;
    }

    rc = pm_fit_reference(&f, big, NELTS(big), &err);
    for (k = 0; k <= PM_REF_BINS; k++) {
        want[k] = decile(big, NELTS(big), k);
    }
    ok(rc == PM_OK && edges_are(&f, want, 1e-15)
       && shares_by_scan(&f, big, NELTS(big)),
       "1000 values, ties: deciles by the formula, shares by the bins");

    sum = 0;
    for (k = 0; k < PM_REF_BINS; k++) {
        sum += f.ref.shares[k];
    }
    ok(fabs(sum - 1) < 1e-12, "the shares add up to 1 (%.17g)", sum);

    good = 1;
    for (k = 1; k <= PM_REF_BINS; k++) {
        good = good && f.ref.edges[k] >= f.ref.edges[k - 1];
    }
    ok(good, "the edges ascend");

    rc = pm_fit_reference(&f, huge, NELTS(huge), &err);
    good = (rc == PM_OK);
    for (k = 0; good && k <= PM_REF_BINS; k++) {
        good = isfinite(f.ref.edges[k])
               && (k == 0 || f.ref.edges[k] >= f.ref.edges[k - 1]);
    }
    ok(good, "-1e308 to 1e308: finite, ascending edges (numpy overflows "
       "to inf here)");

    rc = pm_fit_reference(&f, one, 0, &err);
    ok(rc == PM_EFORMAT && !f.ref.has, "no values: refused");

    want[0] = 1;
    want[1] = NAN;
    rc = pm_fit_reference(&f, want, 2, &err);
    ok(rc == PM_EFORMAT && strstr(err.msg, "value 1 is not finite") != NULL
       && !f.ref.has, "a NaN: refused");

    free(f.ref.shares);

    /* categorical: shares of each position */

    memset(&f, 0, sizeof(f));
    f.name = "c";
    f.type = PM_FEAT_CATEGORICAL;
    f.ncat = 3;

    rc = pm_fit_reference(&f, cats, NELTS(cats), &err);
    ok(rc == PM_OK && shares_are(&f, cat_shares, 3),
       "categorical: each category's share of the rows");

    want[0] = 0;
    want[1] = 3;
    rc = pm_fit_reference(&f, want, 2, &err);
    ok(rc == PM_EFORMAT && strstr(err.msg, "value 1 is not a category")
       != NULL, "categorical: a position past the categories is refused");

    free(f.ref.shares);

    test_round_trip();
}


/*
 * A spec fitted as the trainer fits it, written by pm_spec_json() and
 * read back by pm_spec_parse(): version 2, the references validated
 */

static void
test_round_trip(void)
{
    int            rc;
    char          *text;
    size_t         i;
    double         pos[7];
    json_t        *j;
    pm_err_t       err;
    pm_spec_t     *s, *back;
    pm_feature_t  *f;

    static const double   num[] = { 0.1, 0.7, 0.2, 0.3, 0.9, 0.4, 0.5 };
    static const char    *str[] = { "b", "a", "c", "a", "b", "a", "b" };

    pm_err_init(&err);
    back = NULL;
    text = NULL;

    s = calloc(1, sizeof(pm_spec_t));
    if (s == NULL || (s->f = calloc(3, sizeof(pm_feature_t))) == NULL) {
        free(s);
        ok(0, "out of memory");
        return;
    }

    s->n = 2;

    f = &s->f[0];
    f->name = pm_strdup("n");
    rc = pm_fit_numeric(f, num, NELTS(num), PM_XF_NONE, 0, &err);
    rc = (rc == PM_OK) ? pm_fit_reference(f, num, NELTS(num), &err) : rc;
    f->index = 1;

    f = &s->f[1];
    f->name = pm_strdup("c");
    rc = (rc == PM_OK) ? pm_fit_categorical(f, str, NELTS(str), &err) : rc;

    for (i = 0; rc == PM_OK && i < NELTS(str); i++) {
        /* pm_fit_categorical() leaves the feature searchable */
        pos[i] = pm_spec_category(f, str[i]);
    }

    rc = (rc == PM_OK) ? pm_fit_reference(f, pos, NELTS(str), &err) : rc;
    f->index = 2;

    rc = (rc == PM_OK) ? pm_spec_index(s, &err) : rc;
    ok(rc == PM_OK && pos[0] == 1 && pos[2] == 2 && pos[1] == 0,
       "fitted: category positions found before the index is built");

    if (rc == PM_OK) {
        j = pm_spec_json(s);
        text = json_dumps(j, JSON_REAL_PRECISION(17));
        json_decref(j);
        rc = (text != NULL) ? pm_spec_parse(text, strlen(text), &back, &err)
                            : PM_ERROR;
    }

    ok(rc == PM_OK && back->version == 2 && back->f[0].ref.has
       && back->f[0].ref.edges[0] == 0.1 && back->f[0].ref.edges[10] == 0.9
       && back->f[1].ref.has && back->f[1].ref.shares[0] == 3.0 / 7
       && back->f[1].ref.shares[1] == 3.0 / 7
       && back->f[1].ref.shares[2] == 1.0 / 7,
       "written as version 2 and read back, references intact");

    if (rc != PM_OK) {
        tap_diag("%s", err.msg);
    }

    if (back != NULL) {
        pm_spec_free(back);
    }

    free(text);
    pm_spec_free(s);
}
