
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Fitting a feature spec on training rows, for the trainer: the same
 * parameters pm_spec_parse() would read back.  The module never links it.
 */


#ifndef _PM_FIT_H_INCLUDED_
#define _PM_FIT_H_INCLUDED_


#include "pm_core.h"
#include "pm_spec.h"


int pm_fit_numeric(pm_feature_t *f, const double *v, size_t n,
    int transform, int use_log, pm_err_t *err);
int pm_fit_categorical(pm_feature_t *f, const char *const *v, size_t n,
    pm_err_t *err);
int pm_fit_reference(pm_feature_t *f, const double *v, size_t n,
    pm_err_t *err);
void pm_fit_target_standard(pm_target_t *t, const double *y, size_t n);


#endif /* _PM_FIT_H_INCLUDED_ */
