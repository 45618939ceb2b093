
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdio.h>
#include <string.h>

#include "pm_sha256.h"
#include "tap.h"


void
test_sha256(void)
{
    int            i;
    char           hex[PM_SHA256_HEX_LEN + 1];
    char           block[1000];
    pm_sha256_t    ctx;
    unsigned char  d[32];

    /* FIPS 180-4 examples */

    pm_sha256_hex("abc", 3, hex);
    ok(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
                   "b00361a396177a9cb410ff61f20015ad") == 0, "sha256(abc)");

    pm_sha256_hex("", 0, hex);
    ok(strcmp(hex, "e3b0c44298fc1c149afbf4c8996fb924"
                   "27ae41e4649b934ca495991b7852b855") == 0, "sha256()");

    pm_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                  56, hex);
    ok(strcmp(hex, "248d6a61d20638b8e5c026930c3e6039"
                   "a33ce45964ff2167f6ecedd419db06c1") == 0,
       "sha256 of the 448-bit message (padding spills a block)");

    /* a million 'a', fed in uneven pieces: 1003 * 997 + 9 */

    memset(block, 'a', sizeof(block));
    pm_sha256_init(&ctx);

    for (i = 0; i < 1003; i++) {
        pm_sha256_update(&ctx, block, 997);
    }

    pm_sha256_update(&ctx, block, 9);
    pm_sha256_final(&ctx, d);

    for (i = 0; i < 32; i++) {
        (void) snprintf(hex + 2 * i, 3, "%02x", d[i]);
    }

    ok(strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
                   "f1809a48a497200e046d39ccc7112cd0") == 0,
       "sha256 of a million 'a' in 997-byte pieces");
}
