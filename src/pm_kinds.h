
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The model kinds this build knows, and the one call that loads a model
 * file of any of them: libsvm's text format (pm_svm.h) today.
 */


#ifndef _PM_KINDS_H_INCLUDED_
#define _PM_KINDS_H_INCLUDED_


#include "pm_core.h"
#include "pm_model.h"


int pm_model_load(const char *path, pm_model_t **out, pm_err_t *err);


#endif /* _PM_KINDS_H_INCLUDED_ */
