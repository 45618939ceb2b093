
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Metrics: the counters of every worker in one shared memory region (an
 * nginx zone), as flat arrays of 64-bit slots laid out at configuration
 * time, a block per model name and version.  The request path adds with
 * atomic operations: no lock, no allocation.  Drift: each served raw
 * value is binned against its feature's training reference (pm_spec.h);
 * the population stability index is computed, when asked, over a window
 * of the last N/2 to N instances kept by two snapshots of the bins.
 * The Prometheus text format and the metadata's "drift" object are
 * written here; the glue only creates the zone and serves the text.
 */


#ifndef _PM_METRICS_H_INCLUDED_
#define _PM_METRICS_H_INCLUDED_


#include <stdint.h>

#include "pm.h"
#include "pm_core.h"
#include "pm_predict.h"
#include "pm_registry.h"


#define PM_DRIFT_EPSILON     1e-4    /* an empty bin's share, for PSI */


/* one feature's counters: low, high, missing, unknown, bins, 2 snapshots */

typedef struct {
    char               *label;      /* its name, or its libsvm index */
    const pm_feature_t *f;          /* the spec's, with the reference */
    int                 range;      /* has a fitted range */
    int                 categorical;
    int                 nbins;      /* drift bins, 0 without a reference */
    int                 side[2];    /* the cells below, above its range */
    size_t              off;        /* its first slot in the block */
} pm_mfeature_t;


struct pm_mblock_s {
    char               *name;
    long                version;
    const pm_pipeline_t *p;         /* NULL: requests no model answered */
    char               *kind;
    char                sha256[65];
    double              loaded_at;

    int                 regression;
    int                 nclasses;   /* predictions counted by class */
    int                *class_label;    /* sorted model labels */
    int                *class_slot;     /* the class of each */
    char              **class_text;     /* by slot */
    int                 nvalue;     /* regression: value buckets */
    double             *value_le;

    int                 nfeat;
    pm_mfeature_t      *feat;
    int                 drift;      /* some feature has a reference */
    size_t              ntally;     /* the cells of a request's tally */
    uint32_t           *tally_slot; /* each cell's slot */

    size_t              nslots;
    uint64_t            signature;
    uint64_t           *slots;      /* in the zone, once attached */
    pm_metrics_t       *m;
};


/* pm.h has the configuration's calls; these are the serving layer's */

int pm_metrics_model(pm_metrics_t *m, const char *name, long version,
    pm_pipeline_t *p, pm_mblock_t **out, pm_err_t *err);
void pm_metrics_count(pm_mblock_t *b, const pm_answer_t *ans,
    const pm_results_t *res, uint64_t ns);
int pm_metrics_drift(const pm_mblock_t *b, const char *doc, size_t len,
    pm_alloc_t *a, char **out, size_t *outlen, pm_err_t *err);


#endif /* _PM_METRICS_H_INCLUDED_ */
