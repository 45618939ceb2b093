
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Prediction: a decoded batch of instances through a pipeline's encoding
 * and model, into results (values, probabilities, decision values, the
 * features out of range).  No JSON: the codecs read and write that.
 */


#ifndef _PM_PREDICT_H_INCLUDED_
#define _PM_PREDICT_H_INCLUDED_


#include "pm_core.h"
#include "pm_encode.h"
#include "pm_json.h"
#include "pm_pipeline.h"


typedef struct {
    pm_instance_t        *inst;
    size_t                n;
    int                   batch;   /* a list of instances, not just one */
} pm_batch_t;


typedef struct {
    double                value;   /* libsvm label, or regression output */
    double               *prob;    /* nprob entries, model label order */
    double               *dec;     /* model ndec decision values */
    int                  *oor;     /* indices, or spec positions */
    int                   noor;
} pm_result_t;


typedef struct {
    size_t                n;
    int                   batch;
    int                   nprob;   /* probabilities per result, or 0 */
    int                   ndec;    /* decision values to report, or 0 */
    pm_result_t          *r;

    /* with metrics: what the instances that reached encoding showed */
    pm_tally_t            tally;   /* pm_encode.h's; count NULL without */
    size_t                binned;  /* instances with some feature binned */
} pm_results_t;


int pm_predict(const pm_pipeline_t *p, const pm_batch_t *batch,
    pm_alloc_t *a, pm_results_t *res, pm_err_t *err);


#endif /* _PM_PREDICT_H_INCLUDED_ */
