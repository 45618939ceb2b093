
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The native wire format, out: predictions as {"label": ...} or
 * {"predictions": [...]}, and the error body every route shares.
 */


#ifndef _PM_RESPONSE_H_INCLUDED_
#define _PM_RESPONSE_H_INCLUDED_


#include "pm_core.h"
#include "pm_predict.h"
#include "pm_writer.h"


size_t pm_response_write(const pm_pipeline_t *p, const pm_results_t *res,
    char *buf, size_t cap);
int pm_response_encode(const pm_pipeline_t *p, const pm_results_t *res,
    pm_alloc_t *a, char **body, size_t *len, pm_err_t *err);
size_t pm_error_write(const pm_err_t *err, char *buf, size_t cap);
size_t pm_error_write_flat(const pm_err_t *err, char *buf, size_t cap);


#endif /* _PM_RESPONSE_H_INCLUDED_ */
