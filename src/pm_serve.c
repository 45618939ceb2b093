
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
#include "pm_request.h"
#include "pm_response.h"
#include "pm_text.h"


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
        pm_serve_error(err, 0, a, ans);
        return rc;
    }

    ans->status = 200;
    ans->code = PM_OK;
    ans->instances = res.n;

    return PM_OK;
}


/*
 * An error as an answer: the status is the code's own unless given.  If
 * even the body cannot be allocated, the answer has none (a 500).
 */

void
pm_serve_error(const pm_err_t *err, int status, pm_alloc_t *a,
    pm_answer_t *ans)
{
    size_t  len;

    memset(ans, 0, sizeof(pm_answer_t));

    ans->code = err->code;
    ans->status = (status != 0) ? status : pm_err_status(err->code);

    if (ans->status == 0) {
        ans->status = 500;
    }

    len = pm_error_write(err, NULL, 0);

    ans->body = pm_alloc(a, len);
    if (ans->body == NULL) {
        ans->status = 500;
        return;
    }

    ans->len = pm_error_write(err, ans->body, len);
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
