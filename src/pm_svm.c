
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <locale.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm_conf.h"
#include "pm_svm.h"


/* request vectors go to libsvm as they are: the same layout */

typedef char  pm_svm_node_layout[(sizeof(pm_node_t) == sizeof(struct svm_node)
    && offsetof(pm_node_t, index) == offsetof(struct svm_node, index)
    && offsetof(pm_node_t, value) == offsetof(struct svm_node, value))
    ? 1 : -1];


static void pm_svm_quiet(const char *s);
static double pm_svm_predict(const pm_model_t *m, const pm_node_t *x,
    int engine, double *dec, double *scratch);
static int pm_svm_engine(const pm_model_t *m, int requested);
static json_t *pm_svm_describe(const pm_model_t *m);
static void pm_svm_free(pm_model_t *m);
static double pm_sigmoid(double dec, double a, double b);
static void pm_coupling(int k, double *r, double *p, double *scratch);


static const pm_model_ops_t  pm_svm_ops = {
    "libsvm",
    pm_svm_predict,
    pm_svm_probability,
    pm_svm_engine,
    pm_svm_describe,
    pm_svm_free
};


static void
pm_svm_quiet(const char *s)
{
    (void) s;
}


pm_svm_t *
pm_svm_of(const pm_model_t *m)
{
    return (m->ops == &pm_svm_ops) ? m->data : NULL;
}


/*
 * *buf holds the file, which path names: pre-scanned, freed (libsvm reads
 * the file again itself), loaded, checked; m receives the model.
 */

int
pm_svm_load(const char *path, char **buf, size_t len, pm_model_t *m,
    pm_err_t *err)
{
    int                rc, max_index;
    char              *saved;
    const char        *cur;
    pm_svm_t          *s;
    pm_svm_info_t      info;
    struct svm_model  *svm;

    saved = NULL;
    svm = NULL;

    rc = pm_svm_prescan(*buf, len, &info, err);

    free(*buf);
    *buf = NULL;

    if (rc != PM_OK) {
        return rc;
    }

    s = calloc(1, sizeof(pm_svm_t));
    if (s == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    /*
     * libsvm prints training chatter to stdout and switches the locale
     * while it loads; keep both from leaking into the caller
     */

    svm_set_print_string_function(pm_svm_quiet);

    cur = setlocale(LC_ALL, NULL);
    if (cur != NULL) {
        saved = strdup(cur);
        if (saved == NULL) {
            rc = pm_err_set(err, PM_ENOMEM, "out of memory");
            goto failed;
        }
    }

    svm = svm_load_model(path);

    cur = setlocale(LC_ALL, NULL);
    if (saved != NULL && (cur == NULL || strcmp(cur, saved) != 0)) {
        (void) setlocale(LC_ALL, saved);
    }

    if (svm == NULL) {
        rc = pm_err_set(err, PM_EMODEL, "libsvm could not load the model");
        goto failed;
    }

    rc = pm_svm_check(svm, &max_index, err);
    if (rc != PM_OK) {
        goto failed;
    }

    if (svm->l != info.total_sv || svm->nr_class != info.nr_class
        || svm->param.svm_type != info.svm_type)
    {
        rc = pm_err_set(err, PM_EMODEL, "the file changed while loading");
        goto failed;
    }

    rc = pm_fast_build(svm, max_index, PM_FAST_MAX_ENTRIES, &s->fast, err);
    if (rc != PM_OK) {
        goto failed;
    }

    s->svm = svm;
    s->svm_type = svm->param.svm_type;
    s->kernel_type = svm->param.kernel_type;
    s->total_sv = svm->l;

    m->ops = &pm_svm_ops;
    m->data = s;
    m->type = pm_svm_type_names[s->svm_type];
    m->nr_class = svm->nr_class;
    m->max_index = max_index;
    m->probability = svm_check_probability_model(svm);

    switch (s->svm_type) {

    case C_SVC:
    case NU_SVC:
        m->task = PM_TASK_CLASSIFY;
        m->labels = svm->label;
        m->ndec = m->nr_class * (m->nr_class - 1) / 2;
        s->nr_sv = svm->nSV;
        break;

    case ONE_CLASS:
        m->task = PM_TASK_ONE_CLASS;
        m->ndec = 1;
        break;

    default:
        m->task = PM_TASK_REGRESS;
        m->ndec = 1;
        break;
    }

    /* pm_fast's kernel values, then libsvm's probability coupling */

    m->scratch = 3 * (size_t) m->nr_class * (size_t) m->nr_class
                 + (size_t) m->nr_class
                 + (s->fast != NULL ? pm_fast_scratch(s->fast) : 0);

    free(saved);

    return PM_OK;

failed:

    if (svm != NULL) {
        svm_free_and_destroy_model(&svm);
    }

    free(saved);
    free(s);

    return rc;
}


static void
pm_svm_free(pm_model_t *m)
{
    pm_svm_t  *s;

    s = m->data;

    if (s == NULL) {
        return;
    }

    if (s->svm != NULL) {
        svm_free_and_destroy_model(&s->svm);
    }

    pm_fast_free(s->fast);
    free(s);
}


/* one kernel pass: decision values and the vote */

static double
pm_svm_predict(const pm_model_t *m, const pm_node_t *x, int engine,
    double *dec, double *scratch)
{
    pm_svm_t  *s;

    s = m->data;

    if (s->fast != NULL && engine == PM_ENGINE_FAST) {
        return pm_fast_predict_values(s->fast, x, dec, scratch);
    }

    return svm_predict_values(s->svm, (const struct svm_node *) x, dec);
}


static int
pm_svm_engine(const pm_model_t *m, int requested)
{
    pm_svm_t  *s;

    s = m->data;

    return (s->fast != NULL && requested == PM_ENGINE_FAST)
           ? PM_ENGINE_FAST : PM_ENGINE_LIBSVM;
}


/*
 * libsvm's probability estimates from the decision values, the arithmetic
 * of svm_predict_probability() (Platt's sigmoid per pair, then pairwise
 * coupling, method 2 of Wu, Lin and Weng 2004) in the same order, so the
 * results are the same doubles; t/unit checks them bit for bit.
 */

static double
pm_sigmoid(double dec, double a, double b)
{
    double  f;

    f = dec * a + b;

    /* 1 - p is used later: avoid catastrophic cancellation */

    if (f >= 0) {
        return exp(-f) / (1.0 + exp(-f));
    }

    return 1.0 / (1 + exp(f));
}


/* r: k x k pairwise probabilities; scratch: 2 k^2 + k doubles */

static void
pm_coupling(int k, double *r, double *p, double *scratch)
{
    int      t, j, iter, max_iter;
    double  *q, *qp, pqp, eps, max_error, error, diff;

    q = scratch;
    qp = scratch + (size_t) k * k;
    max_iter = (k > 100) ? k : 100;
    eps = 0.005 / k;

    for (t = 0; t < k; t++) {
        p[t] = 1.0 / k;
        q[t * k + t] = 0;

        for (j = 0; j < t; j++) {
            q[t * k + t] += r[j * k + t] * r[j * k + t];
            q[t * k + j] = q[j * k + t];
        }

        for (j = t + 1; j < k; j++) {
            q[t * k + t] += r[j * k + t] * r[j * k + t];
            q[t * k + j] = -r[j * k + t] * r[t * k + j];
        }
    }

    for (iter = 0; iter < max_iter; iter++) {
        pqp = 0;

        for (t = 0; t < k; t++) {
            qp[t] = 0;

            for (j = 0; j < k; j++) {
                qp[t] += q[t * k + j] * p[j];
            }

            pqp += p[t] * qp[t];
        }

        max_error = 0;

        for (t = 0; t < k; t++) {
            error = fabs(qp[t] - pqp);
            if (error > max_error) {
                max_error = error;
            }
        }

        if (max_error < eps) {
            break;
        }

        for (t = 0; t < k; t++) {
            diff = (-qp[t] + pqp) / q[t * k + t];
            p[t] += diff;
            pqp = (pqp + diff * (diff * q[t * k + t] + 2 * qp[t])) / (1 + diff)
                  / (1 + diff);

            for (j = 0; j < k; j++) {
                qp[j] = (qp[j] + diff * q[t * k + j]) / (1 + diff);
                p[j] /= (1 + diff);
            }
        }
    }
}


void
pm_svm_probability(const pm_model_t *m, const double *dec, double *prob,
    double *scratch)
{
    int                      i, j, k, n;
    double                  *r, min_prob, v;
    const struct svm_model  *svm;

    svm = pm_svm_of(m)->svm;
    n = m->nr_class;
    r = scratch;
    min_prob = 1e-7;
    k = 0;

    for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
            v = pm_sigmoid(dec[k], svm->probA[k], svm->probB[k]);
            v = (v > min_prob) ? v : min_prob;
            v = (v < 1 - min_prob) ? v : 1 - min_prob;
            r[i * n + j] = v;
            r[j * n + i] = 1 - v;
            k++;
        }
    }

    if (n == 2) {
        prob[0] = r[1];
        prob[1] = r[n];
        return;
    }

    pm_coupling(n, r, prob, scratch + (size_t) n * n);
}


static json_t *
pm_svm_describe(const pm_model_t *m)
{
    int        i, rc;
    json_t    *o, *k, *labels, *nsv;
    pm_svm_t  *s;

    s = m->data;
    o = json_object();
    k = json_object();

    if (o == NULL || k == NULL) {
        json_decref(o);
        json_decref(k);
        return NULL;
    }

    rc = pm_conf_set(k, "type", json_string(
                         pm_svm_kernel_names[s->kernel_type]));

    if (s->kernel_type == POLY) {
        rc |= pm_conf_set(k, "degree", json_integer(s->svm->param.degree));
    }

    if (s->kernel_type != LINEAR) {
        rc |= pm_conf_set(k, "gamma", json_real(s->svm->param.gamma));
    }

    if (s->kernel_type == POLY || s->kernel_type == SIGMOID) {
        rc |= pm_conf_set(k, "coef0", json_real(s->svm->param.coef0));
    }

    rc |= pm_conf_set(o, "svm_type", json_string(m->type));
    rc |= pm_conf_set(o, "kernel", k);
    rc |= pm_conf_set(o, "nr_class", json_integer(m->nr_class));
    rc |= pm_conf_set(o, "total_sv", json_integer(s->total_sv));

    if (m->task == PM_TASK_CLASSIFY) {
        labels = json_array();
        nsv = json_array();

        for (i = 0; labels != NULL && nsv != NULL && i < m->nr_class; i++) {
            rc |= json_array_append_new(labels, json_integer(m->labels[i]));
            rc |= json_array_append_new(nsv, json_integer(s->nr_sv[i]));
        }

        rc |= pm_conf_set(o, "labels", labels);
        rc |= pm_conf_set(o, "nr_sv", nsv);
    }

    rc |= pm_conf_set(o, "max_index", json_integer(m->max_index));
    rc |= pm_conf_set(o, "probability", json_boolean(m->probability));

    if (m->probability && m->task == PM_TASK_REGRESS) {
        rc |= pm_conf_set(o, "svr_laplace_sigma",
                          json_real(s->svm->probA[0]));
    }

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}
