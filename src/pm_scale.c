
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pm_scale.h"
#include "pm_text.h"
#include "pm_xform.h"


static int pm_rnumbers(pm_lines_t *ls, double *v, int n, pm_err_t *err);
static int pm_scaler_pair(pm_lines_t *ls, double *v, pm_err_t *err);
static int pm_scaler_y_block(pm_lines_t *ls, pm_scaler_t *s, pm_err_t *err);
static int pm_scaler_entry(pm_lines_t *ls, pm_scaler_t *s, int *cap,
    pm_err_t *err);


/* a range file is text; its parser names what else is wrong with it */

static const pm_text_rules_t  pm_range_rules = {
    PM_MAX_RANGE_SIZE, PM_MAX_LINE, NULL, "an svm-scale range file"
};


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

        if (pm_number(p, &end, &v[i]) != 0) {
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


/* the next line, which must hold two finite numbers */

static int
pm_scaler_pair(pm_lines_t *ls, double *v, pm_err_t *err)
{
    int  rc;

    rc = pm_lines_next(ls, err);

    if (rc == 0) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: unexpected end of "
                          "file", ls->line);
    }

    return (rc < 0) ? rc : pm_rnumbers(ls, v, 2, err);
}


/* "y", "lower upper", "min max": the target's scaling */

static int
pm_scaler_y_block(pm_lines_t *ls, pm_scaler_t *s, pm_err_t *err)
{
    int     rc;
    double  v[2];
    char    nb[3][PM_NUMBER_SIZE];

    s->has_y = 1;

    rc = pm_scaler_pair(ls, v, err);
    if (rc != PM_OK) {
        return rc;
    }

    s->y_lower = v[0];
    s->y_upper = v[1];

    if (!(s->y_upper > s->y_lower)) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: y lower %s is not "
                          "below y upper %s", ls->line,
                          pm_num(s->y_lower, nb[0]), pm_num(s->y_upper, nb[1]));
    }

    rc = pm_scaler_pair(ls, v, err);
    if (rc != PM_OK) {
        return rc;
    }

    s->y_min = v[0];
    s->y_max = v[1];

    if (s->y_min > s->y_max) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: y min %s is above "
                          "y max %s", ls->line, pm_num(s->y_min, nb[0]),
                          pm_num(s->y_max, nb[1]));
    }

    return PM_OK;
}


/* "index min max", appended to s; *cap is the room in its arrays */

static int
pm_scaler_entry(pm_lines_t *ls, pm_scaler_t *s, int *cap, pm_err_t *err)
{
    int      rc, prev;
    void    *p;
    size_t   lead, digits;
    double   v[3];
    char     nb[3][PM_NUMBER_SIZE];

    rc = pm_rnumbers(ls, v, 3, err);
    if (rc != PM_OK) {
        return rc;
    }

    lead = strspn(ls->buf, " \t");
    digits = strspn(ls->buf + lead, "0123456789");
    prev = (s->n > 0) ? s->index[s->n - 1] : 0;

    if (digits == 0
        || (ls->buf[lead + digits] != ' ' && ls->buf[lead + digits] != '\t')
        || v[0] < 1 || v[0] > PM_MAX_INDEX)
    {
        return pm_err_set(err, PM_EFORMAT, "line %ld: feature index must be "
                          "an integer in 1..%d", ls->line, PM_MAX_INDEX);
    }

    if ((int) v[0] <= prev) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: feature index %d after "
                          "%d: indices must ascend", ls->line, (int) v[0],
                          prev);
    }

    if (v[1] > v[2]) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: feature %d has min "
                          "%s above max %s", ls->line, (int) v[0],
                          pm_num(v[1], nb[0]), pm_num(v[2], nb[1]));
    }

    if (s->n == *cap) {
        *cap = *cap ? *cap * 2 : 64;

        p = realloc(s->index, sizeof(int) * (size_t) *cap);
        if (p == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        s->index = p;

        p = realloc(s->min, sizeof(double) * (size_t) *cap);
        if (p == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        s->min = p;

        p = realloc(s->max, sizeof(double) * (size_t) *cap);
        if (p == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        s->max = p;
    }

    s->index[s->n] = (int) v[0];
    s->min[s->n] = v[1];
    s->max[s->n] = v[2];
    s->n++;
    s->max_index = (int) v[0];

    return PM_OK;
}


int
pm_scaler_parse(const char *buf, size_t len, pm_scaler_t **out,
    pm_err_t *err)
{
    int           rc, cap;
    double        v[2];
    pm_lines_t    ls;
    pm_scaler_t  *s;
    char          nb[3][PM_NUMBER_SIZE];

    *out = NULL;

    s = calloc(1, sizeof(pm_scaler_t));
    if (s == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    pm_lines_init(&ls, buf, len);

    rc = pm_lines_next(&ls, err);

    if (rc == 0) {
        rc = pm_err_set(err, PM_EFORMAT, "line 1: empty range file");
        goto failed;
    }

    if (rc > 0 && strcmp(ls.buf, "y") == 0) {
        rc = pm_scaler_y_block(&ls, s, err);

        if (rc == PM_OK) {
            rc = pm_lines_next(&ls, err);

            if (rc == 0) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: unexpected end "
                                "of file", ls.line);
            }
        }
    }

    if (rc < 0) {
        goto failed;
    }

    if (strcmp(ls.buf, "x") != 0) {
        rc = pm_err_set(err, PM_EFORMAT, "line %ld: expected \"x\"%s, as "
                        "svm-scale -s writes", ls.line,
                        s->has_y ? "" : " or \"y\"");
        goto failed;
    }

    rc = pm_scaler_pair(&ls, v, err);
    if (rc != PM_OK) {
        goto failed;
    }

    s->lower = v[0];
    s->upper = v[1];

    if (!(s->upper > s->lower)) {
        rc = pm_err_set(err, PM_EFORMAT, "line %ld: lower %s is not below "
                        "upper %s", ls.line, pm_num(s->lower, nb[0]),
                        pm_num(s->upper, nb[1]));
        goto failed;
    }

    cap = 0;

    while ((rc = pm_lines_next(&ls, err)) > 0) {
        if (ls.buf[0] != '\0') {
            rc = pm_scaler_entry(&ls, s, &cap, err);
            if (rc != PM_OK) {
                goto failed;
            }
        }
    }

    if (rc < 0) {
        goto failed;
    }

    *out = s;
    pm_lines_free(&ls);

    return PM_OK;

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

    rc = pm_read_file(path, &pm_range_rules, &buf, &len, err);
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


/* as svm-scale's output_target(): y itself, for the tools */

double
pm_scaler_y(const pm_scaler_t *s, double y)
{
    return pm_minmax(y, s->y_min, s->y_max, s->y_lower, s->y_upper);
}


/* a scaled regression output back in the target's units */

double
pm_scaler_y_inverse(const pm_scaler_t *s, double y)
{
    return pm_minmax_inverse(y, s->y_min, s->y_max, s->y_lower, s->y_upper);
}
