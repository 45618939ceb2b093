
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Request bodies: {"features": [...] | {...}} or {"instances": [...]}.
 * A strict JSON (RFC 8259) decoder that knows the schema: it validates the
 * whole body, refuses duplicate keys, invalid UTF-8 and \u0000, keeps no
 * tree beyond the instances, allocates only from the caller's allocator
 * and never recurses (deeper values are checked by an explicit stack).
 * Jansson, which the core uses for config files, is too slow here: a
 * prediction costs less than building its tree.
 */


#ifndef _PM_REQUEST_H_INCLUDED_
#define _PM_REQUEST_H_INCLUDED_


#include <svm.h>

#include "pm_core.h"


#define PM_JV_NULL      0    /* = PM_RAW_MISSING */
#define PM_JV_NUMBER    1    /* = PM_RAW_NUMBER */
#define PM_JV_STRING    2    /* = PM_RAW_STRING */
#define PM_JV_OTHER     3    /* a boolean, an array or an object */

#define PM_JSON_MAX_DEPTH  2048


typedef struct {
    const char         *key;    /* NUL-terminated; NULL in an array */
    const char         *str;    /* NUL-terminated, for PM_JV_STRING */
    const char         *type;   /* "a number", "an array"...: messages */
    double              num;
    int                 kind;
} pm_jvalue_t;


typedef struct {
    pm_jvalue_t        *v;
    size_t              n;        /* values kept in v */
    size_t              total;    /* values sent: more than n past the cap */
    int                 is_array;
    const char         *type;   /* not an array or object: what it is */
} pm_jinst_t;


typedef struct {
    pm_jinst_t         *inst;
    size_t              n;
    int                 batch;  /* 1: "instances", 0: "features" */
} pm_request_t;


/*
 * max_instances: a larger batch is refused (PM_ETOOMANY) and its extra
 * instances are checked but not kept; max_values (0: no limit): values
 * kept per instance, the feature count, as more are an error anyway
 * (PM_ECOUNT from pm_request_features or pm_features_raw).  So memory
 * stays within max_instances * max_values values whatever the body.
 */
int pm_request_parse(const char *buf, size_t len, size_t max_instances,
    size_t max_values, pm_alloc_t *a, pm_request_t *req, pm_err_t *err);
int pm_request_features(const pm_jinst_t *inst, int nfeatures,
    struct svm_node *raw, pm_err_t *err);


#endif /* _PM_REQUEST_H_INCLUDED_ */
