
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-train's output: the bundle directory (the model as libsvm saves
 * it, the feature spec, the report), each file written to a temporary
 * name and renamed into place, and the summary on stderr.
 */


#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <svm.h>

#include "pm.h"
#include "pm_spec.h"
#include "pm_text.h"
#include "train.h"


#define TRAIN_JSON_FLAGS  (JSON_INDENT(2) | JSON_REAL_PRECISION(17))
#define TRAIN_MAX_DEPTH   64


/* the directories train_prepare_out() made, removed again on a failure */

typedef struct {
    char               *path[TRAIN_MAX_DEPTH];
    int                 n;
    int                 keep;
} train_made_t;


static void train_unmake(void);
static char *train_path(const char *dir, const char *name, int tmp);
static void train_write_file(const char *dir, const char *name,
    const char *text);
static void train_write_model(const char *dir,
    const struct svm_model *model);
static void train_write_spec(const char *dir, const pm_spec_t *spec);
static json_t *train_report_grid(const train_opts_t *o,
    const train_grid_t *g);
static json_t *train_report_chosen(const train_opts_t *o,
    const train_grid_t *g, const train_final_t *m);
static json_t *train_report(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, const train_grid_t *g, const train_final_t *m);


static train_made_t  train_made;


/*
 * --out and its missing parents are made before the data is read, so that
 * a path that cannot be written fails at once, not after the grid search;
 * if training fails, the directories made here are removed again (rmdir:
 * only while empty).
 */

void
train_prepare_out(const train_opts_t *o)
{
    char         *path, *p;
    size_t        len;
    struct stat   st;

    len = strlen(o->out);

    if (len == 0) {
        train_usage("--out is an empty path");
    }

    path = malloc(len + 1);
    if (path == NULL) {
        train_die("out of memory");
    }

    memcpy(path, o->out, len + 1);

    /* each prefix ending before a slash, then the whole path */

    for (p = path + 1; ; p++) {
        if (*p != '/' && *p != '\0') {
            continue;
        }

        if (p[-1] == '/') {
            if (*p == '\0') {
                break;
            }

            continue;
        }

        *p = '\0';

        if (stat(path, &st) != 0) {
            if (errno != ENOENT || mkdir(path, 0755) != 0) {
                train_die("--out %s: cannot create %s: %s", o->out, path,
                          strerror(errno));
            }

            if (train_made.n == 0) {
                if (atexit(train_unmake) != 0) {
                    train_die("out of memory");
                }
            }

            if (train_made.n < TRAIN_MAX_DEPTH) {
                train_made.path[train_made.n] = pm_strdup(path);
                train_made.n += (train_made.path[train_made.n] != NULL);
            }

        } else if (!S_ISDIR(st.st_mode)) {
            train_die("--out %s: %s exists and is not a directory", o->out,
                      path);
        }

        if (p - path == (ptrdiff_t) len) {
            break;
        }

        *p = '/';
    }

    free(path);

    if (access(o->out, W_OK | X_OK) != 0) {
        train_die("--out %s: cannot write there: %s", o->out,
                  strerror(errno));
    }
}


/* the bundle is written: what train_prepare_out() made stays */

void
train_keep_out(void)
{
    train_made.keep = 1;
}


static void
train_unmake(void)
{
    int  i;

    for (i = train_made.n - 1; i >= 0; i--) {
        if (!train_made.keep) {
            (void) rmdir(train_made.path[i]);
        }

        free(train_made.path[i]);
    }

    train_made.n = 0;
}


/* DIR/NAME, or DIR/.NAME.tmp; malloc'ed */

static char *
train_path(const char *dir, const char *name, int tmp)
{
    char    *path;
    size_t   size;

    size = strlen(dir) + strlen(name) + sizeof("/..tmp");

    path = malloc(size);
    if (path == NULL) {
        train_die("out of memory");
    }

    (void) snprintf(path, size, tmp ? "%s/.%s.tmp" : "%s/%s", dir, name);

    return path;
}


static void
train_write_file(const char *dir, const char *name, const char *text)
{
    FILE  *fp;
    char  *path, *tmp;

    path = train_path(dir, name, 0);
    tmp = train_path(dir, name, 1);

    fp = fopen(tmp, "w");
    if (fp == NULL || fputs(text, fp) == EOF || fputc('\n', fp) == EOF
        || fclose(fp) != 0 || rename(tmp, path) != 0)
    {
        train_die("cannot write %s: %s", path, strerror(errno));
    }

    free(path);
    free(tmp);
}


static void
train_write_model(const char *dir, const struct svm_model *model)
{
    char  *path, *tmp;

    path = train_path(dir, PM_BUNDLE_MODEL, 0);
    tmp = train_path(dir, PM_BUNDLE_MODEL, 1);

    if (svm_save_model(tmp, model) != 0 || rename(tmp, path) != 0) {
        train_die("cannot write %s: %s", path, strerror(errno));
    }

    free(path);
    free(tmp);
}


static void
train_write_spec(const char *dir, const pm_spec_t *spec)
{
    char    *text;
    json_t  *json;

    json = pm_spec_json(spec);
    text = (json != NULL) ? json_dumps(json, TRAIN_JSON_FLAGS) : NULL;

    if (text == NULL) {
        train_die("cannot encode the feature spec");
    }

    train_write_file(dir, PM_BUNDLE_SPEC, text);
    free(text);
    json_decref(json);
}


static json_t *
train_report_grid(const train_opts_t *o, const train_grid_t *g)
{
    int                   i;
    json_t               *grid, *point;
    const train_point_t  *p;

    grid = json_array();

    for (i = 0; i < g->npoints; i++) {
        p = &g->points[i];
        point = (o->kernel == LINEAR)
                ? json_pack("{s:f,s:f}", "log2c", p->log2c,
                            "score", p->score)
                : json_pack("{s:f,s:f,s:f}", "log2c", p->log2c,
                            "log2g", p->log2g, "score", p->score);
        (void) json_array_append_new(grid, point);
    }

    return grid;
}


static json_t *
train_report_chosen(const train_opts_t *o, const train_grid_t *g,
    const train_final_t *m)
{
    json_t                      *chosen;
    const train_point_t         *best;
    const struct svm_parameter  *param;

    best = &g->points[g->best];
    param = &m->param;

    chosen = json_pack("{s:f,s:f}", "C", param->C, "log2c", best->log2c);

    if (o->kernel == RBF) {
        (void) json_object_set_new(chosen, "gamma", json_real(param->gamma));
        (void) json_object_set_new(chosen, "log2g", json_real(
                                       o->task == PM_TASK_ONE_CLASS
                                       ? log2(param->gamma) : best->log2g));
    }

    if (o->task == PM_TASK_ONE_CLASS) {
        (void) json_object_set_new(chosen, "nu", json_real(param->nu));
    }

    if (o->task == PM_TASK_REGRESS) {
        (void) json_object_set_new(chosen, "epsilon", json_real(param->p));
    }

    if (g->npoints > 0) {
        (void) json_object_set_new(chosen, "cv_score",
                                   json_real(best->score));
    }

    return chosen;
}


static json_t *
train_report(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, const train_grid_t *g, const train_final_t *m)
{
    char     when[32];
    size_t   r;
    json_t  *report, *folds, *lines;
    time_t   now;

    folds = json_array();

    for (r = 0; r < sp->ntrain; r++) {
        (void) json_array_append_new(folds, json_integer(sp->fold[r]));
    }

    now = time(NULL);
    (void) strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));

    report = json_pack("{s:s,s:s,s:s,s:i,s:s,s:{s:I,s:I,s:I},s:s,s:i,"
                       "s:o,s:o,s:s}",
                       "format", "predict-report",
                       "task", pm_enum_name(pm_task_names, o->task),
                       "kernel", pm_enum_name(train_kernel_names, o->kernel),
                       "libsvm_version", libsvm_version,
                       "data_sha256", t->sha256,
                       "rows", "total", (json_int_t) t->nrows,
                       "train", (json_int_t) sp->ntrain,
                       "test", (json_int_t) sp->ntest,
                       "metric", o->task == PM_TASK_REGRESS ? "mse"
                                 : o->task == PM_TASK_CLASSIFY ? "accuracy"
                                 : "inlier_percent",
                       "cv_folds", o->folds,
                       "grid", train_report_grid(o, g),
                       "folds", folds,
                       "created_at", when);

    if (report == NULL) {
        train_die("cannot encode the report");
    }

    (void) json_object_set_new(report, "chosen",
                               train_report_chosen(o, g, m));

    if (sp->ntest > 0) {
        (void) json_object_set_new(report, "test_score",
                                   json_real(m->test_score));
        lines = json_array();

        for (r = 0; r < sp->ntest; r++) {
            (void) json_array_append_new(lines,
                                         json_integer(t->lines[sp->test[r]]));
        }

        (void) json_object_set_new(report, "test_lines", lines);
    }

    (void) json_object_set_new(report, "probability", json_boolean(
                                   svm_check_probability_model(m->model)));

    return report;
}


void
train_write_bundle(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, const train_grid_t *g, const train_final_t *m)
{
    char    *text;
    json_t  *report;

    train_write_model(o->out, m->model);
    train_write_spec(o->out, m->spec);

    report = train_report(o, t, sp, g, m);

    text = json_dumps(report, TRAIN_JSON_FLAGS);
    if (text == NULL) {
        train_die("cannot encode the report");
    }

    train_write_file(o->out, PM_BUNDLE_REPORT, text);
    free(text);
    json_decref(report);
}


void
train_summary(const train_opts_t *o, const train_split_t *sp,
    const train_grid_t *g, const train_final_t *m)
{
    const char  *metric;

    if (o->quiet) {
        return;
    }

    metric = (o->task == PM_TASK_REGRESS) ? "MSE" : "accuracy";

    if (g->npoints > 0) {
        fprintf(stderr, "%s: %d-fold cross-validated %s %.6g with C=2^%g%s",
                TRAIN_PROG, o->folds, metric, g->points[g->best].score,
                g->points[g->best].log2c, o->kernel == RBF ? "" : "\n");

        if (o->kernel == RBF) {
            fprintf(stderr, " gamma=2^%g\n", g->points[g->best].log2g);
        }
    }

    if (sp->ntest > 0) {
        fprintf(stderr, "%s: held-out %s on %zu rows: %.6g\n", TRAIN_PROG,
                metric, sp->ntest, m->test_score);
    }

    fprintf(stderr, "%s: wrote %s/{%s,%s,%s}\n", TRAIN_PROG, o->out,
            PM_BUNDLE_MODEL, PM_BUNDLE_SPEC, PM_BUNDLE_REPORT);
}
