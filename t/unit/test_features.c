
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm_encode.h"
#include "pm_fit.h"
#include "pm_request.h"
#include "pm_spec.h"
#include "tap.h"


#define SPEC_HEAD  "{\"format\": \"predict-features\", \"version\": 1, "


static void test_reference(void);


static const char  *good_spec =
    SPEC_HEAD "\"features\": ["
    "{\"name\": \"age\", \"type\": \"numeric\", \"index\": 1,"
    " \"transform\": \"minmax\", \"min\": 20, \"max\": 80,"
    " \"out_of_range\": \"clip\"},"
    "{\"name\": \"income\", \"type\": \"numeric\", \"index\": 2,"
    " \"transform\": \"standard\", \"mean\": 50000, \"std\": 20000,"
    " \"log1p\": false, \"missing\": {\"fill\": 50000}},"
    "{\"name\": \"city\", \"type\": \"categorical\", \"index\": 5,"
    " \"categories\": [\"paris\", \"lyon\", \"nice\"], \"unknown\": \"zero\","
    " \"missing\": {\"fill\": \"paris\"}},"
    "{\"name\": \"sex\", \"type\": \"categorical\", \"index\": 3,"
    " \"categories\": [\"f\", \"m\"], \"missing\": {\"fill\": \"f\"}},"
    "{\"name\": \"debt\", \"type\": \"numeric\", \"index\": 8,"
    " \"transform\": \"maxabs\", \"maxabs\": 4, \"min\": -4, \"max\": 2},"
    "{\"name\": \"score\", \"type\": \"numeric\", \"index\": 9,"
    " \"transform\": \"linear\", \"scale\": 0.5, \"offset\": -1,"
    " \"min\": 0, \"max\": 4, \"out_of_range\": \"reject\"},"
    "{\"name\": \"visits\", \"type\": \"numeric\", \"index\": 10,"
    " \"transform\": \"minmax\", \"log1p\": true, \"min\": 0, \"max\": 99,"
    " \"lower\": 0, \"upper\": 1},"
    "{\"name\": \"flag\", \"type\": \"numeric\", \"index\": 11}"
    "], \"target\": {\"name\": \"y\", \"task\": \"classify\","
    " \"classes\": [\"no\", 1, \"yes\"], \"label_rule\": \"vote\"}}";


typedef struct {
    const char  *name;
    const char  *text;
    const char  *error;
} bad_spec_t;


#define F1 "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1}"
#define SPEC2 "{\"format\": \"predict-features\", \"version\": 2, "
#define EDGES "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]"
#define SHARES "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]"

static const bad_spec_t  bad_specs[] = {
    { "not JSON", "{\"format\": ", "line 1, column" },
    { "wrong format", "{\"format\": \"x\", \"version\": 1, \"features\": []}",
      "\"format\" must be \"predict-features\"" },
    { "a future version", "{\"format\": \"predict-features\", \"version\": 3,"
      " \"features\": [" F1 "]}", "\"version\" must be 1 to 2" },
    { "a reference in a version 1 spec", SPEC_HEAD "\"features\": ["
      "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1, \"reference\":"
      " {\"edges\": " EDGES ", \"shares\": " SHARES "}}]}",
      "\"reference\" needs a version 2 spec" },
    { "reference shares not adding up to 1", SPEC2 "\"features\": ["
      "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1, \"reference\":"
      " {\"edges\": " EDGES ", \"shares\": [0.5, 0.1, 0.1, 0.1, 0.1, 0.1,"
      " 0.1, 0.1, 0.1, 0.1]}}]}", "the shares add up to 1.4, not 1" },
    { "reference edges descending", SPEC2 "\"features\": ["
      "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1, \"reference\":"
      " {\"edges\": [0, 1, 2, 3, 4, 5, 4, 7, 8, 9, 10], \"shares\": " SHARES
      "}}]}", "edge 6 is not a finite number at or above the one before" },
    { "reference with 10 edges", SPEC2 "\"features\": ["
      "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1, \"reference\":"
      " {\"edges\": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], \"shares\": " SHARES
      "}}]}", "\"edges\" must have 11 numbers" },
    { "a categorical reference of the wrong length", SPEC2 "\"features\": ["
      "{\"name\": \"c\", \"type\": \"categorical\", \"index\": 1,"
      " \"categories\": [\"x\", \"y\"], \"reference\": {\"shares\": [1]}}]}",
      "\"shares\" must have one number per bin" },
    { "a negative share", SPEC2 "\"features\": ["
      "{\"name\": \"c\", \"type\": \"categorical\", \"index\": 1,"
      " \"categories\": [\"x\", \"y\"], \"reference\": {\"shares\": "
      "[1.5, -0.5]}}]}", "share 0 is not a number in [0, 1]" },
    { "no features", SPEC_HEAD "\"features\": []}", "non-empty array" },
    { "unknown top-level key", SPEC_HEAD "\"features\": [" F1 "], \"x\": 1}",
      "the spec: unknown key \"x\"" },
    { "unknown feature key", SPEC_HEAD "\"features\": [{\"name\": \"a\","
      " \"type\": \"numeric\", \"index\": 1, \"scael\": 1}]}",
      "features[0] \"a\": unknown key \"scael\"" },
    { "duplicate names", SPEC_HEAD "\"features\": [" F1 ", {\"name\": \"a\","
      " \"type\": \"numeric\", \"index\": 2}]}",
      "duplicate feature name \"a\"" },
    { "overlapping indices", SPEC_HEAD "\"features\": [{\"name\": \"c\","
      " \"type\": \"categorical\", \"index\": 1, \"categories\": [\"x\","
      " \"y\"]}, {\"name\": \"b\", \"type\": \"numeric\", \"index\": 2}]}",
      "features \"c\" and \"b\" both use index 2" },
    { "index 0", SPEC_HEAD "\"features\": [{\"name\": \"a\", \"type\":"
      " \"numeric\", \"index\": 0}]}", "\"index\" must be an integer" },
    { "fractional index", SPEC_HEAD "\"features\": [{\"name\": \"a\","
      " \"type\": \"numeric\", \"index\": 1.5}]}",
      "\"index\" must be an integer" },
    { "unknown type", SPEC_HEAD "\"features\": [{\"name\": \"a\", \"type\":"
      " \"text\", \"index\": 1}]}", "\"type\" must be" },
    { "unknown transform", SPEC_HEAD "\"features\": [{\"name\": \"a\","
      " \"type\": \"numeric\", \"index\": 1, \"transform\": \"robust\"}]}",
      "\"transform\" must be one of" },
    { "minmax without range", SPEC_HEAD "\"features\": [{\"name\": \"a\","
      " \"type\": \"numeric\", \"index\": 1, \"transform\": \"minmax\"}]}",
      "minmax needs \"min\" and \"max\"" },
    { "min above max", SPEC_HEAD "\"features\": [{\"name\": \"a\", \"type\":"
      " \"numeric\", \"index\": 1, \"min\": 3, \"max\": 1}]}",
      "min 3 is above max 1" },
    { "std 0", SPEC_HEAD "\"features\": [{\"name\": \"a\", \"type\":"
      " \"numeric\", \"index\": 1, \"transform\": \"standard\", \"mean\": 1,"
      " \"std\": 0}]}", "\"std\" must be above 0" },
    { "a string where a number goes", SPEC_HEAD "\"features\": [{\"name\":"
      " \"a\", \"type\": \"numeric\", \"index\": 1, \"transform\":"
      " \"maxabs\", \"maxabs\": \"4\"}]}", "\"maxabs\" must be a finite" },
    { "an overflowing number", SPEC_HEAD "\"features\": [{\"name\": \"a\","
      " \"type\": \"numeric\", \"index\": 1, \"min\": 1e999, \"max\": 1}]}",
      "line 1" },
    { "log1p below -1", SPEC_HEAD "\"features\": [{\"name\": \"a\", \"type\":"
      " \"numeric\", \"index\": 1, \"log1p\": true, \"min\": -2, \"max\":"
      " 1}]}", "log1p needs values above -1" },
    { "bad policy", SPEC_HEAD "\"features\": [{\"name\": \"a\", \"type\":"
      " \"numeric\", \"index\": 1, \"out_of_range\": \"ignore\"}]}",
      "\"out_of_range\" must be" },
    { "bad missing", SPEC_HEAD "\"features\": [{\"name\": \"a\", \"type\":"
      " \"numeric\", \"index\": 1, \"missing\": {\"fill\": \"x\"}}]}",
      "\"missing\" must be \"reject\" or {\"fill\": number}" },
    { "fill category not listed", SPEC_HEAD "\"features\": [{\"name\":"
      " \"c\", \"type\": \"categorical\", \"index\": 1, \"categories\":"
      " [\"x\"], \"missing\": {\"fill\": \"z\"}}]}",
      "the fill category is not among" },
    { "duplicate category", SPEC_HEAD "\"features\": [{\"name\": \"c\","
      " \"type\": \"categorical\", \"index\": 1, \"categories\": [\"x\","
      " \"x\"]}]}", "duplicate category \"x\"" },
    { "numeric category", SPEC_HEAD "\"features\": [{\"name\": \"c\","
      " \"type\": \"categorical\", \"index\": 1, \"categories\": [1]}]}",
      "category 0 is not a string" },
    { "bad task", SPEC_HEAD "\"features\": [" F1 "], \"target\": {\"task\":"
      " \"cluster\"}}", "\"task\" must be" },
    { "classes for regression", SPEC_HEAD "\"features\": [" F1 "],"
      " \"target\": {\"task\": \"regress\", \"classes\": [1, 2]}}",
      "for classify only" },
    { "duplicate classes", SPEC_HEAD "\"features\": [" F1 "], \"target\":"
      " {\"task\": \"classify\", \"classes\": [1, 1.0]}}",
      "duplicate class \"1\"" },
    { "target transform for a classifier", SPEC_HEAD "\"features\": [" F1
      "], \"target\": {\"task\": \"classify\", \"transform\": \"standard\","
      " \"mean\": 0, \"std\": 1}}", "for regress only" },
    { "duplicate key", SPEC_HEAD "\"features\": [" F1 "], \"features\": ["
      F1 "]}", "duplicate object key" },
    { NULL, NULL, NULL }
};


static pm_spec_t *parse(const char *text);
static int encode(const pm_spec_t *s, const char *json, int policy,
    pm_node_t *out, int *noor, pm_err_t *err);


static pm_spec_t *
parse(const char *text)
{
    pm_err_t    err;
    pm_spec_t  *s;

    pm_err_init(&err);

    if (pm_spec_parse(text, strlen(text), &s, &err) != PM_OK) {
        tap_diag("%s", err.msg);
        return NULL;
    }

    return s;
}


static int
encode(const pm_spec_t *s, const char *json, int policy,
    pm_node_t *out, int *noor, pm_err_t *err)
{
    int            rc, oor[32];
    char           body[2048];
    pm_value_t     raw[32];
    pm_alloc_t     a;
    pm_arena_t    *arena;
    pm_batch_t     req;

    pm_err_init(err);
    arena = pm_arena_create();
    pm_arena_allocator(arena, &a);
    (void) snprintf(body, sizeof(body), "{\"features\": %s}", json);

    rc = pm_request_parse(body, strlen(body), 10, 0, &a, &req, err);
    if (rc == PM_OK) {
        rc = pm_encode_values(s, &req.inst[0], raw, err);
    }

    if (rc == PM_OK) {
        rc = pm_encode_spec(s, policy, raw, out, oor, noor, err);
    }

    pm_arena_destroy(arena);

    return rc;
}


void
test_features(void)
{
    int                 k, n, noor, rc;
    char               *text;
    json_t             *j;
    pm_err_t            err;
    pm_spec_t          *s, *s2;
    pm_node_t           out[32], out2[32];
    const bad_spec_t   *b;

    s = parse(good_spec);
    ok(s != NULL, "a spec with every transform parses");

    if (s == NULL) {
        return;
    }

    is_int(s->n, 8, "eight features");
    is_int(s->max_index, 11, "highest index");
    ok(s->target.task == PM_TASK_CLASSIFY && s->target.nclasses == 3
       && s->target.label_rule == PM_LABEL_VOTE, "target: classes, rule");
    ok(strcmp(s->target.class_json[1], "1") == 0
       && strcmp(s->target.class_json[0], "\"no\"") == 0
       && strcmp(s->target.class_key[2], "yes") == 0,
       "class values as JSON and as keys");
    is_int(pm_spec_find(s, "city"), 2, "name lookup");
    is_int(pm_spec_find(s, "town"), -1, "unknown name");

    /* every transform, nodes in index order whatever the spec order */

    n = encode(s, "{\"age\": 35, \"income\": 70000, \"city\": \"nice\","
               " \"sex\": \"m\", \"debt\": -2, \"score\": 3,"
               " \"visits\": 9, \"flag\": 0.25}", PM_OOR_EXTRAPOLATE, out,
               &noor, &err);
    ok(n == 8 && noor == 0, "all features present, none out of range");
    ok(out[0].index == 1 && out[0].value == -1 + 2.0 * (35 - 20) / (80 - 20),
       "minmax: svm-scale's formula");
    ok(out[1].index == 2 && out[1].value == (70000.0 - 50000) / 20000,
       "standard: (x - mean) / std");
    ok(out[2].index == 4 && out[2].value == 1, "one-hot: \"m\" is index 4");
    ok(out[3].index == 7 && out[3].value == 1, "one-hot: \"nice\" is "
       "index 7");
    ok(out[4].index == 8 && out[4].value == -0.5, "maxabs: x / maxabs");
    ok(out[5].index == 9 && out[5].value == 3 * 0.5 - 1, "linear: x * scale "
       "+ offset");
    ok(out[6].index == 10
       && out[6].value == (log1p(9.0) - log1p(0.0)) / (log1p(99.0)
                                                       - log1p(0.0)),
       "log1p, then minmax to [0, 1]");
    ok(out[7].index == 11 && out[7].value == 0.25 && out[8].index == -1,
       "transform none passes the value; list terminated");

    /* missing, unknown, numbers as categories */

    n = encode(s, "{\"age\": 20, \"debt\": 0, \"score\": 2, \"visits\": 0,"
               " \"flag\": 0, \"city\": \"brest\"}", PM_OOR_EXTRAPOLATE, out,
               &noor, &err);
    ok(n == 2 && out[0].index == 1 && out[0].value == -1
       && out[1].index == 3 && out[1].value == 1,
       "missing income filled (scales to 0), sex filled \"f\", unknown city "
       "all zero, a score scaling to 0 left out");

    n = encode(s, "{\"age\": 20, \"debt\": 0, \"score\": 2, \"visits\": 0,"
               " \"flag\": 0, \"city\": null, \"sex\": null}",
               PM_OOR_EXTRAPOLATE, out, &noor, &err);
    ok(n == 3 && out[2].index == 5, "null is missing: city filled "
       "\"paris\"");

    n = encode(s, "{\"income\": 1, \"debt\": 0, \"score\": 3, \"visits\": 0,"
               " \"flag\": 0}", PM_OOR_EXTRAPOLATE, out, &noor, &err);
    ok(n == PM_EMISSING && strcmp(err.names[0], "age") == 0,
       "a missing feature without fill is refused by name");
    like(err.msg, "feature \"age\" is missing", "message");

    n = encode(s, "{\"age\": 30, \"sex\": \"x\", \"debt\": 0, \"score\": 3,"
               " \"visits\": 0, \"flag\": 0}", PM_OOR_EXTRAPOLATE, out, &noor,
               &err);
    ok(n == PM_ECATEGORY, "an unknown category with unknown: error");
    like(err.msg, "feature \"sex\": unknown category \"x\"", "message");

    n = encode(s, "{\"age\": \"30\", \"debt\": 0, \"score\": 3, \"visits\":"
               " 0, \"flag\": 0}", PM_OOR_EXTRAPOLATE, out, &noor, &err);
    ok(n == PM_EVALUE, "a string for a numeric feature");
    like(err.msg, "feature \"age\" is a string; expected a number", "msg");

    n = encode(s, "{\"age\": true}", PM_OOR_EXTRAPOLATE, out, &noor, &err);
    like(err.msg, "feature \"age\" is a boolean", "a boolean");

    n = encode(s, "{\"agee\": 1}", PM_OOR_EXTRAPOLATE, out, &noor, &err);
    ok(n == PM_EUNKNOWN, "an unknown name");
    like(err.msg, "unknown feature \"agee\"", "message");

    n = encode(s, "[30, 1, \"paris\", \"f\", 0, 2, 0, 0]", PM_OOR_EXTRAPOLATE,
               out, &noor, &err);
    ok(n > 0 && out[0].index == 1, "a dense array in spec order");

    n = encode(s, "[30, 1]", PM_OOR_EXTRAPOLATE, out, &noor, &err);
    ok(n == PM_ECOUNT, "a dense array of the wrong length");

    /* out of range: per-feature policies over the caller's */

    n = encode(s, "{\"age\": 100, \"income\": 1, \"debt\": 5, \"score\": 3,"
               " \"visits\": 0, \"flag\": 0}", PM_OOR_EXTRAPOLATE, out, &noor,
               &err);
    ok(n == 6 && noor == 2, "two features out of range");
    ok(out[0].index == 1 && out[0].value == 1,
       "age clips (its own policy) to upper");
    ok(out[4].index == 8 && out[4].value == 1.25,
       "debt extrapolates (the caller's policy): 5 / 4");

    n = encode(s, "{\"age\": 100, \"income\": 1, \"debt\": 5, \"score\": 3,"
               " \"visits\": 0, \"flag\": 0}", PM_OOR_REJECT, out, &noor,
               &err);
    ok(n == PM_ERANGE && err.nnames == 1 && strcmp(err.names[0], "debt") == 0,
       "reject from the caller: debt refused, age still clips");
    like(err.msg, "1 feature outside the fitted range: \"debt\" is 5, fitted "
         "[-4, 2]", "message");

    n = encode(s, "{\"age\": 30, \"income\": 1, \"debt\": 0, \"score\": 9,"
               " \"visits\": 0, \"flag\": 0}", PM_OOR_CLIP, out, &noor, &err);
    ok(n == PM_ERANGE && strcmp(err.names[0], "score") == 0,
       "score rejects by its own policy, whatever the caller's");

    n = encode(s, "{\"age\": 30, \"income\": 1, \"debt\": 0, \"score\": 3,"
               " \"visits\": -3, \"flag\": 0}", PM_OOR_EXTRAPOLATE, out,
               &noor, &err);
    ok(n == PM_ENONFINITE, "log1p of -3 is refused, not passed on");

    /* the JSON form reads back to the same spec */

    j = pm_spec_json(s);
    text = json_dumps(j, JSON_REAL_PRECISION(17));
    json_decref(j);
    s2 = parse(text);
    ok(s2 != NULL, "pm_spec_json() reads back");

    if (s2 != NULL) {
        rc = encode(s, "{\"age\": 33.3, \"income\": 12345.678, \"city\":"
                    " \"lyon\", \"debt\": 1.5, \"score\": 3.3, \"visits\":"
                    " 7, \"flag\": -1}", PM_OOR_EXTRAPOLATE, out, &noor,
                    &err);
        n = encode(s2, "{\"age\": 33.3, \"income\": 12345.678, \"city\":"
                   " \"lyon\", \"debt\": 1.5, \"score\": 3.3, \"visits\":"
                   " 7, \"flag\": -1}", PM_OOR_EXTRAPOLATE, out2, &noor,
                   &err);
        for (k = 0; rc > 0 && k < rc; k++) {
            if (out[k].index != out2[k].index
                || out[k].value != out2[k].value)
            {
                break;
            }
        }

        ok(rc > 0 && rc == n && k == rc, "and encodes identically");
        pm_spec_free(s2);
    }

    free(text);
    pm_spec_free(s);

    /* a constant feature, an empty category list */

    s = parse(SPEC_HEAD "\"features\": [{\"name\": \"k\", \"type\":"
              " \"numeric\", \"index\": 1, \"transform\": \"minmax\","
              " \"min\": 3, \"max\": 3}, {\"name\": \"e\", \"type\":"
              " \"categorical\", \"index\": 2, \"categories\": [],"
              " \"unknown\": \"zero\"}, {\"name\": \"z\", \"type\":"
              " \"numeric\", \"index\": 3}]}");
    ok(s != NULL, "a constant feature and an empty category list parse");

    if (s != NULL) {
        n = encode(s, "{\"k\": 3, \"e\": \"anything\", \"z\": 1}",
                   PM_OOR_EXTRAPOLATE, out, &noor, &err);
        ok(n == 1 && out[0].index == 3 && noor == 0,
           "constant at its value: 0; empty categories: nothing");
        n = encode(s, "{\"k\": 4, \"e\": \"x\", \"z\": 1}", PM_OOR_CLIP, out,
                   &noor, &err);
        ok(n == 1 && noor == 1, "constant feature at another value: out of "
           "range, still 0");
        is_int(s->max_index, 3, "the empty list keeps its index reserved");
        pm_spec_free(s);
    }

    /* fitting: what the trainer writes */

    {
        pm_feature_t   f;
        pm_target_t    t;
        double         v[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
        double         k[] = { 3, 3, 3 };
        double         z[] = { 0, 0 };
        double         y[] = { 10, 20, 30 };
        const char    *cats[] = { "b", "a", "c", "a", "b", "a" };

        memset(&f, 0, sizeof(f));
        f.name = "v";
        rc = pm_fit_numeric(&f, v, 8, PM_XF_STANDARD, 0, &err);
        ok(rc == PM_OK && f.xf.p1 == 5 && f.xf.p2 == 2 && f.min == 2
           && f.max == 9 && f.fill == 5, "standard: mean 5, population "
           "std 2, range, fill the mean");

        rc = pm_fit_numeric(&f, k, 3, PM_XF_STANDARD, 0, &err);
        ok(rc == PM_OK && f.xf.p2 == 1 && pm_xform_apply(&f.xf, 3) == 0
           && pm_xform_apply(&f.xf, 4) == 1,
           "zero variance: std 1, as scikit-learn; 0 at the training value");

        rc = pm_fit_numeric(&f, z, 2, PM_XF_MAXABS, 0, &err);
        ok(rc == PM_OK && f.xf.p1 == 1, "an all-zero column: maxabs 1");

        rc = pm_fit_numeric(&f, k, 3, PM_XF_MINMAX, 0, &err);
        f.xf.lower = -1;
        f.xf.upper = 1;
        ok(rc == PM_OK && pm_xform_apply(&f.xf, 3) == 0
           && pm_xform_apply(&f.xf, 100) == 0,
           "minmax of a constant column: 0 everywhere, as svm-scale");

        rc = pm_fit_numeric(&f, v, 8, PM_XF_MINMAX, 1, &err);
        ok(rc == PM_OK && f.xf.p1 == log1p(2.0) && f.xf.p2 == log1p(9.0)
           && pm_xform_apply(&f.xf, 9) == 1, "minmax after log1p");

        z[0] = -1;
        rc = pm_fit_numeric(&f, z, 2, PM_XF_MINMAX, 1, &err);
        ok(rc == PM_EFORMAT && strstr(err.msg, "log1p needs values above -1")
           != NULL, "log1p of -1 refused at fit time");

        rc = pm_fit_numeric(&f, z, 0, PM_XF_MINMAX, 0, &err);
        ok(rc == PM_EFORMAT, "nothing to fit");

        memset(&f, 0, sizeof(f));
        f.name = "c";
        rc = pm_fit_categorical(&f, cats, 6, &err);
        ok(rc == PM_OK && f.ncat == 3 && strcmp(f.categories[0], "a") == 0
           && strcmp(f.categories[2], "c") == 0 && f.fill_cat == 0,
           "categories sorted and unique; the mode is the fill");

        for (k[0] = 0; k[0] < f.ncat; k[0]++) {
            free(f.categories[(int) k[0]]);
        }
        free(f.categories);
        free(f.cat_sorted);

        memset(&t, 0, sizeof(t));
        pm_fit_target_standard(&t, y, 3);
        ok(t.xf.kind == PM_XF_STANDARD && t.xf.p1 == 20
           && fabs(pm_xform_inverse(&t.xf, pm_xform_apply(&t.xf, 30)) - 30)
              < 1e-12, "target standardized, and back");
    }

    for (b = bad_specs; b->name != NULL; b++) {
        pm_err_init(&err);
        rc = pm_spec_parse(b->text, strlen(b->text), &s, &err);
        is_int(rc, PM_EFORMAT, "refused: %s", b->name);
        like(err.msg, b->error, "message: %s", b->name);
    }

    test_reference();
}


/* drift references: parsed, binned, written back */

static void
test_reference(void)
{
    int          rc, i, good;
    char        *text;
    json_t      *j;
    pm_err_t     err;
    pm_spec_t   *s, *back = NULL;

    static const char  spec[] = SPEC2 "\"features\": ["
        "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1,"
        " \"reference\": {\"edges\": [0, 1, 2, 2, 2, 5, 6, 7, 8, 9, 10],"
        " \"shares\": " SHARES "}},"
        "{\"name\": \"c\", \"type\": \"categorical\", \"index\": 2,"
        " \"categories\": [\"x\", \"y\"], \"reference\": {\"shares\": "
        "[0.25, 0.75]}},"
        "{\"name\": \"n\", \"type\": \"numeric\", \"index\": 4}]}";

    static const struct {
        double  v;
        int     bin;
    } bins[] = {
        { -0.5, 0 }, { 0, 1 }, { 0.5, 1 }, { 1, 2 }, { 1.999, 2 },
        { 2, 5 },      /* the edge 2 repeats: the last bin it opens */
        { 4.9, 5 }, { 5, 6 }, { 9.5, 10 }, { 10, 10 }, { 10.5, 11 },
        { 1e300, 11 }, { -1e300, 0 }
    };

    pm_err_init(&err);
    rc = pm_spec_parse(spec, sizeof(spec) - 1, &s, &err);
    is_int(rc, PM_OK, "a version 2 spec with references loads");

    if (rc != PM_OK) {
        tap_diag("%s", err.msg);
        return;
    }

    ok(pm_spec_nbins(&s->f[0]) == 12 && pm_spec_nbins(&s->f[1]) == 3
       && pm_spec_nbins(&s->f[2]) == 0, "bins: 12 numeric, categories + 1, "
       "none without a reference");

    good = 1;
    for (i = 0; i < (int) (sizeof(bins) / sizeof(bins[0])); i++) {
        if (pm_spec_bin(&s->f[0], bins[i].v) != bins[i].bin) {
            good = 0;
            tap_diag("%g: bin %d, expected %d", bins[i].v,
                     pm_spec_bin(&s->f[0], bins[i].v), bins[i].bin);
        }
    }
    ok(good, "numeric values binned: below, [e_i, e_i+1), the last closed, "
       "above");
    ok(pm_spec_bin(&s->f[1], 1) == 1 && pm_spec_bin(&s->f[1], -1) == 2,
       "a category is its bin, an unseen one the last");

    j = pm_spec_json(s);
    text = json_dumps(j, 0);
    json_decref(j);
    rc = (text != NULL) ? pm_spec_parse(text, strlen(text), &back, &err)
                        : PM_ERROR;
    ok(rc == PM_OK && back->version == 2 && back->f[0].ref.has
       && back->f[0].ref.edges[3] == 2 && back->f[1].ref.shares[1] == 0.75
       && !back->f[2].ref.has, "written back as version 2, references kept");
    if (rc == PM_OK) {
        pm_spec_free(back);
    }
    free(text);
    pm_spec_free(s);
}
