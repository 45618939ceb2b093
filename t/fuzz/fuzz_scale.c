
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * An svm-scale range file, and what it parses, applied to a few vectors
 * under every policy.
 */


#include <string.h>

#include "pm_core.h"
#include "pm_encode.h"
#include "pm_scale.h"
#include "fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int               i, n, noor, policy, *oor;
    pm_err_t          err;
    pm_scaler_t      *s;
    pm_node_t        *out, raw[3];

    pm_err_init(&err);

    if (pm_scaler_parse((const char *) data, size, &s, &err) != PM_OK) {
        PM_FUZZ_CHECK(err.msg[0] != '\0');
        return 0;
    }

    out = malloc(sizeof(pm_node_t) * ((size_t) s->n + 1));
    oor = malloc(sizeof(int) * ((size_t) s->n + 1));

    raw[0].index = 1;
    raw[0].value = 1e300;
    raw[1].index = s->max_index > 0 ? s->max_index : 2;
    raw[1].value = -3;
    raw[2].index = raw[1].index + 1;
    raw[2].value = 7;

    for (policy = PM_OOR_EXTRAPOLATE; policy <= PM_OOR_REJECT; policy++) {
        n = pm_encode_range(s, policy, raw, raw[1].index > 1 ? 3 : 1, out,
                            oor, &noor, &err);
        PM_FUZZ_CHECK(n <= s->n && noor <= s->n);

        for (i = 1; i < n; i++) {
            PM_FUZZ_CHECK(out[i].index > out[i - 1].index);
        }
    }

    if (s->has_y) {
        (void) pm_scaler_y_inverse(s, pm_scaler_y(s, 0.5));
    }

    free(out);
    free(oor);
    pm_scaler_free(s);

    return 0;
}
