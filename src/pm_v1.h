
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * TensorFlow Serving's REST API (KServe V1) for :predict, :classify and
 * :regress: rows ("instances", "examples") or columns ("inputs") in, and
 * "predictions", "outputs" or "results" out, as scikit-learn's predict
 * and predict_proba would give them.
 */


#ifndef _PM_V1_H_INCLUDED_
#define _PM_V1_H_INCLUDED_


#include "pm_core.h"
#include "pm_predict.h"


typedef struct {
    pm_batch_t          batch;
    int                 route;      /* PM_ROUTE_V1_PREDICT, ... */
    int                 columns;    /* "inputs": answer "outputs" */
    int                 proba;      /* signature "predict_proba" */
} pm_v1_request_t;


int pm_v1_decode(const pm_pipeline_t *p, int route, const char *body,
    size_t len, pm_alloc_t *a, pm_v1_request_t *req, pm_err_t *err);
size_t pm_v1_write(const pm_pipeline_t *p, const pm_v1_request_t *req,
    const pm_results_t *res, char *buf, size_t cap);


#endif /* _PM_V1_H_INCLUDED_ */
