
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-bench: the prediction path of src/ against libsvm's own
 * svm_predict_probability() and svm_predict() on the same loaded model
 * and rows; then the whole request path (JSON in, JSON out) for single
 * requests and batches.  Reports ns per prediction and checks that the
 * outputs agree: the same labels, probabilities and values to 1e-9.
 *
 * usage: predict-bench MODEL DATA [--seconds S] [--json]
 *        predict-bench --help
 *        (DATA: libsvm-format rows, already scaled for MODEL)
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pm.h"
#include "pm_data.h"
#include "pm_kinds.h"
#include "pm_pipeline.h"
#include "pm_svm.h"


typedef struct {
    int                 n;
    pm_node_t         **x;
    pm_data_t          *data;
    char              **body;     /* {"features": {...}} per row */
    char               *batch;    /* {"instances": [...100 rows...]} */
    int                 nbatch;
} rows_t;


static void usage(const char *msg);
static double now(void);
static void load_rows(const char *path, rows_t *r);
static double bench_libsvm(const pm_model_t *m, const rows_t *r, int prob,
    double seconds, double *sink);
static double bench_ours(const pm_model_t *m, const rows_t *r, int prob,
    int engine, double seconds, double *sink);
static double bench_json(const pm_pipeline_t *p, char **bodies, int n,
    double seconds, size_t *preds);


static const char  usage_text[] =
"usage: predict-bench MODEL DATA [--seconds S] [--json]\n"
"       predict-bench --help\n"
"\n"
"Checks, then times, src/'s prediction path against libsvm's\n"
"svm_predict() and svm_predict_probability() on the same loaded MODEL\n"
"and the rows of DATA (libsvm data, already scaled for MODEL), then the\n"
"whole request path (JSON in, JSON out) for single requests and a batch\n"
"of 100.  Prints ns per prediction.\n"
"\n"
"  --seconds S   time for each measurement (default 1)\n"
"  --json        the results as one JSON object\n"
"  --help        this text, on standard output\n"
"\n"
"Exit status: 0, 1 when the outputs differ (a label, or more than 1e-9)\n"
"or a file is refused, 2 on a usage error.\n";


/* msg NULL: --help, on stdout */

static void
usage(const char *msg)
{
    if (msg == NULL) {
        fputs(usage_text, stdout);
        exit(fflush(stdout) == 0 ? 0 : 1);
    }

    fprintf(stderr, "predict-bench: %s\n", msg);
    fputs(usage_text, stderr);
    exit(2);
}


static double
now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}


/* the rows, and each as the body a client would send by index */

static void
load_rows(const char *path, rows_t *r)
{
    int         i, k;
    char       *b, *end;
    size_t      blen, bcap, len;
    pm_err_t    err;
    pm_data_t  *d;

    pm_err_init(&err);

    if (pm_data_load(path, &d, &err) != PM_OK) {
        fprintf(stderr, "predict-bench: %s: %s\n", path, err.msg);
        exit(1);
    }

    memset(r, 0, sizeof(rows_t));
    r->data = d;
    r->n = (int) d->n;
    r->x = d->x;
    r->body = malloc(sizeof(char *) * (d->n + 1));
    bcap = 1 << 16;
    r->batch = malloc(bcap);

    if (r->body == NULL || r->batch == NULL) {
        fprintf(stderr, "predict-bench: out of memory\n");
        exit(1);
    }

    blen = (size_t) sprintf(r->batch, "{\"instances\":[");

    for (i = 0; i < r->n; i++) {
        b = malloc((size_t) d->nx[i] * 40 + 64);
        if (b == NULL) {
            fprintf(stderr, "predict-bench: out of memory\n");
            exit(1);
        }

        end = b + sprintf(b, "{\"features\":{");

        for (k = 0; k < d->nx[i]; k++) {
            end += sprintf(end, "%s\"%d\":%.17g", k ? "," : "",
                           d->x[i][k].index, d->x[i][k].value);
        }

        strcpy(end, "}}");
        r->body[i] = b;
        len = strlen(b);

        if (r->nbatch < 100) {
            if (blen + len + 8 > bcap) {
                bcap = (blen + len) * 2;
                r->batch = realloc(r->batch, bcap);
                if (r->batch == NULL) {
                    fprintf(stderr, "predict-bench: out of memory\n");
                    exit(1);
                }
            }

            blen += (size_t) sprintf(r->batch + blen, "%s%.*s",
                                     r->nbatch ? "," : "",
                                     (int) (len - 12 - 1), b + 12);
            r->nbatch++;
        }
    }

    strcpy(r->batch + blen, "]}");
}


static double
bench_libsvm(const pm_model_t *m, const rows_t *r, int prob, double seconds,
    double *sink)
{
    int                      i;
    long                     count;
    double                   t0, t, probs[1024];
    const struct svm_node   *x;
    const struct svm_model  *svm;

    svm = pm_svm_of(m)->svm;
    count = 0;
    t0 = now();

    do {
        for (i = 0; i < r->n; i++) {
            x = (const struct svm_node *) r->x[i];
            *sink += prob ? svm_predict_probability(svm, x, probs)
                          : svm_predict(svm, x);
        }
        count += r->n;
        t = now() - t0;
    } while (t < seconds);

    return t / (double) count * 1e9;
}


static double
bench_ours(const pm_model_t *m, const rows_t *r, int prob, int engine,
    double seconds, double *sink)
{
    int        i;
    long       count;
    double     t0, t, v, probs[1024], *dec, *scratch;
    pm_err_t   err;

    dec = malloc(sizeof(double) * (size_t) m->ndec);
    scratch = malloc(sizeof(double) * m->scratch);
    count = 0;
    t0 = now();

    do {
        for (i = 0; i < r->n; i++) {
            (void) pm_model_predict(m, r->x[i], prob, PM_LABEL_PROBABILITY,
                                    engine, &v, probs, dec, scratch, &err);
            *sink += v;
        }
        count += r->n;
        t = now() - t0;
    } while (t < seconds);

    free(dec);
    free(scratch);

    return t / (double) count * 1e9;
}


static double
bench_json(const pm_pipeline_t *p, char **bodies, int n, double seconds,
    size_t *preds)
{
    int           i;
    double        t0, t;
    pm_err_t      err;
    pm_alloc_t    a;
    pm_arena_t   *arena;
    pm_answer_t   ans;

    arena = pm_arena_create();
    pm_arena_allocator(arena, &a);
    *preds = 0;
    t0 = now();

    do {
        for (i = 0; i < n; i++) {
            pm_err_init(&err);
            if (pm_serve(p, bodies[i], strlen(bodies[i]), &a, &ans, &err)
                != PM_OK)
            {
                fprintf(stderr, "predict-bench: %s\n", err.msg);
                exit(1);
            }
            *preds += ans.instances;
            pm_arena_reset(arena);
        }
        t = now() - t0;
    } while (t < seconds);

    pm_arena_destroy(arena);

    return t;
}


int
main(int argc, char **argv)
{
    int            i, k, json_out, bad_labels, has_prob;
    char           msg[128];
    size_t         preds;
    double         seconds, sink, ns_lib_p, ns_lib, ns_fast_p, ns_fast;
    double         ns_json, ns_batch, t, maxdiff, pl[1024], pf[1024], vl, vf;
    double        *dec, *scratch;
    rows_t         r;
    pm_err_t       err;
    pm_svm_t      *s;
    pm_model_t    *m;
    pm_options_t   opt;
    const char    *path[2];
    pm_pipeline_t  p;

    seconds = 1;
    json_out = 0;
    path[0] = NULL;
    path[1] = NULL;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(NULL);

        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);

            if (!(seconds > 0) || seconds > 3600) {
                usage("--seconds is a number of seconds, at most 3600");
            }

        } else if (strcmp(argv[i], "--json") == 0) {
            json_out = 1;

        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            (void) snprintf(msg, sizeof(msg), "unknown or incomplete option "
                            "\"%.64s\"", argv[i]);
            usage(msg);

        } else if (path[1] == NULL) {
            path[path[0] != NULL] = argv[i];

        } else {
            usage("MODEL and DATA only");
        }
    }

    if (path[1] == NULL) {
        usage("MODEL and DATA are required");
    }

    pm_err_init(&err);

    if (pm_model_load(path[0], &m, &err) != PM_OK) {
        fprintf(stderr, "predict-bench: %s: %s\n", path[0], err.msg);
        return 1;
    }

    load_rows(path[1], &r);
    s = pm_svm_of(m);
    has_prob = m->probability && pm_model_is_classifier(m);

    /* the outputs first: the same labels, probabilities to 1e-9 */

    dec = malloc(sizeof(double) * (size_t) m->ndec);
    scratch = malloc(sizeof(double) * m->scratch);
    bad_labels = 0;
    maxdiff = 0;

    for (i = 0; i < r.n; i++) {
        vl = has_prob
             ? svm_predict_probability(s->svm,
                                       (const struct svm_node *) r.x[i], pl)
             : svm_predict(s->svm, (const struct svm_node *) r.x[i]);
        (void) pm_model_predict(m, r.x[i], has_prob, PM_LABEL_PROBABILITY,
                                PM_ENGINE_FAST, &vf, pf, dec, scratch, &err);

        if (pm_model_is_regression(m)) {
            if (fabs(vl - vf) > maxdiff) {
                maxdiff = fabs(vl - vf);
            }
        } else if (vl != vf) {
            bad_labels++;
        }

        for (k = 0; has_prob && k < m->nr_class; k++) {
            if (fabs(pl[k] - pf[k]) > maxdiff) {
                maxdiff = fabs(pl[k] - pf[k]);
            }
        }
    }

    sink = 0;
    ns_lib_p = has_prob ? bench_libsvm(m, &r, 1, seconds, &sink) : 0;
    ns_lib = bench_libsvm(m, &r, 0, seconds, &sink);
    ns_fast_p = has_prob ? bench_ours(m, &r, 1, PM_ENGINE_FAST, seconds,
                                      &sink) : 0;
    ns_fast = bench_ours(m, &r, 0, PM_ENGINE_FAST, seconds, &sink);

    opt.out_of_range = PM_OOR_EXTRAPOLATE;
    opt.probability = 1;
    opt.decision_values = 0;
    opt.engine = PM_ENGINE_FAST;
    opt.label_rule = PM_LABEL_DEFAULT;
    opt.max_instances = 100000;
    (void) pm_pipeline_init(&p, m, NULL, NULL, 0, &opt, &err);

    t = bench_json(&p, r.body, r.n, seconds, &preds);
    ns_json = t / (double) preds * 1e9;
    t = bench_json(&p, &r.batch, 1, seconds, &preds);
    ns_batch = t / (double) preds * 1e9;

    if (json_out) {
        printf("{\"rows\": %d, \"svs\": %d, \"features\": %d, "
               "\"label_mismatches\": %d, \"max_difference\": %.3g, "
               "\"ns\": {\"libsvm_probability\": %.1f, \"libsvm\": %.1f, "
               "\"fast_probability\": %.1f, \"fast\": %.1f, "
               "\"json_single\": %.1f, \"json_batch100\": %.1f}, "
               "\"engine\": \"%s\"}\n", r.n, s->total_sv, m->max_index,
               bad_labels, maxdiff, ns_lib_p, ns_lib, ns_fast_p, ns_fast,
               ns_json, ns_batch, s->fast ? "fast" : "libsvm");
    } else {
        printf("model %s: %d SVs x %d features, %d rows, engine %s\n",
               path[0], s->total_sv, m->max_index, r.n,
               s->fast ? "fast" : "libsvm");
        printf("outputs: %d label mismatches, max difference %.3g\n",
               bad_labels, maxdiff);
        if (has_prob) {
            printf("svm_predict_probability  %10.1f ns/prediction\n",
                   ns_lib_p);
            printf("src/, probabilities      %10.1f ns/prediction  "
                   "(%.2f of libsvm)\n", ns_fast_p, ns_fast_p / ns_lib_p);
        }
        printf("svm_predict              %10.1f ns/prediction\n", ns_lib);
        printf("src/, label only         %10.1f ns/prediction  "
               "(%.2f of libsvm)\n", ns_fast, ns_fast / ns_lib);
        printf("JSON in/out, single      %10.1f ns/prediction\n", ns_json);
        printf("JSON in/out, batch of %d %8.1f ns/prediction  "
               "(%.2f of single)\n", r.nbatch, ns_batch, ns_batch / ns_json);
    }

    fprintf(stderr, "%s", sink == 12345.678 ? "\n" : "");
    free(dec);
    free(scratch);
    pm_data_free(r.data);
    pm_model_free(m);

    return bad_labels || maxdiff > 1e-9;
}
