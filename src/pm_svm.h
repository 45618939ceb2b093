
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The libsvm model kind: files pre-scanned (pm_svm_scan.h) so that libsvm
 * only ever loads clean ones, the loaded structure checked again, the
 * prediction through pm_fast or libsvm itself, and libsvm's probability
 * estimates computed from the decision values, op for op.
 */


#ifndef _PM_SVM_H_INCLUDED_
#define _PM_SVM_H_INCLUDED_


#include <svm.h>

#include "pm_core.h"
#include "pm_fast.h"
#include "pm_model.h"
#include "pm_svm_scan.h"


typedef struct {
    struct svm_model   *svm;
    int                 svm_type;
    int                 kernel_type;
    int                 total_sv;
    int                *nr_sv;        /* nr_class, classifiers only */
    pm_fast_t          *fast;         /* dense copy, or NULL: libsvm */
} pm_svm_t;


int pm_svm_load(const char *path, char **buf, size_t len, pm_model_t *m,
    pm_err_t *err);
pm_svm_t *pm_svm_of(const pm_model_t *m);
void pm_svm_probability(const pm_model_t *m, const double *dec,
    double *prob, double *scratch);


#endif /* _PM_SVM_H_INCLUDED_ */
