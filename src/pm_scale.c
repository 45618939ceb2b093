
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pm_scale.h"
#include "pm_model.h"


#define PM_MAX_RANGE_SIZE  (256 * 1024 * 1024)




static int pm_rnumbers(pm_lines_t *ls, double *v, int n, pm_err_t *err);


/* exactly n finite numbers on the current line; an integer first if v[0] */

static int
pm_rnumbers(pm_lines_t *ls, double *v, int n, pm_err_t *err)
{
    int    i;
    char  *p, *end;

    p = ls->buf;

    for (i = 0; i < n; i++) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }

        errno = 0;
        v[i] = strtod(p, &end);

        if (end == p || (*end != '\0' && *end != ' ' && *end != '\t')
            || errno == ERANGE || !isfinite(v[i]))
        {
            return pm_err_set(err, PM_EFORMAT, "line %ld: expected %d finite "
                              "numbers", ls->line, n);
        }

        p = end;
    }

    while (*p == ' ' || *p == '\t') {
        p++;
    }

    if (*p != '\0') {
        return pm_err_set(err, PM_EFORMAT, "line %ld: expected %d numbers, "
                          "found more", ls->line, n);
    }

    return PM_OK;
}


int
pm_scaler_parse(const char *buf, size_t len, pm_scaler_t **out,
    pm_err_t *err)
{
    int           rc, cap, prev;
    size_t        lead, digits;
    double        v[3];
    pm_scaler_t  *s;
    pm_lines_t   ls;
    void         *p;

    *out = NULL;

    s = calloc(1, sizeof(pm_scaler_t));
    if (s == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    memset(&ls, 0, sizeof(pm_lines_t));
    ls.p = buf;
    ls.end = buf + len;

    rc = pm_lines_next(&ls, err);
    if (rc <= 0) {
        if (rc == 0) {
            rc = pm_err_set(err, PM_EFORMAT, "line 1: empty range file");
        }

        goto failed;
    }

    if (strcmp(ls.buf, "y") == 0) {
        s->has_y = 1;

        if ((rc = pm_lines_next(&ls, err)) <= 0
            || (rc = pm_rnumbers(&ls, v, 2, err)) != PM_OK)
        {
            goto truncated;
        }

        s->y_lower = v[0];
        s->y_upper = v[1];

        if (!(s->y_upper > s->y_lower)) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: y lower %.17g is not "
                            "below y upper %.17g", ls.line, s->y_lower,
                            s->y_upper);
            goto failed;
        }

        if ((rc = pm_lines_next(&ls, err)) <= 0
            || (rc = pm_rnumbers(&ls, v, 2, err)) != PM_OK)
        {
            goto truncated;
        }

        s->y_min = v[0];
        s->y_max = v[1];

        if (s->y_min > s->y_max) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: y min %.17g is above "
                            "y max %.17g", ls.line, s->y_min, s->y_max);
            goto failed;
        }

        if ((rc = pm_lines_next(&ls, err)) <= 0) {
            goto truncated;
        }
    }

    if (strcmp(ls.buf, "x") != 0) {
        rc = pm_err_set(err, PM_EFORMAT, "line %ld: expected \"x\"%s, as "
                        "svm-scale -s writes", ls.line,
                        s->has_y ? "" : " or \"y\"");
        goto failed;
    }

    if ((rc = pm_lines_next(&ls, err)) <= 0
        || (rc = pm_rnumbers(&ls, v, 2, err)) != PM_OK)
    {
        goto truncated;
    }

    s->lower = v[0];
    s->upper = v[1];

    if (!(s->upper > s->lower)) {
        rc = pm_err_set(err, PM_EFORMAT, "line %ld: lower %.17g is not below "
                        "upper %.17g", ls.line, s->lower, s->upper);
        goto failed;
    }

    cap = 0;
    prev = 0;

    for ( ;; ) {
        rc = pm_lines_next(&ls, err);
        if (rc < 0) {
            goto failed;
        }

        if (rc == 0) {
            break;
        }

        if (ls.buf[0] == '\0') {
            continue;
        }

        rc = pm_rnumbers(&ls, v, 3, err);
        if (rc != PM_OK) {
            goto failed;
        }

        lead = strspn(ls.buf, " \t");
        digits = strspn(ls.buf + lead, "0123456789");

        if (digits == 0
            || (ls.buf[lead + digits] != ' ' && ls.buf[lead + digits] != '\t')
            || v[0] < 1 || v[0] > PM_MAX_INDEX)
        {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: feature index must be "
                            "an integer in 1..%d", ls.line, PM_MAX_INDEX);
            goto failed;
        }

        if ((int) v[0] <= prev) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: feature index %d "
                            "after %d: indices must ascend", ls.line,
                            (int) v[0], prev);
            goto failed;
        }

        if (v[1] > v[2]) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: feature %d has min "
                            "%.17g above max %.17g", ls.line, (int) v[0],
                            v[1], v[2]);
            goto failed;
        }

        if (s->n == cap) {
            cap = cap ? cap * 2 : 64;

            p = realloc(s->index, sizeof(int) * (size_t) cap);
            if (p == NULL) {
                goto nomem;
            }

            s->index = p;

            p = realloc(s->min, sizeof(double) * (size_t) cap);
            if (p == NULL) {
                goto nomem;
            }

            s->min = p;

            p = realloc(s->max, sizeof(double) * (size_t) cap);
            if (p == NULL) {
                goto nomem;
            }

            s->max = p;
        }

        prev = (int) v[0];
        s->index[s->n] = prev;
        s->min[s->n] = v[1];
        s->max[s->n] = v[2];
        s->n++;
    }

    s->max_index = prev;
    *out = s;
    pm_lines_free(&ls);

    return PM_OK;

truncated:

    if (rc == 0) {
        rc = pm_err_set(err, PM_EFORMAT, "line %ld: unexpected end of file",
                        ls.line);
    }

    goto failed;

nomem:

    rc = pm_err_set(err, PM_ENOMEM, "out of memory");

failed:

    pm_lines_free(&ls);
    pm_scaler_free(s);
    return rc;
}


int
pm_scaler_load(const char *path, pm_scaler_t **out, pm_err_t *err)
{
    int           rc;
    char         *buf;
    size_t        len;
    pm_scaler_t  *s;

    rc = pm_read_file(path, PM_MAX_RANGE_SIZE, &buf, &len, err);
    if (rc != PM_OK) {
        return rc;
    }

    rc = pm_scaler_parse(buf, len, &s, err);

    if (rc == PM_OK) {
        pm_source_set(&s->source, buf, len);
        *out = s;
    }

    free(buf);

    return rc;
}


void
pm_scaler_free(pm_scaler_t *s)
{
    if (s == NULL) {
        return;
    }

    free(s->index);
    free(s->min);
    free(s->max);
    free(s);
}


/* svm-scale's formula, operation for operation; entry k has min < max */

double
pm_scale_entry(const pm_scaler_t *s, int k, double v)
{
    if (v == s->min[k]) {
        return s->lower;
    }

    if (v == s->max[k]) {
        return s->upper;
    }

    return s->lower + (s->upper - s->lower) * (v - s->min[k])
                      / (s->max[k] - s->min[k]);
}


/* as svm-scale's output_target() */

double
pm_scale_y(const pm_scaler_t *s, double y)
{
    if (y == s->y_min) {
        return s->y_lower;
    }

    if (y == s->y_max) {
        return s->y_upper;
    }

    return s->y_lower + (s->y_upper - s->y_lower) * (y - s->y_min)
                        / (s->y_max - s->y_min);
}


double
pm_scale_y_inverse(const pm_scaler_t *s, double y)
{
    if (s->y_max == s->y_min) {
        return s->y_min;
    }

    return s->y_min + (y - s->y_lower) * (s->y_max - s->y_min)
                      / (s->y_upper - s->y_lower);
}


/*
 * Scales raw (ascending, no terminator) into out, which holds s->n + 1
 * nodes and is terminated by index -1.  As svm-scale -r: a feature absent
 * from raw is 0, a feature absent from the range file is dropped, and a
 * scaled 0 is left out.  oor (s->n ints) receives the indices outside the
 * fitted range, whatever the policy.  Returns the number of nodes.
 */

int
pm_scale_nodes(const pm_scaler_t *s, int policy, const struct svm_node *raw,
    int nraw, struct svm_node *out, int *oor, int *noor, pm_err_t *err)
{
    int     i, k, n, index;
    double  v, scaled;

    i = 0;
    n = 0;
    *noor = 0;

    for (k = 0; k < s->n; k++) {
        index = s->index[k];

        while (i < nraw && raw[i].index < index) {
            i++;
        }

        v = (i < nraw && raw[i].index == index) ? raw[i].value : 0.0;

        if (v < s->min[k] || v > s->max[k]) {
            oor[(*noor)++] = index;

            if (policy == PM_OOR_CLIP) {
                v = (v < s->min[k]) ? s->min[k] : s->max[k];
            }
        }

        if (s->min[k] == s->max[k]) {
            continue;  /* as svm-scale: a single-valued feature is dropped */
        }

        scaled = pm_scale_entry(s, k, v);

        if (!isfinite(scaled)) {
            err->feature = index;
            return pm_err_set(err, PM_ENONFINITE, "feature %d: value %.17g "
                              "overflows when scaled", index, v);
        }

        if (scaled != 0) {
            out[n].index = index;
            out[n].value = scaled;
            n++;
        }
    }

    out[n].index = -1;
    out[n].value = 0;

    return n;
}
