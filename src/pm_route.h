
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The model-server routes of TensorFlow Serving's REST API (KServe V1) and
 * of the Open Inference Protocol (KServe V2, Triton, MLServer), parsed from
 * a request's method and decoded path.  The path may carry a prefix before
 * its "v1" or "v2" segment (a location such as /api/).
 */


#ifndef _PM_ROUTE_H_INCLUDED_
#define _PM_ROUTE_H_INCLUDED_


#include <stddef.h>

#include "pm.h"


#define PM_ROUTE_V1_LIST     1   /* GET  /v1/models */
#define PM_ROUTE_V1_STATUS   2   /* GET  /v1/models/M[/versions/V] */
#define PM_ROUTE_V1_META     3   /* GET  /v1/models/M[/versions/V]/metadata */
#define PM_ROUTE_V1_PREDICT  4   /* POST /v1/models/M[/versions/V]:predict */
#define PM_ROUTE_V1_CLASSIFY 5   /* POST ...:classify */
#define PM_ROUTE_V1_REGRESS  6   /* POST ...:regress */
#define PM_ROUTE_V2_SERVER   7   /* GET  /v2 */
#define PM_ROUTE_V2_LIVE     8   /* GET  /v2/health/live */
#define PM_ROUTE_V2_READY    9   /* GET  /v2/health/ready */
#define PM_ROUTE_V2_META     10  /* GET  /v2/models/M[/versions/V] */
#define PM_ROUTE_V2_MREADY   11  /* GET  /v2/models/M[/versions/V]/ready */
#define PM_ROUTE_V2_INFER    12  /* POST /v2/models/M[/versions/V]/infer */



typedef struct {
    int                 kind;       /* PM_ROUTE_*, 0: no such route */
    int                 api;        /* PM_API_V1 or PM_API_V2 */
    int                 post;       /* the route takes POST, not GET */
    const char         *name;       /* the model's name in the path */
    size_t              name_len;
    long                version;    /* 0: the latest */
} pm_route_t;


int pm_route_parse(int method, const char *path, size_t len,
    pm_route_t *route, pm_err_t *err);


#endif /* _PM_ROUTE_H_INCLUDED_ */
