
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-run: the module's predictions offline, through the same src/
 * code.  Reads JSON lines (each a request body, as the module takes it) or
 * CSV rows (a header of feature names), and prints one JSON answer per
 * line: byte for byte what the module answers.
 *
 * usage: predict-run BUNDLE_DIR [options] [FILE]
 *        predict-run --model M [--features SPEC | --scaler RANGE] [FILE]
 */


#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "pm_core.h"
#include "pm_csv.h"
#include "pm_features.h"
#include "pm_model.h"
#include "pm_predict.h"
#include "pm_response.h"
#include "pm_scale.h"


static const char  *prog = "predict-run";


static void usage(const char *msg);
static int print_answer(int rc, pm_answer_t *ans, pm_err_t *err);
static int run_jsonl(const pm_pipeline_t *p, const pm_options_t *opt,
    char *buf, size_t len);
static int run_csv(const pm_pipeline_t *p, const pm_options_t *opt,
    const char *buf, size_t len, const char *name);


static void
usage(const char *msg)
{
    if (msg != NULL) {
        fprintf(stderr, "%s: %s\n", prog, msg);
    }

    fprintf(stderr,
"usage: predict-run BUNDLE_DIR [options] [FILE]\n"
"       predict-run --model MODEL [--features SPEC | --scaler RANGE]\n"
"                   [options] [FILE]\n"
"\n"
"  FILE (default: standard input) holds JSON lines, each a request body\n"
"  ({\"features\": ...} or {\"instances\": [...]}), or CSV rows under a\n"
"  header of feature names (--csv, or a name ending in .csv); columns\n"
"  the feature spec does not name are ignored.\n"
"\n"
"  --csv | --jsonl               the input format\n"
"  --out-of-range extrapolate|clip|reject   (default extrapolate)\n"
"  --no-probability              as predict_probability off\n"
"  --decision-values             as predict_decision_values on\n"
"  --engine fast|libsvm          as predict_engine (default fast)\n"
"  --feature-count N             as predict_feature_count\n"
"  --max-instances N             (default 100000)\n");

    exit(2);
}


static int
print_answer(int rc, pm_answer_t *ans, pm_err_t *err)
{
    char    *buf;
    size_t   n;

    if (rc == PM_OK) {
        (void) fwrite(ans->body, 1, ans->len, stdout);
        return 0;
    }

    n = pm_error_write(err, NULL, NULL, 0);
    buf = malloc(n);

    if (buf != NULL) {
        (void) pm_error_write(err, NULL, buf, n);
        (void) fwrite(buf, 1, n, stdout);
        free(buf);
    }

    return 1;
}


static int
run_jsonl(const pm_pipeline_t *p, const pm_options_t *opt, char *buf,
    size_t len)
{
    int           rc, failed;
    char         *line, *end, *stop;
    pm_err_t      err;
    pm_alloc_t    a;
    pm_arena_t   *arena;
    pm_answer_t   ans;

    arena = pm_arena_create();
    if (arena == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 1;
    }

    pm_arena_allocator(arena, &a);
    failed = 0;
    stop = buf + len;

    for (line = buf; line < stop; line = end + 1) {
        end = memchr(line, '\n', (size_t) (stop - line));
        if (end == NULL) {
            end = stop;
        }

        if (line + strspn(line, " \t\r") >= end) {
            continue;
        }

        pm_err_init(&err);
        rc = pm_predict_json(p, opt, line, (size_t) (end - line), &a, &ans,
                             &err);
        failed |= print_answer(rc, &ans, &err);
        pm_arena_reset(arena);
    }

    pm_arena_destroy(arena);

    return failed;
}


/* each row as the JSON object the module would be sent */

static int
run_csv(const pm_pipeline_t *p, const pm_options_t *opt, const char *buf,
    size_t len, const char *name)
{
    int           rc, failed, col, *use, numeric;
    char         *end, *body;
    size_t        r;
    double        v;
    json_t       *inst, *val, *wrapper;
    pm_err_t      err;
    pm_csv_t     *c;
    pm_alloc_t    a;
    pm_arena_t   *arena;
    pm_answer_t   ans;
    const char   *cell;

    pm_err_init(&err);

    if (pm_csv_parse(buf, len, &c, &err) != PM_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, name, err.msg);
        return 1;
    }

    use = malloc(sizeof(int) * ((size_t) c->ncols + 1));
    arena = pm_arena_create();

    if (use == NULL || arena == NULL) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 1;
    }

    /* -1: ignored; else the spec position, or 0 without a spec */

    for (col = 0; col < c->ncols; col++) {
        use[col] = (p->spec != NULL) ? pm_features_find(p->spec,
                                                        c->header[col])
                                     : 0;

        if (use[col] < 0) {
            fprintf(stderr, "%s: %s: column \"%s\" is not a feature, "
                    "ignored\n", prog, name, c->header[col]);
        }
    }

    pm_arena_allocator(arena, &a);
    failed = 0;

    for (r = 0; r < c->nrows; r++) {
        inst = json_object();
        if (inst == NULL) {
            fprintf(stderr, "%s: out of memory\n", prog);
            return 1;
        }

        for (col = 0; col < c->ncols; col++) {
            if (use[col] < 0) {
                continue;
            }

            cell = pm_csv_cell(c, r, col);

            numeric = (p->spec == NULL)
                      || p->spec->f[use[col]].type == PM_FEAT_NUMERIC;

            if (cell[0] == '\0') {
                val = (p->spec != NULL) ? json_null() : NULL;

            } else if (numeric) {
                errno = 0;
                v = strtod(cell, &end);
                val = (*end == '\0' && end != cell && errno != ERANGE
                       && isfinite(v))
                      ? json_real(v) : json_string(cell);

            } else {
                val = json_string(cell);
            }

            if (val != NULL) {
                (void) json_object_set_new(inst, c->header[col], val);
            }
        }

        /* the same text a client would send: the module's path */

        wrapper = json_pack("{s:o}", "features", inst);
        body = (wrapper != NULL)
               ? json_dumps(wrapper, JSON_COMPACT | JSON_REAL_PRECISION(17))
               : NULL;
        json_decref(wrapper);

        if (body == NULL) {
            fprintf(stderr, "%s: out of memory\n", prog);
            return 1;
        }

        pm_err_init(&err);
        rc = pm_predict_json(p, opt, body, strlen(body), &a, &ans, &err);
        failed |= print_answer(rc, &ans, &err);
        free(body);
        pm_arena_reset(arena);
    }

    pm_arena_destroy(arena);
    free(use);
    pm_csv_free(c);

    return failed;
}


int
main(int argc, char **argv)
{
    int             i, rc, csv, nfeatures;
    char           *buf, path[4096];
    size_t          len;
    pm_err_t        err;
    const char     *bundle, *model_path, *spec_path, *scaler_path, *input;
    struct stat     st;
    pm_model_t     *model;
    pm_scaler_t    *scaler;
    pm_options_t    opt;
    pm_features_t  *spec;
    pm_pipeline_t   p;

    bundle = NULL;
    model_path = NULL;
    spec_path = NULL;
    scaler_path = NULL;
    input = NULL;
    csv = -1;
    nfeatures = 0;

    opt.out_of_range = PM_OOR_EXTRAPOLATE;
    opt.probability = 1;
    opt.decision_values = 0;
    opt.engine = PM_ENGINE_FAST;
    opt.max_instances = 100000;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--csv") == 0) {
            csv = 1;
        } else if (strcmp(argv[i], "--jsonl") == 0) {
            csv = 0;
        } else if (strcmp(argv[i], "--no-probability") == 0) {
            opt.probability = 0;
        } else if (strcmp(argv[i], "--decision-values") == 0) {
            opt.decision_values = 1;
        } else if (strcmp(argv[i], "--engine") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "fast") == 0) {
                opt.engine = PM_ENGINE_FAST;
            } else if (strcmp(argv[i], "libsvm") == 0) {
                opt.engine = PM_ENGINE_LIBSVM;
            } else {
                usage("--engine is fast or libsvm");
            }
        } else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
            model_path = argv[++i];
        } else if (strcmp(argv[i], "--features") == 0 && i + 1 < argc) {
            spec_path = argv[++i];
        } else if (strcmp(argv[i], "--scaler") == 0 && i + 1 < argc) {
            scaler_path = argv[++i];
        } else if (strcmp(argv[i], "--feature-count") == 0 && i + 1 < argc) {
            nfeatures = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--max-instances") == 0 && i + 1 < argc) {
            opt.max_instances = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--out-of-range") == 0 && i + 1 < argc) {
            i++;
            opt.out_of_range = strcmp(argv[i], "clip") == 0 ? PM_OOR_CLIP
                               : strcmp(argv[i], "reject") == 0
                                 ? PM_OOR_REJECT : PM_OOR_EXTRAPOLATE;
            if (strcmp(argv[i], "extrapolate") != 0
                && opt.out_of_range == PM_OOR_EXTRAPOLATE)
            {
                usage("--out-of-range is extrapolate, clip or reject");
            }
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage("unknown option");
        } else if (bundle == NULL && model_path == NULL
                   && stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
        {
            bundle = argv[i];
        } else if (input == NULL) {
            input = argv[i];
        } else {
            usage("too many arguments");
        }
    }

    if (bundle != NULL) {
        if (model_path != NULL || spec_path != NULL || scaler_path != NULL) {
            usage("a bundle directory takes no --model, --features or "
                  "--scaler");
        }

        (void) snprintf(path, sizeof(path), "%s/%s", bundle,
                        PM_BUNDLE_MODEL);
        model_path = strdup(path);
        (void) snprintf(path, sizeof(path), "%s/%s", bundle, PM_BUNDLE_SPEC);
        spec_path = strdup(path);
    }

    if (model_path == NULL) {
        usage("a bundle directory or --model is required");
    }

    model = NULL;
    scaler = NULL;
    spec = NULL;
    pm_err_init(&err);

    if (pm_model_load(model_path, &model, &err) != PM_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, model_path, err.msg);
        return 1;
    }

    if (spec_path != NULL
        && pm_features_load(spec_path, &spec, &err) != PM_OK)
    {
        fprintf(stderr, "%s: %s: %s\n", prog, spec_path, err.msg);
        return 1;
    }

    if (scaler_path != NULL
        && pm_scaler_load(scaler_path, &scaler, &err) != PM_OK)
    {
        fprintf(stderr, "%s: %s: %s\n", prog, scaler_path, err.msg);
        return 1;
    }

    if (pm_pipeline_init(&p, model, scaler, spec, nfeatures, &err) != PM_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, model_path, err.msg);
        return 1;
    }

    if (input != NULL) {
        rc = pm_read_file(input, PM_CSV_MAX_SIZE, &buf, &len, &err);
    } else {
        rc = pm_read_file("/dev/stdin", PM_CSV_MAX_SIZE, &buf, &len, &err);

        if (rc == PM_EIO) {
            /* a pipe: read it whole */
            size_t  cap = 65536, n;

            buf = malloc(cap);
            len = 0;

            while (buf != NULL
                   && (n = fread(buf + len, 1, cap - len, stdin)) > 0)
            {
                len += n;
                if (len == cap) {
                    cap *= 2;
                    buf = realloc(buf, cap);
                }
            }

            rc = (buf != NULL) ? PM_OK : PM_ENOMEM;
        }
    }

    if (rc != PM_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, input ? input : "stdin",
                err.msg);
        return 1;
    }

    if (csv < 0) {
        len = strlen(input ? input : "");
        csv = input != NULL && len > 4
              && strcmp(input + len - 4, ".csv") == 0;
        len = strlen(buf);
    }

    rc = csv ? run_csv(&p, &opt, buf, strlen(buf), input ? input : "stdin")
             : run_jsonl(&p, &opt, buf, strlen(buf));

    free(buf);
    pm_model_free(model);
    pm_features_free(spec);
    pm_scaler_free(scaler);

    return rc;
}
