
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_request.h"
#include "pm_text.h"


/* what the body's members said, checked once the JSON is known valid */

typedef struct {
    size_t              max_instances;
    size_t              max_values;
    int                 have_features;
    int                 have_instances;
    pm_instance_t       single;          /* "features" */
    size_t              count;           /* "instances", all of them */
    const char         *instances_type;  /* "instances" is not an array */
    int                 have_unknown;
    char                unknown[PM_SAFE_SIZE];  /* the first, safe */
    pm_batch_t         *req;
} pm_request_state_t;


static int pm_request_members(pm_json_t *j, void *data);
static int pm_request_shape(pm_request_state_t *st, pm_alloc_t *a,
    pm_batch_t *req, pm_err_t *err);


/*
 * "instances": an array of instances, the first max_instances kept, all
 * checked and counted in *count; *type names anything but an array.
 */

int
pm_request_rows(pm_json_t *j, pm_batch_t *req, size_t max_instances,
    size_t max_values, size_t *count, const char **type)
{
    int          rc;
    size_t       cap;
    const char  *skipped;

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '[') {
        return pm_json_skip(j, type);
    }

    j->p++;
    pm_json_ws(j);

    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return PM_OK;
    }

    cap = 0;

    do {
        if (++*count > max_instances) {

            /* past the limit: checked, not kept */

            rc = pm_json_skip(j, &skipped);

        } else {
            req->inst = pm_json_grow(j, req->inst, req->n, &cap,
                                     sizeof(pm_instance_t), max_instances);
            if (req->inst == NULL) {
                return pm_err_set(j->err, PM_ENOMEM, "out of memory");
            }

            rc = pm_json_instance(j, max_values, &req->inst[req->n++]);
        }

        if (rc != PM_OK) {
            return rc;
        }

        rc = pm_json_next(j, ']');

    } while (rc > 0);

    return rc;
}


/* the members of the body's object, after its '{' */

static int
pm_request_members(pm_json_t *j, void *data)
{
    pm_request_state_t  *st = data;

    int          rc;
    pm_batch_t  *req;
    const char  *key, *type, *at;

    req = st->req;

    pm_json_ws(j);

    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return PM_OK;
    }

    for ( ;; ) {
        pm_json_ws(j);
        at = j->p;

        rc = pm_json_key(j, &key);
        if (rc != PM_OK) {
            return rc;
        }

        if ((strcmp(key, "features") == 0 && st->have_features)
            || (strcmp(key, "instances") == 0 && st->have_instances))
        {
            return pm_json_error(j, PM_EJSON, at, "duplicate object key");
        }

        if (strcmp(key, "features") == 0) {
            st->have_features = 1;
            rc = pm_json_instance(j, st->max_values, &st->single);

        } else if (strcmp(key, "instances") == 0) {
            st->have_instances = 1;
            rc = pm_request_rows(j, req, st->max_instances, st->max_values,
                                  &st->count, &st->instances_type);

        } else {
            if (!st->have_unknown) {
                st->have_unknown = 1;
                pm_safe_text(key, st->unknown);
            }

            rc = pm_json_skip(j, &type);
        }

        if (rc != PM_OK) {
            return rc;
        }

        rc = pm_json_next(j, '}');
        if (rc <= 0) {
            return rc;
        }
    }
}


/* valid JSON: now the shape */

static int
pm_request_shape(pm_request_state_t *st, pm_alloc_t *a, pm_batch_t *req,
    pm_err_t *err)
{
    if (st->have_unknown) {
        return pm_err_set(err, PM_ESHAPE, "unknown key \"%s\"; expected "
                          "\"features\" or \"instances\"", st->unknown);
    }

    if (st->have_features && st->have_instances) {
        return pm_err_set(err, PM_ESHAPE, "send either \"features\" or "
                          "\"instances\", not both");
    }

    if (st->have_features) {
        if (st->single.type != NULL) {
            return pm_err_set(err, PM_ESHAPE, "\"features\" is %s; expected "
                              "an array or an object", st->single.type);
        }

        req->inst = pm_alloc(a, sizeof(pm_instance_t));
        if (req->inst == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        req->inst[0] = st->single;
        req->n = 1;

        return PM_OK;
    }

    if (!st->have_instances) {
        return pm_err_set(err, PM_ESHAPE, "the body has neither "
                          "\"features\" nor \"instances\"");
    }

    if (st->instances_type != NULL) {
        return pm_err_set(err, PM_ESHAPE, "\"instances\" is %s; expected an "
                          "array", st->instances_type);
    }

    return pm_request_check_rows(req, st->count, st->max_instances, err);
}


/* rows read by pm_request_rows(): at most max, each an array or object */

int
pm_request_check_rows(pm_batch_t *req, size_t count, size_t max,
    pm_err_t *err)
{
    size_t  i;

    req->batch = 1;

    if (count > max) {
        return pm_err_set(err, PM_ETOOMANY, "%zu instances, more than the "
                          "limit of %zu", count, max);
    }

    for (i = 0; i < req->n; i++) {
        if (req->inst[i].type != NULL) {
            err->instance = (long) i;
            return pm_err_set(err, PM_ESHAPE, "instances[%zu] is %s; "
                              "expected an array or an object", i,
                              req->inst[i].type);
        }
    }

    return PM_OK;
}


int
pm_request_parse(const char *buf, size_t len, size_t max_instances,
    size_t max_values, pm_alloc_t *a, pm_batch_t *req, pm_err_t *err)
{
    int                  rc;
    pm_json_t            j;
    pm_request_state_t   st;

    memset(req, 0, sizeof(pm_batch_t));
    memset(&st, 0, sizeof(pm_request_state_t));
    pm_json_init(&j, buf, len, a, err);

    st.max_instances = max_instances;
    st.max_values = max_values;
    st.req = req;

    rc = pm_json_body(&j, "{\"features\": [...]} or {\"instances\": [...]}",
                      "\"features\" or \"instances\"", pm_request_members,
                      &st);
    if (rc != PM_OK) {
        return rc;
    }

    return pm_request_shape(&st, a, req, err);
}
