
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm.h"
#include "pm_kinds.h"
#include "pm_pipeline.h"
#include "pm_svm.h"
#include "tap.h"


#define ROWS  30


static const char *fit_range(const char *name, int with_y);
static int run(const pm_pipeline_t *p, const pm_options_t *opt,
    const char *body, json_t **out, pm_err_t *err);
static void scale_row(const double *x, struct svm_node *sn);


static double  mins[UT_FEATURES], maxs[UT_FEATURES];


/* the svm-scale -s range of the unit rows, at full precision */

static const char *
fit_range(const char *name, int with_y)
{
    int     i, k;
    char    text[1024];
    double  x[UT_FEATURES], y;
    size_t  n;

    for (k = 0; k < UT_FEATURES; k++) {
        mins[k] = DBL_MAX;
        maxs[k] = -DBL_MAX;
    }

    for (i = 0; i < 90; i++) {
        ut_row(i, x, &y);
        for (k = 0; k < UT_FEATURES; k++) {
            mins[k] = x[k] < mins[k] ? x[k] : mins[k];
            maxs[k] = x[k] > maxs[k] ? x[k] : maxs[k];
        }
    }

    n = 0;
    if (with_y) {
        n += (size_t) snprintf(text + n, sizeof(text) - n,
                               "y\n0 1\n1 20\n");
    }

    n += (size_t) snprintf(text + n, sizeof(text) - n, "x\n-1 1\n");

    for (k = 0; k < UT_FEATURES; k++) {
        n += (size_t) snprintf(text + n, sizeof(text) - n, "%d %.17g %.17g\n",
                               k + 1, mins[k], maxs[k]);
    }

    return tap_write(name, text);
}


/* svm-scale's formula to [-1, 1], written out independently of pm_scale */

static void
scale_row(const double *x, struct svm_node *sn)
{
    int     k, n;
    double  v;

    n = 0;

    for (k = 0; k < UT_FEATURES; k++) {
        v = (x[k] == mins[k]) ? -1 : (x[k] == maxs[k]) ? 1
            : -1 + 2 * (x[k] - mins[k]) / (maxs[k] - mins[k]);

        if (v != 0) {
            sn[n].index = k + 1;
            sn[n++].value = v;
        }
    }

    sn[n].index = -1;
}


/* the pipeline served with these options */

static int
run(const pm_pipeline_t *p, const pm_options_t *opt, const char *body,
    json_t **out, pm_err_t *err)
{
    int             rc;
    pm_arena_t     *arena;
    pm_alloc_t      a;
    pm_answer_t     ans;
    pm_pipeline_t   q;

    arena = pm_arena_create();
    pm_arena_allocator(arena, &a);

    *out = NULL;
    pm_err_init(err);

    q = *p;
    q.opt = *opt;

    rc = pm_serve(&q, body, strlen(body), &a, &ans, err);

    if (rc == PM_OK) {
        *out = json_loadb(ans.body, ans.len, 0, NULL);
    }

    pm_arena_destroy(arena);

    return rc;
}


/*
 * One kernel pass gives what libsvm's three entry points give: bit for bit
 * through svm_predict_values(); through the dense fast path, the same
 * labels and values to 1e-12 (only the kernel sums are reassociated).
 */

static void
test_nodes(void)
{
    int                 i, k, rc, kind, engine, same_prob, same_vote;
    int                 same_dec;
    double              x[UT_FEATURES], y, label, value, prob[UT_CLASSES];
    double              mine[UT_CLASSES], dec[8], ref_dec[8], *scratch, tol;
    pm_err_t            err;
    pm_model_t         *m;
    struct svm_node     sn[UT_FEATURES + 2];
    struct svm_model   *svm;

    static const struct {
        const char  *name;
        int          type;
        int          kernel;
        int          classes;
    } kinds[] = {
        { "bin-rbf", C_SVC, RBF, 2 },
        { "bin-lin", C_SVC, LINEAR, 2 },
        { "tri-rbf", C_SVC, RBF, 3 },
        { "tri-lin", C_SVC, LINEAR, 3 },
        { "tri-nu", NU_SVC, POLY, 3 },
        { "tri-sig", C_SVC, SIGMOID, 3 },
        { "svr-rbf", EPSILON_SVR, RBF, 2 },
        { "svr-lin", NU_SVR, LINEAR, 2 },
        { "svr-poly", EPSILON_SVR, POLY, 2 },
        { "oc-rbf", ONE_CLASS, RBF, 2 },
        { "oc-lin", ONE_CLASS, LINEAR, 2 },
    };

    for (kind = 0; kind < (int) (sizeof(kinds) / sizeof(kinds[0])); kind++) {
        pm_err_init(&err);
        rc = pm_model_load(ut_train_classes(kinds[kind].name,
                                            kinds[kind].type,
                                            kinds[kind].kernel,
                                            kinds[kind].type != ONE_CLASS,
                                            kinds[kind].classes), &m, &err);
        if (rc != PM_OK) {
            ok(0, "%s loads: %s", kinds[kind].name, err.msg);
            continue;
        }

        svm = pm_svm_of(m)->svm;
        ok(pm_svm_of(m)->fast != NULL, "%s: the fast path is built",
           kinds[kind].name);
        scratch = malloc(sizeof(double) * m->scratch);

        for (engine = PM_ENGINE_FAST; engine <= PM_ENGINE_LIBSVM; engine++) {
            tol = (engine == PM_ENGINE_LIBSVM) ? 0 : 1e-12;
            same_prob = 1;
            same_vote = 1;
            same_dec = 1;

            for (i = 0; i < 90; i++) {
                ut_row(i, x, &y);
                for (k = 0; k < UT_FEATURES; k++) {
                    sn[k].index = k + 1;
                    sn[k].value = x[k] / (k == 3 ? 1000 : 10)
                                  * (1 + i % 7 * 0.1);
                }

                /* a feature no support vector has, now and then */
                sn[UT_FEATURES].index = (i % 3 == 0) ? UT_FEATURES + 2 : -1;
                sn[UT_FEATURES].value = 0.5;
                sn[UT_FEATURES + 1].index = -1;

                if (pm_model_is_classifier(m)) {
                    label = svm_predict_probability(svm, sn, prob);
                    rc = pm_model_predict(m, (const pm_node_t *) sn, 1,
                                          PM_LABEL_PROBABILITY, engine,
                                          &value, mine, dec, scratch, &err);

                    for (k = 0; k < m->nr_class; k++) {
                        if (fabs(mine[k] - prob[k]) > tol) {
                            same_prob = 0;
                        }
                    }

                    if (rc != PM_OK || value != label) {
                        same_prob = 0;
                    }
                }

                label = svm_predict_values(svm, sn, ref_dec);
                rc = pm_model_predict(m, (const pm_node_t *) sn, 0,
                                      PM_LABEL_VOTE, engine, &value, mine,
                                      dec, scratch, &err);

                if (rc != PM_OK
                    || fabs(value - label) > tol * (1 + fabs(label))
                    || fabs(label - svm_predict(svm, sn))
                       > tol * (1 + fabs(label)))
                {
                    same_vote = 0;
                }

                for (k = 0; k < m->ndec; k++) {
                    if (fabs(dec[k] - ref_dec[k])
                        > tol * (1 + fabs(ref_dec[k])))
                    {
                        same_dec = 0;
                    }
                }
            }

            if (pm_model_is_classifier(m)) {
                ok(same_prob, "%s, %s: probabilities and -b 1 labels are "
                   "svm_predict_probability's%s", kinds[kind].name,
                   engine ? "libsvm" : "fast",
                   engine ? ", bit for bit" : ", to 1e-12");
            }

            ok(same_vote, "%s, %s: the vote (or value) is svm_predict's",
               kinds[kind].name, engine ? "libsvm" : "fast");
            ok(same_dec, "%s, %s: decision values are svm_predict_values'%s",
               kinds[kind].name, engine ? "libsvm" : "fast",
               engine ? ", bit for bit" : ", to 1e-12");
        }

        free(scratch);
        pm_model_free(m);
    }
}


void
test_predict(void)
{
    int               i, k, rc, exact, same, order;
    char              body[512], *batch, key[16];
    double            x[UT_FEATURES], y, label, prob[UT_CLASSES], v;
    size_t            n;
    json_t           *res, *single, *preds, *probs;
    pm_err_t          err;
    pm_model_t       *m, *svr, *oc;
    pm_scaler_t      *s, *sy;
    pm_options_t      opt;
    pm_pipeline_t     p, py, po;
    struct svm_node   sn[UT_FEATURES + 1];

    test_nodes();

    pm_err_init(&err);
    rc = pm_model_load(ut_train("pipe.model", C_SVC, RBF, 1), &m, &err);
    rc |= pm_scaler_load(fit_range("pipe.range", 0), &s, &err);
    is_int(rc, PM_OK, "model and range load");

    if (rc != PM_OK) {
        tap_diag("%s", err.msg);
        return;
    }

    opt.out_of_range = PM_OOR_EXTRAPOLATE;
    opt.probability = 1;
    opt.max_instances = 100;
    opt.decision_values = 0;
    opt.engine = PM_ENGINE_FAST;
    opt.label_rule = PM_LABEL_DEFAULT;

    rc = pm_pipeline_init(&p, m, s, NULL, 0, &opt, &err);
    ok(rc == PM_OK && p.nfeatures == UT_FEATURES, "pipeline: 4 features");

    /* every row against svm_predict_probability on svm-scale's formula */

    opt.engine = PM_ENGINE_LIBSVM;

    exact = 1;
    same = 1;
    batch = malloc(ROWS * 128 + 32);
    n = (size_t) sprintf(batch, "{\"instances\": [");

    for (i = 0; i < ROWS; i++) {
        ut_row(i * 3 + 1, x, &y);
        x[2] *= 1.5;   /* some rows fall outside the fitted range */

        scale_row(x, sn);

        label = svm_predict_probability(pm_svm_of(m)->svm, sn, prob);

        (void) snprintf(body, sizeof(body),
                        "{\"features\": [%.17g, %.17g, %.17g, %.17g]}",
                        x[0], x[1], x[2], x[3]);
        n += (size_t) sprintf(batch + n, "%s[%.17g, %.17g, %.17g, %.17g]",
                              i ? ", " : "", x[0], x[1], x[2], x[3]);

        rc = run(&p, &opt, body, &res, &err);
        if (rc != PM_OK || res == NULL) {
            exact = 0;
            continue;
        }

        if (json_number_value(json_object_get(res, "label")) != label) {
            exact = 0;
        }

        probs = json_object_get(res, "probabilities");
        for (k = 0; k < UT_CLASSES; k++) {
            (void) snprintf(key, sizeof(key), "%d", m->labels[k]);
            if (json_real_value(json_object_get(probs, key)) != prob[k]) {
                exact = 0;
            }
        }

        if ((json_object_get(res, "out_of_range") != NULL)
            != (x[2] > maxs[2] || x[2] < mins[2]))
        {
            same = 0;
        }

        json_decref(res);
    }

    ok(exact, "%d rows: labels and probabilities equal libsvm's exactly",
       ROWS);
    opt.engine = PM_ENGINE_FAST;
    ok(same, "out_of_range appears exactly for rows outside the range");

    /* the batch answers the same, in order */

    strcpy(batch + n, "]}");
    rc = run(&p, &opt, batch, &res, &err);
    preds = json_object_get(res, "predictions");
    is_int(json_array_size(preds), ROWS, "a batch answers every instance");

    order = 1;
    for (i = 0; i < ROWS && rc == PM_OK; i++) {
        ut_row(i * 3 + 1, x, &y);
        x[2] *= 1.5;
        (void) snprintf(body, sizeof(body),
                        "{\"features\": [%.17g, %.17g, %.17g, %.17g]}",
                        x[0], x[1], x[2], x[3]);
        if (run(&p, &opt, body, &single, &err) != PM_OK
            || !json_equal(single, json_array_get(preds, i)))
        {
            order = 0;
        }
        json_decref(single);
    }

    ok(order, "batch predictions equal single ones, in order");
    json_decref(res);

    /* policies */

    ut_row(1, x, &y);
    (void) snprintf(body, sizeof(body),
                    "{\"instances\": [[%.17g, %.17g, %.17g, %.17g], "
                    "{\"1\": %.17g, \"4\": %.17g}]}",
                    x[0], x[1], x[2], x[3], maxs[0] * 10, maxs[3]);

    opt.out_of_range = PM_OOR_REJECT;
    rc = run(&p, &opt, body, &res, &err);
    is_int(rc, PM_ERANGE, "reject: an out-of-range instance is refused");
    is_int(err.instance, 1, "reject: the instance is named");
    ok(err.nfeatures == 3 && err.features[0] == 1 && err.features[1] == 2
       && err.features[2] == 3,
       "reject: feature 1 (too big) and absent 2, 3 (0 is below min)");
    like(err.msg, "instances[1]: 3 features outside the fitted range: "
         "feature 1 is", "reject: message");

    opt.out_of_range = PM_OOR_CLIP;
    rc = run(&p, &opt, body, &res, &err);
    ok(rc == PM_OK
       && json_array_size(json_object_get(json_array_get(
              json_object_get(res, "predictions"), 1), "out_of_range")) == 3,
       "clip: answers, and still lists the features");
    json_decref(res);

    opt.out_of_range = PM_OOR_EXTRAPOLATE;
    opt.probability = 0;
    rc = run(&p, &opt, "{\"features\": {\"1\": 3}}", &res, &err);
    ok(rc == PM_OK && json_object_get(res, "probabilities") == NULL
       && json_object_get(res, "label") != NULL,
       "probability off: the label alone");
    json_decref(res);
    opt.probability = 1;

    opt.max_instances = 2;
    rc = run(&p, &opt, "{\"instances\": [[1,2,3,4],[1,2,3,4],[1,2,3,4]]}",
             &res, &err);
    is_int(rc, PM_ETOOMANY, "batch over the limit");
    opt.max_instances = 100;

    rc = run(&p, &opt, "{\"instances\": [[1,2,3,4],[1,2,3]]}", &res, &err);
    ok(rc == PM_ECOUNT && err.instance == 1, "a bad instance in a batch is "
       "named by its position");
    like(err.msg, "instances[1]: expected 4 features, got 3", "message");

    /* regression, with y scaled by the range file and unscaled back */

    pm_err_init(&err);
    rc = pm_model_load(ut_train("svr.model", EPSILON_SVR, RBF, 1), &svr,
                       &err);
    rc |= pm_scaler_load(fit_range("svr.range", 1), &sy, &err);
    rc |= pm_pipeline_init(&py, svr, sy, NULL, 0, &opt, &err);
    is_int(rc, PM_OK, "regression pipeline with a y block");

    if (rc == PM_OK) {
        ut_row(5, x, &y);
        scale_row(x, sn);

        v = 1 + (svm_predict(pm_svm_of(svr)->svm, sn) - 0) * (20 - 1)
                / (1 - 0);

        (void) snprintf(body, sizeof(body),
                        "{\"features\": [%.17g, %.17g, %.17g, %.17g]}",
                        x[0], x[1], x[2], x[3]);
        rc = run(&py, &opt, body, &res, &err);
        ok(rc == PM_OK && json_real_value(json_object_get(res, "value")) == v
           && json_object_get(res, "probabilities") == NULL,
           "regression: {\"value\"} is svm_predict unscaled by the y range");
        json_decref(res);

        pm_err_init(&err);
        rc = pm_pipeline_init(&po, m, sy, NULL, 0, &opt, &err);
        ok(rc == PM_EMODEL && strstr(err.msg, "scales y") != NULL,
           "a y block with a classifier is refused");

        pm_scaler_free(sy);
        pm_model_free(svr);
    }

    pm_err_init(&err);
    rc = pm_pipeline_init(&po, m, s, NULL, 2, &opt, &err);
    ok(rc == PM_EMODEL && strstr(err.msg, "below the highest") != NULL,
       "a feature count below the model's is refused");

    pm_err_init(&err);
    rc = pm_model_load(ut_train("oc.model", ONE_CLASS, RBF, 0), &oc, &err);
    rc |= pm_pipeline_init(&po, oc, NULL, NULL, 0, &opt, &err);

    if (rc == PM_OK) {
        rc = run(&po, &opt, "{\"instances\": [[0.1, 0.2, 0.3, 0.1], "
                 "[100, 100, 100, 100]]}", &res, &err);
        preds = json_object_get(res, "predictions");
        ok(rc == PM_OK
           && json_number_value(json_object_get(json_array_get(preds, 1),
                                                "label")) == -1
           && json_object_get(json_array_get(preds, 0), "probabilities")
              == NULL,
           "one-class: labels are 1 or -1, an outlier is -1");
        json_decref(res);
        pm_model_free(oc);

    } else {
        ok(0, "one-class model loads: %s", err.msg);
    }

    free(batch);
    pm_scaler_free(s);
    pm_model_free(m);
}
