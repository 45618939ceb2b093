
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * SHA-256 (FIPS 180-4), for the content hashes the metadata endpoint shows,
 * and the identity of a loaded file (pm_source_t).
 */


#ifndef _PM_SHA256_H_INCLUDED_
#define _PM_SHA256_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <time.h>


#define PM_SHA256_HEX_LEN  64


typedef struct {
    uint32_t            state[8];
    uint64_t            bytes;
    unsigned char       block[64];
    size_t              used;
} pm_sha256_t;


void pm_sha256_init(pm_sha256_t *ctx);
void pm_sha256_update(pm_sha256_t *ctx, const void *data, size_t len);
void pm_sha256_final(pm_sha256_t *ctx, unsigned char digest[32]);
void pm_sha256_hex(const void *data, size_t len,
    char hex[PM_SHA256_HEX_LEN + 1]);


/* a loaded file as the metadata and the log show it */

typedef struct {
    size_t              size;       /* file bytes */
    time_t              loaded_at;
    char                sha256[PM_SHA256_HEX_LEN + 1];
} pm_source_t;


void pm_source_set(pm_source_t *src, const void *buf, size_t len);


#endif /* _PM_SHA256_H_INCLUDED_ */
