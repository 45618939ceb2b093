
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Feature specs: the feature engineering fitted at training time, saved as
 * a versioned JSON file and applied identically by the trainer, the
 * offline predictor and the module.  Each input feature is numeric (with
 * an optional log1p and a transform, pm_xform.h) or categorical (one-hot);
 * the optional target section maps libsvm labels to class values, or
 * scales a regression target back.  This unit is the file format and the
 * lookups; pm_encode.h applies a spec, pm_fit.h fits one.
 */


#ifndef _PM_SPEC_H_INCLUDED_
#define _PM_SPEC_H_INCLUDED_


#include <jansson.h>
#include <string.h>

#include "pm_core.h"
#include "pm_enum.h"
#include "pm_sha256.h"
#include "pm_types.h"
#include "pm_xform.h"


#define PM_FEATURES_FORMAT   "predict-features"
#define PM_FEATURES_VERSION  2      /* 2: per-feature drift references */

/*
 * The training distribution of a feature, the reference drift is measured
 * against (spec version 2).  Numeric: edges[0] the training minimum,
 * edges[1..9] the deciles, edges[10] the maximum, shares[i] the share of
 * training rows in bin i (pm_spec_bin()); categorical: shares[c] of
 * category c.  Served values fall in PM_REF_NUMERIC_BINS bins: below the
 * minimum, the ten, above the maximum; categories in ncat + 1: unseen last.
 */

#define PM_REF_BINS          10
#define PM_REF_NUMERIC_BINS  (PM_REF_BINS + 2)

typedef struct {
    int                 has;
    double              edges[PM_REF_BINS + 1];
    double             *shares;
} pm_reference_t;

#define PM_MAX_NAME          256
#define PM_MAX_SPEC_SIZE     (256 * 1024 * 1024)

typedef struct {
    char               *name;
    int                 type;       /* PM_FEAT_* */
    int                 index;      /* first libsvm index */
    int                 width;      /* indices used: 1, or categories */

    /* numeric */
    pm_xform_t          xf;
    int                 has_range;  /* raw range seen in training */
    double              min;
    double              max;
    int                 oor;        /* PM_OOR_* or PM_OOR_DEFAULT */
    int                 missing;    /* PM_MISSING_* */
    double              fill;

    /* categorical */
    char              **categories; /* in index order */
    int                 ncat;
    int                *cat_sorted; /* positions sorted by name */
    int                 unknown;    /* PM_UNKNOWN_* */
    int                 fill_cat;

    pm_reference_t      ref;        /* the training distribution, if any */
    int                 ref_range;  /* numeric, and its reference's ends
                                       are its fitted range: below and
                                       above it are bins 0 and 11 (set by
                                       pm_spec_index()) */
} pm_feature_t;


typedef struct {
    int                 task;       /* PM_TASK_* */
    char               *name;
    int                 label_rule; /* PM_LABEL_* */

    /* classes: libsvm label i is class i */
    int                 nclasses;
    char              **class_json; /* the value as JSON text */
    char              **class_key;  /* the value as an object key */

    /* regression target scaling, inverted on output */
    pm_xform_t          xf;
} pm_target_t;


struct pm_spec_s {
    int                 n;
    pm_feature_t       *f;          /* spec order: dense arrays follow it */
    int                *by_name;    /* positions sorted by name */
    int                *by_index;   /* positions sorted by index */
    int                 max_index;
    int                 version;    /* the file's */
    pm_target_t         target;
    pm_source_t         source;
};


int pm_spec_parse(const char *buf, size_t len, pm_spec_t **out,
    pm_err_t *err);
int pm_spec_load(const char *path, pm_spec_t **out, pm_err_t *err);
int pm_spec_index(pm_spec_t *s, pm_err_t *err);
void pm_spec_free(pm_spec_t *s);

int pm_spec_find(const pm_spec_t *s, const char *name);
int pm_spec_category(const pm_feature_t *f, const char *key);
int pm_spec_classes(pm_target_t *t, int n, pm_err_t *err);
int pm_spec_class(pm_target_t *t, int i, json_t *value, pm_err_t *err);

json_t *pm_spec_json(const pm_spec_t *s);
json_t *pm_spec_target_json(const pm_target_t *t);


/* how many drift bins a feature has; 0 without a reference */

static inline int
pm_spec_nbins(const pm_feature_t *f)
{
    if (!f->ref.has) {
        return 0;
    }

    return (f->type == PM_FEAT_NUMERIC) ? PM_REF_NUMERIC_BINS : f->ncat + 1;
}


/*
 * The drift bin of a served value: numeric, 0 below the training minimum,
 * PM_REF_BINS + 1 above the maximum, else 1 + the last bin whose lower
 * edge is at or below v (bins [e_i, e_i+1), the last closed); categorical
 * (v a category's position, or -1 for an unseen one), the category, or
 * ncat (pm_spec_bin_number(): a number's, the request path's common
 * case).  The trainer computes the reference's shares with pm_spec_bin();
 * inline, as the request path bins every value of every instance.
 */

#if (PM_REF_BINS != 10)
#error "pm_spec_bin() compares ten edges, written out: PM_REF_BINS must be 10"
#endif

typedef double     pm_ref_v2d_t __attribute__((vector_size(16)));
typedef long long  pm_ref_v2i_t __attribute__((vector_size(16)));

static inline int
pm_spec_bin_number(const pm_feature_t *f, double v)
{
    pm_ref_v2d_t  e, x;
    pm_ref_v2i_t  s;

    /*
     * Without a branch: the number of edges[0..9] at or below v (0 below
     * the minimum; as the edges ascend, checked at load, 1 + the last i
     * with edges[i] <= v within the range), plus 1 above the maximum.
     * Counted two at a time in vectors (GCC's and clang's vector
     * extension, on any target): a binary search's branches are
     * unpredictable on live data, and their misses cost more (make bench:
     * the drift binning was a tenth of a batch's time with one)
     */

    x = (pm_ref_v2d_t) { v, v };
    s = (pm_ref_v2i_t) { 0, 0 };

    /* five steps written out: a loop's own instructions were a third */

    memcpy(&e, &f->ref.edges[0], sizeof(e));
    s += (e <= x);
    memcpy(&e, &f->ref.edges[2], sizeof(e));
    s += (e <= x);
    memcpy(&e, &f->ref.edges[4], sizeof(e));
    s += (e <= x);
    memcpy(&e, &f->ref.edges[6], sizeof(e));
    s += (e <= x);
    memcpy(&e, &f->ref.edges[8], sizeof(e));
    s += (e <= x);

    return (int) -(s[0] + s[1]) + (v > f->ref.edges[PM_REF_BINS]);
}


static inline int
pm_spec_bin(const pm_feature_t *f, double v)
{
    if (f->type == PM_FEAT_CATEGORICAL) {
        return (v >= 0 && v < f->ncat) ? (int) v : f->ncat;
    }

    return pm_spec_bin_number(f, v);
}


#endif /* _PM_SPEC_H_INCLUDED_ */
