
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Request bodies: {"features": [...] | {...}} or {"instances": [...]},
 * decoded with Jansson into libsvm's sorted, -1-terminated node arrays.
 */


#ifndef _PM_REQUEST_H_INCLUDED_
#define _PM_REQUEST_H_INCLUDED_


#include <jansson.h>
#include <svm.h>

#include "pm_core.h"


typedef struct {
    json_t             *root;
    json_t             *instances;  /* the batch array, or NULL */
    size_t              n;          /* instances in the request */
    int                 batch;      /* 1: "instances", 0: "features" */
} pm_request_t;


int pm_request_parse(const char *buf, size_t len, size_t max_instances,
    pm_request_t *req, pm_err_t *err);
void pm_request_release(pm_request_t *req);
json_t *pm_request_instance(const pm_request_t *req, size_t i);
size_t pm_request_instance_size(json_t *inst);
const char *pm_json_type_name(const json_t *v);
int pm_request_features(json_t *inst, int nfeatures, struct svm_node *raw,
    pm_err_t *err);


#endif /* _PM_REQUEST_H_INCLUDED_ */
