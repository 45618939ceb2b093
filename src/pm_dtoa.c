
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Doubles to JSON text by Grisu2 (F. Loitsch, "Printing floating-point
 * numbers quickly and accurately with integers", PLDI 2010): the digits
 * always read back to the same double, and are the shortest such digits
 * for all but a fraction of a percent of values, at a small fraction of
 * the cost of snprintf("%.17g") and a strtod() to check it.  t/unit reads
 * back 100000 random bit patterns and every special case.
 */


#include <stdint.h>
#include <string.h>

#include "pm_text.h"


typedef struct {
    uint64_t            f;
    int                 e;
} pm_diyfp_t;


static pm_diyfp_t pm_diy_mul(pm_diyfp_t a, pm_diyfp_t b);
static pm_diyfp_t pm_diy_normalize(pm_diyfp_t a);
static void pm_grisu2(double v, char *digits, int *len, int *k);
static void pm_grisu_round(char *digits, int len, uint64_t delta,
    uint64_t rest, uint64_t ten_kappa, uint64_t wp_w);
static int pm_digits32(uint32_t n);


/* 10^k, k = -348 + 8 i, as normalised 64-bit significands, rounded */

static const struct {
    uint64_t            f;
    int                 e;
} pm_cached_powers[] = {
    { 0xfa8fd5a0081c0288ULL, -1220 },  /* 1e-348 */
    { 0xbaaee17fa23ebf76ULL, -1193 },  /* 1e-340 */
    { 0x8b16fb203055ac76ULL, -1166 },  /* 1e-332 */
    { 0xcf42894a5dce35eaULL, -1140 },  /* 1e-324 */
    { 0x9a6bb0aa55653b2dULL, -1113 },  /* 1e-316 */
    { 0xe61acf033d1a45dfULL, -1087 },  /* 1e-308 */
    { 0xab70fe17c79ac6caULL, -1060 },  /* 1e-300 */
    { 0xff77b1fcbebcdc4fULL, -1034 },  /* 1e-292 */
    { 0xbe5691ef416bd60cULL, -1007 },  /* 1e-284 */
    { 0x8dd01fad907ffc3cULL, -980 },  /* 1e-276 */
    { 0xd3515c2831559a83ULL, -954 },  /* 1e-268 */
    { 0x9d71ac8fada6c9b5ULL, -927 },  /* 1e-260 */
    { 0xea9c227723ee8bcbULL, -901 },  /* 1e-252 */
    { 0xaecc49914078536dULL, -874 },  /* 1e-244 */
    { 0x823c12795db6ce57ULL, -847 },  /* 1e-236 */
    { 0xc21094364dfb5637ULL, -821 },  /* 1e-228 */
    { 0x9096ea6f3848984fULL, -794 },  /* 1e-220 */
    { 0xd77485cb25823ac7ULL, -768 },  /* 1e-212 */
    { 0xa086cfcd97bf97f4ULL, -741 },  /* 1e-204 */
    { 0xef340a98172aace5ULL, -715 },  /* 1e-196 */
    { 0xb23867fb2a35b28eULL, -688 },  /* 1e-188 */
    { 0x84c8d4dfd2c63f3bULL, -661 },  /* 1e-180 */
    { 0xc5dd44271ad3cdbaULL, -635 },  /* 1e-172 */
    { 0x936b9fcebb25c996ULL, -608 },  /* 1e-164 */
    { 0xdbac6c247d62a584ULL, -582 },  /* 1e-156 */
    { 0xa3ab66580d5fdaf6ULL, -555 },  /* 1e-148 */
    { 0xf3e2f893dec3f126ULL, -529 },  /* 1e-140 */
    { 0xb5b5ada8aaff80b8ULL, -502 },  /* 1e-132 */
    { 0x87625f056c7c4a8bULL, -475 },  /* 1e-124 */
    { 0xc9bcff6034c13053ULL, -449 },  /* 1e-116 */
    { 0x964e858c91ba2655ULL, -422 },  /* 1e-108 */
    { 0xdff9772470297ebdULL, -396 },  /* 1e-100 */
    { 0xa6dfbd9fb8e5b88fULL, -369 },  /* 1e-92 */
    { 0xf8a95fcf88747d94ULL, -343 },  /* 1e-84 */
    { 0xb94470938fa89bcfULL, -316 },  /* 1e-76 */
    { 0x8a08f0f8bf0f156bULL, -289 },  /* 1e-68 */
    { 0xcdb02555653131b6ULL, -263 },  /* 1e-60 */
    { 0x993fe2c6d07b7facULL, -236 },  /* 1e-52 */
    { 0xe45c10c42a2b3b06ULL, -210 },  /* 1e-44 */
    { 0xaa242499697392d3ULL, -183 },  /* 1e-36 */
    { 0xfd87b5f28300ca0eULL, -157 },  /* 1e-28 */
    { 0xbce5086492111aebULL, -130 },  /* 1e-20 */
    { 0x8cbccc096f5088ccULL, -103 },  /* 1e-12 */
    { 0xd1b71758e219652cULL, -77 },  /* 1e-4 */
    { 0x9c40000000000000ULL, -50 },  /* 1e4 */
    { 0xe8d4a51000000000ULL, -24 },  /* 1e12 */
    { 0xad78ebc5ac620000ULL, 3 },  /* 1e20 */
    { 0x813f3978f8940984ULL, 30 },  /* 1e28 */
    { 0xc097ce7bc90715b3ULL, 56 },  /* 1e36 */
    { 0x8f7e32ce7bea5c70ULL, 83 },  /* 1e44 */
    { 0xd5d238a4abe98068ULL, 109 },  /* 1e52 */
    { 0x9f4f2726179a2245ULL, 136 },  /* 1e60 */
    { 0xed63a231d4c4fb27ULL, 162 },  /* 1e68 */
    { 0xb0de65388cc8ada8ULL, 189 },  /* 1e76 */
    { 0x83c7088e1aab65dbULL, 216 },  /* 1e84 */
    { 0xc45d1df942711d9aULL, 242 },  /* 1e92 */
    { 0x924d692ca61be758ULL, 269 },  /* 1e100 */
    { 0xda01ee641a708deaULL, 295 },  /* 1e108 */
    { 0xa26da3999aef774aULL, 322 },  /* 1e116 */
    { 0xf209787bb47d6b85ULL, 348 },  /* 1e124 */
    { 0xb454e4a179dd1877ULL, 375 },  /* 1e132 */
    { 0x865b86925b9bc5c2ULL, 402 },  /* 1e140 */
    { 0xc83553c5c8965d3dULL, 428 },  /* 1e148 */
    { 0x952ab45cfa97a0b3ULL, 455 },  /* 1e156 */
    { 0xde469fbd99a05fe3ULL, 481 },  /* 1e164 */
    { 0xa59bc234db398c25ULL, 508 },  /* 1e172 */
    { 0xf6c69a72a3989f5cULL, 534 },  /* 1e180 */
    { 0xb7dcbf5354e9beceULL, 561 },  /* 1e188 */
    { 0x88fcf317f22241e2ULL, 588 },  /* 1e196 */
    { 0xcc20ce9bd35c78a5ULL, 614 },  /* 1e204 */
    { 0x98165af37b2153dfULL, 641 },  /* 1e212 */
    { 0xe2a0b5dc971f303aULL, 667 },  /* 1e220 */
    { 0xa8d9d1535ce3b396ULL, 694 },  /* 1e228 */
    { 0xfb9b7cd9a4a7443cULL, 720 },  /* 1e236 */
    { 0xbb764c4ca7a44410ULL, 747 },  /* 1e244 */
    { 0x8bab8eefb6409c1aULL, 774 },  /* 1e252 */
    { 0xd01fef10a657842cULL, 800 },  /* 1e260 */
    { 0x9b10a4e5e9913129ULL, 827 },  /* 1e268 */
    { 0xe7109bfba19c0c9dULL, 853 },  /* 1e276 */
    { 0xac2820d9623bf429ULL, 880 },  /* 1e284 */
    { 0x80444b5e7aa7cf85ULL, 907 },  /* 1e292 */
    { 0xbf21e44003acdd2dULL, 933 },  /* 1e300 */
    { 0x8e679c2f5e44ff8fULL, 960 },  /* 1e308 */
    { 0xd433179d9c8cb841ULL, 986 },  /* 1e316 */
    { 0x9e19db92b4e31ba9ULL, 1013 },  /* 1e324 */
    { 0xeb96bf6ebadf77d9ULL, 1039 },  /* 1e332 */
    { 0xaf87023b9bf0ee6bULL, 1066 },  /* 1e340 */
};


static const uint64_t  pm_pow10_u64[] = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
    10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
    100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL,
    10000000000000000000ULL
};


/* the upper 64 bits of the 128-bit product, rounded */

static pm_diyfp_t
pm_diy_mul(pm_diyfp_t a, pm_diyfp_t b)
{
    pm_diyfp_t          r;
    unsigned __int128   p;

    p = (unsigned __int128) a.f * b.f;
    r.f = (uint64_t) (p >> 64) + (((uint64_t) p >> 63) & 1);
    r.e = a.e + b.e + 64;

    return r;
}


static pm_diyfp_t
pm_diy_normalize(pm_diyfp_t a)
{
    int  s;

    s = __builtin_clzll(a.f);
    a.f <<= s;
    a.e -= s;

    return a;
}


static int
pm_digits32(uint32_t n)
{
    int  d;

    for (d = 1; n >= 10; d++) {
        n /= 10;
    }

    return d;
}


static void
pm_grisu_round(char *digits, int len, uint64_t delta, uint64_t rest,
    uint64_t ten_kappa, uint64_t wp_w)
{
    while (rest < wp_w && delta - rest >= ten_kappa
           && (rest + ten_kappa < wp_w
               || wp_w - rest > rest + ten_kappa - wp_w))
    {
        digits[len - 1]--;
        rest += ten_kappa;
    }
}


/* v > 0, finite: digits[0..len) times 10^k is within v's rounding bounds */

static void
pm_grisu2(double v, char *digits, int *len, int *k)
{
    int          biased, shift, kappa, mk, index, cached_e;
    double       dk;
    uint32_t     p1, d;
    uint64_t     bits, p2, delta, tmp, one_f, wp_w;
    pm_diyfp_t   w, mp, mm, c, W, Wp, Wm;

    memcpy(&bits, &v, sizeof(bits));

    biased = (int) ((bits >> 52) & 0x7ff);
    w.f = bits & 0xfffffffffffffULL;

    if (biased != 0) {
        w.f += 1ULL << 52;
        w.e = biased - 1075;
    } else {
        w.e = -1074;
    }

    /* the boundaries halfway to the neighbours, m+ normalised */

    mp.f = (w.f << 1) + 1;
    mp.e = w.e - 1;

    while (!(mp.f & (1ULL << 53))) {
        mp.f <<= 1;
        mp.e--;
    }

    mp.f <<= 10;
    mp.e -= 10;

    if (w.f == (1ULL << 52)) {
        mm.f = (w.f << 2) - 1;
        mm.e = w.e - 2;
    } else {
        mm.f = (w.f << 1) - 1;
        mm.e = w.e - 1;
    }

    mm.f <<= mm.e - mp.e;
    mm.e = mp.e;

    /* a cached power bringing the exponent into [-60, -32] */

    dk = (-61 - mp.e) * 0.30102999566398114 + 347;
    mk = (int) dk;
    if (dk - mk > 0.0) {
        mk++;
    }

    index = (mk >> 3) + 1;
    *k = -(-348 + index * 8);
    c.f = pm_cached_powers[index].f;
    c.e = pm_cached_powers[index].e;

    W = pm_diy_mul(pm_diy_normalize(w), c);
    Wp = pm_diy_mul(mp, c);
    Wm = pm_diy_mul(mm, c);
    Wm.f++;
    Wp.f--;

    delta = Wp.f - Wm.f;
    cached_e = -Wp.e;
    one_f = 1ULL << cached_e;
    wp_w = Wp.f - W.f;
    p1 = (uint32_t) (Wp.f >> cached_e);
    p2 = Wp.f & (one_f - 1);
    kappa = pm_digits32(p1);
    *len = 0;
    shift = cached_e;

    while (kappa > 0) {
        d = p1 / (uint32_t) pm_pow10_u64[kappa - 1];
        p1 %= (uint32_t) pm_pow10_u64[kappa - 1];

        if (d || *len) {
            digits[(*len)++] = (char) ('0' + d);
        }

        kappa--;
        tmp = ((uint64_t) p1 << shift) + p2;

        if (tmp <= delta) {
            *k += kappa;
            pm_grisu_round(digits, *len, delta, tmp,
                           pm_pow10_u64[kappa] << shift, wp_w);
            return;
        }
    }

    for ( ;; ) {
        p2 *= 10;
        delta *= 10;
        d = (uint32_t) (p2 >> shift);

        if (d || *len) {
            digits[(*len)++] = (char) ('0' + d);
        }

        p2 &= one_f - 1;
        kappa--;

        if (p2 < delta) {
            *k += kappa;
            index = -kappa;
            pm_grisu_round(digits, *len, delta, p2, one_f,
                           index < 20 ? wp_w * pm_pow10_u64[index] : 0);
            return;
        }
    }
}


/*
 * buf holds PM_JSON_NUM_SIZE bytes; returns the length, without a NUL.
 * Fixed notation from 1e-6 to 1e21, as JavaScript writes numbers, else
 * d.ddde-XX.  The caller keeps NaN and infinities out of JSON.
 */

size_t
pm_format_number(double v, char *buf)
{
    int    len, k, kk, i;
    char   digits[24], *p;

    p = buf;

    if (v < 0 || (v == 0 && 1 / v < 0)) {
        *p++ = '-';
        v = -v;
    }

    if (v == 0) {
        *p++ = '0';
        *p = '\0';
        return (size_t) (p - buf);
    }

    if (v != v || v > 1.7976931348623157e308) {
        memcpy(p, "null", 4);    /* not JSON's to hold */
        p[4] = '\0';
        return (size_t) (p - buf) + 4;
    }

    pm_grisu2(v, digits, &len, &k);

    kk = len + k;   /* 10^(kk-1) <= v < 10^kk */

    if (k >= 0 && kk <= 21) {
        /* 1234e7 -> 12340000000 */
        memcpy(p, digits, (size_t) len);
        p += len;

        for (i = 0; i < k; i++) {
            *p++ = '0';
        }

    } else if (kk > 0 && kk <= 21) {
        /* 1234e-2 -> 12.34 */
        memcpy(p, digits, (size_t) kk);
        p += kk;
        *p++ = '.';
        memcpy(p, digits + kk, (size_t) (len - kk));
        p += len - kk;

    } else if (kk > -6 && kk <= 0) {
        /* 1234e-6 -> 0.001234 */
        *p++ = '0';
        *p++ = '.';

        for (i = kk; i < 0; i++) {
            *p++ = '0';
        }

        memcpy(p, digits, (size_t) len);
        p += len;

    } else {
        /* 1234e30 -> 1.234e33 */
        *p++ = digits[0];

        if (len > 1) {
            *p++ = '.';
            memcpy(p, digits + 1, (size_t) (len - 1));
            p += len - 1;
        }

        *p++ = 'e';
        kk--;

        if (kk < 0) {
            *p++ = '-';
            kk = -kk;
        }

        if (kk >= 100) {
            *p++ = (char) ('0' + kk / 100);
            kk %= 100;
            *p++ = (char) ('0' + kk / 10);
        } else if (kk >= 10) {
            *p++ = (char) ('0' + kk / 10);
        }

        *p++ = (char) ('0' + kk % 10);
    }

    *p = '\0';

    return (size_t) (p - buf);
}


/*
 * The shortest round-trip form for a message ("fitted [170.4, 2501]"),
 * into buf of PM_NUMBER_SIZE bytes; "inf" or "-inf" past a double's range.
 */

const char *
pm_num(double v, char *buf)
{
    if (v > 1.7976931348623157e308 || v < -1.7976931348623157e308) {
        memcpy(buf, v > 0 ? "inf" : "-inf", v > 0 ? 4 : 5);
        return buf;
    }

    (void) pm_format_number(v, buf);

    return buf;
}
