
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * pm_metrics: the counters a request adds, the Prometheus text, PSI and
 * its window, a region found again after a "reload", and a full one.
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <svm.h>

#include "pm.h"
#include "pm_kinds.h"
#include "pm_metrics.h"
#include "pm_pipeline.h"
#include "pm_spec.h"
#include "tap.h"


static double series(const char *text, const char *name);
static void serve(pm_pipeline_t *p, const char *body, pm_arena_t *arena);
static char *scrape(pm_metrics_t *m, pm_arena_t *arena);


/* four features: a, with a reference (deciles 0..10, 10% each), b, c
 * categorical with its reference, d; the test model's labels 1, 2, 3 */

static const char  spec_text[] =
    "{\"format\": \"predict-features\", \"version\": 2, \"features\": ["
    "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1, \"min\": 0,"
    " \"max\": 10, \"reference\": {\"edges\": [0, 1, 2, 3, 4, 5, 6, 7, 8,"
    " 9, 10], \"shares\": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,"
    " 0.1]}},"
    "{\"name\": \"b\", \"type\": \"numeric\", \"index\": 2,"
    " \"missing\": {\"fill\": 0}},"
    "{\"name\": \"c\", \"type\": \"categorical\", \"index\": 3,"
    " \"categories\": [\"x\"], \"unknown\": \"zero\","
    " \"reference\": {\"shares\": [1]}},"
    "{\"name\": \"d\", \"type\": \"numeric\", \"index\": 4}]}";


/*
 * a and b with the same reference, deciles 0..10; b's fitted range is its
 * reference's ends (below and above are its outer bins), a's is narrower
 */

static const char  range_text[] =
    "{\"format\": \"predict-features\", \"version\": 2, \"features\": ["
    "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1, \"min\": 2,"
    " \"max\": 8, \"reference\": {\"edges\": [0, 1, 2, 3, 4, 5, 6, 7, 8,"
    " 9, 10], \"shares\": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,"
    " 0.1]}},"
    "{\"name\": \"b\", \"type\": \"numeric\", \"index\": 2, \"min\": 0,"
    " \"max\": 10, \"reference\": {\"edges\": [0, 1, 2, 3, 4, 5, 6, 7, 8,"
    " 9, 10], \"shares\": [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1,"
    " 0.1]}},"
    "{\"name\": \"c\", \"type\": \"numeric\", \"index\": 3},"
    "{\"name\": \"d\", \"type\": \"numeric\", \"index\": 4}]}";


/*
 * Ten instances (a, b) for range_text: the first seven sent one by one,
 * then all ten in a batch
 */

static const int  ranged_ab[10][2] = {
    { 1, 1 }, { 9, 9 }, { -1, -1 }, { 5, 5 }, { 11, 11 }, { 10, 10 },
    { 0, 0 }, { -2, 5 }, { 5, 12 }, { 5, 10 }
};

/* what the metrics read after them, for a and for b */

static const struct {
    const char  *family;
    const char  *label;
    int          count[2];
    const char  *what;
} ranged_counts[] = {
    { "out_of_range_total", ",side=\"low\"", { 7, 2 }, "below its range" },
    { "out_of_range_total", ",side=\"high\"", { 6, 3 }, "above its range" },
    { "bin_total", ",bin=\"below_min\"", { 3, 2 }, "below the reference" },
    { "bin_total", ",bin=\"q10\"", { 4, 5 },
      "in the last decile, 9 and 10 (closed)" }
};


static const char  other_text[] =
    "{\"format\": \"predict-features\", \"version\": 1, \"features\": ["
    "{\"name\": \"a\", \"type\": \"numeric\", \"index\": 1},"
    "{\"name\": \"b\", \"type\": \"numeric\", \"index\": 2},"
    "{\"name\": \"z\", \"type\": \"numeric\", \"index\": 3},"
    "{\"name\": \"d\", \"type\": \"numeric\", \"index\": 4}]}";


/* the value of the first series whose line starts with name */

static double
series(const char *text, const char *name)
{
    const char  *p;
    size_t       n;

    n = strlen(name);

    for (p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p += !!p) {
        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            return strtod(p + n + 1, NULL);
        }
    }

    return -1;
}


static void
serve(pm_pipeline_t *p, const char *body, pm_arena_t *arena)
{
    pm_err_t     err;
    pm_alloc_t   a;
    pm_answer_t  ans;

    pm_arena_allocator(arena, &a);
    pm_err_init(&err);
    (void) pm_serve(p, body, strlen(body), &a, &ans, &err);
}


static char *
scrape(pm_metrics_t *m, pm_arena_t *arena)
{
    char        *text, *copy;
    size_t       len;
    pm_err_t     err;
    pm_alloc_t   a;

    pm_arena_allocator(arena, &a);
    pm_err_init(&err);

    if (pm_metrics_serve(m, &a, &text, &len, &err) != PM_OK) {
        return NULL;
    }

    copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }

    return copy;
}


void
test_metrics(void)
{
    int            rc, reset, i;
    char          *text, body[256], batch[1024], *out;
    void          *region, *small, *fresh;
    size_t         size, len, n, k;
    double         psi, a, e, want;
    pm_err_t       err;
    pm_spec_t     *spec, *other, *ranged;
    pm_alloc_t     al;
    pm_model_t    *m;
    pm_arena_t    *arena;
    pm_options_t   opt;
    pm_metrics_t  *mm, *again;
    pm_pipeline_t  p, q;

    pm_err_init(&err);
    rc = pm_model_load(ut_train("metrics.model", C_SVC, RBF, 1), &m, &err);
    rc |= pm_spec_parse(spec_text, sizeof(spec_text) - 1, &spec, &err);
    is_int(rc, PM_OK, "model and spec load");

    if (rc != PM_OK) {
        tap_diag("%s", err.msg);
        return;
    }

    memset(&opt, 0, sizeof(opt));
    opt.probability = 1;
    opt.max_instances = 100;

    rc = pm_pipeline_init(&p, m, NULL, spec, 0, &opt, &err);
    rc |= pm_metrics_create(4, &mm, &err);
    rc |= pm_metrics_pipeline(mm, "m", 1, &p, &err);
    is_int(rc, PM_OK, "a block for model m version 1, window 4");

    size = pm_metrics_size(mm);
    region = calloc(1, 2 * size);
    rc = pm_metrics_attach(mm, region, size - 8, &reset, &err);
    ok(rc == PM_ENOMEM && strstr(err.msg, "need") != NULL,
       "a region a word too small is refused: %s", err.msg);
    rc = pm_metrics_attach(mm, region, 2 * size, &reset, &err);
    ok(rc == PM_OK && !reset, "attached to a fresh region of %zu bytes",
       2 * size);

    arena = pm_arena_create();

    /* good, batched, missing, unseen, out of range, malformed */

    serve(&p, "{\"features\": {\"a\": 0.5, \"b\": 1, \"c\": \"x\", \"d\": 2}}",
          arena);
    serve(&p, "{\"features\": {\"a\": 0.5, \"b\": 1, \"c\": \"x\", \"d\": 2}}",
          arena);
    serve(&p, "{\"instances\": [{\"a\": 0.5, \"c\": \"y\", \"d\": 2},"
          " {\"a\": 12, \"b\": 1, \"c\": \"x\", \"d\": 2}]}", arena);
    serve(&p, "{\"features\": [1, 2", arena);
    serve(&p, "{\"features\": {\"a\": 1, \"b\": 1, \"c\": \"x\"}}", arena);

    text = scrape(mm, arena);
    ok(text != NULL, "the text is written");

    if (text == NULL) {
        return;
    }

    is_int((int) series(text, "nginx_predict_requests_total{model=\"m\","
                        "version=\"1\",status=\"200\"}"), 3,
           "requests_total 200: 3");
    is_int((int) series(text, "nginx_predict_requests_total{model=\"m\","
                        "version=\"1\",status=\"400\"}"), 2,
           "requests_total 400: 2");
    is_int((int) series(text, "nginx_predict_errors_total{model=\"m\","
                        "version=\"1\",code=\"invalid_json\"}"), 1,
           "errors_total invalid_json: 1");
    is_int((int) series(text, "nginx_predict_errors_total{model=\"m\","
                        "version=\"1\",code=\"missing_feature\"}"), 1,
           "errors_total missing_feature: 1");
    is_int((int) series(text, "nginx_predict_instances_total{model=\"m\","
                        "version=\"1\"}"), 4, "instances_total: 4");
    is_int((int) series(text, "nginx_predict_batch_size_bucket{model=\"m\","
                        "version=\"1\",le=\"1\"}"), 2,
           "batch_size le=1: the two single requests");
    is_int((int) series(text, "nginx_predict_batch_size_bucket{model=\"m\","
                        "version=\"1\",le=\"2\"}"), 3,
           "batch_size le=2: cumulative, 3");
    is_int((int) series(text, "nginx_predict_request_duration_seconds_count{"
                        "model=\"m\",version=\"1\"}"), 5,
           "every request timed");
    is_int((int) series(text, "nginx_predict_feature_out_of_range_total{"
                        "model=\"m\",version=\"1\",feature=\"a\","
                        "side=\"high\"}"), 1, "a above its range: 1");
    is_int((int) series(text, "nginx_predict_feature_missing_total{"
                        "model=\"m\",version=\"1\",feature=\"b\"}"), 1,
           "b missing (filled): 1");
    is_int((int) series(text, "nginx_predict_feature_missing_total{"
                        "model=\"m\",version=\"1\",feature=\"d\"}"), 1,
           "d missing (refused): 1, counted all the same");
    is_int((int) series(text, "nginx_predict_feature_unknown_total{"
                        "model=\"m\",version=\"1\",feature=\"c\"}"), 1,
           "c unseen: 1");
    is_int((int) series(text, "nginx_predict_feature_bin_total{model=\"m\","
                        "version=\"1\",feature=\"a\",bin=\"q1\"}"), 3,
           "a in its first decile: 3");
    is_int((int) series(text, "nginx_predict_feature_bin_total{model=\"m\","
                        "version=\"1\",feature=\"a\",bin=\"above_max\"}"), 1,
           "a above the maximum: 1");
    is_int((int) series(text, "nginx_predict_feature_bin_total{model=\"m\","
                        "version=\"1\",feature=\"c\",bin=\"__unseen__\"}"), 1,
           "c unseen, in its bin: 1");
    ok(series(text, "nginx_predict_feature_bin_total{model=\"m\","
              "version=\"1\",feature=\"b\",bin=\"q1\"}") < 0,
       "b has no reference: no bins");
    ok(series(text, "nginx_predict_predictions_total{model=\"m\","
              "version=\"1\",label=\"1\"}") >= 0
       && series(text, "nginx_predict_predictions_total{model=\"m\","
                 "version=\"1\",label=\"1\"}")
          + series(text, "nginx_predict_predictions_total{model=\"m\","
                   "version=\"1\",label=\"2\"}")
          + series(text, "nginx_predict_predictions_total{model=\"m\","
                   "version=\"1\",label=\"3\"}") == 4,
       "predictions by label add up to the 4 instances");
    free(text);

    /*
     * The window (4 instances, halves of 2).  5 instances binned so far
     * (the malformed request none; the refused one, a in bin q2); then 6
     * in q6: 11 binned, boundaries at 2, 4, ..., 10; the window is what
     * came after boundary 8: instances 9 to 11, all in q6.
     */

    for (i = 0; i < 6; i++) {
        (void) snprintf(body, sizeof(body), "{\"features\": {\"a\": 5.5, "
                        "\"b\": 1, \"c\": \"x\", \"d\": 2}}");
        serve(&p, body, arena);
    }

    text = scrape(mm, arena);
    is_int((int) series(text, "nginx_predict_drift_window_instances{"
                        "model=\"m\",version=\"1\"}"), 3,
           "the window holds the last 3 instances (2 to 4)");

    /* PSI: all of the window in q6; nothing below, above, or elsewhere */

    want = 0;
    for (i = 0; i < 12; i++) {
        a = (i == 6) ? 1 : PM_DRIFT_EPSILON;
        e = (i == 0 || i == 11) ? PM_DRIFT_EPSILON : 0.1;
        want += (a - e) * log(a / e);
    }

    psi = series(text, "nginx_predict_feature_psi{model=\"m\",version=\"1\","
                 "feature=\"a\"}");
    ok(fabs(psi - want) < 1e-9, "PSI of a: %.12g, by the formula %.12g",
       psi, want);
    psi = series(text, "nginx_predict_feature_psi{model=\"m\",version=\"1\","
                 "feature=\"c\"}");
    ok(fabs(psi) < 1e-12, "PSI of c, always its one category: %g", psi);
    free(text);

    /* the metadata's drift: a first, its PSI and its window */

    pm_arena_allocator(arena, &al);
    rc = pm_metrics_drift(p.metrics, "{\"model\": {}}\n", 14, &al, &out, &len,
                          &err);
    ok(rc == PM_OK && len > 14 && out[len - 1] == '\n'
       && strstr(out, "{\"model\": {}, \"drift\": {\"window\": 4, "
                 "\"features\": [{\"feature\": \"a\", \"psi\": ") == out
       && strstr(out, "\"observations\": 3") != NULL,
       "the metadata gains \"drift\", the most drifted feature first");

    /*
     * A "reload": the same model in a new layout object, attached to the
     * same region, continues; a block whose features differ starts at 0.
     */

    rc = pm_pipeline_init(&q, m, NULL, spec, 0, &opt, &err);
    rc |= pm_metrics_create(4, &again, &err);
    rc |= pm_metrics_pipeline(again, "m", 1, &q, &err);
    rc |= pm_metrics_attach(again, region, 2 * size, &reset, &err);
    ok(rc == PM_OK && !reset, "the same model attaches again");

    text = scrape(again, arena);
    is_int((int) series(text, "nginx_predict_requests_total{model=\"m\","
                        "version=\"1\",status=\"200\"}"), 9,
           "and its counters continue: 9 answered");
    free(text);

    serve(&q, "{\"features\": {\"a\": 1, \"b\": 1, \"c\": \"x\", \"d\": 2}}",
          arena);
    text = scrape(mm, arena);
    is_int((int) series(text, "nginx_predict_requests_total{model=\"m\","
                        "version=\"1\",status=\"200\"}"), 10,
           "the old layout sees what the new one counts: the same slots");
    free(text);
    pm_metrics_free(again);

    /* no room beside the old blocks: everything restarts, and says so */

    small = calloc(1, size);
    rc = pm_metrics_attach(mm, small, size, &reset, &err);
    rc |= pm_metrics_create(4, &again, &err);
    rc |= pm_metrics_pipeline(again, "m", 2, &q, &err);
    rc |= pm_metrics_attach(again, small, size, &reset, &err);
    ok(rc == PM_OK && reset, "a region too full for a new block is reset");

    text = scrape(again, arena);
    is_int((int) series(text, "nginx_predict_requests_total{model=\"m\","
                        "version=\"2\",status=\"200\"}"), -1,
           "and the new block starts at 0 (no series)");
    free(text);

    /* a name counted twice with another layout is refused */

    rc = pm_spec_parse(other_text, sizeof(other_text) - 1, &other, &err);
    rc |= pm_pipeline_init(&q, m, NULL, other, 0, &opt, &err);
    rc = (rc == PM_OK) ? pm_metrics_pipeline(again, "m", 2, &q, &err) : rc;
    ok(rc == PM_EMODEL && strstr(err.msg, "counted twice") != NULL,
       "the same name and version with other features is refused: %s",
       err.msg);

    pm_metrics_free(again);

    /*
     * Out of range and binned: a feature whose range is its reference's
     * ends counts below and above from its outer bins, one with another
     * range compares each value with it
     */

    rc = pm_spec_parse(range_text, sizeof(range_text) - 1, &ranged, &err);
    opt.out_of_range = PM_OOR_CLIP;
    rc |= pm_pipeline_init(&q, m, NULL, ranged, 0, &opt, &err);
    rc |= pm_metrics_create(4, &again, &err);
    rc |= pm_metrics_pipeline(again, "r", 1, &q, &err);
    fresh = calloc(1, pm_metrics_size(again));
    rc |= pm_metrics_attach(again, fresh, pm_metrics_size(again), &reset,
                            &err);
    ok(rc == PM_OK && ranged->f[1].ref_range && !ranged->f[0].ref_range,
       "b's range is its reference's ends, a's is not");

    /*
     * The seven one by one (a tally listing the cells an instance counted),
     * then in a batch with three more (a count per cell): each count twice
     * its seven's, plus the three's
     */

    for (i = 0; i < 7; i++) {
        (void) snprintf(body, sizeof(body), "{\"features\": {\"a\": %d, "
                        "\"b\": %d, \"c\": 0, \"d\": 0}}", ranged_ab[i][0],
                        ranged_ab[i][1]);
        serve(&q, body, arena);
    }

    n = (size_t) snprintf(batch, sizeof(batch), "{\"instances\": [");

    for (i = 0; i < 10; i++) {
        n += (size_t) snprintf(batch + n, sizeof(batch) - n, "%s{\"a\": %d, "
                               "\"b\": %d, \"c\": 0, \"d\": 0}",
                               i ? ", " : "", ranged_ab[i][0],
                               ranged_ab[i][1]);
    }

    (void) snprintf(batch + n, sizeof(batch) - n, "]}");
    serve(&q, batch, arena);
    text = scrape(again, arena);

    for (i = 0; i < 2; i++) {
        for (k = 0; k < sizeof(ranged_counts) / sizeof(ranged_counts[0]);
             k++)
        {
            (void) snprintf(body, sizeof(body), "nginx_predict_feature_%s{"
                            "model=\"r\",version=\"1\",feature=\"%c\"%s}",
                            ranged_counts[k].family, "ab"[i],
                            ranged_counts[k].label);
            is_int((int) series(text, body), ranged_counts[k].count[i],
                   "%c %s: %d", "ab"[i], ranged_counts[k].what,
                   ranged_counts[k].count[i]);
        }
    }

    free(text);
    pm_metrics_free(again);
    pm_spec_free(ranged);
    free(fresh);
    pm_metrics_free(mm);
    pm_spec_free(other);
    pm_spec_free(spec);
    pm_model_free(m);
    pm_arena_destroy(arena);
    free(region);
    free(small);
}
