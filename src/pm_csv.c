
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdlib.h>
#include <string.h>

#include "pm_csv.h"


typedef struct {
    const char         *p;
    const char         *end;
    long                line;
    char               *out;      /* next byte of c->text */
} pm_csv_reader_t;


static int pm_csv_field(pm_csv_reader_t *r, char **field, int *last,
    pm_err_t *err);
static int pm_csv_grow(void **p, size_t *cap, size_t need, size_t size);


/* the tools' text input: CSV, or JSON lines */

const pm_text_rules_t  pm_csv_rules = {
    PM_CSV_MAX_SIZE, 0, NULL, "a text file"
};


static int
pm_csv_grow(void **p, size_t *cap, size_t need, size_t size)
{
    void    *n;
    size_t   c;

    if (need <= *cap) {
        return 0;
    }

    c = *cap ? *cap : 64;

    while (c < need) {
        c *= 2;
    }

    n = realloc(*p, c * size);
    if (n == NULL) {
        return -1;
    }

    *p = n;
    *cap = c;

    return 0;
}


/*
 * One field into r->out; *last says it ended its record.  The unquoted
 * text of the field is copied as is; quotes only open a field.
 */

static int
pm_csv_field(pm_csv_reader_t *r, char **field, int *last, pm_err_t *err)
{
    long   start;

    *field = r->out;
    start = r->line;

    if (r->p < r->end && *r->p == '"') {
        r->p++;

        for ( ;; ) {
            if (r->p >= r->end) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: a quoted field "
                                  "is not closed", start);
            }

            if (*r->p == '"') {
                if (r->p + 1 < r->end && r->p[1] == '"') {
                    *r->out++ = '"';
                    r->p += 2;
                    continue;
                }

                r->p++;
                break;
            }

            if (*r->p == '\n') {
                r->line++;
            }

            *r->out++ = *r->p++;
        }

        if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r') {
            return pm_err_set(err, PM_EFORMAT, "line %ld: text after a "
                              "closing quote", r->line);
        }

    } else {
        while (r->p < r->end && *r->p != ',' && *r->p != '\n') {
            if (*r->p == '"') {
                return pm_err_set(err, PM_EFORMAT, "line %ld: a quote inside "
                                  "an unquoted field", r->line);
            }

            if (*r->p == '\0') {
                return pm_err_set(err, PM_EFORMAT, "line %ld: NUL byte",
                                  r->line);
            }

            *r->out++ = *r->p++;
        }

        if (r->out > *field && r->out[-1] == '\r'
            && (r->p >= r->end || *r->p == '\n'))
        {
            r->out--;
        }
    }

    if (r->p < r->end && *r->p == '\r') {
        r->p++;
    }

    *r->out++ = '\0';

    if (r->p >= r->end) {
        *last = 1;
        return PM_OK;
    }

    *last = (*r->p == '\n');

    if (*last) {
        r->line++;
    }

    r->p++;

    return PM_OK;
}


int
pm_csv_parse(const char *buf, size_t len, pm_csv_t **out, pm_err_t *err)
{
    int               rc, last, col, i;
    long              row_line;
    char             *field;
    size_t            ncells, cells_cap, lines_cap, header_cap;
    pm_csv_t         *c;
    pm_csv_reader_t   r;

    *out = NULL;

    if (len > (size_t) PM_CSV_MAX_SIZE) {
        return pm_err_set(err, PM_EFORMAT, "file too large: %zu bytes", len);
    }

    c = calloc(1, sizeof(pm_csv_t));
    if (c == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    /* unescaping never grows a field: the text fits in len + NULs */

    c->text = malloc(len * 2 + 2);
    if (c->text == NULL) {
        free(c);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    r.p = buf;
    r.end = buf + len;
    r.line = 1;
    r.out = c->text;

    /* a UTF-8 byte order mark is not part of the first name */

    if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
        r.p += 3;
    }

    while (r.p < r.end && (*r.p == '\n' || *r.p == '\r')) {
        if (*r.p == '\n') {
            r.line++;
        }
        r.p++;
    }

    if (r.p >= r.end) {
        rc = pm_err_set(err, PM_EFORMAT, "empty file: no header line");
        goto failed;
    }

    header_cap = 0;
    last = 0;

    while (!last) {
        rc = pm_csv_field(&r, &field, &last, err);
        if (rc != PM_OK) {
            goto failed;
        }

        if (field[0] == '\0') {
            rc = pm_err_set(err, PM_EFORMAT, "line 1: header column %d has "
                            "no name", c->ncols + 1);
            goto failed;
        }

        for (i = 0; i < c->ncols; i++) {
            if (strcmp(c->header[i], field) == 0) {
                rc = pm_err_set(err, PM_EFORMAT, "line 1: duplicate column "
                                "\"%.64s\"", field);
                goto failed;
            }
        }

        if (pm_csv_grow((void **) &c->header, &header_cap,
                        (size_t) c->ncols + 1, sizeof(char *))
            != 0)
        {
            rc = pm_err_set(err, PM_ENOMEM, "out of memory");
            goto failed;
        }

        c->header[c->ncols++] = field;
    }

    ncells = 0;
    cells_cap = 0;
    lines_cap = 0;

    while (r.p < r.end) {

        /* blank lines between records are skipped */

        if (*r.p == '\n' || (*r.p == '\r' && r.p + 1 < r.end
                             && r.p[1] == '\n'))
        {
            r.p += (*r.p == '\r') ? 2 : 1;
            r.line++;
            continue;
        }

        row_line = r.line;
        col = 0;
        last = 0;

        while (!last) {
            rc = pm_csv_field(&r, &field, &last, err);
            if (rc != PM_OK) {
                goto failed;
            }

            if (col++ >= c->ncols) {
                continue;   /* counted, for the error below */
            }

            if (pm_csv_grow((void **) &c->cells, &cells_cap, ncells + 1,
                            sizeof(char *))
                != 0)
            {
                rc = pm_err_set(err, PM_ENOMEM, "out of memory");
                goto failed;
            }

            c->cells[ncells++] = field;
        }

        if (col != c->ncols) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: %d field%s, the "
                            "header has %d", row_line, col,
                            col == 1 ? "" : "s", c->ncols);
            goto failed;
        }

        if (pm_csv_grow((void **) &c->lines, &lines_cap, c->nrows + 1,
                        sizeof(long))
            != 0)
        {
            rc = pm_err_set(err, PM_ENOMEM, "out of memory");
            goto failed;
        }

        c->lines[c->nrows++] = row_line;
    }

    *out = c;

    return PM_OK;

failed:

    pm_csv_free(c);

    return rc;
}


void
pm_csv_free(pm_csv_t *c)
{
    if (c == NULL) {
        return;
    }

    free(c->header);
    free(c->cells);
    free(c->lines);
    free(c->text);
    free(c);
}


int
pm_csv_column(const pm_csv_t *c, const char *name)
{
    int  i;

    for (i = 0; i < c->ncols; i++) {
        if (strcmp(c->header[i], name) == 0) {
            return i;
        }
    }

    return -1;
}
