
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm.h"
#include "pm_kinds.h"
#include "pm_pipeline.h"
#include "pm_response.h"
#include "pm_svm.h"
#include "pm_text.h"
#include "tap.h"


void
test_response(void)
{
    int            i, rc, good;
    char           buf[PM_JSON_NUM_SIZE], out[512], *meta;
    size_t         n, full, len;
    double         v;
    unsigned long  r;
    json_t        *j;
    pm_err_t       err;
    pm_model_t    *m;
    pm_options_t   opt;
    pm_pipeline_t  p;

    static const double  special[] = {
        0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3, 1e300, -1e-300, DBL_MAX,
        DBL_MIN, 4.9e-324, 123456789012345678.0, 0.30000000000000004
    };

    good = 1;

    for (i = 0; i < (int) (sizeof(special) / sizeof(special[0])); i++) {
        n = pm_format_number(special[i], buf);
        j = json_loads(buf, JSON_DECODE_ANY, NULL);
        if (n == 0 || strtod(buf, NULL) != special[i] || j == NULL) {
            good = 0;
            tap_diag("%.17g -> %s", special[i], buf);
        }
        json_decref(j);
    }

    r = 88172645463325252UL;

    for (i = 0; i < 100000; i++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        memcpy(&v, &r, sizeof(v));
        if (!isfinite(v)) {
            continue;
        }
        n = pm_format_number(v, buf);
        if (strtod(buf, NULL) != v || n >= PM_JSON_NUM_SIZE) {
            good = 0;
            tap_diag("%.17g -> %s", v, buf);
            break;
        }
    }

    ok(good, "doubles print shortest and read back exactly (100000 random "
       "bit patterns)");

    n = pm_format_number(0.1, buf);
    ok(n == 3 && strcmp(buf, "0.1") == 0, "0.1 prints as 0.1");

    /* errors: escaped, valid JSON, sized and filled by one function */

    pm_err_init(&err);
    (void) pm_err_set(&err, PM_EVALUE, "feature \"x\\y\"\n\x01\xc3\xa9");
    err.instance = 3;
    err.feature = 7;
    full = pm_error_write(&err, NULL, 0);
    memset(out, 'Z', sizeof(out));
    n = pm_error_write(&err, out, full);
    ok(n == full && out[full] == 'Z', "size pass and fill pass agree, no "
       "byte past the end");

    j = json_loadb(out, n, 0, NULL);
    ok(j != NULL, "the error body is valid JSON");
    ok(j != NULL
       && strcmp(json_string_value(json_object_get(json_object_get(j,
                 "error"), "code")), "invalid_value") == 0
       && json_integer_value(json_object_get(json_object_get(j, "error"),
                                             "instance")) == 3
       && json_integer_value(json_object_get(json_object_get(j, "error"),
                                             "feature")) == 7,
       "code, instance and feature");
    json_decref(j);

    memset(out, 'Z', sizeof(out));
    n = pm_error_write(&err, out, 10);
    ok(n > 10 && out[10] == 'Z', "a short buffer is never overrun");

    /* metadata: facts, not paths */

    pm_err_init(&err);
    opt.out_of_range = PM_OOR_CLIP;
    opt.probability = 1;
    opt.max_instances = 7;
    opt.decision_values = 0;
    opt.engine = PM_ENGINE_FAST;
    opt.label_rule = PM_LABEL_DEFAULT;

    rc = pm_model_load(ut_train("meta.model", C_SVC, POLY, 1), &m, &err);
    rc |= pm_pipeline_init(&p, m, NULL, NULL, 0, &opt, &err);

    if (rc != PM_OK) {
        ok(0, "metadata model loads: %s", err.msg);
        return;
    }

    rc = pm_metadata(&p, &meta, &len, &err);
    j = (rc == PM_OK) ? json_loadb(meta, len, 0, NULL) : NULL;
    ok(j != NULL, "metadata is valid JSON");

    if (j != NULL) {
        json_t  *model = json_object_get(j, "model");

        ok(strcmp(json_string_value(json_object_get(model, "svm_type")),
                  "c_svc") == 0
           && strcmp(json_string_value(json_object_get(
                     json_object_get(model, "kernel"), "type")),
                     "polynomial") == 0
           && json_integer_value(json_object_get(json_object_get(model,
                                 "kernel"), "degree")) == 3
           && json_array_size(json_object_get(model, "labels")) == 3
           && json_is_true(json_object_get(model, "probability"))
           && strlen(json_string_value(json_object_get(model, "sha256")))
              == 64
           && json_is_null(json_object_get(j, "scaler"))
           && json_integer_value(json_object_get(j, "feature_count")) == 4
           && strcmp(json_string_value(json_object_get(json_object_get(j,
                     "config"), "out_of_range")), "clip") == 0,
           "metadata: type, kernel, labels, probability, hash, features, "
           "policy");
        ok(strstr(meta, tap_tmpdir()) == NULL, "metadata shows no path");
        json_decref(j);
    }

    free(meta);
    pm_model_free(m);
}
