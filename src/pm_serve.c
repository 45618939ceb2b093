
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The one entry the glue calls: a body in, a whole answer out (the
 * prediction, or the error as JSON with its status), through the layers
 * below; and the texts of the HTTP layer's own refusals.
 */


#include <string.h>

#include "pm.h"
#include "pm_predict.h"
#include "pm_registry.h"
#include "pm_request.h"
#include "pm_response.h"
#include "pm_route.h"
#include "pm_text.h"
#include "pm_v1.h"
#include "pm_v2.h"


/* a writer of one answer, as pm_serve_write() calls it */

typedef size_t (*pm_write_pt)(const void *data, char *buf, size_t cap);

typedef struct {
    const pm_entry_t      *e;
    const void            *req;
    const pm_results_t    *res;
} pm_serve_out_t;


static int pm_serve_write(pm_write_pt write, const void *data,
    size_t estimate, pm_alloc_t *a, pm_answer_t *ans, pm_err_t *err);
static size_t pm_serve_v1(const void *data, char *buf, size_t cap);
static size_t pm_serve_v2(const void *data, char *buf, size_t cap);
static int pm_serve_doc(const pm_doc_t *doc, pm_answer_t *ans);
static int pm_serve_infer(const pm_entry_t *e, const pm_route_t *route,
    const char *body, size_t len, pm_alloc_t *a, pm_answer_t *ans,
    pm_err_t *err);
static const pm_entry_t *pm_serve_model(const pm_registry_t *r,
    const pm_route_t *route, pm_err_t *err);


int
pm_serve(const pm_pipeline_t *p, const char *body, size_t len,
    pm_alloc_t *a, pm_answer_t *ans, pm_err_t *err)
{
    int           rc;
    char         *buf;
    pm_batch_t    batch;
    pm_results_t  res;

    memset(ans, 0, sizeof(pm_answer_t));

    /*
     * values kept per instance: a few more than the features, so that an
     * extra name or index is still named in the error; past that the
     * count alone is the error, and memory stays bounded by the batch
     */

    rc = pm_request_parse(body, len, p->opt.max_instances,
                          2 * (size_t) p->nfeatures + 16, a, &batch, err);

    if (rc == PM_OK) {
        rc = pm_predict(p, &batch, a, &res, err);
    }

    if (rc == PM_OK) {
        rc = pm_response_encode(p, &res, a, &ans->body, &ans->len, err);
    }

    if (rc == PM_OK && !res.batch) {
        buf = pm_alloc(a, PM_JSON_NUM_SIZE);
        if (buf == NULL) {
            rc = pm_err_set(err, PM_ENOMEM, "out of memory");

        } else {
            ans->label = pm_pipeline_label(p, res.r[0].value, buf,
                                           &ans->label_len);
        }
    }

    if (rc != PM_OK) {
        pm_serve_error(err, 0, PM_API_NATIVE, a, ans);
        return rc;
    }

    ans->status = 200;
    ans->code = PM_OK;
    ans->instances = res.n;

    return PM_OK;
}


/*
 * An error as an answer: the status is the code's own unless given; the
 * body is the native one, or the protocols' {"error": "..."}.  If even the
 * body cannot be allocated, the answer has none (a 500).
 */

void
pm_serve_error(const pm_err_t *err, int status, int api, pm_alloc_t *a,
    pm_answer_t *ans)
{
    size_t  len;
    size_t  (*write)(const pm_err_t *err, char *buf, size_t cap);

    ans->code = err->code;
    ans->status = (status != 0) ? status : pm_err_status(err->code);
    ans->body = NULL;
    ans->len = 0;
    ans->instances = 0;
    ans->label = NULL;
    ans->label_len = 0;
    ans->api = api;

    if (ans->status == 0) {
        ans->status = 500;
    }

    write = (api == PM_API_NATIVE) ? pm_error_write : pm_error_write_flat;
    len = write(err, NULL, 0);

    ans->body = pm_alloc(a, len);
    if (ans->body == NULL) {
        ans->status = 500;
        return;
    }

    ans->len = write(err, ans->body, len);
}


/* an answer sized first, then filled, in memory from a */

static int
pm_serve_write(pm_write_pt write, const void *data, size_t estimate,
    pm_alloc_t *a, pm_answer_t *ans, pm_err_t *err)
{
    char    *out;
    size_t   cap, need;

    cap = estimate;

    for ( ;; ) {
        out = pm_alloc(a, cap);
        if (out == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        need = write(data, out, cap);

        if (need <= cap) {
            break;
        }

        cap = need;
    }

    ans->body = out;
    ans->len = need;

    return PM_OK;
}


static size_t
pm_serve_v1(const void *data, char *buf, size_t cap)
{
    const pm_serve_out_t  *o = data;

    return pm_v1_write(&o->e->pipeline, o->req, o->res, buf, cap);
}


static size_t
pm_serve_v2(const void *data, char *buf, size_t cap)
{
    const pm_serve_out_t  *o = data;

    return pm_v2_write(&o->e->pipeline, o->e->name, o->e->version, o->req,
                       o->res, buf, cap);
}


/* a document built at configuration time, answered as it is */

static int
pm_serve_doc(const pm_doc_t *doc, pm_answer_t *ans)
{
    ans->status = 200;
    ans->code = PM_OK;
    ans->body = doc->data;
    ans->len = doc->len;

    return PM_OK;
}


/* the route's model: NAME's version, or its latest */

static const pm_entry_t *
pm_serve_model(const pm_registry_t *r, const pm_route_t *route,
    pm_err_t *err)
{
    char               name[PM_SAFE_SIZE];
    size_t             n;
    const pm_entry_t  *e;

    e = pm_registry_find(r, route->name, route->name_len, route->version);
    if (e != NULL) {
        return e;
    }

    n = (route->name_len < PM_SAFE_TEXT) ? route->name_len : PM_SAFE_TEXT;
    memcpy(name, route->name, n);
    name[n] = '\0';

    if (route->version != 0
        && pm_registry_find(r, route->name, route->name_len, 0) != NULL)
    {
        (void) pm_err_set(err, PM_ENOTFOUND, "model \"%s\" has no version "
                          "%ld", name, route->version);

    } else {
        (void) pm_err_set(err, PM_ENOTFOUND, "model \"%s\" not found",
                          name);
    }

    return NULL;
}


/* :predict, :classify, :regress and /infer: decode, predict, encode */

static int
pm_serve_infer(const pm_entry_t *e, const pm_route_t *route,
    const char *body, size_t len, pm_alloc_t *a, pm_answer_t *ans,
    pm_err_t *err)
{
    int                    rc;
    size_t                 estimate;
    pm_results_t           res;
    pm_serve_out_t         out;
    pm_v1_request_t        v1;
    pm_v2_request_t        v2;
    const pm_batch_t      *batch;
    const pm_pipeline_t   *p;

    p = &e->pipeline;

    if (route->api == PM_API_V1) {
        rc = pm_v1_decode(p, route->kind, body, len, a, &v1, err);
        batch = &v1.batch;
        out.req = &v1;

    } else {
        rc = pm_v2_decode(p, body, len, a, &v2, err);
        batch = &v2.batch;
        out.req = &v2;
    }

    if (rc == PM_OK) {
        rc = pm_predict(p, batch, a, &res, err);
    }

    if (rc != PM_OK) {
        return rc;
    }

    out.e = e;
    out.res = &res;
    estimate = 128 + res.n * (32 + (size_t) res.nprob * 48);

    rc = pm_serve_write(route->api == PM_API_V1 ? pm_serve_v1 : pm_serve_v2,
                        &out, estimate, a, ans, err);
    if (rc != PM_OK) {
        return rc;
    }

    ans->instances = res.n;

    return PM_OK;
}


/*
 * The protocol routes of a registry: TensorFlow Serving's REST API (KServe
 * V1) under /v1/, the Open Inference Protocol (KServe V2) under /v2.
 */

int
pm_serve_route(const pm_registry_t *r, int method, const char *path,
    size_t plen, const char *body, size_t len, pm_alloc_t *a,
    pm_answer_t *ans, pm_err_t *err)
{
    int                rc;
    char               safe[PM_SAFE_SIZE];
    size_t             n;
    pm_route_t         route;
    const pm_entry_t  *e;

    memset(ans, 0, sizeof(pm_answer_t));

    rc = pm_route_parse(method, path, plen, &route, err);
    ans->api = (route.api != PM_API_NATIVE) ? route.api : PM_API_V2;

    if (rc == PM_OK && route.kind == 0) {
        n = (plen < PM_SAFE_TEXT) ? plen : PM_SAFE_TEXT;
        memcpy(safe, path, n);
        safe[n] = '\0';
        pm_safe_text(safe, safe);
        rc = pm_err_set(err, PM_ENOTFOUND, "no route %s here: /v1/models/"
                        "NAME[:predict], /v2/models/NAME[/infer], /v2/health"
                        "/ready", safe);
    }

    e = NULL;

    if (rc == PM_OK && route.name != NULL) {
        e = pm_serve_model(r, &route, err);
        rc = (e != NULL) ? PM_OK : err->code;
    }

    if (rc != PM_OK) {
        pm_serve_error(err, 0, ans->api, a, ans);
        ans->allow = (rc == PM_EMETHOD) ? (route.post ? "POST" : "GET, HEAD")
                                        : NULL;
        return rc;
    }

    if (e != NULL) {
        ans->model = e->name;
        ans->version = e->version;
    }

    switch (route.kind) {

    case PM_ROUTE_V1_LIST:
        return pm_serve_doc(&r->doc[PM_DOC_V1_LIST], ans);

    case PM_ROUTE_V2_SERVER:
        return pm_serve_doc(&r->doc[PM_DOC_V2_SERVER], ans);

    case PM_ROUTE_V2_LIVE:
        return pm_serve_doc(&r->doc[PM_DOC_V2_LIVE], ans);

    case PM_ROUTE_V2_READY:
        return pm_serve_doc(&r->doc[PM_DOC_V2_READY], ans);

    case PM_ROUTE_V1_STATUS:
        return pm_serve_doc(&e->doc[route.version ? PM_DOC_V1_STATUS
                                                  : PM_DOC_V1_ALL], ans);

    case PM_ROUTE_V1_META:
        return pm_serve_doc(&e->doc[PM_DOC_V1_META], ans);

    case PM_ROUTE_V2_META:
        return pm_serve_doc(&e->doc[PM_DOC_V2_META], ans);

    case PM_ROUTE_V2_MREADY:
        return pm_serve_doc(&e->doc[PM_DOC_V2_MREADY], ans);
    }

    rc = pm_serve_infer(e, &route, body, len, a, ans, err);

    if (rc != PM_OK) {
        pm_serve_error(err, 0, ans->api, a, ans);
        ans->model = e->name;
        ans->version = e->version;
        return rc;
    }

    ans->status = 200;
    ans->code = PM_OK;

    return PM_OK;
}


int
pm_err_method(pm_err_t *err, const char *method, size_t len)
{
    char  name[PM_SAFE_SIZE];

    len = (len < 16) ? len : 16;
    memcpy(name, method, len);
    name[len] = '\0';
    pm_safe_text(name, name);

    return pm_err_set(err, PM_EMETHOD, "method %s is not allowed; use POST "
                      "to predict, GET for metadata", name);
}


int
pm_err_body(pm_err_t *err, long long size, size_t limit)
{
    return pm_err_set(err, PM_EBODY, "request body of %lld bytes is larger "
                      "than predict_max_body_size %zu", size, limit);
}


/* the statuses nginx answers itself on a prediction location */

int
pm_err_http(pm_err_t *err, int status, long long max_body, int rate_limited)
{
    if (rate_limited) {
        return pm_err_set(err, PM_ERATE, "too many requests: the rate "
                          "limit of this location is exceeded");
    }

    switch (status) {

    case 403:
        return pm_err_set(err, PM_EFORBIDDEN, "access to this location is "
                          "forbidden");

    case 413:
        return pm_err_set(err, PM_EBODY, "request body is larger than "
                          "client_max_body_size %lld", max_body);

    case 400:
        return pm_err_set(err, PM_EBADREQ, "malformed HTTP request or "
                          "request body");

    case 408:
        return pm_err_set(err, PM_ETIMEOUT, "timed out reading the "
                          "request");

    case 411:
        return pm_err_set(err, PM_ELENGTH, "the request needs a length");

    default:
        return pm_err_set(err, (status >= 500) ? PM_ERROR : PM_EHTTP,
                          "HTTP status %d", status);
    }
}
