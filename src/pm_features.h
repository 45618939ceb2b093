
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Feature specs: the feature engineering fitted at training time, saved as
 * a versioned JSON file and applied identically by the trainer, the
 * offline predictor and the module.  Each input feature is numeric (with
 * an optional log1p and a scaling transform) or categorical (one-hot); the
 * optional target section maps libsvm labels to class values, or scales a
 * regression target back.
 */


#ifndef _PM_FEATURES_H_INCLUDED_
#define _PM_FEATURES_H_INCLUDED_


#include <time.h>
#include <jansson.h>
#include <svm.h>

#include "pm_core.h"
#include "pm_sha256.h"


#define PM_FEATURES_FORMAT   "predict-features"
#define PM_FEATURES_VERSION  1

#define PM_FEAT_NUMERIC      0
#define PM_FEAT_CATEGORICAL  1

#define PM_XF_NONE           0
#define PM_XF_MINMAX         1   /* svm-scale's formula to [lower, upper] */
#define PM_XF_LINEAR         2   /* x * scale + offset (MinMaxScaler) */
#define PM_XF_STANDARD       3   /* (x - mean) / std */
#define PM_XF_MAXABS         4   /* x / maxabs */

#define PM_MISSING_REJECT    0
#define PM_MISSING_FILL      1

#define PM_UNKNOWN_ERROR     0
#define PM_UNKNOWN_ZERO      1

#define PM_OOR_DEFAULT       -1  /* the caller's policy */

#define PM_TASK_NONE         0
#define PM_TASK_CLASSIFY     1
#define PM_TASK_REGRESS      2
#define PM_TASK_ONE_CLASS    3

#define PM_LABEL_PROBABILITY 0   /* libsvm -b 1: the most probable class */
#define PM_LABEL_VOTE        1   /* libsvm's vote, scikit-learn's predict */

#define PM_MAX_NAME          256

/* a bundle: a directory the trainer or the exporter writes */

#define PM_BUNDLE_MODEL      "model.libsvm"
#define PM_BUNDLE_SPEC       "features.json"
#define PM_BUNDLE_REPORT     "report.json"


/* one value of one feature, from JSON or from a CSV cell */

#define PM_RAW_MISSING       0
#define PM_RAW_NUMBER        1
#define PM_RAW_STRING        2

typedef struct {
    int                 kind;
    double              num;
    const char         *str;
} pm_raw_t;


typedef struct {
    char               *name;
    int                 type;
    int                 index;      /* first libsvm index */
    int                 width;      /* indices used: 1, or categories */

    /* numeric */
    int                 transform;
    int                 log1p;
    double              p1;         /* min | scale | mean | maxabs */
    double              p2;         /* max | offset | std */
    double              lower;      /* minmax target range */
    double              upper;
    int                 has_range;  /* raw range seen in training */
    double              min;
    double              max;
    int                 oor;        /* PM_OOR_* or PM_OOR_DEFAULT */
    int                 missing;
    double              fill;

    /* categorical */
    char              **categories; /* in index order */
    int                 ncat;
    int                *cat_sorted; /* positions sorted by name */
    int                 unknown;
    int                 fill_cat;
} pm_feature_t;


typedef struct {
    int                 task;
    char               *name;
    int                 label_rule;

    /* classes: libsvm label i is class i */
    int                 nclasses;
    char              **class_json; /* the value as JSON text */
    char              **class_key;  /* the value as an object key */

    /* regression target scaling, inverted on output */
    int                 transform;
    double              p1;
    double              p2;
    double              lower;
    double              upper;
} pm_target_t;


typedef struct {
    int                 n;
    pm_feature_t       *f;          /* spec order: dense arrays follow it */
    int                *by_name;    /* positions sorted by name */
    int                *by_index;   /* positions sorted by index */
    int                 max_index;
    pm_target_t         target;
    pm_source_t         source;
} pm_features_t;


int pm_features_parse(const char *buf, size_t len, pm_features_t **out,
    pm_err_t *err);
int pm_features_load(const char *path, pm_features_t **out, pm_err_t *err);
int pm_features_index(pm_features_t *s, pm_err_t *err);
void pm_features_free(pm_features_t *s);

int pm_features_find(const pm_features_t *s, const char *name);
double pm_feature_scale(const pm_feature_t *f, double v);
double pm_target_inverse(const pm_target_t *t, double y);
double pm_target_forward(const pm_target_t *t, double y);

int pm_features_encode(const pm_features_t *s, int policy,
    const pm_raw_t *raw, struct svm_node *out, int *oor, int *noor,
    pm_err_t *err);
int pm_features_raw(const pm_features_t *s, const void *inst,
    pm_raw_t *raw, pm_err_t *err);

json_t *pm_features_json(const pm_features_t *s);

/* fitting, for the trainer: the same parameters the parser would read */

int pm_feature_fit_numeric(pm_feature_t *f, const double *v, size_t n,
    int transform, int use_log, pm_err_t *err);
int pm_feature_fit_categorical(pm_feature_t *f, const char *const *v,
    size_t n, pm_err_t *err);
void pm_target_fit_standard(pm_target_t *t, const double *y, size_t n);
json_t *pm_target_json(const pm_target_t *t);

const char *pm_transform_name(int transform);


#endif /* _PM_FEATURES_H_INCLUDED_ */
