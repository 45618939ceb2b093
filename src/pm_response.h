
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * JSON out: predictions, errors and the metadata document.  The writers
 * have snprintf() semantics: they return the full length and never write
 * past cap, so one function both sizes and fills.
 */


#ifndef _PM_RESPONSE_H_INCLUDED_
#define _PM_RESPONSE_H_INCLUDED_


#include "pm_core.h"
#include "pm_predict.h"


size_t pm_response_write(const pm_pipeline_t *p, const pm_answer_t *ans,
    char *buf, size_t cap);
size_t pm_error_write(const pm_err_t *err, const char *code, char *buf,
    size_t cap);
int pm_metadata_json(const pm_pipeline_t *p, const pm_options_t *opt,
    char **out, size_t *len, pm_err_t *err);

const char *pm_oor_policy_name(int policy);


#endif /* _PM_RESPONSE_H_INCLUDED_ */
