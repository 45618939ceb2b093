
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The prediction pipeline: a loaded model and optional scaler, the
 * per-location options, and the one call that turns a request body into a
 * JSON answer.
 */


#ifndef _PM_PREDICT_H_INCLUDED_
#define _PM_PREDICT_H_INCLUDED_


#include <svm.h>

#include "pm_core.h"
#include "pm_model.h"
#include "pm_scale.h"


typedef struct {
    const pm_model_t   *model;
    const pm_scaler_t  *scaler;     /* NULL: features are sent scaled */
    int                 nfeatures;  /* width of a dense "features" array */
} pm_pipeline_t;


typedef struct {
    int                 out_of_range;   /* PM_OOR_* */
    int                 probability;    /* report probabilities if any */
    size_t              max_instances;
} pm_options_t;


typedef struct {
    double              value;      /* label, or the regression output */
    double             *prob;       /* nprob entries, model label order */
    int                *oor;        /* indices outside the fitted range */
    int                 noor;
} pm_result_t;


typedef struct {
    size_t              n;
    int                 batch;
    int                 nprob;      /* probabilities per result, or 0 */
    pm_result_t        *results;
    char               *body;       /* the JSON response */
    size_t              len;
} pm_answer_t;


int pm_pipeline_init(pm_pipeline_t *p, const pm_model_t *model,
    const pm_scaler_t *scaler, int nfeatures, pm_err_t *err);
int pm_pipeline_has_probability(const pm_pipeline_t *p,
    const pm_options_t *opt);

int pm_predict_nodes(const pm_model_t *m, const struct svm_node *x,
    int probability, double *value, double *prob, pm_err_t *err);

int pm_predict_json(const pm_pipeline_t *p, const pm_options_t *opt,
    const char *body, size_t len, pm_alloc_t *a, pm_answer_t *ans,
    pm_err_t *err);


#endif /* _PM_PREDICT_H_INCLUDED_ */
