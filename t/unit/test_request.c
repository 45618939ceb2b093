
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm_encode.h"
#include "pm_request.h"
#include "tap.h"


typedef struct {
    const char  *body;
    size_t       len;       /* 0: strlen */
    int          code;
    const char  *msg;
} bad_body_t;


static const bad_body_t  bad_bodies[] = {
    { "", 0, PM_EEMPTY, "empty request body" },
    { " \r\n\t ", 0, PM_EEMPTY, "empty request body" },
    { "{", 0, PM_EJSON, "invalid JSON at line 1, column 2" },
    { "{\"features\": [1, 2,]}", 0, PM_EJSON, "invalid JSON" },
    { "{\"features\": [1], \"features\": [2]}", 0, PM_EJSON,
      "duplicate object key" },
    { "[1, 2, 3]", 0, PM_ESHAPE, "the body is an array" },
    { "\"features\"", 0, PM_ESHAPE, "the body is a string" },
    { "null", 0, PM_ESHAPE, "the body is null" },
    { "[1, 2", 0, PM_EJSON, "invalid JSON" },
    { "{}", 0, PM_ESHAPE, "neither \"features\" nor \"instances\"" },
    { "{\"feature\": [1]}", 0, PM_ESHAPE, "unknown key \"feature\"" },
    { "{\"feature\": [1, }", 0, PM_EJSON, "invalid JSON" },
    { "{\"features\": [1], \"instances\": []}", 0, PM_ESHAPE, "not both" },
    { "{\"features\": 5}", 0, PM_ESHAPE, "\"features\" is a number" },
    { "{\"features\": \"1,2\"}", 0, PM_ESHAPE, "\"features\" is a string" },
    { "{\"features\": null}", 0, PM_ESHAPE, "\"features\" is null" },
    { "{\"features\": true}", 0, PM_ESHAPE, "\"features\" is a boolean" },
    { "{\"instances\": {}}", 0, PM_ESHAPE, "\"instances\" is an object" },
    { "{\"instances\": [[1], 2]}", 0, PM_ESHAPE, "instances[1] is a number" },
    { "{\"instances\": [1,2,3,4]}", 0, PM_ETOOMANY, "4 instances, more "
      "than the limit of 3" },
    { "{\"features\": [\"\\u0000\"]}", 0, PM_EJSON, "\\u0000 is not "
      "allowed" },
    { "{\"featur\xff\": [1]}", 0, PM_EJSON, "invalid UTF-8" },
    { "{\"a\": \"\xc0\xaf\"}", 0, PM_EJSON, "invalid UTF-8" },
    { "{\"a\": \"\xed\xa0\x80\"}", 0, PM_EJSON, "invalid UTF-8" },
    { "{\"a\": \"\xf4\x90\x80\x80\"}", 0, PM_EJSON, "invalid UTF-8" },
    { "{\"a\": \"\\ud800\"}", 0, PM_EJSON, "high surrogate" },
    { "{\"a\": \"\\udc00\"}", 0, PM_EJSON, "lone low surrogate" },
    { "{\"a\": \"\\x\"}", 0, PM_EJSON, "invalid escape" },
    { "{\"a\": \"\\u12g4\"}", 0, PM_EJSON, "invalid \\u escape" },
    { "{\"a\": \"tab\there\"}", 0, PM_EJSON, "control character" },
    { "{\"a\": \"open}", 0, PM_EJSON, "unterminated string" },
    { "{\"features\": [1]} trailing", 0, PM_EJSON, "end of input expected" },
    { "{\"features\": [01]}", 0, PM_EJSON, "invalid JSON" },
    { "{\"features\": [1.]}", 0, PM_EJSON, "invalid number" },
    { "{\"features\": [.5]}", 0, PM_EJSON, "invalid JSON" },
    { "{\"features\": [1e]}", 0, PM_EJSON, "invalid number" },
    { "{\"features\": [+1]}", 0, PM_EJSON, "invalid JSON" },
    { "{\"features\": [NaN]}", 0, PM_EJSON, "invalid JSON" },
    { "{\"features\": [Infinity]}", 0, PM_EJSON, "invalid JSON" },
    { "{\"features\": [tru]}", 0, PM_EJSON, "invalid literal" },
    { "{\"features\": {1: 2}}", 0, PM_EJSON, "a string key expected" },
    { "{\"features\": {\"1\" 2}}", 0, PM_EJSON, "':' expected" },
    { "{'features': [1]}", 0, PM_EJSON, "a string key expected" },
    { "{\"k\\u0001ey\": 1}", 0, PM_ESHAPE, "unknown key \"k?ey\"" },
    { "{\"features\": [1]}\0", 18, PM_EJSON, "end of input expected" },
    { "{\"a\": [[[[[]]]]], \"b\": {\"c\": [1, {\"d\": null}]}}", 0,
      PM_ESHAPE, "unknown key \"a\"" },
    { NULL, 0, 0, NULL }
};


static int features_of(const char *body, int nfeatures,
    pm_node_t *raw, pm_err_t *err);


static int
features_of(const char *body, int nfeatures, pm_node_t *raw,
    pm_err_t *err)
{
    int           rc;
    pm_alloc_t    a;
    pm_arena_t   *arena;
    pm_batch_t    req;

    arena = pm_arena_create();
    pm_arena_allocator(arena, &a);

    rc = pm_request_parse(body, strlen(body), 100, 0, &a, &req, err);
    if (rc == PM_OK) {
        rc = pm_encode_index(&req.inst[0], nfeatures, raw, err);
    }

    pm_arena_destroy(arena);

    return rc;
}


/* both decoders on the same text: do they agree on what is valid JSON? */

static void
test_against_jansson(void)
{
    int            i, ours, theirs, agree;
    char           body[256];
    pm_err_t       err;
    pm_alloc_t     a;
    pm_arena_t    *arena;
    pm_batch_t     req;
    json_t        *j;

    static const char  *values[] = {
        "0", "-0", "1.5", "-1.5e-3", "1E+2", "12345678901234567890",
        "1e400", "0.1e1", "00", "1.", "-", "1e", ".1", "\"a\"", "\"\\\"\"",
        "\"\\u00e9\"", "\"\\ud83d\\ude00\"", "\"\xc3\xa9\"", "\"\xc3\"",
        "true", "false", "null", "nul", "[]", "[1,]", "{}", "{\"a\":1}",
        "{\"a\":1,}", "[[[]]]", "\"\t\"", "\"\\/\"", "1 2", "[1 2]",
        "\"\\u0041\"", "\"\\uD834\\uDD1E\"", "-01", "2.5E-5", "1e-400",
        NULL
    };

    arena = pm_arena_create();
    pm_arena_allocator(arena, &a);
    agree = 1;

    for (i = 0; values[i] != NULL; i++) {
        (void) snprintf(body, sizeof(body), "{\"features\": [%s]}",
                        values[i]);

        pm_err_init(&err);
        ours = pm_request_parse(body, strlen(body), 100, 0, &a, &req,
                                &err);
        j = json_loadb(body, strlen(body), JSON_REJECT_DUPLICATES
                                           | JSON_DECODE_INT_AS_REAL, NULL);
        theirs = (j != NULL);
        json_decref(j);
        pm_arena_reset(arena);

        /*
         * 1e400: jansson refuses it as an overflow; we read it as valid
         * JSON and the feature's reader refuses it, naming the feature
         */

        if ((ours == PM_OK || ours == PM_ESHAPE) != theirs
            && !(strcmp(values[i], "1e400") == 0 && ours == PM_OK))
        {
            agree = 0;
            tap_diag("%s: ours %d, jansson %s", values[i], ours,
                     theirs ? "valid" : "invalid");
        }
    }

    ok(agree, "valid and invalid JSON as jansson judges it, on %d values",
       i);
    pm_arena_destroy(arena);
}


void
test_request(void)
{
    int                n, rc, depth, same;
    char              *deep, body[256];
    size_t             i;
    pm_err_t           err;
    pm_alloc_t         a;
    pm_arena_t        *arena;
    pm_batch_t         req;
    pm_node_t          raw[16];
    const bad_body_t  *b;

    arena = pm_arena_create();
    pm_arena_allocator(arena, &a);

    for (b = bad_bodies; b->body != NULL; b++) {
        pm_err_init(&err);
        rc = pm_request_parse(b->body, b->len ? b->len : strlen(b->body),
                              3, 0, &a, &req, &err);
        is_int(rc, b->code, "refused: %s", b->body);
        like(err.msg, b->msg, "message: %s", b->body);
        pm_arena_reset(arena);
    }

    /* a number past a double's range is refused by feature */

    for (i = 0; i < 3; i++) {
        static const char  *huge[] = {
            "{\"features\": [1, 1e400, 3]}",
            "{\"features\": {\"2\": -1e400}}",
            "{\"features\": [1, 1e99999999999999999999, 3]}"
        };

        pm_err_init(&err);
        rc = features_of(huge[i], 3, raw, &err);
        ok(rc == PM_EVALUE && err.feature == 2, "refused, feature 2: %s",
           huge[i]);
        like(err.msg, "feature 2 is a number that overflows a double",
             "message: %s", huge[i]);
    }

    pm_err_init(&err);
    rc = pm_request_parse("{\"features\": [1,\n 2,]}", 21, 3, 0, &a,
                          &req, &err);
    ok(rc == PM_EJSON && err.line == 2 && err.column == 4,
       "JSON errors carry the line and column");

    /* nesting thousands deep: a clean error, not a stack overflow */

    for (depth = 2040; depth <= 100000; depth += 97960) {
        deep = malloc((size_t) depth * 2 + 32);
        strcpy(deep, "{\"features\": ");
        n = (int) strlen(deep);
        memset(deep + n, '[', (size_t) depth);
        memset(deep + n + depth, ']', (size_t) depth);
        deep[n + 2 * depth] = '}';
        pm_err_init(&err);
        rc = pm_request_parse(deep, (size_t) n + 2 * depth + 1, 3, 0, &a,
                              &req, &err);
        if (depth < 2048) {
            ok(rc == PM_OK && req.inst[0].n == 1
               && req.inst[0].v[0].kind == PM_VAL_OTHER,
               "%d levels: valid JSON, an array where a number goes", depth);
        } else {
            ok(rc == PM_EJSON && strstr(err.msg, "deeper than 2048"),
               "%d levels: refused", depth);
        }
        free(deep);
        pm_arena_reset(arena);
    }

    /* a single instance and a batch */

    pm_err_init(&err);
    rc = pm_request_parse("{\"instances\": [[1,2], {\"1\": 3}, []]}", 36, 3,
                          0, &a, &req, &err);
    ok(rc == PM_OK && req.batch && req.n == 3 && req.inst[0].is_array
       && req.inst[1].n == 1 && !req.inst[1].is_array && req.inst[2].n == 0,
       "a batch of 3: an array, an object, an empty array");

    pm_err_init(&err);
    rc = pm_request_parse(" {\"instances\" : [ ] } ", 22, 3, 0, &a, &req,
                          &err);
    ok(rc == PM_OK && req.batch && req.n == 0, "an empty batch is valid");

    pm_err_init(&err);
    (void) snprintf(body, sizeof(body), "%s", "{\"features\": {\"a\\\"b\": "
                    "\"\\u00e9\\ud83d\\ude00\\n\", \"c\": null, \"d\": "
                    "[true, {}], \"e\": -0}}");
    rc = pm_request_parse(body, strlen(body), 3, 0, &a, &req, &err);
    ok(rc == PM_OK && strcmp(req.inst[0].v[0].key, "a\"b") == 0
       && strcmp(req.inst[0].v[0].str, "\xc3\xa9\xf0\x9f\x98\x80\n") == 0
       && req.inst[0].v[1].kind == PM_VAL_NULL
       && req.inst[0].v[2].kind == PM_VAL_OTHER
       && strcmp(pm_value_type(&req.inst[0].v[2]), "an array") == 0
       && req.inst[0].v[3].num == 0 && signbit(req.inst[0].v[3].num),
       "escapes, UTF-8, surrogate pairs, null, nested values, -0");
    pm_arena_reset(arena);

    /* the caps: values past max_values and instances past max_instances
     * are checked, counted and not kept; the count is the error */

    pm_err_init(&err);
    rc = pm_request_parse("{\"features\": [1, 2, 3, 4, 5, 6]}", 32, 3, 3, &a,
                          &req, &err);
    ok(rc == PM_OK && req.inst[0].n == 3 && req.inst[0].total == 6,
       "a dense array past max_values: 3 kept, 6 counted");
    n = pm_encode_index(&req.inst[0], 3, raw, &err);
    is_int(n, PM_ECOUNT, "and refused");
    like(err.msg, "expected 3 features, got 6", "with the real count");

    pm_err_init(&err);
    rc = pm_request_parse("{\"features\": [1, 2, [3, {\"a\": 1}], x]}", 38,
                          3, 2, &a, &req, &err);
    ok(rc == PM_EJSON, "values past the cap are still checked as JSON");

    pm_err_init(&err);
    rc = pm_request_parse("{\"features\": {\"1\": 1, \"2\": 2, \"3\": 3, "
                          "\"4\": 4}}", 46, 3, 3, &a, &req, &err);
    ok(rc == PM_OK && req.inst[0].n == 3 && req.inst[0].total == 4,
       "an object past max_values: 3 kept, 4 counted");
    n = pm_encode_index(&req.inst[0], 3, raw, &err);
    is_int(n, PM_ECOUNT, "4 valid keys for 3 features: refused");
    like(err.msg, "4 feature keys for 3 features", "by count");

    pm_err_init(&err);
    rc = pm_request_parse("{\"features\": {\"1\": 1, \"9\": 2, \"3\": 3, "
                          "\"4\": 4}}", 46, 3, 3, &a, &req, &err);
    n = pm_encode_index(&req.inst[0], 3, raw, &err);
    is_int(n, PM_EINDEX, "a bad key among those kept is named first");

    pm_err_init(&err);
    rc = pm_request_parse("{\"instances\": [[1], [2], [3], [4], {\"x\": [5]}"
                          "]}", 47, 3, 0, &a, &req, &err);
    ok(rc == PM_ETOOMANY && req.n == 3, "a batch past max_instances: "
       "3 kept, refused");
    like(err.msg, "5 instances, more than the limit of 3", "with its size");

    pm_err_init(&err);
    rc = pm_request_parse("{\"instances\": [[1], [2], [3], [4], [5}]}", 40,
                          3, 0, &a, &req, &err);
    is_int(rc, PM_EJSON, "instances past the limit are still checked");
    pm_arena_reset(arena);

    /* numbers: the fast path and strtod() agree, bit for bit */

    {
        static const char  *nums[] = {
            "0.1", "14.23", "-3.92", "1065", "0.000001234", "123456789012345",
            "1234567890123456", "12345678901234567890", "9007199254740993",
            "1e22", "1e23", "1.7976931348623157e308", "2.2250738585072014e-308",
            "4.9e-324", "1e-400", "0.30000000000000004", "123.456e-5",
            "-0.0", "5e-324", "8.589973e9", NULL
        };

        same = 1;

        for (i = 0; nums[i] != NULL; i++) {
            (void) snprintf(body, sizeof(body), "{\"features\": [%s]}",
                            nums[i]);
            pm_err_init(&err);
            rc = pm_request_parse(body, strlen(body), 3, 0, &a, &req, &err);
            if (rc != PM_OK || req.inst[0].v[0].num != strtod(nums[i], NULL)
                || signbit(req.inst[0].v[0].num)
                   != signbit(strtod(nums[i], NULL)))
            {
                same = 0;
                tap_diag("%s", nums[i]);
            }
            pm_arena_reset(arena);
        }

        ok(same, "%zu numbers read exactly as strtod() reads them", i);
    }

    test_against_jansson();

    /* dense */

    pm_err_init(&err);
    n = features_of("{\"features\": [1.5, 0, -2, 3e2]}", 4, raw, &err);
    ok(n == 3 && raw[0].index == 1 && raw[0].value == 1.5
       && raw[1].index == 3 && raw[1].value == -2
       && raw[2].index == 4 && raw[2].value == 300,
       "dense features: non-zero ones, 1-based");

    pm_err_init(&err);
    n = features_of("{\"features\": [1, 2, 3]}", 4, raw, &err);
    is_int(n, PM_ECOUNT, "dense array of the wrong length");
    like(err.msg, "expected 4 features, got 3", "names expected and actual");

    pm_err_init(&err);
    n = features_of("{\"features\": [1, \"2\", 3, 4]}", 4, raw, &err);
    is_int(n, PM_EVALUE, "a string feature");
    like(err.msg, "feature 2 is a string; expected a number", "named");
    is_int(err.feature, 2, "and carried as a number");

    pm_err_init(&err);
    n = features_of("{\"features\": [1, 2, null, 4]}", 4, raw, &err);
    like(err.msg, "feature 3 is null", "a null feature");

    pm_err_init(&err);
    n = features_of("{\"features\": [true, 2, 3, 4]}", 4, raw, &err);
    like(err.msg, "feature 1 is a boolean", "a boolean feature");

    pm_err_init(&err);
    n = features_of("{\"features\": [[1], 2, 3, 4]}", 4, raw, &err);
    like(err.msg, "feature 1 is an array", "a nested array");

    pm_err_init(&err);
    n = features_of("{\"features\": [123456789012345678901234567890, "
                    "-0, 0.0, 1]}", 4, raw, &err);
    ok(n == 2 && raw[0].value == 1.2345678901234568e29 && raw[1].index == 4,
       "huge integers read as doubles; -0 is 0");

    /* sparse */

    pm_err_init(&err);
    n = features_of("{\"features\": {\"4\": 1, \"2\": -1, \"3\": 0}}", 4, raw,
                    &err);
    ok(n == 2 && raw[0].index == 2 && raw[1].index == 4,
       "sparse features, sorted, zeros dropped");

    pm_err_init(&err);
    n = features_of("{\"features\": {\"2\": 1, \"3\": 0, \"2\": 5}}", 4, raw,
                    &err);
    ok(n == PM_EJSON && strstr(err.msg, "duplicate object key \"2\""),
       "a duplicate sparse key is invalid JSON");

    pm_err_init(&err);
    n = features_of("{\"features\": {}}", 4, raw, &err);
    is_int(n, 0, "an empty sparse instance is all zeros");

    {
        static const char  *keys[] = {
            "0", "5", "01", "-1", "+1", "1.0", "a", "", " 1", "1 ",
            "99999999999999999999", NULL
        };
        char                kb[128];
        int                 k;

        for (k = 0; keys[k] != NULL; k++) {
            (void) snprintf(kb, sizeof(kb), "{\"features\": {\"%s\": 1}}",
                            keys[k]);
            pm_err_init(&err);
            n = features_of(kb, 4, raw, &err);
            is_int(n, PM_EINDEX, "sparse key \"%s\" refused", keys[k]);
        }

        like(err.msg, "is not a feature index in 1..4", "message");
    }

    pm_err_init(&err);
    n = features_of("{\"features\": {\"2\": \"x\"}}", 4, raw, &err);
    ok(n == PM_EVALUE && err.feature == 2, "sparse value of the wrong type");

    pm_arena_destroy(arena);
}
