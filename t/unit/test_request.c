
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdlib.h>
#include <string.h>

#include "pm_request.h"
#include "tap.h"


typedef struct {
    const char  *body;
    int          code;
    const char  *msg;
} bad_body_t;


static const bad_body_t  bad_bodies[] = {
    { "", PM_EEMPTY, "empty request body" },
    { " \r\n\t ", PM_EEMPTY, "empty request body" },
    { "{", PM_EJSON, "invalid JSON at line 1" },
    { "{\"features\": [1, 2,]}", PM_EJSON, "invalid JSON" },
    { "{\"features\": [1], \"features\": [2]}", PM_EJSON, "duplicate" },
    { "[1, 2, 3]", PM_ESHAPE, "the body is an array" },
    { "\"features\"", PM_EJSON, "invalid JSON" },
    { "{}", PM_ESHAPE, "neither \"features\" nor \"instances\"" },
    { "{\"feature\": [1]}", PM_ESHAPE, "unknown key \"feature\"" },
    { "{\"features\": [1], \"instances\": []}", PM_ESHAPE, "not both" },
    { "{\"features\": 5}", PM_ESHAPE, "\"features\" is a number" },
    { "{\"features\": \"1,2\"}", PM_ESHAPE, "\"features\" is a string" },
    { "{\"features\": null}", PM_ESHAPE, "\"features\" is null" },
    { "{\"instances\": {}}", PM_ESHAPE, "\"instances\" is an object" },
    { "{\"instances\": [[1], 2]}", PM_ESHAPE, "instances[1] is a number" },
    { "{\"instances\": [1,2,3,4]}", PM_ETOOMANY, "4 instances, more than "
      "the limit of 3" },
    { "{\"features\": [1e400]}", PM_EVALUE, "number out of range" },
    { "{\"features\": [\"\\u0000\"]}", PM_EJSON, "invalid JSON" },
    { "{\"featur\xff\": [1]}", PM_EJSON, "invalid JSON" },
    { "{\"features\": [1]} trailing", PM_EJSON, "invalid JSON" },
    { "{\"k\\u0001ey\": 1}", PM_ESHAPE, "unknown key \"k?ey\"" },
    { NULL, 0, NULL }
};


static int features_of(const char *body, int nfeatures,
    struct svm_node *raw, pm_err_t *err);


static int
features_of(const char *body, int nfeatures, struct svm_node *raw,
    pm_err_t *err)
{
    int           rc;
    pm_request_t  req;

    rc = pm_request_parse(body, strlen(body), 100, &req, err);
    if (rc == PM_OK) {
        rc = pm_request_features(pm_request_instance(&req, 0), nfeatures,
                                 raw, err);
    }

    pm_request_release(&req);

    return rc;
}


void
test_request(void)
{
    int                n, rc, depth;
    char              *deep;
    pm_err_t           err;
    pm_request_t       req;
    struct svm_node    raw[16];
    const bad_body_t  *b;

    for (b = bad_bodies; b->body != NULL; b++) {
        pm_err_init(&err);
        rc = pm_request_parse(b->body, strlen(b->body), 3, &req, &err);
        is_int(rc, b->code, "refused: %s", b->body);
        like(err.msg, b->msg, "message: %s", b->body);
        pm_request_release(&req);
    }

    pm_err_init(&err);
    rc = pm_request_parse("{\"features\": [1,\n 2,]}", 21, 3, &req, &err);
    ok(rc == PM_EJSON && err.line == 2, "JSON errors carry the line");
    pm_request_release(&req);

    /* nesting thousands deep: a clean error, not a stack overflow */

    depth = 100000;
    deep = malloc((size_t) depth * 2 + 32);
    strcpy(deep, "{\"features\": ");
    n = (int) strlen(deep);
    memset(deep + n, '[', (size_t) depth);
    memset(deep + n + depth, ']', (size_t) depth);
    deep[n + 2 * depth] = '}';
    pm_err_init(&err);
    rc = pm_request_parse(deep, (size_t) n + 2 * depth + 1, 3, &req, &err);
    ok(rc == PM_EJSON || rc == PM_ESHAPE, "100000-deep nesting refused");
    pm_request_release(&req);
    free(deep);

    /* a single instance and a batch */

    pm_err_init(&err);
    rc = pm_request_parse("{\"instances\": [[1,2], {\"1\": 3}, []]}", 36, 3,
                          &req, &err);
    ok(rc == PM_OK && req.batch && req.n == 3, "a batch of 3");
    ok(pm_request_instance_size(pm_request_instance(&req, 1)) == 1,
       "instance sizes");
    pm_request_release(&req);

    pm_err_init(&err);
    rc = pm_request_parse("{\"instances\": []}", 17, 3, &req, &err);
    ok(rc == PM_OK && req.batch && req.n == 0, "an empty batch is valid");
    pm_request_release(&req);

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
    n = features_of("{\"features\": {}}", 4, raw, &err);
    is_int(n, 0, "an empty sparse instance is all zeros");

    {
        static const char  *keys[] = {
            "0", "5", "01", "-1", "+1", "1.0", "a", "", " 1", "1 ",
            "99999999999999999999", NULL
        };
        char                body[128];
        int                 i;

        for (i = 0; keys[i] != NULL; i++) {
            (void) snprintf(body, sizeof(body), "{\"features\": {\"%s\": 1}}",
                            keys[i]);
            pm_err_init(&err);
            n = features_of(body, 4, raw, &err);
            is_int(n, PM_EINDEX, "sparse key \"%s\" refused", keys[i]);
        }

        like(err.msg, "is not a feature index in 1..4", "message");
    }

    pm_err_init(&err);
    n = features_of("{\"features\": {\"2\": \"x\"}}", 4, raw, &err);
    ok(n == PM_EVALUE && err.feature == 2, "sparse value of the wrong type");
}
