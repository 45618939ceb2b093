
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * libsvm model files before libsvm sees them: a line-numbered pre-scan
 * that refuses everything libsvm's loader would mishandle, and a second
 * check of the structure libsvm built.  The names of libsvm's svm and
 * kernel types are here, where they are parsed.
 */


#ifndef _PM_SVM_SCAN_H_INCLUDED_
#define _PM_SVM_SCAN_H_INCLUDED_


#include <svm.h>

#include "pm_core.h"


#define PM_MAX_TOTAL_SV    10000000


/* what the pre-scan learns from the text, before libsvm sees it */

typedef struct {
    int                 svm_type;
    int                 kernel_type;
    int                 nr_class;
    int                 total_sv;
    int                 max_index;
    int                 has_prob;
} pm_svm_info_t;


extern const char  *pm_svm_type_names[];
extern const char  *pm_svm_kernel_names[];

int pm_svm_prescan(const char *buf, size_t len, pm_svm_info_t *info,
    pm_err_t *err);
int pm_svm_check(const struct svm_model *svm, int *max_index,
    pm_err_t *err);


#endif /* _PM_SVM_SCAN_H_INCLUDED_ */
