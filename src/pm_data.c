
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdlib.h>
#include <string.h>

#include "pm_data.h"
#include "pm_text.h"


static int pm_data_row(pm_lines_t *ls, pm_node_t *x, int *nx, int *max,
    pm_err_t *err);


static const pm_text_rules_t  pm_data_rules = {
    PM_DATA_MAX_SIZE, PM_MAX_LINE, NULL, "libsvm data"
};


/*
 * The pairs of the line in ls->buf, past its label; x (room for the
 * line's colons) receives them, or NULL to count only.
 */

static int
pm_data_row(pm_lines_t *ls, pm_node_t *x, int *nx, int *max, pm_err_t *err)
{
    int     n, prev;
    long    index;
    char   *p, *colon, *end;
    double  v;

    p = ls->buf + strcspn(ls->buf, " \t");
    n = 0;
    prev = 0;

    for ( ;; ) {
        p += strspn(p, " \t");

        if (*p == '\0') {
            break;
        }

        colon = p + strspn(p, "0123456789");

        if (colon == p || *colon != ':') {
            return pm_err_set(err, PM_EFORMAT, "line %ld: expected ascending "
                              "index:value pairs", ls->line);
        }

        *colon = '\0';

        if (pm_integer(p, 1, PM_MAX_INDEX, &index) != 0 || index <= prev) {
            *colon = ':';
            return pm_err_set(err, PM_EFORMAT, "line %ld: expected ascending "
                              "index:value pairs", ls->line);
        }

        *colon = ':';

        if (pm_number(colon + 1, &end, &v) != 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: feature %ld has no "
                              "numeric value", ls->line, index);
        }

        if (x != NULL) {
            x[n].index = (int) index;
            x[n].value = v;
        }

        n++;
        prev = (int) index;
        p = end;
    }

    *nx = n;

    if (prev > *max) {
        *max = prev;
    }

    return PM_OK;
}


int
pm_data_parse(const char *buf, size_t len, pm_data_t **out, pm_err_t *err)
{
    int          rc, nx, max;
    char        *t;
    size_t       rows, nodes, text, r, k;
    pm_data_t   *d;
    pm_lines_t   ls;

    *out = NULL;

    /* pass 1: sizes and every check; pass 2 fills */

    rows = 0;
    nodes = 0;
    text = 0;
    max = 0;

    pm_lines_init(&ls, buf, len);

    while ((rc = pm_lines_next(&ls, err)) > 0) {
        if (ls.buf[strspn(ls.buf, " \t")] == '\0') {
            continue;
        }

        rc = pm_data_row(&ls, NULL, &nx, &max, err);
        if (rc != PM_OK) {
            break;
        }

        rows++;
        nodes += (size_t) nx + 1;
        text += strcspn(ls.buf, " \t") + 1;
    }

    if (rc < 0) {
        pm_lines_free(&ls);
        return rc;
    }

    d = calloc(1, sizeof(pm_data_t));
    if (d == NULL) {
        pm_lines_free(&ls);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    d->label = malloc(sizeof(char *) * (rows + 1));
    d->line = malloc(sizeof(long) * (rows + 1));
    d->x = malloc(sizeof(pm_node_t *) * (rows + 1));
    d->nx = malloc(sizeof(int) * (rows + 1));
    d->text = malloc(text + 1);
    d->nodes = malloc(sizeof(pm_node_t) * (nodes + 1));

    if (d->label == NULL || d->line == NULL || d->x == NULL
        || d->nx == NULL || d->text == NULL || d->nodes == NULL)
    {
        pm_lines_free(&ls);
        pm_data_free(d);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    d->max_index = max;
    pm_lines_free(&ls);
    pm_lines_init(&ls, buf, len);

    t = d->text;
    k = 0;
    r = 0;

    while (r < rows && pm_lines_next(&ls, err) > 0) {
        if (ls.buf[strspn(ls.buf, " \t")] == '\0') {
            continue;
        }

        d->label[r] = t;
        d->line[r] = ls.line;
        d->x[r] = &d->nodes[k];

        (void) pm_data_row(&ls, d->x[r], &d->nx[r], &max, err);

        k += (size_t) d->nx[r];
        d->nodes[k].index = -1;
        d->nodes[k].value = 0;
        k++;

        nx = (int) strcspn(ls.buf, " \t");
        memcpy(t, ls.buf, (size_t) nx);
        t[nx] = '\0';
        t += nx + 1;
        r++;
    }

    pm_lines_free(&ls);
    d->n = rows;
    *out = d;

    return PM_OK;
}


int
pm_data_load(const char *path, pm_data_t **out, pm_err_t *err)
{
    int     rc;
    char   *buf;
    size_t  len;

    rc = pm_read_file(path, &pm_data_rules, &buf, &len, err);
    if (rc != PM_OK) {
        return rc;
    }

    rc = pm_data_parse(buf, len, out, err);
    free(buf);

    return rc;
}


void
pm_data_free(pm_data_t *d)
{
    if (d == NULL) {
        return;
    }

    free(d->label);
    free(d->line);
    free(d->x);
    free(d->nx);
    free(d->text);
    free(d->nodes);
    free(d);
}
