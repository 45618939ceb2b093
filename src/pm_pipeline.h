
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * A pipeline: a model, its feature engineering (an svm-scale range file,
 * a feature spec, or neither) and a location's options, checked to fit
 * together once, at configuration time.  Also the loaded files it is made
 * of, and the questions the layers above ask it: how many outputs, what
 * a label or an out-of-range feature is called.
 */


#ifndef _PM_PIPELINE_H_INCLUDED_
#define _PM_PIPELINE_H_INCLUDED_


#include "pm_core.h"
#include "pm_enum.h"
#include "pm_model.h"
#include "pm_scale.h"
#include "pm_spec.h"
#include "pm_types.h"


/* a prediction's type on the wire (OIP datatypes) */

#define PM_OUT_INT64       0
#define PM_OUT_FP64        1
#define PM_OUT_BYTES       2


struct pm_file_s {
    int                   kind;       /* PM_FILE_*, pm.h */
    pm_model_t           *model;
    pm_scaler_t          *scaler;
    pm_spec_t            *spec;
};


struct pm_pipeline_s {
    const pm_model_t     *model;
    const pm_scaler_t    *scaler;     /* range file, or NULL */
    const pm_spec_t      *spec;       /* feature spec, or NULL */
    int                   nfeatures;  /* width of a dense "features" array */
    int                   label_rule; /* PM_LABEL_* */
    pm_options_t          opt;
    pm_mblock_t          *metrics;    /* its counters, or NULL */
    size_t                ntally;     /* with them, a request's tally's
                                         cells (pm_encode.h) */
};


int pm_pipeline_init(pm_pipeline_t *p, const pm_model_t *model,
    const pm_scaler_t *scaler, const pm_spec_t *spec, int nfeatures,
    const pm_options_t *opt, pm_err_t *err);

int pm_pipeline_nprob(const pm_pipeline_t *p);
int pm_pipeline_ndec(const pm_pipeline_t *p);
int pm_pipeline_engine(const pm_pipeline_t *p);
const char *pm_pipeline_class(const pm_pipeline_t *p, int label, int key,
    char *buf);
const char *pm_pipeline_feature(const pm_pipeline_t *p, int id);
const char *pm_pipeline_label(const pm_pipeline_t *p, double value,
    char *buf, size_t *len);
int pm_pipeline_output(const pm_pipeline_t *p);
int pm_pipeline_nclasses(const pm_pipeline_t *p);
int pm_pipeline_class_label(const pm_pipeline_t *p, int c);
int pm_pipeline_class_prob(const pm_pipeline_t *p, int c);


#endif /* _PM_PIPELINE_H_INCLUDED_ */
