
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * A model, whatever its kind, behind one small interface: load and check
 * a file, predict decision values and a value, turn decision values into
 * probabilities, describe itself for the metadata.  libsvm (pm_svm.h) is
 * the one kind today; another would sit beside it (pm_kinds.c lists them)
 * without touching the pipeline, predict, codec or serve layers.
 */


#ifndef _PM_MODEL_H_INCLUDED_
#define _PM_MODEL_H_INCLUDED_


#include "pm_core.h"
#include "pm_enum.h"
#include "pm_sha256.h"
#include "pm_types.h"


#define PM_MAX_FILE_SIZE   (1024 * 1024 * 1024)


struct json_t;


typedef struct {
    const char         *name;

    /* decision values (ndec); returns the model's own value: its vote */
    double            (*predict)(const pm_model_t *m, const pm_node_t *x,
                                 int engine, double *dec, double *scratch);

    /* nr_class probabilities, in labels order, from decision values */
    void              (*probability)(const pm_model_t *m, const double *dec,
                                     double *prob, double *scratch);

    /* the engine a request asks for, as it will really run */
    int               (*engine)(const pm_model_t *m, int requested);

    struct json_t    *(*describe)(const pm_model_t *m);
    void              (*free)(pm_model_t *m);
} pm_model_ops_t;


struct pm_model_s {
    const pm_model_ops_t  *ops;
    const char            *type;        /* "c_svc": the kind's own name */
    int                    task;        /* PM_TASK_* */
    int                    nr_class;
    const int             *labels;      /* nr_class, classifiers only */
    int                    ndec;        /* decision values per prediction */
    int                    max_index;   /* highest feature index used */
    int                    probability; /* has probability estimates */
    size_t                 scratch;     /* doubles a prediction needs */
    pm_source_t            source;
    void                  *data;        /* the kind's own */
};


void pm_model_free(pm_model_t *m);

int pm_model_predict(const pm_model_t *m, const pm_node_t *x,
    int probability, int label_rule, int engine, double *value,
    double *prob, double *dec, double *scratch, pm_err_t *err);
struct json_t *pm_model_describe(const pm_model_t *m);

int pm_model_is_classifier(const pm_model_t *m);
int pm_model_is_regression(const pm_model_t *m);


#endif /* _PM_MODEL_H_INCLUDED_ */
