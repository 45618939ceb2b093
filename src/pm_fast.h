
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The fast prediction path: a dense, contiguous copy of the support
 * vectors made once at load time, precomputed norms for the RBF kernel,
 * loops the compiler can vectorise, and linear models collapsed to one
 * weight vector per decision function.  It computes libsvm's decision
 * values in libsvm's order of summation; only the kernel values differ in
 * the last bits.  No allocation per prediction: the caller gives scratch.
 * libsvm stays the loader and the reference (t/unit compares every kernel
 * and svm type); models too large to densify use libsvm itself.
 */


#ifndef _PM_FAST_H_INCLUDED_
#define _PM_FAST_H_INCLUDED_


#include <stddef.h>
#include <svm.h>

#include "pm_core.h"


/* the most dense entries (support vectors x features) worth copying */

#define PM_FAST_MAX_ENTRIES  (16 * 1024 * 1024)


typedef struct {
    int                 svm_type;
    int                 kernel;
    int                 d;          /* dense width: the highest index */
    int                 stride;     /* d rounded up for alignment */
    int                 l;          /* support vectors */
    int                 nr_class;
    int                 ndec;
    int                 avx2;       /* the AVX2/FMA code runs here */
    int                 degree;
    double              gamma;
    double              coef0;
    double             *sv;         /* l * stride, zero-padded */
    double             *sv_sq;      /* l: |sv|^2 for RBF */
    double             *w;          /* linear: ndec * stride */
    const double      **coef;       /* the model's sv_coef rows */
    const double       *rho;
    int                *start;      /* nr_class: first SV of each class */
    const int          *nsv;
    const int          *label;
    void               *mem;
} pm_fast_t;


int pm_fast_build(const struct svm_model *m, int max_index,
    size_t max_entries, pm_fast_t **out, pm_err_t *err);
void pm_fast_free(pm_fast_t *f);
size_t pm_fast_scratch(const pm_fast_t *f);
double pm_fast_predict_values(const pm_fast_t *f, const pm_node_t *x,
    double *dec, double *scratch);


#endif /* _PM_FAST_H_INCLUDED_ */
