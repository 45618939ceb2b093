
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pm_predict.h"
#include "pm_request.h"
#include "pm_response.h"


static int pm_predict_instance(const pm_pipeline_t *p,
    const pm_options_t *opt, json_t *inst, struct svm_node *raw,
    struct svm_node *scaled, int *oor, pm_alloc_t *a, pm_result_t *res,
    int nprob, pm_err_t *err);
static int pm_reject(const pm_scaler_t *s, const struct svm_node *raw,
    int nraw, const int *oor, int noor, pm_err_t *err);


int
pm_pipeline_init(pm_pipeline_t *p, const pm_model_t *model,
    const pm_scaler_t *scaler, int nfeatures, pm_err_t *err)
{
    int  need;

    need = model->max_index;

    if (scaler != NULL && scaler->max_index > need) {
        need = scaler->max_index;
    }

    if (nfeatures == 0) {
        nfeatures = need;

    } else if (nfeatures < need) {
        return pm_err_set(err, PM_EMODEL, "feature count %d is below the "
                          "highest feature index %d of the model and scaler",
                          nfeatures, need);
    }

    if (scaler != NULL && scaler->has_y && !pm_model_is_regression(model)) {
        return pm_err_set(err, PM_EMODEL, "the range file scales y, but a "
                          "%s model does not predict a scaled value",
                          pm_model_type_name(model->svm_type));
    }

    p->model = model;
    p->scaler = scaler;
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
pm_predict_nodes(const pm_model_t *m, const struct svm_node *x,
    int probability, double *value, double *prob, pm_err_t *err)
{
    int  i;

    if (probability) {
        *value = svm_predict_probability(m->svm, x, prob);

        for (i = 0; i < m->nr_class; i++) {
            if (!isfinite(prob[i])) {
                return pm_err_set(err, PM_ENONFINITE, "the model's "
                                  "probabilities are not finite for this "
                                  "input");
            }
        }

    } else {
        *value = svm_predict(m->svm, x);
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
pm_predict_instance(const pm_pipeline_t *p, const pm_options_t *opt,
    json_t *inst, struct svm_node *raw, struct svm_node *scaled, int *oor,
    pm_alloc_t *a, pm_result_t *res, int nprob, pm_err_t *err)
{
    int                     rc, nraw, noor;
    const struct svm_node  *x;

    nraw = pm_request_features(inst, p->nfeatures, raw, err);
    if (nraw < 0) {
        return nraw;
    }

    if (p->scaler != NULL) {
        rc = pm_scale_nodes(p->scaler, opt->out_of_range, raw, nraw, scaled,
                            oor, &noor, err);
        if (rc < 0) {
            return rc;
        }

        if (noor > 0) {
            if (opt->out_of_range == PM_OOR_REJECT) {
                return pm_reject(p->scaler, raw, nraw, oor, noor, err);
            }

            res->oor = pm_alloc(a, sizeof(int) * (size_t) noor);
            if (res->oor == NULL) {
                return pm_err_set(err, PM_ENOMEM, "out of memory");
            }

            memcpy(res->oor, oor, sizeof(int) * (size_t) noor);
            res->noor = noor;
        }

        x = scaled;

    } else {
        raw[nraw].index = -1;
        raw[nraw].value = 0;
        x = raw;
    }

    rc = pm_predict_nodes(p->model, x, nprob > 0, &res->value, res->prob,
                          err);
    if (rc != PM_OK) {
        return rc;
    }

    if (p->scaler != NULL && p->scaler->has_y) {
        res->value = pm_scale_y_inverse(p->scaler, res->value);

        if (!isfinite(res->value)) {
            return pm_err_set(err, PM_ENONFINITE, "the model's output is not "
                              "finite once y is unscaled");
        }
    }

    return PM_OK;
}


int
pm_predict_json(const pm_pipeline_t *p, const pm_options_t *opt,
    const char *body, size_t len, pm_alloc_t *a, pm_answer_t *ans,
    pm_err_t *err)
{
    int               rc, nprob;
    char             *out;
    size_t            i, size, maxsize, cap, need;
    double           *probs;
    json_t           *inst;
    pm_request_t      req;
    struct svm_node  *raw, *scaled;
    int              *oor;

    memset(ans, 0, sizeof(pm_answer_t));

    rc = pm_request_parse(body, len, opt->max_instances, &req, err);
    if (rc != PM_OK) {
        goto done;
    }

    nprob = pm_pipeline_has_probability(p, opt) ? p->model->nr_class : 0;

    ans->n = req.n;
    ans->batch = req.batch;
    ans->nprob = nprob;

    maxsize = 0;

    for (i = 0; i < req.n; i++) {
        size = pm_request_instance_size(pm_request_instance(&req, i));
        if (size > maxsize) {
            maxsize = size;
        }
    }

    ans->results = pm_alloc(a, sizeof(pm_result_t) * req.n);
    probs = pm_alloc(a, sizeof(double) * req.n * (size_t) nprob);
    raw = pm_alloc(a, sizeof(struct svm_node) * (maxsize + 1));
    scaled = NULL;
    oor = NULL;

    if (p->scaler != NULL) {
        scaled = pm_alloc(a, sizeof(struct svm_node)
                             * ((size_t) p->scaler->n + 1));
        oor = pm_alloc(a, sizeof(int) * ((size_t) p->scaler->n + 1));
    }

    if (ans->results == NULL || probs == NULL || raw == NULL
        || (p->scaler != NULL && (scaled == NULL || oor == NULL)))
    {
        rc = pm_err_set(err, PM_ENOMEM, "out of memory");
        goto done;
    }

    memset(ans->results, 0, sizeof(pm_result_t) * req.n);

    for (i = 0; i < req.n; i++) {
        inst = pm_request_instance(&req, i);

        if (nprob) {
            ans->results[i].prob = probs + i * (size_t) nprob;
        }

        rc = pm_predict_instance(p, opt, inst, raw, scaled, oor, a,
                                 &ans->results[i], nprob, err);

        if (rc != PM_OK) {
            if (req.batch) {
                err->instance = (long) i;
                pm_err_prefix(err, "instances[%zu]: ", i);
            }

            goto done;
        }
    }

    /* one writer sizes and fills; the estimate makes one pass the rule */

    cap = 64 + req.n * (64 + (size_t) nprob * 48);

    for ( ;; ) {
        out = pm_alloc(a, cap);
        if (out == NULL) {
            rc = pm_err_set(err, PM_ENOMEM, "out of memory");
            goto done;
        }

        need = pm_response_write(p, ans, out, cap);

        if (need <= cap) {
            break;
        }

        cap = need;
    }

    ans->body = out;
    ans->len = need;
    rc = PM_OK;

done:

    pm_request_release(&req);

    return rc;
}
