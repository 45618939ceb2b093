
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <string.h>

#include "pm_request.h"
#include "pm_route.h"
#include "pm_text.h"
#include "pm_v1.h"
#include "pm_writer.h"


typedef struct {
    const pm_pipeline_t  *p;
    pm_v1_request_t      *req;
    size_t                max_values;
    size_t                count;       /* rows sent, kept or not */
    const char           *rows_type;   /* the rows were not an array */
    int                   rows;        /* "instances" or "examples" */
    int                   inputs;
    int                   signature;
    char                  unknown[PM_SAFE_SIZE];
    int                   have_unknown;
} pm_v1_state_t;


static int pm_v1_signature(pm_json_t *j, pm_v1_state_t *st);
static int pm_v1_columns(pm_json_t *j, pm_v1_state_t *st);
static int pm_v1_column(pm_json_t *j, pm_v1_state_t *st, const char *key,
    pm_value_t **col, size_t *n);
static int pm_v1_members(pm_json_t *j, void *data);
static int pm_v1_shape(pm_v1_state_t *st, pm_err_t *err);
static void pm_v1_put_label(pm_writer_t *w, const pm_pipeline_t *p,
    int label);
static void pm_v1_put_proba(pm_writer_t *w, const pm_pipeline_t *p,
    const pm_result_t *r);
static void pm_v1_put_result(pm_writer_t *w, const pm_pipeline_t *p,
    const pm_v1_request_t *req, const pm_result_t *r);


/* "serving_default" and "predict": labels; "predict_proba": probabilities */

static int
pm_v1_signature(pm_json_t *j, pm_v1_state_t *st)
{
    int          rc;
    char         safe[PM_SAFE_SIZE];
    const char  *name;
    pm_value_t   v;

    rc = pm_json_value(j, &v);
    if (rc != PM_OK) {
        return rc;
    }

    if (v.kind != PM_VAL_STRING) {
        return pm_err_set(j->err, PM_ESHAPE, "\"signature_name\" is %s; "
                          "expected a string", pm_value_type(&v));
    }

    name = v.str;

    if (strcmp(name, "serving_default") == 0 || strcmp(name, "predict") == 0)
    {
        return PM_OK;
    }

    if (strcmp(name, "predict_proba") == 0
        && st->req->route == PM_ROUTE_V1_PREDICT
        && pm_pipeline_nprob(st->p) > 0)
    {
        st->req->proba = 1;
        return PM_OK;
    }

    pm_safe_text(name, safe);

    return pm_err_set(j->err, PM_ESHAPE, "unknown signature \"%s\"; this "
                      "model has \"serving_default\"%s", safe,
                      pm_pipeline_nprob(st->p) > 0
                      && st->req->route == PM_ROUTE_V1_PREDICT
                      ? " and \"predict_proba\"" : "");
}


/* one column of "inputs": at most max_instances values, kept */

static int
pm_v1_column(pm_json_t *j, pm_v1_state_t *st, const char *key,
    pm_value_t **col, size_t *n)
{
    int          rc;
    char         safe[PM_SAFE_SIZE];
    size_t       cap, max;
    pm_value_t   v;

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '[') {
        pm_safe_text(key, safe);
        rc = pm_json_value(j, &v);
        return (rc != PM_OK) ? rc
               : pm_err_set(j->err, PM_ESHAPE, "input \"%s\" is %s; "
                            "expected an array of values", safe,
                            pm_value_type(&v));
    }

    j->p++;
    pm_json_ws(j);
    *n = 0;
    *col = NULL;
    cap = 0;
    max = st->p->opt.max_instances;

    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return PM_OK;
    }

    for ( ;; ) {
        if (*n < max) {
            *col = pm_json_grow(j, *col, *n, &cap, sizeof(pm_value_t), max);
            if (*col == NULL) {
                return pm_err_set(j->err, PM_ENOMEM, "out of memory");
            }

            rc = pm_json_value(j, &(*col)[*n]);
            (*col)[*n].key = key;

        } else {
            rc = pm_json_value(j, &v);
        }

        if (rc != PM_OK) {
            return rc;
        }

        (*n)++;

        rc = pm_json_next(j, ']');
        if (rc <= 0) {
            return rc;
        }
    }
}


/*
 * "inputs": an array of rows, an object holding one array of rows, or an
 * object of columns by feature name (all as long), turned into rows
 */

static int
pm_v1_columns(pm_json_t *j, pm_v1_state_t *st)
{
    int             rc;
    char            safe[PM_SAFE_SIZE];
    size_t          i, k, n, rows, ncols, cap, lcap;
    const char     *key, *p;
    pm_value_t    **cols;
    size_t         *lens;
    pm_batch_t     *b;
    pm_instance_t  *inst;

    b = &st->req->batch;
    pm_json_ws(j);

    if (j->p < j->end && *j->p == '[') {
        return pm_request_rows(j, b, st->p->opt.max_instances,
                               st->max_values, &st->count, &st->rows_type);
    }

    if (j->p >= j->end || *j->p != '{') {
        return pm_json_skip(j, &st->rows_type);
    }

    j->p++;
    ncols = 0;
    cap = 0;
    lcap = 0;
    cols = NULL;
    lens = NULL;
    rows = 0;

    pm_json_ws(j);

    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return pm_err_set(j->err, PM_ESHAPE, "\"inputs\" is an empty "
                          "object");
    }

    for ( ;; ) {
        rc = pm_json_key(j, &key);
        if (rc != PM_OK) {
            return rc;
        }

        /* {"input-0": [[...], [...]]}: one tensor of rows */

        pm_json_ws(j);
        p = j->p + 1;
        while (p < j->end && (*p == ' ' || *p == '\n' || *p == '\t'
                              || *p == '\r'))
        {
            p++;
        }

        if (ncols == 0 && j->p < j->end && *j->p == '['
            && p < j->end && (*p == '[' || *p == '{'))
        {
            rc = pm_request_rows(j, b, st->p->opt.max_instances,
                                 st->max_values, &st->count,
                                 &st->rows_type);
            if (rc == PM_OK) {
                rc = pm_json_next(j, '}');
            }

            return (rc > 0) ? pm_json_error(j, PM_ESHAPE, j->p, "a tensor "
                                            "of rows is the only input")
                            : rc;
        }

        if (ncols == st->max_values) {
            return pm_err_set(j->err, PM_ECOUNT, "more inputs than the "
                              "model's %zu features", st->max_values);
        }

        cols = pm_json_grow(j, cols, ncols, &cap, sizeof(pm_value_t *),
                            st->max_values);
        lens = pm_json_grow(j, lens, ncols, &lcap, sizeof(size_t),
                            st->max_values);
        if (cols == NULL || lens == NULL) {
            return pm_err_set(j->err, PM_ENOMEM, "out of memory");
        }

        rc = pm_v1_column(j, st, key, &cols[ncols], &lens[ncols]);
        if (rc != PM_OK) {
            return rc;
        }

        if (ncols > 0 && lens[ncols] != rows) {
            pm_safe_text(key, safe);
            return pm_err_set(j->err, PM_ESHAPE, "input \"%s\" has %zu "
                              "values, the first input %zu: every input "
                              "needs one value per instance", safe,
                              lens[ncols], rows);
        }

        rows = lens[ncols];
        ncols++;

        rc = pm_json_next(j, '}');
        if (rc < 0) {
            return rc;
        }

        if (rc == 0) {
            break;
        }
    }

    st->count = rows;
    n = (rows < st->p->opt.max_instances) ? rows : st->p->opt.max_instances;

    b->inst = pm_alloc(j->a, sizeof(pm_instance_t) * (n + 1));
    if (b->inst == NULL) {
        return pm_err_set(j->err, PM_ENOMEM, "out of memory");
    }

    for (i = 0; i < n; i++) {
        inst = &b->inst[i];
        memset(inst, 0, sizeof(pm_instance_t));

        inst->v = pm_alloc(j->a, sizeof(pm_value_t) * ncols);
        if (inst->v == NULL) {
            return pm_err_set(j->err, PM_ENOMEM, "out of memory");
        }

        for (k = 0; k < ncols; k++) {
            inst->v[k] = cols[k][i];
        }

        inst->n = ncols;
        inst->total = ncols;
    }

    b->n = n;

    return PM_OK;
}


static int
pm_v1_members(pm_json_t *j, void *data)
{
    pm_v1_state_t  *st = data;

    int          rc, rows_key;
    const char  *key, *type, *at;

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

        rows_key = strcmp(key, "instances") == 0
                   || (strcmp(key, "examples") == 0
                       && st->req->route != PM_ROUTE_V1_PREDICT);

        if ((rows_key && st->rows) || (strcmp(key, "inputs") == 0
                                       && st->inputs)
            || (strcmp(key, "signature_name") == 0 && st->signature))
        {
            return pm_json_error(j, PM_EJSON, at, "duplicate object key");
        }

        if (rows_key) {
            st->rows = 1;
            rc = (st->inputs) ? pm_json_skip(j, &type)
                 : pm_request_rows(j, &st->req->batch,
                                   st->p->opt.max_instances, st->max_values,
                                   &st->count, &st->rows_type);

        } else if (strcmp(key, "inputs") == 0) {
            st->inputs = 1;
            st->req->columns = 1;
            rc = (st->rows) ? pm_json_skip(j, &type) : pm_v1_columns(j, st);

        } else if (strcmp(key, "signature_name") == 0) {
            st->signature = 1;
            rc = pm_v1_signature(j, st);

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


static int
pm_v1_shape(pm_v1_state_t *st, pm_err_t *err)
{
    if (st->have_unknown) {
        return pm_err_set(err, PM_ESHAPE, "unknown key \"%s\"; expected "
                          "\"instances\", \"inputs\"%s or \"signature_name\"",
                          st->unknown,
                          st->req->route != PM_ROUTE_V1_PREDICT
                          ? ", \"examples\"" : "");
    }

    if (st->rows && st->inputs) {
        return pm_err_set(err, PM_ESHAPE, "send either \"instances\" or "
                          "\"inputs\", not both");
    }

    if (!st->rows && !st->inputs) {
        return pm_err_set(err, PM_ESHAPE, "the body has neither "
                          "\"instances\" nor \"inputs\"");
    }

    if (st->rows_type != NULL) {
        return pm_err_set(err, PM_ESHAPE, "the %s are %s; expected an array",
                          st->inputs ? "inputs" : "instances",
                          st->rows_type);
    }

    return pm_request_check_rows(&st->req->batch, st->count,
                                 st->p->opt.max_instances, err);
}


int
pm_v1_decode(const pm_pipeline_t *p, int route, const char *body,
    size_t len, pm_alloc_t *a, pm_v1_request_t *req, pm_err_t *err)
{
    int             rc;
    pm_json_t       j;
    pm_v1_state_t   st;

    memset(req, 0, sizeof(pm_v1_request_t));
    memset(&st, 0, sizeof(pm_v1_state_t));

    req->route = route;
    st.p = p;
    st.req = req;
    st.max_values = 2 * (size_t) p->nfeatures + 16;

    pm_json_init(&j, body, len, a, err);

    rc = pm_json_body(&j, "{\"instances\": [...]} or {\"inputs\": ...}",
                      "\"instances\" or \"inputs\"", pm_v1_members, &st);
    if (rc != PM_OK) {
        return rc;
    }

    rc = pm_v1_shape(&st, err);
    if (rc != PM_OK) {
        return rc;
    }

    if (route == PM_ROUTE_V1_CLASSIFY && pm_pipeline_nprob(p) == 0) {
        return pm_err_set(err, PM_ESHAPE, "this model gives no class "
                          "probabilities to classify with: use :predict");
    }

    if (route == PM_ROUTE_V1_REGRESS && !pm_model_is_regression(p->model)) {
        return pm_err_set(err, PM_ESHAPE, "this %s model does not regress: "
                          "use :predict", p->model->type);
    }

    return PM_OK;
}


/* a label as scikit-learn's predict gives it: the class, or the integer */

static void
pm_v1_put_label(pm_writer_t *w, const pm_pipeline_t *p, int label)
{
    char  buf[PM_JSON_NUM_SIZE];

    pm_puts(w, pm_pipeline_class(p, label, 0, buf));
}


/* predict_proba's row: the classes in the metadata's order */

static void
pm_v1_put_proba(pm_writer_t *w, const pm_pipeline_t *p,
    const pm_result_t *r)
{
    int  c, k, n;

    n = pm_pipeline_nclasses(p);
    pm_puts(w, "[");

    for (c = 0; c < n; c++) {
        k = pm_pipeline_class_prob(p, c);

        if (c) {
            pm_puts(w, ",");
        }

        pm_put_double(w, (k >= 0) ? r->prob[k] : 0.0);
    }

    pm_puts(w, "]");
}


static void
pm_v1_put_result(pm_writer_t *w, const pm_pipeline_t *p,
    const pm_v1_request_t *req, const pm_result_t *r)
{
    int   c, k, n;
    char  buf[PM_JSON_NUM_SIZE];

    if (req->route == PM_ROUTE_V1_CLASSIFY) {
        n = pm_pipeline_nclasses(p);
        pm_puts(w, "[");

        for (c = 0; c < n; c++) {
            k = pm_pipeline_class_prob(p, c);

            pm_puts(w, c ? ",[" : "[");
            pm_put_string(w, pm_pipeline_class(p,
                                               pm_pipeline_class_label(p, c),
                                               1, buf));
            pm_puts(w, ",");
            pm_put_double(w, (k >= 0) ? r->prob[k] : 0.0);
            pm_puts(w, "]");
        }

        pm_puts(w, "]");

    } else if (req->proba) {
        pm_v1_put_proba(w, p, r);

    } else if (pm_model_is_regression(p->model)) {
        pm_put_double(w, r->value);

    } else {
        pm_v1_put_label(w, p, (int) r->value);
    }
}


size_t
pm_v1_write(const pm_pipeline_t *p, const pm_v1_request_t *req,
    const pm_results_t *res, char *buf, size_t cap)
{
    size_t       i;
    pm_writer_t  w;

    pm_writer_init(&w, buf, cap);

    pm_puts(&w, req->route != PM_ROUTE_V1_PREDICT ? "{\"results\":["
                : req->columns ? "{\"outputs\":[" : "{\"predictions\":[");

    for (i = 0; i < res->n; i++) {
        if (i) {
            pm_puts(&w, ",");
        }

        pm_v1_put_result(&w, p, req, &res->r[i]);
    }

    pm_puts(&w, "]}\n");

    return w.len;
}
