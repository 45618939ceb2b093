
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The Open Inference Protocol's /infer (KServe V2, Triton, MLServer): one
 * 2-D tensor [N, n] of a numeric datatype (its data flat or nested, row-
 * major), or one 1-D tensor [N] per named feature, in; the outputs
 * "predict" and "predict_proba" (MLServer's scikit-learn names) out.
 * Shapes are checked against the elements actually sent, never trusted
 * for an allocation.
 */


#ifndef _PM_V2_H_INCLUDED_
#define _PM_V2_H_INCLUDED_


#include "pm_core.h"
#include "pm_predict.h"


#define PM_V2_PREDICT        0
#define PM_V2_PROBA          1


typedef struct {
    pm_batch_t          batch;
    const char         *id;           /* decoded, or NULL */
    const char         *params;       /* "parameters" as sent, or NULL */
    size_t              params_len;
    int                 out[2];       /* PM_V2_* in the order asked */
    int                 nout;
} pm_v2_request_t;


int pm_v2_decode(const pm_pipeline_t *p, const char *body, size_t len,
    pm_alloc_t *a, pm_v2_request_t *req, pm_err_t *err);
size_t pm_v2_write(const pm_pipeline_t *p, const char *name, long version,
    const pm_v2_request_t *req, const pm_results_t *res, char *buf,
    size_t cap);


#endif /* _PM_V2_H_INCLUDED_ */
