
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-train's own types and the functions its files share: options
 * (predict_train.c), the data table (train_data.c), the split, the folds,
 * the grid and the final model (train_grid.c), the bundle
 * (train_bundle.c).
 */


#ifndef _TRAIN_H_INCLUDED_
#define _TRAIN_H_INCLUDED_


#include <pthread.h>
#include <stddef.h>

#include <svm.h>

#include "pm_core.h"
#include "pm_csv.h"
#include "pm_data.h"
#include "pm_enum.h"
#include "pm_json.h"
#include "pm_sha256.h"
#include "pm_spec.h"


#define TRAIN_PROG           "predict-train"
#define TRAIN_MAX_LIST       64

#define TRAIN_FORMAT_AUTO    -1  /* by content */
#define TRAIN_FORMAT_CSV     0
#define TRAIN_FORMAT_LIBSVM  1

#define TRAIN_MISSING_AUTO   -1  /* fill where training had empty cells */


typedef struct {
    const char         *data;
    const char         *target;
    const char         *out;
    int                 format;     /* TRAIN_FORMAT_* */
    int                 task;       /* PM_TASK_*, -1 until given */
    int                 kernel;     /* libsvm's RBF or LINEAR */
    int                 folds;
    int                 jobs;
    unsigned long       seed;
    double              test_split;
    double              c_range[3];
    double              g_range[3];
    int                 fixed_c;
    int                 fixed_g;
    double              c;
    double              gamma;
    double              nu;
    double              epsilon;
    int                 transform;  /* PM_XF_* */
    int                 probability;
    int                 missing;    /* PM_MISSING_* or TRAIN_MISSING_AUTO */
    int                 unknown;    /* PM_UNKNOWN_* */
    int                 oor;        /* PM_OOR_* or PM_OOR_DEFAULT */
    int                 quiet;
    const char         *exclude[TRAIN_MAX_LIST];
    const char         *categorical[TRAIN_MAX_LIST];
    const char         *numeric[TRAIN_MAX_LIST];
    const char         *log1p[TRAIN_MAX_LIST];
} train_opts_t;


/* the data set: feature columns, raw values, targets */

typedef struct {
    int                 ncols;
    char              **names;
    int                *types;      /* PM_FEAT_* */
    size_t              nrows;
    size_t              stride;     /* raw values per row */
    pm_value_t         *raw;        /* nrows * stride */
    double             *y;          /* class index, or the target value */
    long               *lines;
    int                 nclasses;
    char              **classes;    /* sorted, as numbers when all are */
    int                 classes_numeric;
    char                sha256[PM_SHA256_HEX_LEN + 1];
    pm_csv_t           *csv;
    pm_data_t          *data;
    char               *text;       /* libsvm data: storage of names */
} train_table_t;


/* the test split is the shuffle's tail; the rest trains, in file order */

typedef struct {
    size_t             *train;
    size_t              ntrain;
    size_t             *test;
    size_t              ntest;
    int                *fold;       /* per training row */
} train_split_t;


/* encoded rows: x[i] ends with index -1, and points into a space */

typedef struct {
    pm_node_t         **x;
    double             *y;
    size_t              n;
} train_set_t;


/* one cross-validation fold, encoded once, shared by every grid point */

typedef struct {
    train_set_t         train;      /* y: class index, or scaled target */
    train_set_t         val;        /* y: class index, or raw target */
    pm_target_t         target;     /* regression: the fold's scaling */
    pm_node_t          *space;
} train_fold_t;


typedef struct {
    double              log2c;
    double              log2g;
    double              score;
} train_point_t;


/* grid.py's order, C outer, gamma inner; workers take the next point */

typedef struct {
    const train_opts_t *o;
    train_fold_t       *folds;
    train_point_t      *points;     /* point 0 exists even with no grid */
    int                 npoints;    /* scored: 0 for one-class */
    int                 best;
    int                 next;
    int                 done;
    int                 have_best;
    double              best_score;
    pthread_mutex_t     lock;
} train_grid_t;


/* the final spec and model, on all training rows */

typedef struct {
    pm_spec_t             *spec;
    struct svm_model      *model;
    struct svm_parameter   param;
    train_set_t            rows;        /* the model's vectors point here */
    pm_node_t             *space;
    double                 test_score;
} train_final_t;


extern const pm_enum_t  train_kernel_names[];


/* predict_train.c */

void train_usage(const char *msg)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;
void train_help(void)
#if defined(__GNUC__)
    __attribute__((noreturn))
#endif
    ;
void train_die(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;
int train_in_list(const char *const *list, const char *name);

/* train_data.c */

void train_load(train_opts_t *o, train_table_t *t);
void train_class_names(const train_table_t *t, pm_target_t *target);
void train_table_free(train_table_t *t);

/* train_grid.c */

void train_split(const train_opts_t *o, const train_table_t *t,
    train_split_t *sp);
void train_grid_search(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, train_grid_t *g);
void train_fit_final(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, const train_grid_t *g, train_final_t *m);
void train_score_test(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, train_final_t *m);
void train_split_free(train_split_t *sp);
void train_grid_free(train_grid_t *g);
void train_final_free(train_final_t *m);

/* train_bundle.c */

void train_prepare_out(const train_opts_t *o);
void train_keep_out(void);
void train_write_bundle(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, const train_grid_t *g, const train_final_t *m);
void train_summary(const train_opts_t *o, const train_split_t *sp,
    const train_grid_t *g, const train_final_t *m);


#endif /* _TRAIN_H_INCLUDED_ */
