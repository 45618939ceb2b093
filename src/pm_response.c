
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pm_response.h"


#define PM_META_MAX_RANGES  1024


typedef struct {
    char               *p;
    size_t              len;    /* bytes the full output needs */
    size_t              cap;
} pm_writer_t;


static void pm_put(pm_writer_t *w, const char *s, size_t n);
static void pm_puts(pm_writer_t *w, const char *s);
static void pm_put_double(pm_writer_t *w, double v);
static void pm_put_int(pm_writer_t *w, long v);
static size_t pm_utf8_len(const unsigned char *s);
static void pm_put_string(pm_writer_t *w, const char *s);
static void pm_put_label(pm_writer_t *w, const pm_pipeline_t *p, int label,
    int key);
static void pm_put_result(pm_writer_t *w, const pm_pipeline_t *p,
    const pm_answer_t *ans, const pm_result_t *res);
static int pm_meta_set(json_t *obj, const char *key, json_t *v);
static json_t *pm_meta_time(time_t t);
static json_t *pm_meta_model(const pm_model_t *m);
static json_t *pm_meta_scaler(const pm_scaler_t *s);
static int pm_meta_source(json_t *obj, const pm_source_t *src);


static const char  *pm_oor_names[] = { "extrapolate", "clip", "reject" };


const char *
pm_oor_policy_name(int policy)
{
    if (policy < PM_OOR_EXTRAPOLATE || policy > PM_OOR_REJECT) {
        return "unknown";
    }

    return pm_oor_names[policy];
}


static void
pm_put(pm_writer_t *w, const char *s, size_t n)
{
    size_t  room;

    if (w->len < w->cap) {
        room = w->cap - w->len;
        memcpy(w->p + w->len, s, n < room ? n : room);
    }

    w->len += n;
}


static void
pm_puts(pm_writer_t *w, const char *s)
{
    pm_put(w, s, strlen(s));
}


static void
pm_put_double(pm_writer_t *w, double v)
{
    size_t  n;
    char    buf[PM_JSON_NUM_SIZE];

    n = pm_format_number(v, buf);
    pm_put(w, buf, n);
}


static void
pm_put_int(pm_writer_t *w, long v)
{
    char           buf[24], *p;
    unsigned long  u;

    p = buf + sizeof(buf);
    u = (v < 0) ? 0UL - (unsigned long) v : (unsigned long) v;

    do {
        *--p = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);

    if (v < 0) {
        *--p = '-';
    }

    pm_put(w, p, (size_t) (buf + sizeof(buf) - p));
}


/* the length of the valid UTF-8 sequence at s, or 0 */

static size_t
pm_utf8_len(const unsigned char *s)
{
    size_t  n, i;

    if (*s < 0x80) {
        return 1;
    }

    n = (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3
        : (*s & 0xf8) == 0xf0 ? 4 : 0;

    if (n == 0 || (n == 2 && *s < 0xc2)) {
        return 0;
    }

    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    return n;
}


static void
pm_put_string(pm_writer_t *w, const char *s)
{
    size_t                n;
    char                  esc[8];
    const unsigned char  *c;

    pm_put(w, "\"", 1);

    for (c = (const unsigned char *) s; *c != '\0'; c += n) {
        n = pm_utf8_len(c);

        if (*c == '"' || *c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) *c;
            pm_put(w, esc, 2);

        } else if (*c < 0x20 || *c == 0x7f) {
            (void) snprintf(esc, sizeof(esc), "\\u%04x", *c);
            pm_put(w, esc, 6);

        } else if (n == 0) {
            /* a truncated or invalid sequence is not passed on */
            pm_put(w, "?", 1);
            n = 1;

        } else {
            pm_put(w, (const char *) c, n);
        }
    }

    pm_put(w, "\"", 1);
}


/* a libsvm label as the response shows it: the spec's class, or the int */

static void
pm_put_label(pm_writer_t *w, const pm_pipeline_t *p, int label, int key)
{
    const pm_target_t  *t;

    t = (p->spec != NULL) ? &p->spec->target : NULL;

    if (t != NULL && t->nclasses > 0) {
        if (key) {
            pm_put_string(w, t->class_key[label]);
        } else {
            pm_puts(w, t->class_json[label]);
        }

        return;
    }

    if (key) {
        pm_puts(w, "\"");
    }

    pm_put_int(w, label);

    if (key) {
        pm_puts(w, "\"");
    }
}


static void
pm_put_result(pm_writer_t *w, const pm_pipeline_t *p, const pm_answer_t *ans,
    const pm_result_t *res)
{
    int                 i;
    const pm_model_t   *m;

    m = p->model;

    if (pm_model_is_regression(m)) {
        pm_puts(w, "{\"value\":");
        pm_put_double(w, res->value);

    } else {
        pm_puts(w, "{\"label\":");
        pm_put_label(w, p, (int) res->value, 0);
    }

    if (ans->nprob > 0) {
        pm_puts(w, ",\"probabilities\":{");

        for (i = 0; i < ans->nprob; i++) {
            if (i) {
                pm_puts(w, ",");
            }

            pm_put_label(w, p, m->labels[i], 1);
            pm_puts(w, ":");
            pm_put_double(w, res->prob[i]);
        }

        pm_puts(w, "}");
    }

    if (ans->ndec > 0) {
        pm_puts(w, ",\"decision_values\":[");

        for (i = 0; i < ans->ndec; i++) {
            if (i) {
                pm_puts(w, ",");
            }

            pm_put_double(w, res->dec[i]);
        }

        pm_puts(w, "]");
    }

    if (res->noor > 0) {
        pm_puts(w, ",\"out_of_range\":[");

        for (i = 0; i < res->noor; i++) {
            if (i) {
                pm_puts(w, ",");
            }

            if (p->spec != NULL) {
                pm_put_string(w, p->spec->f[res->oor[i]].name);
            } else {
                pm_put_int(w, res->oor[i]);
            }
        }

        pm_puts(w, "]");
    }

    pm_puts(w, "}");
}


size_t
pm_response_write(const pm_pipeline_t *p, const pm_answer_t *ans, char *buf,
    size_t cap)
{
    size_t       i;
    pm_writer_t  w;

    w.p = buf;
    w.len = 0;
    w.cap = cap;

    if (!ans->batch) {
        pm_put_result(&w, p, ans, &ans->results[0]);
        pm_puts(&w, "\n");

        return w.len;
    }

    pm_puts(&w, "{\"predictions\":[");

    for (i = 0; i < ans->n; i++) {
        if (i) {
            pm_puts(&w, ",");
        }

        pm_put_result(&w, p, ans, &ans->results[i]);
    }

    pm_puts(&w, "]}\n");

    return w.len;
}


/* code: the error's name in the body; NULL names err->code */

size_t
pm_error_write(const pm_err_t *err, const char *code, char *buf, size_t cap)
{
    int          i;
    pm_writer_t  w;

    w.p = buf;
    w.len = 0;
    w.cap = cap;

    pm_puts(&w, "{\"error\":{\"code\":");
    pm_put_string(&w, code != NULL ? code : pm_err_name(err->code));
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


/* json_object_set_new() that remembers a failure, for one check at the end */

static int
pm_meta_set(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL) {
        return -1;
    }

    return json_object_set_new(obj, key, v);
}


static json_t *
pm_meta_time(time_t t)
{
    char       buf[32];
    struct tm  tm;

    if (gmtime_r(&t, &tm) == NULL
        || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    {
        return json_null();
    }

    return json_string(buf);
}


/* a file's identity, as keys of obj */

static int
pm_meta_source(json_t *obj, const pm_source_t *src)
{
    int  rc;

    rc = pm_meta_set(obj, "sha256", json_string(src->sha256));
    rc |= pm_meta_set(obj, "size", json_integer((json_int_t) src->size));
    rc |= pm_meta_set(obj, "loaded_at", pm_meta_time(src->loaded_at));

    return rc;
}


static json_t *
pm_meta_model(const pm_model_t *m)
{
    int      i, rc;
    json_t  *o, *k, *labels, *nsv;

    o = json_object();
    k = json_object();

    if (o == NULL || k == NULL) {
        json_decref(o);
        json_decref(k);
        return NULL;
    }

    rc = pm_meta_set(k, "type", json_string(pm_model_kernel_name(
                                                m->kernel_type)));

    if (m->kernel_type == POLY) {
        rc |= pm_meta_set(k, "degree", json_integer(m->svm->param.degree));
    }

    if (m->kernel_type != LINEAR) {
        rc |= pm_meta_set(k, "gamma", json_real(m->svm->param.gamma));
    }

    if (m->kernel_type == POLY || m->kernel_type == SIGMOID) {
        rc |= pm_meta_set(k, "coef0", json_real(m->svm->param.coef0));
    }

    rc |= pm_meta_set(o, "svm_type", json_string(pm_model_type_name(
                                                     m->svm_type)));
    rc |= pm_meta_set(o, "kernel", k);
    rc |= pm_meta_set(o, "nr_class", json_integer(m->nr_class));
    rc |= pm_meta_set(o, "total_sv", json_integer(m->total_sv));

    if (pm_model_is_classifier(m)) {
        labels = json_array();
        nsv = json_array();

        for (i = 0; labels != NULL && nsv != NULL && i < m->nr_class; i++) {
            rc |= json_array_append_new(labels, json_integer(m->labels[i]));
            rc |= json_array_append_new(nsv, json_integer(m->nr_sv[i]));
        }

        rc |= pm_meta_set(o, "labels", labels);
        rc |= pm_meta_set(o, "nr_sv", nsv);
    }

    rc |= pm_meta_set(o, "max_index", json_integer(m->max_index));
    rc |= pm_meta_set(o, "probability", json_boolean(m->probability));

    if (m->probability && pm_model_is_regression(m)) {
        rc |= pm_meta_set(o, "svr_laplace_sigma",
                          json_real(m->svm->probA[0]));
    }

    rc |= pm_meta_source(o, &m->source);

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}


static json_t *
pm_meta_scaler(const pm_scaler_t *s)
{
    int      i, rc;
    json_t  *o, *y, *ranges, *r;

    if (s == NULL) {
        return json_null();
    }

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    rc = pm_meta_set(o, "lower", json_real(s->lower));
    rc |= pm_meta_set(o, "upper", json_real(s->upper));
    rc |= pm_meta_set(o, "features", json_integer(s->n));
    rc |= pm_meta_set(o, "max_index", json_integer(s->max_index));

    if (s->has_y) {
        y = json_pack("{s:f,s:f,s:f,s:f}", "lower", s->y_lower,
                      "upper", s->y_upper, "min", s->y_min, "max", s->y_max);
        rc |= pm_meta_set(o, "y", y);
    }

    if (s->n <= PM_META_MAX_RANGES) {
        ranges = json_array();

        for (i = 0; ranges != NULL && i < s->n; i++) {
            r = json_pack("{s:i,s:f,s:f}", "index", s->index[i],
                          "min", s->min[i], "max", s->max[i]);
            rc |= (r == NULL) ? -1 : json_array_append_new(ranges, r);
        }

        rc |= pm_meta_set(o, "ranges", ranges);
    }

    rc |= pm_meta_source(o, &s->source);

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}


int
pm_metadata_json(const pm_pipeline_t *p, const pm_options_t *opt,
    char **out, size_t *len, pm_err_t *err)
{
    int      rc;
    char    *buf;
    size_t   size;
    json_t  *root, *cfg, *spec, *file;

    root = json_object();
    cfg = json_object();

    if (root == NULL || cfg == NULL) {
        json_decref(root);
        json_decref(cfg);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    rc = pm_meta_set(root, "model", pm_meta_model(p->model));
    rc |= pm_meta_set(root, "scaler", pm_meta_scaler(p->scaler));
    rc |= pm_meta_set(root, "feature_count", json_integer(p->nfeatures));

    if (p->spec != NULL) {
        spec = pm_features_json(p->spec);
        rc |= (spec == NULL) ? -1 : 0;

        if (spec != NULL) {
            rc |= pm_meta_set(root, "features",
                              json_incref(json_object_get(spec, "features")));
            if (json_object_get(spec, "target") != NULL) {
                rc |= pm_meta_set(root, "target",
                                  json_incref(json_object_get(spec,
                                                              "target")));
            }
            file = json_object();
            rc |= (file == NULL) ? -1 : pm_meta_source(file, &p->spec->source);
            rc |= pm_meta_set(root, "spec", file);
            json_decref(spec);
        }
    }
    rc |= pm_meta_set(root, "output", json_string(
                          pm_model_is_regression(p->model) ? "value"
                                                           : "label"));
    rc |= pm_meta_set(cfg, "out_of_range", json_string(
                          pm_oor_policy_name(opt->out_of_range)));
    rc |= pm_meta_set(cfg, "probability",
                      json_boolean(pm_pipeline_has_probability(p, opt)));
    rc |= pm_meta_set(cfg, "decision_values",
                      json_boolean(opt->decision_values));
    rc |= pm_meta_set(cfg, "engine", json_string(
                          (p->model->fast != NULL
                           && opt->engine == PM_ENGINE_FAST)
                          ? "fast" : "libsvm"));
    rc |= pm_meta_set(cfg, "label_rule", json_string(
                          p->label_rule == PM_LABEL_VOTE ? "vote"
                                                         : "probability"));
    rc |= pm_meta_set(cfg, "max_instances",
                      json_integer((json_int_t) opt->max_instances));
    rc |= pm_meta_set(root, "config", cfg);

    if (rc != 0) {
        json_decref(root);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    size = json_dumpb(root, NULL, 0, JSON_REAL_PRECISION(17));
    buf = (size == 0) ? NULL : malloc(size + 2);

    if (buf == NULL
        || json_dumpb(root, buf, size, JSON_REAL_PRECISION(17)) != size)
    {
        free(buf);
        json_decref(root);
        return pm_err_set(err, PM_ENOMEM, "cannot encode metadata");
    }

    json_decref(root);

    buf[size] = '\n';
    buf[size + 1] = '\0';
    *out = buf;
    *len = size + 1;

    return PM_OK;
}
