
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <string.h>

#include "pm_encode.h"
#include "pm_predict.h"


typedef struct {
    const pm_pipeline_t  *p;
    pm_results_t         *res;       /* its tally, with metrics */
    pm_node_t            *raw;       /* index mode: the request's nodes */
    pm_node_t            *scaled;    /* after the range file or the spec */
    pm_value_t           *values;    /* spec mode: one per feature */
    int                  *oor;
    double               *scratch;
    int                   probability;
} pm_work_t;


static int pm_predict_encode(pm_work_t *w, const pm_instance_t *inst,
    const pm_node_t **x, int *noor, pm_err_t *err);
static int pm_predict_instance(pm_work_t *w, const pm_instance_t *inst,
    pm_alloc_t *a, pm_result_t *res, pm_err_t *err);


/* the instance as the model's sparse vector, by the pipeline's encoding */

static int
pm_predict_encode(pm_work_t *w, const pm_instance_t *inst,
    const pm_node_t **x, int *noor, pm_err_t *err)
{
    int                   rc, nraw;
    const pm_pipeline_t  *p;

    p = w->p;
    *noor = 0;

    if (p->spec != NULL) {
        rc = pm_encode_values(p->spec, inst, w->values, err);
        if (rc != PM_OK) {
            return rc;
        }

        if (w->res->tally.n > 0) {
            w->res->binned += pm_encode_observe_spec(p->spec, w->values,
                                                     &w->res->tally);
        }

        rc = pm_encode_spec(p->spec, p->opt.out_of_range, w->values,
                            w->scaled, w->oor, noor, err);
        *x = w->scaled;

        return (rc < 0) ? rc : PM_OK;
    }

    nraw = pm_encode_index(inst, p->nfeatures, w->raw, err);
    if (nraw < 0) {
        return nraw;
    }

    if (p->scaler != NULL) {
        if (w->res->tally.n > 0) {
            pm_encode_observe_range(p->scaler, w->raw, nraw, &w->res->tally);
        }

        rc = pm_encode_range(p->scaler, p->opt.out_of_range, w->raw, nraw,
                             w->scaled, w->oor, noor, err);
        *x = w->scaled;

        return (rc < 0) ? rc : PM_OK;
    }

    w->raw[nraw].index = -1;
    w->raw[nraw].value = 0;
    *x = w->raw;

    return PM_OK;
}


static int
pm_predict_instance(pm_work_t *w, const pm_instance_t *inst, pm_alloc_t *a,
    pm_result_t *res, pm_err_t *err)
{
    int                   rc, noor;
    const pm_node_t      *x;
    const pm_pipeline_t  *p;

    p = w->p;

    rc = pm_predict_encode(w, inst, &x, &noor, err);
    if (rc != PM_OK) {
        return rc;
    }

    if (noor > 0) {
        res->oor = pm_alloc(a, sizeof(int) * (size_t) noor);
        if (res->oor == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        memcpy(res->oor, w->oor, sizeof(int) * (size_t) noor);
        res->noor = noor;
    }

    rc = pm_model_predict(p->model, x, w->probability, p->label_rule,
                          p->opt.engine, &res->value, res->prob, res->dec,
                          w->scratch, err);
    if (rc != PM_OK) {
        return rc;
    }

    if (p->scaler != NULL && p->scaler->has_y) {
        res->value = pm_scaler_y_inverse(p->scaler, res->value);

    } else if (p->spec != NULL && p->spec->target.task == PM_TASK_REGRESS) {
        res->value = pm_xform_inverse(&p->spec->target.xf, res->value);
    }

    if (!isfinite(res->value)) {
        return pm_err_set(err, PM_ENONFINITE, "the model's output is not "
                          "finite once the target is unscaled");
    }

    return PM_OK;
}


int
pm_predict(const pm_pipeline_t *p, const pm_batch_t *batch, pm_alloc_t *a,
    pm_results_t *res, pm_err_t *err)
{
    int                rc, ndec, nprob;
    size_t             i, n, maxsize, nodes;
    double            *probs, *decs;
    pm_work_t          w;
    pm_tally_t        *t;
    const pm_spec_t   *spec;

    memset(&w, 0, sizeof(pm_work_t));
    memset(res, 0, sizeof(pm_results_t));

    n = batch->n;
    spec = p->spec;
    ndec = p->model->ndec;
    nprob = pm_pipeline_nprob(p);

    w.p = p;
    w.res = res;
    w.probability = (nprob > 0);

    res->n = n;
    res->batch = batch->batch;
    res->nprob = nprob;
    res->ndec = pm_pipeline_ndec(p);

    maxsize = 0;

    for (i = 0; i < n; i++) {
        if (batch->inst[i].n > maxsize) {
            maxsize = batch->inst[i].n;
        }
    }

    /* all per-request memory at once, from the caller's allocator */

    nodes = (spec != NULL) ? (size_t) spec->max_index + 1
            : (p->scaler != NULL) ? (size_t) p->scaler->n + 1 : 1;

    res->r = pm_alloc(a, sizeof(pm_result_t) * n);
    probs = pm_alloc(a, sizeof(double) * n * (size_t) nprob);
    decs = pm_alloc(a, sizeof(double) * n * (size_t) ndec);
    w.raw = pm_alloc(a, sizeof(pm_node_t) * (maxsize + 1));
    w.scaled = pm_alloc(a, sizeof(pm_node_t) * nodes);
    w.oor = pm_alloc(a, sizeof(int) * (nodes + (spec ? spec->n : 0)));
    w.scratch = pm_alloc(a, sizeof(double) * p->model->scratch);
    w.values = (spec != NULL)
               ? pm_alloc(a, sizeof(pm_value_t) * (size_t) spec->n) : NULL;

    /* with metrics, what the instances show of each feature */

    t = &res->tally;
    t->n = (p->metrics == NULL) ? 0 : p->ntally;

    if (t->n > 0 && n == 1) {
        t->cells = pm_alloc(a, sizeof(uint32_t) * (t->n + 1));

    } else if (t->n > 0) {
        t->count = pm_alloc(a, sizeof(uint32_t) * t->n);
    }

    if (res->r == NULL || probs == NULL || decs == NULL || w.raw == NULL
        || w.scaled == NULL || w.oor == NULL || w.scratch == NULL
        || (spec != NULL && w.values == NULL)
        || (t->n > 0 && t->count == NULL && t->cells == NULL))
    {
        t->n = 0;
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    memset(res->r, 0, sizeof(pm_result_t) * n);

    if (t->count != NULL) {
        memset(t->count, 0, sizeof(uint32_t) * t->n);
    }

    rc = PM_OK;

    for (i = 0; i < n; i++) {
        res->r[i].prob = nprob ? probs + i * (size_t) nprob : NULL;
        res->r[i].dec = decs + i * (size_t) ndec;

        rc = pm_predict_instance(&w, &batch->inst[i], a, &res->r[i], err);

        if (rc != PM_OK) {
            if (batch->batch) {
                err->instance = (long) i;
                pm_err_prefix(err, "instances[%zu]: ", i);
            }

            break;
        }
    }

    return rc;
}
