
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pm_predict.h"
#include "pm_request.h"
#include "pm_response.h"


typedef struct {
    const pm_pipeline_t  *p;
    const pm_options_t   *opt;
    struct svm_node      *raw;       /* index mode: the request's nodes */
    struct svm_node      *scaled;    /* after the range file or the spec */
    pm_raw_t             *values;    /* spec mode: one per feature */
    int                  *oor;
    double               *scratch;
    int                   nprob;
    int                   ndec;
} pm_work_t;


static int pm_predict_instance(pm_work_t *w, const pm_jinst_t *inst,
    pm_alloc_t *a, pm_result_t *res, pm_err_t *err);
static int pm_predict_request(const pm_pipeline_t *p,
    const pm_options_t *opt, const pm_request_t *req, pm_alloc_t *a,
    pm_answer_t *ans, pm_err_t *err);
static int pm_reject(const pm_scaler_t *s, const struct svm_node *raw,
    int nraw, const int *oor, int noor, pm_err_t *err);
static double pm_sigmoid(double dec, double a, double b);
static void pm_coupling(int k, double *r, double *p, double *scratch);


int
pm_pipeline_init(pm_pipeline_t *p, const pm_model_t *model,
    const pm_scaler_t *scaler, const pm_features_t *spec, int nfeatures,
    pm_err_t *err)
{
    int                 i, need, task;
    const pm_target_t  *t;

    memset(p, 0, sizeof(pm_pipeline_t));

    if (scaler != NULL && spec != NULL) {
        return pm_err_set(err, PM_EMODEL, "a range file and a feature spec "
                          "exclude each other");
    }

    p->label_rule = PM_LABEL_PROBABILITY;

    if (spec != NULL) {
        t = &spec->target;

        if (model->max_index > spec->max_index) {
            return pm_err_set(err, PM_EMODEL, "the model uses feature index "
                              "%d, the feature spec produces indices up to "
                              "%d", model->max_index, spec->max_index);
        }

        task = pm_model_is_classifier(model) ? PM_TASK_CLASSIFY
               : pm_model_is_regression(model) ? PM_TASK_REGRESS
               : PM_TASK_ONE_CLASS;

        if (t->task != PM_TASK_NONE && t->task != task) {
            return pm_err_set(err, PM_EMODEL, "the feature spec's target is "
                              "for another task than this %s model",
                              pm_model_type_name(model->svm_type));
        }

        for (i = 0; t->nclasses > 0 && i < model->nr_class; i++) {
            if (model->labels[i] < 0 || model->labels[i] >= t->nclasses) {
                return pm_err_set(err, PM_EMODEL, "model label %d has no "
                                  "class in the feature spec's %d classes",
                                  model->labels[i], t->nclasses);
            }
        }

        if (t->task == PM_TASK_CLASSIFY) {
            p->label_rule = t->label_rule;
        }

        if (nfeatures != 0 && nfeatures != spec->n) {
            return pm_err_set(err, PM_EMODEL, "a feature count does not "
                              "apply to a feature spec");
        }

        nfeatures = spec->n;

    } else {
        need = model->max_index;

        if (scaler != NULL && scaler->max_index > need) {
            need = scaler->max_index;
        }

        if (nfeatures == 0) {
            nfeatures = need;

        } else if (nfeatures < need) {
            return pm_err_set(err, PM_EMODEL, "feature count %d is below the "
                              "highest feature index %d of the model and "
                              "scaler", nfeatures, need);
        }

        if (scaler != NULL && scaler->has_y
            && !pm_model_is_regression(model))
        {
            return pm_err_set(err, PM_EMODEL, "the range file scales y, but "
                              "a %s model does not predict a scaled value",
                              pm_model_type_name(model->svm_type));
        }
    }

    p->model = model;
    p->scaler = scaler;
    p->spec = spec;
    p->nfeatures = nfeatures;

    return PM_OK;
}


int
pm_pipeline_has_probability(const pm_pipeline_t *p, const pm_options_t *opt)
{
    return opt->probability && p->model->probability
           && pm_model_is_classifier(p->model);
}


int
pm_model_ndec(const pm_model_t *m)
{
    return pm_model_is_classifier(m) ? m->nr_class * (m->nr_class - 1) / 2
                                     : 1;
}


/* doubles of scratch pm_predict_nodes() needs for probabilities */

size_t
pm_predict_scratch(const pm_model_t *m)
{
    return 3 * (size_t) m->nr_class * (size_t) m->nr_class
           + (size_t) m->nr_class
           + (m->fast != NULL ? pm_fast_scratch(m->fast) : 0);
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
    int      i, j, k, n;
    double  *r, min_prob, v;

    n = m->nr_class;
    r = scratch;
    min_prob = 1e-7;
    k = 0;

    for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
            v = pm_sigmoid(dec[k], m->svm->probA[k], m->svm->probB[k]);
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


/*
 * One kernel pass: svm_predict_values() gives the decision values and the
 * vote; probabilities, when wanted, come from those decision values.  With
 * PM_LABEL_PROBABILITY the label is the most probable class, as with
 * svm_predict_probability() and svm-predict -b 1.
 */

int
pm_predict_nodes(const pm_model_t *m, const struct svm_node *x,
    int probability, int label_rule, int engine, double *value,
    double *prob, double *dec, double *scratch, pm_err_t *err)
{
    int  i, best;

    if (m->fast != NULL && engine == PM_ENGINE_FAST) {
        *value = pm_fast_predict_values(m->fast, x, dec, scratch);
        scratch += pm_fast_scratch(m->fast);

    } else {
        *value = svm_predict_values(m->svm, x, dec);
    }

    for (i = 0; i < pm_model_ndec(m); i++) {
        if (!isfinite(dec[i])) {
            return pm_err_set(err, PM_ENONFINITE, "the model's decision "
                              "values are not finite for this input");
        }
    }

    if (probability) {
        pm_svm_probability(m, dec, prob, scratch);

        best = 0;

        for (i = 0; i < m->nr_class; i++) {
            if (!isfinite(prob[i])) {
                return pm_err_set(err, PM_ENONFINITE, "the model's "
                                  "probabilities are not finite for this "
                                  "input");
            }

            if (prob[i] > prob[best]) {
                best = i;
            }
        }

        if (label_rule == PM_LABEL_PROBABILITY) {
            *value = m->labels[best];
        }
    }

    if (!isfinite(*value)) {
        return pm_err_set(err, PM_ENONFINITE, "the model's output is not "
                          "finite for this input");
    }

    return PM_OK;
}


static int
pm_reject(const pm_scaler_t *s, const struct svm_node *raw, int nraw,
    const int *oor, int noor, pm_err_t *err)
{
    int     i, k;
    double  v;

    for (i = 0; i < noor; i++) {
        pm_err_add_feature(err, oor[i]);
    }

    err->feature = oor[0];

    for (k = 0; s->index[k] != oor[0]; k++) {
        /* void: oor[0] is a listed index */
    }

    v = 0.0;

    for (i = 0; i < nraw; i++) {
        if (raw[i].index == oor[0]) {
            v = raw[i].value;
        }
    }

    return pm_err_set(err, PM_ERANGE, "%d feature%s outside the fitted "
                      "range: feature %d is %.17g, fitted [%.17g, %.17g]",
                      noor, noor > 1 ? "s" : "", oor[0], v, s->min[k],
                      s->max[k]);
}


static int
pm_predict_instance(pm_work_t *w, const pm_jinst_t *inst, pm_alloc_t *a,
    pm_result_t *res, pm_err_t *err)
{
    int                     rc, nraw, noor;
    const pm_pipeline_t    *p;
    const struct svm_node  *x;

    p = w->p;
    noor = 0;

    if (p->spec != NULL) {
        rc = pm_features_raw(p->spec, inst, w->values, err);
        if (rc != PM_OK) {
            return rc;
        }

        rc = pm_features_encode(p->spec, w->opt->out_of_range, w->values,
                                w->scaled, w->oor, &noor, err);
        if (rc < 0) {
            return rc;
        }

        x = w->scaled;

    } else {
        nraw = pm_request_features(inst, p->nfeatures, w->raw, err);
        if (nraw < 0) {
            return nraw;
        }

        if (p->scaler != NULL) {
            rc = pm_scale_nodes(p->scaler, w->opt->out_of_range, w->raw,
                                nraw, w->scaled, w->oor, &noor, err);
            if (rc < 0) {
                return rc;
            }

            if (noor > 0 && w->opt->out_of_range == PM_OOR_REJECT) {
                return pm_reject(p->scaler, w->raw, nraw, w->oor, noor, err);
            }

            x = w->scaled;

        } else {
            w->raw[nraw].index = -1;
            w->raw[nraw].value = 0;
            x = w->raw;
        }
    }

    if (noor > 0) {
        res->oor = pm_alloc(a, sizeof(int) * (size_t) noor);
        if (res->oor == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        memcpy(res->oor, w->oor, sizeof(int) * (size_t) noor);
        res->noor = noor;
    }

    rc = pm_predict_nodes(p->model, x, w->nprob > 0, p->label_rule,
                          w->opt->engine, &res->value, res->prob, res->dec,
                          w->scratch, err);
    if (rc != PM_OK) {
        return rc;
    }

    if (p->scaler != NULL && p->scaler->has_y) {
        res->value = pm_scale_y_inverse(p->scaler, res->value);

    } else if (p->spec != NULL && p->spec->target.task == PM_TASK_REGRESS) {
        res->value = pm_target_inverse(&p->spec->target, res->value);
    }

    if (!isfinite(res->value)) {
        return pm_err_set(err, PM_ENONFINITE, "the model's output is not "
                          "finite once the target is unscaled");
    }

    return PM_OK;
}


static int
pm_predict_request(const pm_pipeline_t *p, const pm_options_t *opt,
    const pm_request_t *req, pm_alloc_t *a, pm_answer_t *ans, pm_err_t *err)
{
    int           rc, ndec;
    char         *out;
    size_t        i, n, maxsize, nodes, cap, need;
    double       *probs, *decs;
    pm_work_t     w;

    memset(&w, 0, sizeof(pm_work_t));

    n = req->n;
    ndec = pm_model_ndec(p->model);

    w.p = p;
    w.opt = opt;
    w.nprob = pm_pipeline_has_probability(p, opt) ? p->model->nr_class : 0;
    w.ndec = ndec;

    ans->n = n;
    ans->batch = req->batch;
    ans->nprob = w.nprob;
    ans->ndec = (opt->decision_values && !pm_model_is_regression(p->model))
                ? ndec : 0;

    maxsize = 0;

    for (i = 0; i < n; i++) {
        if (req->inst[i].n > maxsize) {
            maxsize = req->inst[i].n;
        }
    }

    /* all per-request memory at once, from the caller's allocator */

    nodes = (p->spec != NULL) ? (size_t) p->spec->max_index + 1
            : (p->scaler != NULL) ? (size_t) p->scaler->n + 1 : 1;

    ans->results = pm_alloc(a, sizeof(pm_result_t) * n);
    probs = pm_alloc(a, sizeof(double) * n * (size_t) w.nprob);
    decs = pm_alloc(a, sizeof(double) * n * (size_t) ndec);
    w.raw = pm_alloc(a, sizeof(struct svm_node) * (maxsize + 1));
    w.scaled = pm_alloc(a, sizeof(struct svm_node) * nodes);
    w.oor = pm_alloc(a, sizeof(int) * (nodes + (p->spec ? p->spec->n : 0)));
    w.scratch = pm_alloc(a, sizeof(double) * pm_predict_scratch(p->model));
    w.values = (p->spec != NULL)
               ? pm_alloc(a, sizeof(pm_raw_t) * (size_t) p->spec->n) : NULL;

    if (ans->results == NULL || probs == NULL || decs == NULL
        || w.raw == NULL || w.scaled == NULL || w.oor == NULL
        || w.scratch == NULL || (p->spec != NULL && w.values == NULL))
    {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    memset(ans->results, 0, sizeof(pm_result_t) * n);

    for (i = 0; i < n; i++) {
        ans->results[i].prob = w.nprob ? probs + i * (size_t) w.nprob : NULL;
        ans->results[i].dec = decs + i * (size_t) ndec;

        rc = pm_predict_instance(&w, &req->inst[i], a, &ans->results[i],
                                 err);

        if (rc != PM_OK) {
            if (req->batch) {
                err->instance = (long) i;
                pm_err_prefix(err, "instances[%zu]: ", i);
            }

            return rc;
        }
    }

    /* one writer sizes and fills; the estimate makes one pass the rule */

    cap = 64 + n * (64 + (size_t) (w.nprob + ans->ndec) * 48);

    for ( ;; ) {
        out = pm_alloc(a, cap);
        if (out == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        need = pm_response_write(p, ans, out, cap);

        if (need <= cap) {
            break;
        }

        cap = need;
    }

    ans->body = out;
    ans->len = need;

    return PM_OK;
}


int
pm_predict_json(const pm_pipeline_t *p, const pm_options_t *opt,
    const char *body, size_t len, pm_alloc_t *a, pm_answer_t *ans,
    pm_err_t *err)
{
    int           rc;
    pm_request_t  req;

    memset(ans, 0, sizeof(pm_answer_t));

    /*
     * values kept per instance: a few more than the features, so that an
     * extra name or index is still named in the error; past that the
     * count alone is the error, and memory stays bounded by the batch
     */

    rc = pm_request_parse(body, len, opt->max_instances,
                          2 * (size_t) p->nfeatures + 16, a, &req, err);
    if (rc != PM_OK) {
        return rc;
    }

    return pm_predict_request(p, opt, &req, a, ans, err);
}
