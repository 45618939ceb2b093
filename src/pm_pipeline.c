
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm.h"
#include "pm_kinds.h"
#include "pm_pipeline.h"
#include "pm_text.h"


/* a model, range file or feature spec, with what identifies it */

int
pm_file_load(int kind, const char *path, pm_file_t **out, pm_err_t *err)
{
    int         rc;
    pm_file_t  *f;

    *out = NULL;

    f = calloc(1, sizeof(pm_file_t));
    if (f == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    f->kind = kind;

    switch (kind) {

    case PM_FILE_MODEL:
        rc = pm_model_load(path, &f->model, err);
        break;

    case PM_FILE_SCALER:
        rc = pm_scaler_load(path, &f->scaler, err);
        break;

    default: /* PM_FILE_SPEC */
        rc = pm_spec_load(path, &f->spec, err);
        break;
    }

    if (rc != PM_OK) {
        free(f);
        return rc;
    }

    *out = f;

    return PM_OK;
}


void
pm_file_free(pm_file_t *f)
{
    if (f == NULL) {
        return;
    }

    pm_model_free(f->model);
    pm_scaler_free(f->scaler);
    pm_spec_free(f->spec);
    free(f);
}


const char *
pm_file_sha256(const pm_file_t *f)
{
    return (f->model != NULL) ? f->model->source.sha256
           : (f->scaler != NULL) ? f->scaler->source.sha256
           : f->spec->source.sha256;
}


/*
 * What a loaded file should warn about, into buf ("" if nothing): a spec's
 * numeric features without a fitted range, which no out-of-range policy
 * can check (the first 8 named).
 */

const char *
pm_file_warning(const pm_file_t *f, char *buf, size_t size)
{
    int                  i, n;
    char                 safe[PM_SAFE_SIZE];
    size_t               len;
    const pm_feature_t  *ft;

    buf[0] = '\0';

    if (f->spec == NULL || size < 128) {
        return buf;
    }

    n = 0;
    len = 0;

    for (i = 0; i < f->spec->n; i++) {
        ft = &f->spec->f[i];

        if (ft->type != PM_FEAT_NUMERIC || ft->has_range) {
            continue;
        }

        if (n++ == 0) {
            len = (size_t) snprintf(buf, size, "features without a fitted "
                                    "range, not checked by "
                                    "predict_out_of_range:");
        }

        if (n <= 8 && len + PM_SAFE_SIZE + 8 < size) {
            pm_safe_text(ft->name, safe);
            len += (size_t) snprintf(buf + len, size - len, "%s \"%s\"",
                                     n > 1 ? "," : "", safe);
        }
    }

    if (n > 8) {
        (void) snprintf(buf + len, size - len, " and %d more", n - 8);
    }

    return buf;
}


int
pm_pipeline_init(pm_pipeline_t *p, const pm_model_t *model,
    const pm_scaler_t *scaler, const pm_spec_t *spec, int nfeatures,
    const pm_options_t *opt, pm_err_t *err)
{
    int                 i, need;
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

        if (t->task != PM_TASK_NONE && t->task != model->task) {
            return pm_err_set(err, PM_EMODEL, "the feature spec's target is "
                              "for another task than this %s model",
                              model->type);
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

        if (scaler != NULL && scaler->has_y
            && !pm_model_is_regression(model))
        {
            return pm_err_set(err, PM_EMODEL, "the range file scales y, but "
                              "a %s model does not predict a scaled value",
                              model->type);
        }

        /*
         * svm-scale leaves out only features constant in training, which
         * its scaled data, and so the model, never use: a model index past
         * the range file's last would be scaled to 0 whatever is sent
         */

        if (scaler != NULL && model->max_index > scaler->max_index) {
            return pm_err_set(err, PM_EMODEL, "the model uses feature indices "
                              "up to %d, the range file covers %d feature%s "
                              "up to index %d", model->max_index, scaler->n,
                              scaler->n == 1 ? "" : "s", scaler->max_index);
        }

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
    }

    if (opt->label_rule != PM_LABEL_DEFAULT) {
        p->label_rule = opt->label_rule;       /* predict_label_rule */
    }

    p->model = model;
    p->scaler = scaler;
    p->spec = spec;
    p->nfeatures = nfeatures;
    p->opt = *opt;

    return PM_OK;
}


int
pm_pipeline_create(const pm_file_t *model, const pm_file_t *scaler,
    const pm_file_t *spec, int nfeatures, const pm_options_t *opt,
    pm_pipeline_t **out, pm_err_t *err)
{
    int             rc;
    pm_pipeline_t  *p;

    *out = NULL;

    p = malloc(sizeof(pm_pipeline_t));
    if (p == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    rc = pm_pipeline_init(p, model->model,
                          scaler != NULL ? scaler->scaler : NULL,
                          spec != NULL ? spec->spec : NULL, nfeatures, opt,
                          err);
    if (rc != PM_OK) {
        free(p);
        return rc;
    }

    *out = p;

    return PM_OK;
}


void
pm_pipeline_free(pm_pipeline_t *p)
{
    free(p);
}


/* probabilities per answer: the model's classes, if it has them and asked */

int
pm_pipeline_nprob(const pm_pipeline_t *p)
{
    return (p->opt.probability && p->model->probability
            && pm_model_is_classifier(p->model))
           ? p->model->nr_class : 0;
}


/* decision values per answer, if asked (never for regression) */

int
pm_pipeline_ndec(const pm_pipeline_t *p)
{
    return (p->opt.decision_values && !pm_model_is_regression(p->model))
           ? p->model->ndec : 0;
}


int
pm_pipeline_engine(const pm_pipeline_t *p)
{
    return p->model->ops->engine(p->model, p->opt.engine);
}


/*
 * A libsvm label as answers show it: the spec's class (as a JSON value,
 * or as an object key), or the integer, written into buf
 * (PM_JSON_NUM_SIZE bytes).
 */

const char *
pm_pipeline_class(const pm_pipeline_t *p, int label, int key, char *buf)
{
    const pm_target_t  *t;

    t = (p->spec != NULL) ? &p->spec->target : NULL;

    if (t != NULL && t->nclasses > 0) {
        return key ? t->class_key[label] : t->class_json[label];
    }

    (void) snprintf(buf, PM_JSON_NUM_SIZE, "%d", label);

    return buf;
}


/* an out-of-range entry of a result: the spec's name, or NULL (an index) */

const char *
pm_pipeline_feature(const pm_pipeline_t *p, int id)
{
    return (p->spec != NULL) ? p->spec->f[id].name : NULL;
}


/*
 * The label of one prediction as text ($predict_label): the class as an
 * object key, or the value of a regression; buf holds PM_JSON_NUM_SIZE.
 */

const char *
pm_pipeline_label(const pm_pipeline_t *p, double value, char *buf,
    size_t *len)
{
    const char  *text;

    if (pm_model_is_regression(p->model)) {
        *len = pm_format_number(value, buf);
        return buf;
    }

    text = pm_pipeline_class(p, (int) value, 1, buf);
    *len = strlen(text);

    return text;
}


/*
 * A named feature's PM_FEAT_*: -1 if the spec has no such feature,
 * PM_FEAT_BY_INDEX if there is no spec (features are libsvm indices)
 */

int
pm_pipeline_feature_type(const pm_pipeline_t *p, const char *name)
{
    int  pos;

    if (p->spec == NULL) {
        return PM_FEAT_BY_INDEX;
    }

    pos = pm_spec_find(p->spec, name);

    return (pos < 0) ? -1 : p->spec->f[pos].type;
}


/* what a prediction is on the wire: an integer label, a number, a text */

int
pm_pipeline_output(const pm_pipeline_t *p)
{
    int                 i, out;
    const char         *c;
    const pm_target_t  *t;

    if (!pm_model_is_classifier(p->model)) {
        return pm_model_is_regression(p->model) ? PM_OUT_FP64 : PM_OUT_INT64;
    }

    t = (p->spec != NULL) ? &p->spec->target : NULL;

    if (t == NULL || t->nclasses == 0) {
        return PM_OUT_INT64;
    }

    out = PM_OUT_INT64;

    for (i = 0; i < t->nclasses; i++) {
        c = t->class_json[i];

        if (c[0] == '"') {
            return PM_OUT_BYTES;
        }

        if (strpbrk(c, ".eE") != NULL) {
            out = PM_OUT_FP64;
        }
    }

    return out;
}


/*
 * The classes in the metadata's order (the spec's, else the model's
 * labels): how many, the label of the one at position c, and where its
 * probability is in a result (-1: a class the model never saw)
 */

int
pm_pipeline_nclasses(const pm_pipeline_t *p)
{
    if (p->spec != NULL && p->spec->target.nclasses > 0) {
        return p->spec->target.nclasses;
    }

    return pm_model_is_classifier(p->model) ? p->model->nr_class : 0;
}


int
pm_pipeline_class_label(const pm_pipeline_t *p, int c)
{
    if (p->spec != NULL && p->spec->target.nclasses > 0) {
        return c;
    }

    return p->model->labels[c];
}


int
pm_pipeline_class_prob(const pm_pipeline_t *p, int c)
{
    int  i;

    if (p->spec == NULL || p->spec->target.nclasses == 0) {
        return c;
    }

    for (i = 0; i < p->model->nr_class; i++) {
        if (p->model->labels[i] == c) {
            return i;
        }
    }

    return -1;
}
