
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The native wire format, in: {"features": [...] | {...}} or
 * {"instances": [...]}, decoded by the strict tokenizer (pm_json.h) into
 * a batch of instances, validated whole, with no tree beyond them.
 */


#ifndef _PM_REQUEST_H_INCLUDED_
#define _PM_REQUEST_H_INCLUDED_


#include "pm_core.h"
#include "pm_json.h"
#include "pm_predict.h"


/*
 * max_instances: a larger batch is refused (PM_ETOOMANY) and its extra
 * instances are checked but not kept; max_values (0: no limit): values
 * kept per instance, the feature count, as more are an error anyway
 * (PM_ECOUNT when the instance is encoded).  So memory stays within
 * max_instances * max_values values whatever the body.
 */
int pm_request_parse(const char *buf, size_t len, size_t max_instances,
    size_t max_values, pm_alloc_t *a, pm_batch_t *req, pm_err_t *err);

/* a JSON array of instances (rows), for every codec that takes rows */
int pm_request_rows(pm_json_t *j, pm_batch_t *req, size_t max_instances,
    size_t max_values, size_t *count, const char **type);
int pm_request_check_rows(pm_batch_t *req, size_t count, size_t max,
    pm_err_t *err);


#endif /* _PM_REQUEST_H_INCLUDED_ */
