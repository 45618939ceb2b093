
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * libsvm model files: a line-numbered pre-scan that refuses everything
 * libsvm's loader would mishandle, the load itself, and a second check of
 * the loaded structure before anything predicts with it.
 */


#ifndef _PM_MODEL_H_INCLUDED_
#define _PM_MODEL_H_INCLUDED_


#include <time.h>
#include <svm.h>

#include "pm_core.h"
#include "pm_fast.h"
#include "pm_sha256.h"


#define PM_MAX_FILE_SIZE   (1024 * 1024 * 1024)
#define PM_MAX_TOTAL_SV    10000000


/* what the pre-scan learns from the text, before libsvm sees it */

typedef struct {
    int                 svm_type;
    int                 kernel_type;
    int                 nr_class;
    int                 total_sv;
    int                 max_index;
    int                 has_prob;
} pm_model_info_t;


typedef struct {
    struct svm_model   *svm;
    int                 svm_type;
    int                 kernel_type;
    int                 nr_class;
    int                 total_sv;
    int                 max_index;    /* highest feature index in any SV */
    int                 probability;  /* svm_check_probability_model() */
    int                *labels;       /* nr_class, classifiers only */
    int                *nr_sv;        /* nr_class, classifiers only */
    pm_fast_t          *fast;         /* dense copy, or NULL: libsvm */
    pm_source_t         source;
} pm_model_t;


int pm_model_prescan(const char *buf, size_t len, pm_model_info_t *info,
    pm_err_t *err);
int pm_model_load(const char *path, pm_model_t **out, pm_err_t *err);
int pm_model_check(const struct svm_model *svm, int *max_index,
    pm_err_t *err);
void pm_model_free(pm_model_t *m);

int pm_model_is_classifier(const pm_model_t *m);
int pm_model_is_regression(const pm_model_t *m);
const char *pm_model_type_name(int svm_type);
const char *pm_model_kernel_name(int kernel_type);

int pm_read_file(const char *path, size_t max, char **buf, size_t *len,
    pm_err_t *err);


#endif /* _PM_MODEL_H_INCLUDED_ */
