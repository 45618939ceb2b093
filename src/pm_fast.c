
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
static void pm_fast_kernels(const pm_fast_t *f, const double *x, double xx,
    double *k);
static void pm_fast_linear(const pm_fast_t *f, const double *x,
    double *dec);
static double pm_fast_norm(const pm_fast_t *f, const double *x);


/*
 * The dot product over a padded row: n is a multiple of 8 and both
 * vectors are 64-byte aligned.  GCC's vector types compile to SSE2 pairs
 * everywhere; with GCC on x86-64 a second clone uses AVX2 and FMA where
 * the CPU has them (chosen once, at load, by the dynamic linker).
 */

typedef double  pm_v2d __attribute__((vector_size(16)));

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)     \
    && defined(__linux__)
#define PM_FAST_CLONES  __attribute__((target_clones("avx2",              \
                                                      "default")))
#else
#define PM_FAST_CLONES
#endif


static inline __attribute__((always_inline)) double
pm_dot(const double *a, const double *b, int n)
{
    int            i;
    pm_v2d         s0, s1, s2, s3;
    const pm_v2d  *va, *vb;

    va = (const pm_v2d *) __builtin_assume_aligned(a, PM_FAST_ALIGN);
    vb = (const pm_v2d *) __builtin_assume_aligned(b, PM_FAST_ALIGN);
    s0 = (pm_v2d) { 0, 0 };
    s1 = s0;
    s2 = s0;
    s3 = s0;

    for (i = 0; i < n / 2; i += 4) {
        s0 += va[i] * vb[i];
        s1 += va[i + 1] * vb[i + 1];
        s2 += va[i + 2] * vb[i + 2];
        s3 += va[i + 3] * vb[i + 3];
    }

    s0 += s1;
    s2 += s3;
    s0 += s2;

    return s0[0] + s0[1];
}


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


/*
 * exp(-g * v[i]) in place, two at a time, for v[i] >= 0 (squared
 * distances): Cody-Waite reduction to |r| <= ln2/2, a degree-13 Taylor
 * polynomial (truncation below 1e-17), and 2^k from the exponent bits.
 * Within a few ulp of libm's exp(); below e^-708 the result is 0 where
 * libm would return a subnormal.  n is even.
 */

typedef long long  pm_v2l __attribute__((vector_size(16)));

#define pm_splat(c)  ((pm_v2d) { (c), (c) })

static inline __attribute__((always_inline)) void
pm_exp_neg(double *v, int n, double g)
{
    int            i;
    pm_v2d         x, t, k, r, p, *pv;
    pm_v2l         bits, live;

    const double   log2e = 1.4426950408889634;
    const double   ln2_hi = 6.93147180369123816490e-01;
    const double   ln2_lo = 1.90821492927058770002e-10;
    const double   shift = 6755399441055744.0;   /* 1.5 * 2^52 */

    pv = (pm_v2d *) __builtin_assume_aligned(v, 16);

    for (i = 0; i < n / 2; i++) {
        x = pm_splat(-g) * pv[i];

        /* below e^-708 the kernel is 0: compute on -708, then mask */
        live = (pm_v2l) (x > pm_splat(-708.0));
        x = (pm_v2d) (((pm_v2l) x & live)
                      | ((pm_v2l) pm_splat(-708.0) & ~live));

        t = x * pm_splat(log2e) + pm_splat(shift);
        k = t - pm_splat(shift);
        r = (x - k * pm_splat(ln2_hi)) - k * pm_splat(ln2_lo);

        p = pm_splat(1.0 / 6227020800.0);
        p = p * r + pm_splat(1.0 / 479001600.0);
        p = p * r + pm_splat(1.0 / 39916800.0);
        p = p * r + pm_splat(1.0 / 3628800.0);
        p = p * r + pm_splat(1.0 / 362880.0);
        p = p * r + pm_splat(1.0 / 40320.0);
        p = p * r + pm_splat(1.0 / 5040.0);
        p = p * r + pm_splat(1.0 / 720.0);
        p = p * r + pm_splat(1.0 / 120.0);
        p = p * r + pm_splat(1.0 / 24.0);
        p = p * r + pm_splat(1.0 / 6.0);
        p = p * r + pm_splat(0.5);
        p = p * r + pm_splat(1.0);
        p = p * r + pm_splat(1.0);

        /* t's low bits hold k: 2^k has the exponent bits k + 1023 */
        bits = ((pm_v2l) t - (pm_v2l) { 0x4338000000000000LL,
                                         0x4338000000000000LL }
                + (pm_v2l) { 1023, 1023 }) << 52;

        pv[i] = (pm_v2d) ((pm_v2l) (p * (pm_v2d) bits) & live);
    }
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

            f->sv_sq[i] = pm_dot(row, row, f->stride);
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
    return (size_t) f->stride + (size_t) f->l + 2 + (size_t) f->nr_class
           + PM_FAST_ALIGN / 8;
}


PM_FAST_CLONES
static void
pm_fast_kernels(const pm_fast_t *f, const double *x, double xx, double *k)
{
    int            i;
    double         dot;
    const double  *row;

    for (i = 0; i < f->l; i++) {
        row = f->sv + (size_t) i * f->stride;
        dot = pm_dot(x, row, f->stride);

        switch (f->kernel) {

        case RBF:
            /* |x - sv|^2 = |x|^2 + |sv|^2 - 2 x.sv, never below 0 */
            dot = xx + f->sv_sq[i] - 2 * dot;
            k[i] = (dot > 0) ? dot : 0;
            break;

        case POLY:
            k[i] = pm_powi(f->gamma * dot + f->coef0, f->degree);
            break;

        case SIGMOID:
            k[i] = tanh(f->gamma * dot + f->coef0);
            break;

        default:
            k[i] = dot;
            break;
        }
    }

    if (f->kernel == RBF) {
        k[f->l] = 0;
        pm_exp_neg(k, (f->l + 1) & ~1, f->gamma);
    }
}


PM_FAST_CLONES
static void
pm_fast_linear(const pm_fast_t *f, const double *x, double *dec)
{
    int  p;

    for (p = 0; p < f->ndec; p++) {
        dec[p] = pm_dot(x, f->w + (size_t) p * f->stride, f->stride)
                 - f->rho[p];
    }
}


PM_FAST_CLONES
static double
pm_fast_norm(const pm_fast_t *f, const double *x)
{
    return pm_dot(x, x, f->stride);
}


/*
 * As svm_predict_values(): decision values in dec, and the vote (or the
 * value, or +1/-1) returned.  scratch holds pm_fast_scratch() doubles.
 */

double
pm_fast_predict_values(const pm_fast_t *f, const struct svm_node *x,
    double *dec, double *scratch)
{
    int                     i, j, p, si, sj, ci, cj, best, *vote, v[64];
    double                 *dense, *kv, sum, xx;
    const double           *c1, *c2;
    const struct svm_node  *n;

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
        pm_fast_linear(f, dense, dec);

    } else {
        xx += pm_fast_norm(f, dense);
        pm_fast_kernels(f, dense, xx, kv);

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

    vote = (f->nr_class <= 64) ? v : (int *) (kv + f->l + 2);

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
