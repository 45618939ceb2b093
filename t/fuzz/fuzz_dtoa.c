
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Every double Grisu2 writes must read back to itself, and be valid JSON.
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm_text.h"
#include "fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char     buf[PM_JSON_NUM_SIZE];
    size_t   n;
    double   v;
    json_t  *j;

    if (size < sizeof(double)) {
        return 0;
    }

    memcpy(&v, data, sizeof(double));

    if (!isfinite(v)) {
        return 0;
    }

    n = pm_format_number(v, buf);
    PM_FUZZ_CHECK(n > 0 && n < sizeof(buf) && buf[n] == '\0');
    PM_FUZZ_CHECK(strtod(buf, NULL) == v);

    j = json_loads(buf, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, NULL);
    PM_FUZZ_CHECK(j != NULL);
    json_decref(j);

    return 0;
}
