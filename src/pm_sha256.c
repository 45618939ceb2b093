
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <string.h>

#include "pm_sha256.h"


#define PM_ROR(x, n)  (((x) >> (n)) | ((x) << (32 - (n))))


static void pm_sha256_block(pm_sha256_t *ctx, const unsigned char *p);


static const uint32_t  pm_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
    0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
    0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
    0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
    0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};


void
pm_sha256_init(pm_sha256_t *ctx)
{
    ctx->state[0] = 0x6a09e667;
    ctx->state[1] = 0xbb67ae85;
    ctx->state[2] = 0x3c6ef372;
    ctx->state[3] = 0xa54ff53a;
    ctx->state[4] = 0x510e527f;
    ctx->state[5] = 0x9b05688c;
    ctx->state[6] = 0x1f83d9ab;
    ctx->state[7] = 0x5be0cd19;
    ctx->bytes = 0;
    ctx->used = 0;
}


static void
pm_sha256_block(pm_sha256_t *ctx, const unsigned char *p)
{
    int       i;
    uint32_t  w[64], a, b, c, d, e, f, g, h, s0, s1, t1, t2;

    for (i = 0; i < 16; i++) {
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16
               | (uint32_t) p[4 * i + 2] << 8 | (uint32_t) p[4 * i + 3];
    }

    for (i = 16; i < 64; i++) {
        s0 = PM_ROR(w[i - 15], 7) ^ PM_ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        s1 = PM_ROR(w[i - 2], 17) ^ PM_ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }

    a = ctx->state[0];
    b = ctx->state[1];
    c = ctx->state[2];
    d = ctx->state[3];
    e = ctx->state[4];
    f = ctx->state[5];
    g = ctx->state[6];
    h = ctx->state[7];

    for (i = 0; i < 64; i++) {
        s1 = PM_ROR(e, 6) ^ PM_ROR(e, 11) ^ PM_ROR(e, 25);
        t1 = h + s1 + ((e & f) ^ (~e & g)) + pm_sha256_k[i] + w[i];
        s0 = PM_ROR(a, 2) ^ PM_ROR(a, 13) ^ PM_ROR(a, 22);
        t2 = s0 + ((a & b) ^ (a & c) ^ (b & c));
        h = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }

    ctx->state[0] += a;
    ctx->state[1] += b;
    ctx->state[2] += c;
    ctx->state[3] += d;
    ctx->state[4] += e;
    ctx->state[5] += f;
    ctx->state[6] += g;
    ctx->state[7] += h;
}


void
pm_sha256_update(pm_sha256_t *ctx, const void *data, size_t len)
{
    size_t                n;
    const unsigned char  *p = data;

    ctx->bytes += len;

    while (len > 0) {
        n = 64 - ctx->used;
        if (n > len) {
            n = len;
        }

        memcpy(ctx->block + ctx->used, p, n);
        ctx->used += n;
        p += n;
        len -= n;

        if (ctx->used == 64) {
            pm_sha256_block(ctx, ctx->block);
            ctx->used = 0;
        }
    }
}


void
pm_sha256_final(pm_sha256_t *ctx, unsigned char digest[32])
{
    int       i;
    uint64_t  bits;

    bits = ctx->bytes * 8;

    ctx->block[ctx->used++] = 0x80;

    if (ctx->used > 56) {
        memset(ctx->block + ctx->used, 0, 64 - ctx->used);
        pm_sha256_block(ctx, ctx->block);
        ctx->used = 0;
    }

    memset(ctx->block + ctx->used, 0, 56 - ctx->used);

    for (i = 0; i < 8; i++) {
        ctx->block[56 + i] = (unsigned char) (bits >> (56 - 8 * i));
    }

    pm_sha256_block(ctx, ctx->block);

    for (i = 0; i < 32; i++) {
        digest[i] = (unsigned char) (ctx->state[i / 4] >> (24 - 8 * (i % 4)));
    }
}


void
pm_sha256_hex(const void *data, size_t len, char hex[PM_SHA256_HEX_LEN + 1])
{
    int                   i;
    unsigned char         digest[32];
    pm_sha256_t           ctx;
    static const char     xdigits[] = "0123456789abcdef";

    pm_sha256_init(&ctx);
    pm_sha256_update(&ctx, data, len);
    pm_sha256_final(&ctx, digest);

    for (i = 0; i < 32; i++) {
        hex[2 * i] = xdigits[digest[i] >> 4];
        hex[2 * i + 1] = xdigits[digest[i] & 0xf];
    }

    hex[PM_SHA256_HEX_LEN] = '\0';
}


void
pm_source_set(pm_source_t *src, const void *buf, size_t len)
{
    pm_sha256_hex(buf, len, src->sha256);
    src->size = len;
    src->loaded_at = time(NULL);
}
