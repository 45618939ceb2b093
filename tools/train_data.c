
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-train's data: a CSV file (pm_csv) or libsvm data (pm_data) read
 * into one table of raw values, each column typed numeric or categorical,
 * and the target as a number or a class index.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm_csv.h"
#include "pm_data.h"
#include "pm_spec.h"
#include "pm_text.h"
#include "train.h"


/* the room for one libsvm feature name, "1" to PM_MAX_INDEX */

#define TRAIN_NAME_SIZE   12

/* more distinct numeric classes than this may be a continuous target */

#define TRAIN_CONTINUOUS  20


static int train_sniff(const char *buf);
static void train_csv_lists(const train_opts_t *o, const pm_csv_t *c);
static int train_csv_numeric(const train_opts_t *o, const pm_csv_t *c,
    int col);
static void train_csv_column(const pm_csv_t *c, int col, int numeric,
    train_table_t *t);
static void train_csv_target(const train_opts_t *o, const pm_csv_t *c,
    int tcol, train_table_t *t);
static void train_load_csv(const train_opts_t *o, const char *buf,
    size_t len, train_table_t *t);
static void train_load_libsvm(const train_opts_t *o, const char *buf,
    size_t len, train_table_t *t);
static void train_set_classes(const train_opts_t *o, train_table_t *t,
    const char **labels);
static int train_cmp_numeric(const void *a, const void *b);
static int train_cmp_text(const void *a, const void *b);


void
train_load(train_opts_t *o, train_table_t *t)
{
    char      *buf;
    size_t     len;
    pm_err_t   err;

    memset(t, 0, sizeof(train_table_t));
    pm_err_init(&err);

    if (pm_read_file(o->data, &pm_csv_rules, &buf, &len, &err) != PM_OK) {
        train_die("%s: %s", o->data, err.msg);
    }

    pm_sha256_hex(buf, len, t->sha256);

    if (o->format == TRAIN_FORMAT_AUTO) {
        o->format = train_sniff(buf);
    }

    if (o->format == TRAIN_FORMAT_LIBSVM) {
        train_load_libsvm(o, buf, len, t);

    } else {
        if (o->target == NULL && o->task != PM_TASK_ONE_CLASS) {
            train_usage("--target names the CSV column to predict");
        }

        train_load_csv(o, buf, len, t);
    }

    free(buf);
}


/* libsvm data starts "label index:value" */

static int
train_sniff(const char *buf)
{
    const char  *p, *colon;

    p = buf + strcspn(buf, " \t\n,");
    colon = strchr(p, ':');

    return (*p == ' ' || *p == '\t')
           && colon != NULL && colon < buf + strcspn(buf, "\n")
           ? TRAIN_FORMAT_LIBSVM : TRAIN_FORMAT_CSV;
}


/* every name in --exclude, --categorical and --numeric is a column */

static void
train_csv_lists(const train_opts_t *o, const pm_csv_t *c)
{
    int  j;

    for (j = 0; o->exclude[j] != NULL; j++) {
        if (pm_csv_column(c, o->exclude[j]) < 0) {
            train_die("%s: --exclude names no column \"%s\"", o->data,
                      o->exclude[j]);
        }
    }

    for (j = 0; o->categorical[j] != NULL; j++) {
        if (pm_csv_column(c, o->categorical[j]) < 0
            || train_in_list(o->numeric, o->categorical[j]))
        {
            train_die("--categorical \"%s\": no such column, or also "
                      "--numeric", o->categorical[j]);
        }
    }

    for (j = 0; o->numeric[j] != NULL; j++) {
        if (pm_csv_column(c, o->numeric[j]) < 0) {
            train_die("--numeric \"%s\": no such column", o->numeric[j]);
        }
    }
}


/* numeric if every non-empty cell is a number, or if told so */

static int
train_csv_numeric(const train_opts_t *o, const pm_csv_t *c, int col)
{
    int          forced;
    size_t       r;
    double       v;
    const char  *name, *cell;

    name = c->header[col];
    forced = train_in_list(o->numeric, name);

    if (train_in_list(o->categorical, name)) {
        return 0;
    }

    for (r = 0; r < c->nrows; r++) {
        cell = pm_csv_cell(c, r, col);

        if (cell[0] != '\0' && pm_number(cell, NULL, &v) != 0) {
            if (forced) {
                train_die("%s: line %ld: column \"%s\": \"%.64s\" is not a "
                          "number", o->data, c->lines[r], name, cell);
            }

            return 0;
        }
    }

    return 1;
}


/* column col of the file as the table's next feature column */

static void
train_csv_column(const pm_csv_t *c, int col, int numeric, train_table_t *t)
{
    int          j;
    size_t       r;
    const char  *cell;
    pm_value_t  *x;

    j = t->ncols++;
    t->names[j] = c->header[col];
    t->types[j] = numeric ? PM_FEAT_NUMERIC : PM_FEAT_CATEGORICAL;

    for (r = 0; r < c->nrows; r++) {
        x = &t->raw[r * t->stride + (size_t) j];
        cell = pm_csv_cell(c, r, col);

        if (cell[0] == '\0') {
            x->kind = PM_VAL_NULL;

        } else if (numeric) {
            x->kind = PM_VAL_NUMBER;
            (void) pm_number(cell, NULL, &x->num);

        } else {
            x->kind = PM_VAL_STRING;
            x->str = cell;
        }
    }
}


static void
train_csv_target(const train_opts_t *o, const pm_csv_t *c, int tcol,
    train_table_t *t)
{
    size_t        r;
    const char   *cell, **labels;

    labels = malloc(sizeof(char *) * c->nrows);
    if (labels == NULL) {
        train_die("out of memory");
    }

    for (r = 0; r < c->nrows; r++) {
        cell = pm_csv_cell(c, r, tcol);

        if (cell[0] == '\0') {
            train_die("%s: line %ld: the target \"%s\" is empty", o->data,
                      c->lines[r], o->target);
        }

        if (o->task == PM_TASK_REGRESS
            && pm_number(cell, NULL, &t->y[r]) != 0)
        {
            train_die("%s: line %ld: the target \"%s\" is \"%.64s\", not a "
                      "number", o->data, c->lines[r], o->target, cell);
        }

        labels[r] = cell;
    }

    if (o->task == PM_TASK_CLASSIFY) {
        train_set_classes(o, t, labels);
    }

    free(labels);
}


static void
train_load_csv(const train_opts_t *o, const char *buf, size_t len,
    train_table_t *t)
{
    int        col, tcol, numeric;
    pm_err_t   err;
    pm_csv_t  *c;

    pm_err_init(&err);

    if (pm_csv_parse(buf, len, &c, &err) != PM_OK) {
        train_die("%s: %s", o->data, err.msg);
    }

    t->csv = c;

    if (c->nrows == 0) {
        train_die("%s: a header and no rows", o->data);
    }

    tcol = -1;

    if (o->target != NULL) {
        tcol = pm_csv_column(c, o->target);
        if (tcol < 0) {
            train_die("%s: no column \"%s\" in the header", o->data,
                      o->target);
        }
    }

    train_csv_lists(o, c);

    t->nrows = c->nrows;
    t->stride = (size_t) c->ncols;
    t->lines = c->lines;
    t->names = malloc(sizeof(char *) * (size_t) c->ncols);
    t->types = malloc(sizeof(int) * (size_t) c->ncols);
    t->raw = calloc(c->nrows * (size_t) c->ncols, sizeof(pm_value_t));
    t->y = calloc(c->nrows, sizeof(double));

    if (t->names == NULL || t->types == NULL || t->raw == NULL
        || t->y == NULL)
    {
        train_die("out of memory");
    }

    for (col = 0; col < c->ncols; col++) {
        if (col == tcol || train_in_list(o->exclude, c->header[col])) {
            continue;
        }

        numeric = train_csv_numeric(o, c, col);

        if (!numeric && train_in_list(o->log1p, c->header[col])) {
            train_die("--log1p \"%s\": the column is not numeric",
                      c->header[col]);
        }

        train_csv_column(c, col, numeric, t);
    }

    if (t->ncols == 0) {
        train_die("%s: no feature columns left", o->data);
    }

    if (tcol >= 0) {
        train_csv_target(o, c, tcol, t);
    }
}


/* libsvm data: features named by index, absent ones 0 */

static void
train_load_libsvm(const train_opts_t *o, const char *buf, size_t len,
    train_table_t *t)
{
    int         k, max;
    size_t      r;
    pm_err_t    err;
    pm_data_t  *d;
    pm_node_t  *x;

    pm_err_init(&err);

    if (pm_data_parse(buf, len, &d, &err) != PM_OK) {
        train_die("%s: %s", o->data, err.msg);
    }

    t->data = d;

    if (d->n == 0) {
        train_die("%s: empty file", o->data);
    }

    max = d->max_index;

    t->nrows = d->n;
    t->ncols = max;
    t->stride = (size_t) max;
    t->lines = d->line;
    t->names = malloc(sizeof(char *) * (size_t) (max + 1));
    t->types = malloc(sizeof(int) * (size_t) (max + 1));
    t->raw = calloc(d->n * (size_t) max + 1, sizeof(pm_value_t));
    t->y = calloc(d->n, sizeof(double));
    t->text = malloc((size_t) (max + 1) * TRAIN_NAME_SIZE);

    if (t->names == NULL || t->types == NULL || t->raw == NULL
        || t->y == NULL || t->text == NULL)
    {
        train_die("out of memory");
    }

    for (k = 0; k < max; k++) {
        t->names[k] = t->text + (size_t) k * TRAIN_NAME_SIZE;
        (void) snprintf(t->names[k], TRAIN_NAME_SIZE, "%d", k + 1);
        t->types[k] = PM_FEAT_NUMERIC;
    }

    for (r = 0; r < d->n; r++) {
        for (k = 0; k < max; k++) {
            t->raw[r * t->stride + (size_t) k].kind = PM_VAL_NUMBER;
        }

        for (x = d->x[r]; x->index != -1; x++) {
            t->raw[r * t->stride + (size_t) x->index - 1].num = x->value;
        }

        if (o->task == PM_TASK_REGRESS
            && pm_number(d->label[r], NULL, &t->y[r]) != 0)
        {
            train_die("%s: line %ld: the label \"%.64s\" is not a number",
                      o->data, t->lines[r], d->label[r]);
        }
    }

    if (o->task == PM_TASK_CLASSIFY) {
        train_set_classes(o, t, (const char **) d->label);
    }
}


static int
train_cmp_numeric(const void *a, const void *b)
{
    double  x, y;

    (void) pm_number(*(const char *const *) a, NULL, &x);
    (void) pm_number(*(const char *const *) b, NULL, &y);

    return (x > y) - (x < y);
}


static int
train_cmp_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}


/*
 * Class values sorted (as numbers when all are), each row's class index.
 * Numbers with more than TRAIN_CONTINUOUS distinct values, and more than
 * one a ten rows, look like a quantity to regress: a warning says so.
 */

static void
train_set_classes(const train_opts_t *o, train_table_t *t,
    const char **labels)
{
    int           k, numeric;
    size_t        i;
    double        v;
    const char  **sorted;
    int         (*cmp)(const void *, const void *);

    numeric = 1;

    for (i = 0; i < t->nrows; i++) {
        if (pm_number(labels[i], NULL, &v) != 0) {
            numeric = 0;
        }
    }

    cmp = numeric ? train_cmp_numeric : train_cmp_text;

    sorted = malloc(sizeof(char *) * (t->nrows + 1));
    t->classes = malloc(sizeof(char *) * (t->nrows + 1));

    if (sorted == NULL || t->classes == NULL) {
        train_die("out of memory");
    }

    memcpy(sorted, labels, sizeof(char *) * t->nrows);
    qsort(sorted, t->nrows, sizeof(char *), cmp);

    t->nclasses = 0;

    for (i = 0; i < t->nrows; i++) {
        if (i == 0 || cmp(&sorted[i], &sorted[i - 1]) != 0) {
            t->classes[t->nclasses++] = (char *) sorted[i];
        }
    }

    free(sorted);

    if (numeric && t->nclasses > TRAIN_CONTINUOUS
        && (size_t) t->nclasses * 10 > t->nrows)
    {
        fprintf(stderr, "%s: warning: the target %s%s%s has %d distinct "
                "numeric values in %zu rows: it looks continuous; to "
                "predict a quantity, use --task regress\n", TRAIN_PROG,
                o->target ? "\"" : "", o->target ? o->target : "(labels)",
                o->target ? "\"" : "", t->nclasses, t->nrows);
    }

    if (t->nclasses < 2) {
        train_die("the target has a single class \"%s\": nothing to "
                  "classify", t->nclasses ? t->classes[0] : "");
    }

    if (t->nclasses > PM_MAX_CLASSES) {
        train_die("the target has %d classes, more than %d", t->nclasses,
                  PM_MAX_CLASSES);
    }

    t->classes_numeric = numeric;

    for (i = 0; i < t->nrows; i++) {
        for (k = 0; k < t->nclasses; k++) {
            if (cmp(&labels[i], &t->classes[k]) == 0) {
                t->y[i] = k;
                break;
            }
        }
    }
}


/*
 * The classes of the spec's target, by the core's one rule: a string
 * class is itself; a numeric one is its JSON value, an integer when
 * integral, and pm_spec_class() keys it by its shortest text.
 */

void
train_class_names(const train_table_t *t, pm_target_t *target)
{
    int        i;
    double     v;
    json_t    *value;
    pm_err_t   err;

    pm_err_init(&err);

    if (pm_spec_classes(target, t->nclasses, &err) != PM_OK) {
        train_die("%s", err.msg);
    }

    for (i = 0; i < t->nclasses; i++) {
        if (!t->classes_numeric) {
            value = json_string(t->classes[i]);

        } else {
            (void) pm_number(t->classes[i], NULL, &v);
            value = (v == floor(v) && fabs(v) < 1e15)
                    ? json_integer((json_int_t) v) : json_real(v);
        }

        /* jansson refuses text that is not UTF-8 */

        if (value == NULL) {
            train_die("cannot encode the feature spec");
        }

        if (pm_spec_class(target, i, value, &err) != PM_OK) {
            train_die("%s", err.msg);
        }

        json_decref(value);
    }
}


void
train_table_free(train_table_t *t)
{
    free(t->names);
    free(t->types);
    free(t->raw);
    free(t->y);
    free(t->classes);
    free(t->text);
    pm_csv_free(t->csv);
    pm_data_free(t->data);
}
