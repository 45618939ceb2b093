
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pm_model.h"


void
pm_model_free(pm_model_t *m)
{
    if (m == NULL) {
        return;
    }

    if (m->ops != NULL) {
        m->ops->free(m);
    }

    free(m);
}


int
pm_model_is_classifier(const pm_model_t *m)
{
    return m->task == PM_TASK_CLASSIFY;
}


int
pm_model_is_regression(const pm_model_t *m)
{
    return m->task == PM_TASK_REGRESS;
}


struct json_t *
pm_model_describe(const pm_model_t *m)
{
    return m->ops->describe(m);
}


/*
 * One pass of the model gives the decision values and its vote;
 * probabilities, when wanted, come from those decision values.  With
 * PM_LABEL_PROBABILITY the label is the most probable class, as with
 * svm_predict_probability() and svm-predict -b 1.
 */

int
pm_model_predict(const pm_model_t *m, const pm_node_t *x, int probability,
    int label_rule, int engine, double *value, double *prob, double *dec,
    double *scratch, pm_err_t *err)
{
    int  i, best;

    *value = m->ops->predict(m, x, engine, dec, scratch);

    for (i = 0; i < m->ndec; i++) {
        if (!isfinite(dec[i])) {
            return pm_err_set(err, PM_ENONFINITE, "the model's decision "
                              "values are not finite for this input");
        }
    }

    if (probability) {
        m->ops->probability(m, dec, prob, scratch);

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
