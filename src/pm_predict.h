
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The prediction pipeline: a loaded model with its feature engineering (an
 * svm-scale range file, or a feature spec), the per-location options, and
 * the one call that turns a request body into a JSON answer.
 */


#ifndef _PM_PREDICT_H_INCLUDED_
#define _PM_PREDICT_H_INCLUDED_


#include <svm.h>

#include "pm_core.h"
#include "pm_model.h"
#include "pm_scale.h"
#include "pm_features.h"


#define PM_ENGINE_FAST    0   /* pm_fast where the model has one */
#define PM_ENGINE_LIBSVM  1   /* svm_predict_values() always */


typedef struct {
    const pm_model_t     *model;
    const pm_scaler_t    *scaler;     /* range file, or NULL */
    const pm_features_t  *spec;       /* feature spec, or NULL */
    int                   nfeatures;  /* width of a dense "features" array */
    int                   label_rule; /* PM_LABEL_* */
} pm_pipeline_t;


typedef struct {
    int                   out_of_range;     /* PM_OOR_* */
    int                   probability;      /* report probabilities if any */
    int                   decision_values;  /* report decision values */
    int                   engine;           /* PM_ENGINE_* */
    size_t                max_instances;
} pm_options_t;


typedef struct {
    double                value;   /* libsvm label, or regression output */
    double               *prob;    /* nprob entries, model label order */
    double               *dec;     /* ndec decision values */
    int                  *oor;     /* indices, or spec positions */
    int                   noor;
} pm_result_t;


typedef struct {
    size_t                n;
    int                   batch;
    int                   nprob;   /* probabilities per result, or 0 */
    int                   ndec;    /* decision values per result, or 0 */
    pm_result_t          *results;
    char                 *body;    /* the JSON response */
    size_t                len;
} pm_answer_t;


int pm_pipeline_init(pm_pipeline_t *p, const pm_model_t *model,
    const pm_scaler_t *scaler, const pm_features_t *spec, int nfeatures,
    pm_err_t *err);
int pm_pipeline_has_probability(const pm_pipeline_t *p,
    const pm_options_t *opt);
int pm_model_ndec(const pm_model_t *m);
size_t pm_predict_scratch(const pm_model_t *m);

int pm_predict_nodes(const pm_model_t *m, const struct svm_node *x,
    int probability, int label_rule, int engine, double *value,
    double *prob, double *dec, double *scratch, pm_err_t *err);
void pm_svm_probability(const pm_model_t *m, const double *dec,
    double *prob, double *scratch);

int pm_predict_json(const pm_pipeline_t *p, const pm_options_t *opt,
    const char *body, size_t len, pm_alloc_t *a, pm_answer_t *ans,
    pm_err_t *err);


#endif /* _PM_PREDICT_H_INCLUDED_ */
