
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdio.h>
#include <string.h>

#include "pm_pipeline.h"
#include "pm_text.h"
#include "pm_v2.h"
#include "pm_writer.h"


#define PM_V2_MAX_DEPTH      8


/* the tensor datatypes of the protocol, and what JSON carries each */

#define PM_DT_NUMBER         0
#define PM_DT_BOOL           1
#define PM_DT_BYTES          2
#define PM_DT_NONE           3   /* FP16: not expressible in JSON */


typedef struct {
    const char         *name;
    char                safe[PM_SAFE_SIZE];  /* the name, for messages */
    long                shape[2];
    int                 ndim;
    int                 datatype;   /* PM_DT_* */
    const char         *type;       /* as sent, for messages */
    pm_value_t         *v;          /* the elements kept, row-major */
    size_t              n;
    size_t              total;      /* the elements sent */
    int                 have;       /* bit per member seen */
} pm_tensor_t;


typedef struct {
    const pm_pipeline_t  *p;
    pm_v2_request_t      *req;
    pm_tensor_t          *t;
    size_t                nt;
    size_t                max_tensors;
    int                   have_inputs;
} pm_v2_state_t;


static int pm_v2_datatype(pm_json_t *j, pm_tensor_t *t);
static int pm_v2_shape(pm_json_t *j, pm_tensor_t *t);
static int pm_v2_data(pm_json_t *j, pm_tensor_t *t, size_t keep);
static int pm_v2_tensor(pm_json_t *j, pm_v2_state_t *st, pm_tensor_t *t);
static size_t pm_v2_keep(pm_v2_state_t *st, pm_tensor_t *t);
static int pm_v2_inputs(pm_json_t *j, pm_v2_state_t *st);
static int pm_v2_outputs(pm_json_t *j, pm_v2_state_t *st);
static int pm_v2_members(pm_json_t *j, void *data);
static int pm_v2_batch(pm_json_t *j, pm_v2_state_t *st);
static int pm_v2_check(pm_err_t *err, const pm_tensor_t *t);
static void pm_v2_put_output(pm_writer_t *w, const pm_pipeline_t *p,
    int out, const pm_results_t *res);


static const struct {
    const char         *name;
    int                 kind;
} pm_v2_types[] = {
    { "BOOL", PM_DT_BOOL },
    { "UINT8", PM_DT_NUMBER }, { "UINT16", PM_DT_NUMBER },
    { "UINT32", PM_DT_NUMBER }, { "UINT64", PM_DT_NUMBER },
    { "INT8", PM_DT_NUMBER }, { "INT16", PM_DT_NUMBER },
    { "INT32", PM_DT_NUMBER }, { "INT64", PM_DT_NUMBER },
    { "FP16", PM_DT_NONE }, { "FP32", PM_DT_NUMBER },
    { "FP64", PM_DT_NUMBER }, { "BYTES", PM_DT_BYTES },
};

static const char  *pm_v2_out_types[] = { "INT64", "FP64", "BYTES" };


static int
pm_v2_datatype(pm_json_t *j, pm_tensor_t *t)
{
    int         rc;
    char        safe[PM_SAFE_SIZE];
    size_t      i;
    pm_value_t  v;

    rc = pm_json_value(j, &v);
    if (rc != PM_OK) {
        return rc;
    }

    if (v.kind == PM_VAL_STRING) {
        for (i = 0; i < sizeof(pm_v2_types) / sizeof(pm_v2_types[0]); i++) {
            if (strcmp(v.str, pm_v2_types[i].name) == 0) {
                t->datatype = pm_v2_types[i].kind;
                t->type = pm_v2_types[i].name;

                if (t->datatype == PM_DT_NONE) {
                    return pm_err_set(j->err, PM_ESHAPE, "datatype %s cannot "
                                      "be sent as JSON; send FP32 or FP64",
                                      t->type);
                }

                return PM_OK;
            }
        }

        pm_safe_text(v.str, safe);

        return pm_err_set(j->err, PM_ESHAPE, "unknown datatype \"%s\"", safe);
    }

    return pm_err_set(j->err, PM_ESHAPE, "\"datatype\" is %s; expected a "
                      "string", pm_value_type(&v));
}


/* [N] or [N, n]: non-negative integers */

static int
pm_v2_shape(pm_json_t *j, pm_tensor_t *t)
{
    int         rc;
    pm_value_t  v;

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '[') {
        rc = pm_json_value(j, &v);
        return (rc != PM_OK) ? rc
               : pm_err_set(j->err, PM_ESHAPE, "\"shape\" is %s; expected an "
                            "array", pm_value_type(&v));
    }

    j->p++;
    pm_json_ws(j);
    t->ndim = 0;

    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return pm_err_set(j->err, PM_ESHAPE, "a shape without dimensions");
    }

    for ( ;; ) {
        rc = pm_json_value(j, &v);
        if (rc != PM_OK) {
            return rc;
        }

        if (v.kind != PM_VAL_NUMBER || v.num < 0 || v.num > 1e15
            || v.num != (double) (long) v.num)
        {
            return pm_err_set(j->err, PM_ESHAPE, "a shape's dimensions are "
                              "integers from 0 to 10^15");
        }

        if (t->ndim == 2) {
            return pm_err_set(j->err, PM_ESHAPE, "a tensor of more than 2 "
                              "dimensions");
        }

        t->shape[t->ndim++] = (long) v.num;

        rc = pm_json_next(j, ']');
        if (rc <= 0) {
            return rc;
        }
    }
}


/*
 * The elements, flat or nested (row-major) to PM_V2_MAX_DEPTH: the first
 * keep kept, all checked and counted
 */

static int
pm_v2_data(pm_json_t *j, pm_tensor_t *t, size_t keep)
{
    int          rc, depth;
    size_t       cap;
    pm_value_t   spare, *v;

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '[') {
        rc = pm_json_value(j, &spare);
        return (rc != PM_OK) ? rc
               : pm_err_set(j->err, PM_ESHAPE, "\"data\" is %s; expected an "
                            "array", pm_value_type(&spare));
    }

    j->p++;
    depth = 1;
    cap = 0;

    for ( ;; ) {
        pm_json_ws(j);

        if (j->p < j->end && *j->p == ']') {
            j->p++;
            depth--;

        } else if (j->p < j->end && *j->p == '[') {
            if (depth == PM_V2_MAX_DEPTH) {
                return pm_err_set(j->err, PM_ESHAPE, "\"data\" nested deeper "
                                  "than %d levels", PM_V2_MAX_DEPTH);
            }

            j->p++;
            depth++;
            continue;

        } else {
            if (t->n < keep) {
                t->v = pm_json_grow(j, t->v, t->n, &cap, sizeof(pm_value_t),
                                    keep);
                if (t->v == NULL) {
                    return pm_err_set(j->err, PM_ENOMEM, "out of memory");
                }

                v = &t->v[t->n++];

            } else {
                v = &spare;
            }

            if (t->datatype == PM_DT_BOOL && j->p < j->end
                && (*j->p == 't' || *j->p == 'f'))
            {
                v->kind = PM_VAL_NUMBER;
                v->num = (*j->p == 't');
                rc = (*j->p == 't') ? pm_json_literal(j, "true", 4)
                                    : pm_json_literal(j, "false", 5);

            } else {
                rc = pm_json_value(j, v);

                if (rc == PM_OK && t->datatype == PM_DT_BOOL
                    && v->kind == PM_VAL_NUMBER)
                {
                    v->kind = PM_VAL_OTHER;     /* a BOOL is no number */
                    v->str = "a number";
                }
            }

            if (rc != PM_OK) {
                return rc;
            }

            v->key = t->name;

            if ((t->datatype == PM_DT_BYTES) != (v->kind == PM_VAL_STRING)) {
                return pm_err_set(j->err, PM_EVALUE, "element %zu of input "
                                  "\"%s\" is %s; %s wants %s", t->total,
                                  t->safe, pm_value_type(v), t->type,
                                  t->datatype == PM_DT_BYTES ? "strings"
                                  : t->datatype == PM_DT_BOOL ? "booleans"
                                  : "numbers");
            }

            t->total++;
        }

        if (depth == 0) {
            return PM_OK;
        }

        pm_json_ws(j);

        if (j->p < j->end && *j->p == ',') {
            j->p++;

        } else if (j->p >= j->end || *j->p != ']') {
            return pm_json_error(j, PM_EJSON, j->p, "',' or ']' expected");
        }
    }
}


static int
pm_v2_tensor(pm_json_t *j, pm_v2_state_t *st, pm_tensor_t *t)
{
    int          rc, bit;
    char         safe[PM_SAFE_SIZE];
    const char  *key, *type, *data;
    pm_json_t    later;
    pm_value_t   v;

    memset(t, 0, sizeof(pm_tensor_t));
    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '{') {
        rc = pm_json_value(j, &v);
        return (rc != PM_OK) ? rc
               : pm_err_set(j->err, PM_ESHAPE, "an input is %s; expected an "
                            "object", pm_value_type(&v));
    }

    j->p++;
    data = NULL;

    pm_json_ws(j);

    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return pm_err_set(j->err, PM_ESHAPE, "an input without \"name\", "
                          "\"shape\", \"datatype\" and \"data\"");
    }

    /* the data come last: their type and count need the other members */

    for ( ;; ) {
        rc = pm_json_key(j, &key);
        if (rc != PM_OK) {
            return rc;
        }

        bit = strcmp(key, "name") == 0 ? 1 : strcmp(key, "shape") == 0 ? 2
              : strcmp(key, "datatype") == 0 ? 4 : strcmp(key, "data") == 0
              ? 8 : strcmp(key, "parameters") == 0 ? 16 : 0;

        if (bit & t->have) {
            return pm_json_error(j, PM_EJSON, j->p, "duplicate object key");
        }

        t->have |= bit;

        if (bit == 1) {
            rc = pm_json_value(j, &v);
            if (rc == PM_OK && v.kind != PM_VAL_STRING) {
                rc = pm_err_set(j->err, PM_ESHAPE, "an input's \"name\" is "
                                "%s; expected a string", pm_value_type(&v));
            }

            if (rc == PM_OK) {
                t->name = v.str;
                pm_safe_text(t->name, t->safe);
            }

        } else if (bit == 2) {
            rc = pm_v2_shape(j, t);

        } else if (bit == 4) {
            rc = pm_v2_datatype(j, t);

        } else if (bit == 8 && (t->have & 7) == 7) {

            /* after the name, shape and datatype (clients' usual order):
             * read at once, not skipped and read again */

            rc = pm_v2_data(j, t, pm_v2_keep(st, t));

        } else if (bit == 8) {
            pm_json_ws(j);
            data = j->p;
            rc = pm_json_skip(j, &type);

        } else if (bit == 16) {
            rc = pm_json_skip(j, &type);

        } else {
            pm_safe_text(key, safe);
            return pm_err_set(j->err, PM_ESHAPE, "an input's unknown key "
                              "\"%s\"", safe);
        }

        if (rc != PM_OK) {
            return rc;
        }

        rc = pm_json_next(j, '}');
        if (rc < 0) {
            return rc;
        }

        if (rc == 0) {
            break;
        }
    }

    if ((t->have & 15) != 15) {
        return pm_err_set(j->err, PM_ESHAPE, "an input%s%s%s lacks \"%s\"",
                          t->name ? " \"" : "", t->name ? t->safe : "",
                          t->name ? "\"" : "",
                          !(t->have & 1) ? "name" : !(t->have & 2) ? "shape"
                          : !(t->have & 4) ? "datatype" : "data");
    }

    /* data skipped, as they came before what reading them needs */

    if (data != NULL) {
        later = *j;
        later.p = data;

        rc = pm_v2_data(&later, t, pm_v2_keep(st, t));
        if (rc != PM_OK) {
            return rc;
        }
    }

    return pm_v2_check(j->err, t);
}


/* kept: a batch's worth of rows, or of one feature's column */

static size_t
pm_v2_keep(pm_v2_state_t *st, pm_tensor_t *t)
{
    return st->p->opt.max_instances
           * (t->ndim == 2 ? (size_t) st->p->nfeatures : 1);
}


/* the elements sent are what the shape says */

static int
pm_v2_check(pm_err_t *err, const pm_tensor_t *t)
{
    char    shape[64];
    double  want;

    want = (double) t->shape[0] * (t->ndim == 2 ? (double) t->shape[1] : 1);

    if (want == (double) t->total) {
        return PM_OK;
    }

    if (t->ndim == 2) {
        (void) snprintf(shape, sizeof(shape), "[%ld, %ld]", t->shape[0],
                        t->shape[1]);
    } else {
        (void) snprintf(shape, sizeof(shape), "[%ld]", t->shape[0]);
    }

    return pm_err_set(err, PM_ESHAPE, "input \"%s\": shape %s is %.0f "
                      "elements, and %zu were sent", t->safe, shape, want,
                      t->total);
}


static int
pm_v2_inputs(pm_json_t *j, pm_v2_state_t *st)
{
    int         rc;
    size_t      cap;
    pm_value_t  v;

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '[') {
        rc = pm_json_value(j, &v);
        return (rc != PM_OK) ? rc
               : pm_err_set(j->err, PM_ESHAPE, "\"inputs\" is %s; expected "
                            "an array", pm_value_type(&v));
    }

    j->p++;
    pm_json_ws(j);
    cap = 0;

    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return pm_err_set(j->err, PM_ESHAPE, "\"inputs\" is empty");
    }

    for ( ;; ) {
        if (st->nt == st->max_tensors) {
            return pm_err_set(j->err, PM_ECOUNT, "more inputs than the "
                              "model's %d features", st->p->nfeatures);
        }

        st->t = pm_json_grow(j, st->t, st->nt, &cap, sizeof(pm_tensor_t),
                             st->max_tensors);
        if (st->t == NULL) {
            return pm_err_set(j->err, PM_ENOMEM, "out of memory");
        }

        rc = pm_v2_tensor(j, st, &st->t[st->nt]);
        if (rc != PM_OK) {
            return rc;
        }

        st->nt++;

        rc = pm_json_next(j, ']');
        if (rc <= 0) {
            return rc;
        }
    }
}


/* [{"name": "predict"}, {"name": "predict_proba"}], each once */

static int
pm_v2_outputs(pm_json_t *j, pm_v2_state_t *st)
{
    int          rc, out, k;
    char         safe[PM_SAFE_SIZE];
    const char  *key, *type, *name;
    pm_value_t   v;

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '[') {
        rc = pm_json_value(j, &v);
        return (rc != PM_OK) ? rc
               : pm_err_set(j->err, PM_ESHAPE, "\"outputs\" is %s; expected "
                            "an array", pm_value_type(&v));
    }

    j->p++;
    pm_json_ws(j);

    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return PM_OK;
    }

    for ( ;; ) {
        pm_json_ws(j);

        if (j->p >= j->end || *j->p != '{') {
            rc = pm_json_value(j, &v);
            return (rc != PM_OK) ? rc
                   : pm_err_set(j->err, PM_ESHAPE, "an output is %s; "
                                "expected an object", pm_value_type(&v));
        }

        j->p++;
        name = NULL;

        do {
            rc = pm_json_key(j, &key);
            if (rc != PM_OK) {
                return rc;
            }

            if (strcmp(key, "name") == 0) {
                rc = pm_json_value(j, &v);
                name = (rc == PM_OK && v.kind == PM_VAL_STRING) ? v.str : "";

            } else {
                rc = pm_json_skip(j, &type);
            }

            if (rc != PM_OK) {
                return rc;
            }

            rc = pm_json_next(j, '}');

        } while (rc > 0);

        if (rc < 0) {
            return rc;
        }

        out = (name == NULL) ? -1 : strcmp(name, "predict") == 0
              ? PM_V2_PREDICT : strcmp(name, "predict_proba") == 0
              ? PM_V2_PROBA : -1;

        if (out < 0 || (out == PM_V2_PROBA && pm_pipeline_nprob(st->p) == 0))
        {
            pm_safe_text(name != NULL ? name : "", safe);
            return pm_err_set(j->err, PM_ESHAPE, "unknown output \"%s\"; this "
                              "model has \"predict\"%s", safe,
                              pm_pipeline_nprob(st->p) > 0
                              ? " and \"predict_proba\"" : "");
        }

        for (k = 0; k < st->req->nout; k++) {
            if (st->req->out[k] == out) {
                pm_safe_text(name, safe);
                return pm_err_set(j->err, PM_ESHAPE, "output \"%s\" asked "
                                  "for twice", safe);
            }
        }

        st->req->out[st->req->nout++] = out;

        rc = pm_json_next(j, ']');
        if (rc <= 0) {
            return rc;
        }
    }
}


static int
pm_v2_members(pm_json_t *j, void *data)
{
    pm_v2_state_t  *st = data;

    int          rc;
    char         safe[PM_SAFE_SIZE];
    const char  *key, *type, *start;
    pm_value_t   v;

    pm_json_ws(j);

    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return PM_OK;
    }

    for ( ;; ) {
        rc = pm_json_key(j, &key);
        if (rc != PM_OK) {
            return rc;
        }

        if (strcmp(key, "inputs") == 0 && !st->have_inputs) {
            st->have_inputs = 1;
            rc = pm_v2_inputs(j, st);

        } else if (strcmp(key, "outputs") == 0 && st->req->nout == 0) {
            rc = pm_v2_outputs(j, st);

        } else if (strcmp(key, "id") == 0 && st->req->id == NULL) {
            rc = pm_json_value(j, &v);
            if (rc == PM_OK && v.kind != PM_VAL_STRING) {
                rc = pm_err_set(j->err, PM_ESHAPE, "\"id\" is %s; expected a "
                                "string", pm_value_type(&v));
            }

            if (rc == PM_OK) {
                st->req->id = v.str;
            }

        } else if (strcmp(key, "parameters") == 0
                   && st->req->params == NULL)
        {
            pm_json_ws(j);
            start = j->p;
            rc = pm_json_skip(j, &type);

            if (rc == PM_OK && *start != '{') {
                rc = pm_err_set(j->err, PM_ESHAPE, "\"parameters\" is %s; "
                                "expected an object", type);
            }

            st->req->params = start;
            st->req->params_len = (size_t) (j->p - start);

        } else {
            pm_safe_text(key, safe);
            return pm_err_set(j->err, PM_ESHAPE, "unknown or repeated key "
                              "\"%s\"; expected \"inputs\", \"outputs\", "
                              "\"id\" or \"parameters\"", safe);
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


/*
 * The tensors as instances: one 2-D tensor [N, n] gives N arrays of n
 * values in row order; 1-D tensors [N], one per named feature, give N
 * objects
 */

static int
pm_v2_batch(pm_json_t *j, pm_v2_state_t *st)
{
    size_t          i, k, rows, n, width;
    pm_batch_t     *b;
    pm_tensor_t    *t;
    pm_instance_t  *inst;

    b = &st->req->batch;
    b->batch = 1;
    t = st->t;

    if (st->nt == 1 && t[0].ndim == 2) {
        rows = (size_t) t[0].shape[0];
        width = (size_t) t[0].shape[1];

        if (width != (size_t) st->p->nfeatures) {
            return pm_err_set(j->err, PM_ECOUNT, "input \"%s\" has %zu "
                              "columns; the model takes %d features",
                              t[0].safe, width, st->p->nfeatures);
        }

    } else {
        rows = (size_t) t[0].shape[0];
        width = 1;

        for (k = 0; k < st->nt; k++) {
            if (t[k].ndim == 2 && t[k].shape[1] != 1) {
                return pm_err_set(j->err, PM_ESHAPE, "input \"%s\" has shape "
                                  "[%ld, %ld]: send one 2-D input, or one "
                                  "input [N] per feature", t[k].safe,
                                  t[k].shape[0], t[k].shape[1]);
            }

            if ((size_t) t[k].shape[0] != rows) {
                return pm_err_set(j->err, PM_ESHAPE, "input \"%s\" has %ld "
                                  "rows, input \"%s\" %zu: every input needs "
                                  "one value per instance", t[k].safe,
                                  t[k].shape[0], t[0].safe, rows);
            }
        }
    }

    if (rows > st->p->opt.max_instances) {
        return pm_err_set(j->err, PM_ETOOMANY, "%zu instances, more than the "
                          "limit of %zu", rows, st->p->opt.max_instances);
    }

    n = (st->nt == 1 && t[0].ndim == 2) ? width : st->nt;

    b->inst = pm_alloc(j->a, sizeof(pm_instance_t) * (rows + 1));
    if (b->inst == NULL) {
        return pm_err_set(j->err, PM_ENOMEM, "out of memory");
    }

    for (i = 0; i < rows; i++) {
        inst = &b->inst[i];
        memset(inst, 0, sizeof(pm_instance_t));
        inst->n = n;
        inst->total = n;

        if (st->nt == 1 && t[0].ndim == 2) {
            inst->is_array = 1;
            inst->v = &t[0].v[i * width];
            continue;
        }

        inst->v = pm_alloc(j->a, sizeof(pm_value_t) * n);
        if (inst->v == NULL) {
            return pm_err_set(j->err, PM_ENOMEM, "out of memory");
        }

        for (k = 0; k < st->nt; k++) {
            inst->v[k] = t[k].v[i];
        }
    }

    b->n = rows;

    return PM_OK;
}


int
pm_v2_decode(const pm_pipeline_t *p, const char *body, size_t len,
    pm_alloc_t *a, pm_v2_request_t *req, pm_err_t *err)
{
    int             rc;
    pm_json_t       j;
    pm_v2_state_t   st;

    memset(req, 0, sizeof(pm_v2_request_t));
    memset(&st, 0, sizeof(pm_v2_state_t));

    st.p = p;
    st.req = req;
    st.max_tensors = 2 * (size_t) p->nfeatures + 16;

    pm_json_init(&j, body, len, a, err);

    rc = pm_json_body(&j, "{\"inputs\": [...]}",
                      "\"inputs\"", pm_v2_members, &st);
    if (rc != PM_OK) {
        return rc;
    }

    if (!st.have_inputs) {
        return pm_err_set(err, PM_ESHAPE, "the body has no \"inputs\"");
    }

    if (req->nout == 0) {
        req->out[req->nout++] = PM_V2_PREDICT;
    }

    return pm_v2_batch(&j, &st);
}


static void
pm_v2_put_output(pm_writer_t *w, const pm_pipeline_t *p, int out,
    const pm_results_t *res)
{
    int          c, k, nc, type;
    char         buf[PM_JSON_NUM_SIZE];
    size_t       i;

    type = pm_pipeline_output(p);
    nc = pm_pipeline_nclasses(p);

    pm_puts(w, "{\"name\":\"");
    pm_puts(w, out == PM_V2_PROBA ? "predict_proba" : "predict");
    pm_puts(w, "\",\"datatype\":\"");
    pm_puts(w, out == PM_V2_PROBA ? "FP64" : pm_v2_out_types[type]);
    pm_puts(w, "\",\"shape\":[");
    pm_put_int(w, (long) res->n);

    if (out == PM_V2_PROBA) {
        pm_puts(w, ",");
        pm_put_int(w, nc);
    }

    pm_puts(w, "],\"data\":[");

    for (i = 0; i < res->n; i++) {
        if (out == PM_V2_PROBA) {
            for (c = 0; c < nc; c++) {
                k = pm_pipeline_class_prob(p, c);
                pm_puts(w, (i || c) ? "," : "");
                pm_put_double(w, (k >= 0) ? res->r[i].prob[k] : 0.0);
            }

            continue;
        }

        pm_puts(w, i ? "," : "");

        if (type == PM_OUT_FP64 && pm_model_is_regression(p->model)) {
            pm_put_double(w, res->r[i].value);

        } else {
            pm_puts(w, pm_pipeline_class(p, (int) res->r[i].value, 0, buf));
        }
    }

    pm_puts(w, "]}");
}


size_t
pm_v2_write(const pm_pipeline_t *p, const char *name, long version,
    const pm_v2_request_t *req, const pm_results_t *res, char *buf,
    size_t cap)
{
    int          k;
    pm_writer_t  w;

    pm_writer_init(&w, buf, cap);

    pm_puts(&w, "{\"model_name\":");
    pm_put_string(&w, name);
    pm_puts(&w, ",\"model_version\":\"");
    pm_put_int(&w, version);
    pm_puts(&w, "\"");

    if (req->id != NULL) {
        pm_puts(&w, ",\"id\":");
        pm_put_string(&w, req->id);
    }

    if (req->params != NULL) {
        pm_puts(&w, ",\"parameters\":");
        pm_put(&w, req->params, req->params_len);
    }

    pm_puts(&w, ",\"outputs\":[");

    for (k = 0; k < req->nout; k++) {
        pm_puts(&w, k ? "," : "");
        pm_v2_put_output(&w, p, req->out[k], res);
    }

    pm_puts(&w, "]}\n");

    return w.len;
}
