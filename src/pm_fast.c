
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pm_fast.h"


#define PM_FAST_ALIGN  64


static double pm_powi(double base, int times);


/*
 * The vector code, written once in pm_fast_vec.h and compiled twice: SSE2
 * pairs, which every x86-64 has, and AVX2 with FMA, chosen at load where
 * the CPU has them.  Elsewhere GCC's vector types still work, as pairs.
 */

typedef double     pm_v2d __attribute__((vector_size(16)));
typedef long long  pm_v2l __attribute__((vector_size(16)));

#define PM_V            pm_v2d
#define PM_VL           pm_v2l
#define PM_W            2
#define PM_SPLAT(c)     ((pm_v2d) { (c), (c) })
#define PM_SPLATL(c)    ((pm_v2l) { (c), (c) })
#define PM_FN(name)     name##_v2
#define PM_TARGET
#include "pm_fast_vec.h"

#if (defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)))
#define PM_FAST_AVX2  1

typedef double     pm_v4d __attribute__((vector_size(32)));
typedef long long  pm_v4l __attribute__((vector_size(32)));

#define PM_V            pm_v4d
#define PM_VL           pm_v4l
#define PM_W            4
#define PM_SPLAT(c)     ((pm_v4d) { (c), (c), (c), (c) })
#define PM_SPLATL(c)    ((pm_v4l) { (c), (c), (c), (c) })
#define PM_FN(name)     name##_v4
#define PM_TARGET       __attribute__((target("avx2,fma")))
#include "pm_fast_vec.h"

#else
#define PM_FAST_AVX2  0
#endif


/* any length, any alignment: four sums for the pipeline */

static inline __attribute__((always_inline)) double
pm_sum4(const double *a, const double *b, int n)
{
    int     i;
    double  s0, s1, s2, s3;

    s0 = 0;
    s1 = 0;
    s2 = 0;
    s3 = 0;

    for (i = 0; i + 4 <= n; i += 4) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
        s2 += a[i + 2] * b[i + 2];
        s3 += a[i + 3] * b[i + 3];
    }

    for ( /* void */ ; i < n; i++) {
        s0 += a[i] * b[i];
    }

    return (s0 + s1) + (s2 + s3);
}


/* libsvm's powi(): the same multiplications, so the same value */

static double
pm_powi(double base, int times)
{
    int     t;
    double  tmp, ret;

    tmp = base;
    ret = 1.0;

    for (t = times; t > 0; t /= 2) {
        if (t % 2 == 1) {
            ret *= tmp;
        }

        tmp = tmp * tmp;
    }

    return ret;
}


int
pm_fast_build(const struct svm_model *m, int max_index, size_t max_entries,
    pm_fast_t **out, pm_err_t *err)
{
    int                     i, j, k, p, si, sj, ci, cj;
    size_t                  entries, bytes;
    double                 *row, *w;
    char                   *mem;
    pm_fast_t              *f;
    const struct svm_node  *n;

    *out = NULL;

    if (m->param.kernel_type == PRECOMPUTED || max_index <= 0) {
        return PM_OK;
    }

    f = calloc(1, sizeof(pm_fast_t));
    if (f == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    f->svm_type = m->param.svm_type;
    f->kernel = m->param.kernel_type;

#if (PM_FAST_AVX2)
    f->avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    f->d = max_index;
    f->stride = (max_index + 7) & ~7;
    f->l = m->l;
    f->nr_class = m->nr_class;
    f->degree = m->param.degree;
    f->gamma = m->param.gamma;
    f->coef0 = m->param.coef0;
    f->coef = (const double **) m->sv_coef;
    f->rho = m->rho;
    f->nsv = m->nSV;
    f->label = m->label;

    if (f->svm_type == C_SVC || f->svm_type == NU_SVC) {
        f->ndec = f->nr_class * (f->nr_class - 1) / 2;
    } else {
        f->ndec = 1;
    }

    /* a linear model keeps one weight vector per decision function */

    entries = (f->kernel == LINEAR) ? (size_t) f->ndec * f->stride
                                    : (size_t) f->l * f->stride;

    if (entries > max_entries) {
        free(f);
        return PM_OK;   /* libsvm predicts this one */
    }

    bytes = entries * sizeof(double) + (size_t) f->l * sizeof(double)
            + (size_t) f->nr_class * sizeof(int) + 2 * PM_FAST_ALIGN;

    f->mem = calloc(1, bytes);
    if (f->mem == NULL) {
        free(f);
        return pm_err_set(err, PM_ENOMEM, "out of memory for %zu dense "
                          "support-vector entries", entries);
    }

    mem = (char *) (((uintptr_t) f->mem + PM_FAST_ALIGN - 1)
                    & ~(uintptr_t) (PM_FAST_ALIGN - 1));

    if (f->kernel == LINEAR) {
        f->w = (double *) mem;
    } else {
        f->sv = (double *) mem;
    }

    mem += entries * sizeof(double);
    f->sv_sq = (double *) mem;
    mem += (size_t) f->l * sizeof(double);
    f->start = (int *) mem;

    if (f->svm_type == C_SVC || f->svm_type == NU_SVC) {
        f->start[0] = 0;

        for (i = 1; i < f->nr_class; i++) {
            f->start[i] = f->start[i - 1] + m->nSV[i - 1];
        }
    }

    if (f->kernel != LINEAR) {
        for (i = 0; i < f->l; i++) {
            row = f->sv + (size_t) i * f->stride;

            for (n = m->SV[i]; n->index != -1; n++) {
                if (n->index <= max_index) {
                    row[n->index - 1] = n->value;
                }
            }

            f->sv_sq[i] = pm_fast_norm_v2(f, row);
        }

        *out = f;
        return PM_OK;
    }

    /*
     * w for pair (i, j) is the sum over SVs of class i with the
     * coefficients libsvm uses for that pair, then over class j
     */

    if (f->svm_type != C_SVC && f->svm_type != NU_SVC) {
        for (k = 0; k < f->l; k++) {
            for (n = m->SV[k]; n->index != -1; n++) {
                f->w[n->index - 1] += m->sv_coef[0][k] * n->value;
            }
        }

        *out = f;
        return PM_OK;
    }

    p = 0;

    for (i = 0; i < f->nr_class; i++) {
        for (j = i + 1; j < f->nr_class; j++) {
            w = f->w + (size_t) p * f->stride;
            si = f->start[i];
            sj = f->start[j];
            ci = m->nSV[i];
            cj = m->nSV[j];

            for (k = 0; k < ci; k++) {
                for (n = m->SV[si + k]; n->index != -1; n++) {
                    w[n->index - 1] += m->sv_coef[j - 1][si + k] * n->value;
                }
            }

            for (k = 0; k < cj; k++) {
                for (n = m->SV[sj + k]; n->index != -1; n++) {
                    w[n->index - 1] += m->sv_coef[i][sj + k] * n->value;
                }
            }

            p++;
        }
    }

    *out = f;

    return PM_OK;
}


void
pm_fast_free(pm_fast_t *f)
{
    if (f != NULL) {
        free(f->mem);
        free(f);
    }
}


/* doubles of scratch per prediction: the dense input and the kernels */

size_t
pm_fast_scratch(const pm_fast_t *f)
{
    return (size_t) f->stride + (size_t) f->l + 4 + (size_t) f->nr_class
           + PM_FAST_ALIGN / 8;
}


/*
 * As svm_predict_values(): decision values in dec, and the vote (or the
 * value, or +1/-1) returned.  scratch holds pm_fast_scratch() doubles.
 */

double
pm_fast_predict_values(const pm_fast_t *f, const pm_node_t *x, double *dec,
    double *scratch)
{
    int                i, j, p, si, sj, ci, cj, best, *vote, v[64];
    double            *dense, *kv, sum, xx;
    const double      *c1, *c2;
    const pm_node_t   *n;

    dense = (double *) (((uintptr_t) scratch + PM_FAST_ALIGN - 1)
                        & ~(uintptr_t) (PM_FAST_ALIGN - 1));
    kv = dense + f->stride;

    memset(dense, 0, sizeof(double) * (size_t) f->stride);

    /* features past the model's width meet only zeros in every SV */

    xx = 0;

    for (n = x; n->index != -1; n++) {
        if (n->index <= f->d) {
            dense[n->index - 1] = n->value;
        } else {
            xx += n->value * n->value;
        }
    }

    if (f->kernel == LINEAR) {
#if (PM_FAST_AVX2)
        if (f->avx2) {
            pm_fast_linear_v4(f, dense, dec);
        } else
#endif
        pm_fast_linear_v2(f, dense, dec);

    } else {
#if (PM_FAST_AVX2)
        if (f->avx2) {
            xx += pm_fast_norm_v4(f, dense);
            pm_fast_kernels_v4(f, dense, xx, kv);
        } else
#endif
        {
            xx += pm_fast_norm_v2(f, dense);
            pm_fast_kernels_v2(f, dense, xx, kv);
        }

        if (f->ndec == 1 && f->svm_type != C_SVC && f->svm_type != NU_SVC) {
            dec[0] = pm_sum4(f->coef[0], kv, f->l) - f->rho[0];

        } else {
            p = 0;

            for (i = 0; i < f->nr_class; i++) {
                for (j = i + 1; j < f->nr_class; j++) {
                    si = f->start[i];
                    sj = f->start[j];
                    ci = f->nsv[i];
                    cj = f->nsv[j];
                    c1 = f->coef[j - 1];
                    c2 = f->coef[i];

                    sum = pm_sum4(c1 + si, kv + si, ci);
                    sum += pm_sum4(c2 + sj, kv + sj, cj);
                    dec[p] = sum - f->rho[p];
                    p++;
                }
            }
        }
    }

    if (f->svm_type == ONE_CLASS) {
        return (dec[0] > 0) ? 1 : -1;
    }

    if (f->svm_type == EPSILON_SVR || f->svm_type == NU_SVR) {
        return dec[0];
    }

    /* the vote, as libsvm: ties go to the lower class */

    vote = (f->nr_class <= 64) ? v : (int *) (kv + f->l + 4);

    for (i = 0; i < f->nr_class; i++) {
        vote[i] = 0;
    }

    p = 0;

    for (i = 0; i < f->nr_class; i++) {
        for (j = i + 1; j < f->nr_class; j++) {
            if (dec[p++] > 0) {
                vote[i]++;
            } else {
                vote[j]++;
            }
        }
    }

    best = 0;

    for (i = 1; i < f->nr_class; i++) {
        if (vote[i] > vote[best]) {
            best = i;
        }
    }

    return f->label[best];
}
