
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The vector loops of pm_fast.c, included once per vector width with
 * PM_V (the vector type), PM_VL (its integer twin), PM_W (lanes),
 * PM_SPLAT(), PM_SPLATL(), PM_FN() (the name suffix) and PM_TARGET set.
 */


/* a dot product over padded rows: n is a multiple of 8, both aligned */

PM_TARGET
static inline __attribute__((always_inline)) double
PM_FN(pm_dot)(const double *a, const double *b, int n)
{
    int        i, j;
    double     s;
    PM_V       s0, s1, s2, s3;
    const PM_V *va, *vb;

    va = (const PM_V *) __builtin_assume_aligned(a, PM_FAST_ALIGN);
    vb = (const PM_V *) __builtin_assume_aligned(b, PM_FAST_ALIGN);
    s0 = PM_SPLAT(0.0);
    s1 = s0;
    s2 = s0;
    s3 = s0;

    for (i = 0; i + 4 <= n / PM_W; i += 4) {
        s0 += va[i] * vb[i];
        s1 += va[i + 1] * vb[i + 1];
        s2 += va[i + 2] * vb[i + 2];
        s3 += va[i + 3] * vb[i + 3];
    }

    for ( /* void */ ; i < n / PM_W; i++) {
        s0 += va[i] * vb[i];
    }

    s0 += s1;
    s2 += s3;
    s0 += s2;
    s = 0;

    for (j = 0; j < PM_W; j++) {
        s += s0[j];
    }

    return s;
}


/*
 * exp(-g * v[i]) in place, PM_W at a time, for v[i] >= 0 (squared
 * distances): Cody-Waite reduction to |r| <= ln2/2, a degree-13 Taylor
 * polynomial (truncation below 1e-17), and 2^k from the exponent bits.
 * Within a few ulp of libm's exp(); below e^-708 the result is 0 where
 * libm would give a subnormal.  n is a multiple of PM_W.
 */

PM_TARGET
static inline __attribute__((always_inline)) void
PM_FN(pm_exp_neg)(double *v, int n, double g)
{
    int     i;
    PM_V    x, t, k, r, p, *pv;
    PM_VL   bits, live;

    const double  log2e = 1.4426950408889634;
    const double  ln2_hi = 6.93147180369123816490e-01;
    const double  ln2_lo = 1.90821492927058770002e-10;
    const double  shift = 6755399441055744.0;     /* 1.5 * 2^52 */

    pv = (PM_V *) __builtin_assume_aligned(v, 16);

    for (i = 0; i < n / PM_W; i++) {
        x = PM_SPLAT(-g) * pv[i];

        /* below e^-708 the kernel is 0: compute on -708, then mask */
        live = (PM_VL) (x > PM_SPLAT(-708.0));
        x = (PM_V) (((PM_VL) x & live) | ((PM_VL) PM_SPLAT(-708.0) & ~live));

        t = x * PM_SPLAT(log2e) + PM_SPLAT(shift);
        k = t - PM_SPLAT(shift);
        r = (x - k * PM_SPLAT(ln2_hi)) - k * PM_SPLAT(ln2_lo);

        p = PM_SPLAT(1.0 / 6227020800.0);
        p = p * r + PM_SPLAT(1.0 / 479001600.0);
        p = p * r + PM_SPLAT(1.0 / 39916800.0);
        p = p * r + PM_SPLAT(1.0 / 3628800.0);
        p = p * r + PM_SPLAT(1.0 / 362880.0);
        p = p * r + PM_SPLAT(1.0 / 40320.0);
        p = p * r + PM_SPLAT(1.0 / 5040.0);
        p = p * r + PM_SPLAT(1.0 / 720.0);
        p = p * r + PM_SPLAT(1.0 / 120.0);
        p = p * r + PM_SPLAT(1.0 / 24.0);
        p = p * r + PM_SPLAT(1.0 / 6.0);
        p = p * r + PM_SPLAT(0.5);
        p = p * r + PM_SPLAT(1.0);
        p = p * r + PM_SPLAT(1.0);

        /* t's low bits hold k: 2^k has the exponent bits k + 1023 */
        bits = ((PM_VL) t - PM_SPLATL(0x4338000000000000LL)
                + PM_SPLATL(1023)) << 52;

        pv[i] = (PM_V) ((PM_VL) (p * (PM_V) bits) & live);
    }
}


PM_TARGET
static void
PM_FN(pm_fast_kernels)(const pm_fast_t *f, const double *x, double xx,
    double *k)
{
    int            i;
    double         dot;
    const double  *row;

    for (i = 0; i < f->l; i++) {
        row = f->sv + (size_t) i * f->stride;
        dot = PM_FN(pm_dot)(x, row, f->stride);

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
        for (i = f->l; i < ((f->l + 3) & ~3); i++) {
            k[i] = 0;
        }

        PM_FN(pm_exp_neg)(k, (f->l + 3) & ~3, f->gamma);
    }
}


PM_TARGET
static void
PM_FN(pm_fast_linear)(const pm_fast_t *f, const double *x, double *dec)
{
    int  p;

    for (p = 0; p < f->ndec; p++) {
        dec[p] = PM_FN(pm_dot)(x, f->w + (size_t) p * f->stride, f->stride)
                 - f->rho[p];
    }
}


PM_TARGET
static double
PM_FN(pm_fast_norm)(const pm_fast_t *f, const double *x)
{
    return PM_FN(pm_dot)(x, x, f->stride);
}


#undef PM_V
#undef PM_VL
#undef PM_W
#undef PM_SPLAT
#undef PM_SPLATL
#undef PM_FN
#undef PM_TARGET
