
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <string.h>

#include "pm_response.h"
#include "pm_text.h"


static void pm_put_label(pm_writer_t *w, const pm_pipeline_t *p, int label,
    int key);
static void pm_put_result(pm_writer_t *w, const pm_pipeline_t *p,
    const pm_results_t *res, const pm_result_t *r);


/* a libsvm label as the response shows it: the spec's class, or the int */

static void
pm_put_label(pm_writer_t *w, const pm_pipeline_t *p, int label, int key)
{
    const char  *text;
    char         buf[PM_JSON_NUM_SIZE];

    text = pm_pipeline_class(p, label, key, buf);

    if (key) {
        pm_put_string(w, text);

    } else {
        pm_puts(w, text);
    }
}


static void
pm_put_result(pm_writer_t *w, const pm_pipeline_t *p, const pm_results_t *res,
    const pm_result_t *r)
{
    int                 i;
    const char         *name;
    const pm_model_t   *m;

    m = p->model;

    if (pm_model_is_regression(m)) {
        pm_puts(w, "{\"value\":");
        pm_put_double(w, r->value);

    } else {
        pm_puts(w, "{\"label\":");
        pm_put_label(w, p, (int) r->value, 0);
    }

    if (res->nprob > 0) {
        pm_puts(w, ",\"probabilities\":{");

        for (i = 0; i < res->nprob; i++) {
            if (i) {
                pm_puts(w, ",");
            }

            pm_put_label(w, p, m->labels[i], 1);
            pm_puts(w, ":");
            pm_put_double(w, r->prob[i]);
        }

        pm_puts(w, "}");
    }

    if (res->ndec > 0) {
        pm_puts(w, ",\"decision_values\":[");

        for (i = 0; i < res->ndec; i++) {
            if (i) {
                pm_puts(w, ",");
            }

            pm_put_double(w, r->dec[i]);
        }

        pm_puts(w, "]");
    }

    if (r->noor > 0) {
        pm_puts(w, ",\"out_of_range\":[");

        for (i = 0; i < r->noor; i++) {
            if (i) {
                pm_puts(w, ",");
            }

            name = pm_pipeline_feature(p, r->oor[i]);

            if (name != NULL) {
                pm_put_string(w, name);
            } else {
                pm_put_int(w, r->oor[i]);
            }
        }

        pm_puts(w, "]");
    }

    pm_puts(w, "}");
}


size_t
pm_response_write(const pm_pipeline_t *p, const pm_results_t *res,
    char *buf, size_t cap)
{
    size_t       i;
    pm_writer_t  w;

    pm_writer_init(&w, buf, cap);

    if (!res->batch) {
        pm_put_result(&w, p, res, &res->r[0]);
        pm_puts(&w, "\n");

        return w.len;
    }

    pm_puts(&w, "{\"predictions\":[");

    for (i = 0; i < res->n; i++) {
        if (i) {
            pm_puts(&w, ",");
        }

        pm_put_result(&w, p, res, &res->r[i]);
    }

    pm_puts(&w, "]}\n");

    return w.len;
}


/* the answer in memory from a; the estimate makes one pass the rule */

int
pm_response_encode(const pm_pipeline_t *p, const pm_results_t *res,
    pm_alloc_t *a, char **body, size_t *len, pm_err_t *err)
{
    char    *out;
    size_t   cap, need;

    cap = 64 + res->n * (64 + (size_t) (res->nprob + res->ndec) * 48);

    for ( ;; ) {
        out = pm_alloc(a, cap);
        if (out == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        need = pm_response_write(p, res, out, cap);

        if (need <= cap) {
            break;
        }

        cap = need;
    }

    *body = out;
    *len = need;

    return PM_OK;
}


size_t
pm_error_write(const pm_err_t *err, char *buf, size_t cap)
{
    int          i;
    pm_writer_t  w;

    pm_writer_init(&w, buf, cap);

    pm_puts(&w, "{\"error\":{\"code\":");
    pm_put_string(&w, pm_err_name(err->code));
    pm_puts(&w, ",\"message\":");
    pm_put_string(&w, err->msg);

    if (err->instance >= 0) {
        pm_puts(&w, ",\"instance\":");
        pm_put_int(&w, err->instance);
    }

    if (err->nnames > 0) {
        pm_puts(&w, ",\"feature\":");
        pm_put_string(&w, err->names[0]);
        pm_puts(&w, ",\"features\":[");

        for (i = 0; i < err->nnames; i++) {
            if (i) {
                pm_puts(&w, ",");
            }

            pm_put_string(&w, err->names[i]);
        }

        pm_puts(&w, "]");

    } else if (err->feature > 0) {
        pm_puts(&w, ",\"feature\":");
        pm_put_int(&w, err->feature);
    }

    if (err->nnames == 0 && err->nfeatures > 0) {
        pm_puts(&w, ",\"features\":[");

        for (i = 0; i < err->nfeatures; i++) {
            if (i) {
                pm_puts(&w, ",");
            }

            pm_put_int(&w, err->features[i]);
        }

        pm_puts(&w, "]");
    }

    if (err->line > 0) {
        pm_puts(&w, ",\"line\":");
        pm_put_int(&w, err->line);
        pm_puts(&w, ",\"column\":");
        pm_put_int(&w, err->column);
    }

    pm_puts(&w, "}}\n");

    return w.len;
}


/* the protocols' error: {"error": "message", "code": "..."} */

size_t
pm_error_write_flat(const pm_err_t *err, char *buf, size_t cap)
{
    pm_writer_t  w;

    pm_writer_init(&w, buf, cap);

    pm_puts(&w, "{\"error\":");
    pm_put_string(&w, err->msg);
    pm_puts(&w, ",\"code\":");
    pm_put_string(&w, pm_err_name(err->code));
    pm_puts(&w, "}\n");

    return w.len;
}
