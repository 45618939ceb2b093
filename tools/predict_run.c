
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

#include "pm.h"
#include "pm_csv.h"
#include "pm_text.h"


static const char  *prog = "predict-run";


static void usage(const char *msg);
static int print_answer(int rc, pm_answer_t *ans);
static int run_jsonl(const pm_pipeline_t *p, char *buf, size_t len);
static int run_csv(const pm_pipeline_t *p, const char *buf, size_t len,
    const char *name);
static void usage_enum(const char *option, const pm_enum_t *names);
static pm_file_t *load(int kind, const char *path);


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


static void
usage_enum(const char *option, const pm_enum_t *names)
{
    char  msg[128], list[96];

    (void) snprintf(msg, sizeof(msg), "%s is %s", option,
                    pm_enum_list(names, PM_ENUM_OR, list, sizeof(list)));
    usage(msg);
}


static pm_file_t *
load(int kind, const char *path)
{
    pm_err_t    err;
    pm_file_t  *f;

    pm_err_init(&err);

    if (pm_file_load(kind, path, &f, &err) != PM_OK) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, err.msg);
        exit(1);
    }

    return f;
}


/* an answer, a prediction or an error, as the module would send it */

static int
print_answer(int rc, pm_answer_t *ans)
{
    if (ans->body != NULL) {
        (void) fwrite(ans->body, 1, ans->len, stdout);
    }

    return rc != PM_OK;
}


static int
run_jsonl(const pm_pipeline_t *p, char *buf, size_t len)
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
        rc = pm_serve(p, line, (size_t) (end - line), &a, &ans, &err);
        failed |= print_answer(rc, &ans);
        pm_arena_reset(arena);
    }

    pm_arena_destroy(arena);

    return failed;
}


/* each row as the JSON object the module would be sent */

static int
run_csv(const pm_pipeline_t *p, const char *buf, size_t len,
    const char *name)
{
    int           rc, failed, col, *use, numeric, named;
    char         *body;
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

    /* -1: ignored; else the feature's PM_FEAT_*, numeric without a spec */

    named = (pm_pipeline_feature_type(p, "") != PM_FEAT_BY_INDEX);

    for (col = 0; col < c->ncols; col++) {
        use[col] = named ? pm_pipeline_feature_type(p, c->header[col])
                         : PM_FEAT_NUMERIC;

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

            numeric = (use[col] == PM_FEAT_NUMERIC);

            if (cell[0] == '\0') {
                val = named ? json_null() : NULL;

            } else if (numeric) {
                val = (pm_number(cell, NULL, &v) == 0) ? json_real(v)
                                                        : json_string(cell);

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
        rc = pm_serve(p, body, strlen(body), &a, &ans, &err);
        failed |= print_answer(rc, &ans);
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
    pm_file_t      *model, *scaler, *spec;
    struct stat     st;
    pm_options_t    opt;
    pm_pipeline_t  *p;

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
            if (pm_enum_value(pm_engine_names, argv[i], strlen(argv[i]),
                              &opt.engine)
                != 0)
            {
                usage_enum("--engine", pm_engine_names);
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
            if (pm_enum_value(pm_oor_names, argv[i], strlen(argv[i]),
                              &opt.out_of_range)
                != 0)
            {
                usage_enum("--out-of-range", pm_oor_names);
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

    pm_err_init(&err);

    model = load(PM_FILE_MODEL, model_path);
    spec = (spec_path != NULL) ? load(PM_FILE_SPEC, spec_path) : NULL;
    scaler = (scaler_path != NULL) ? load(PM_FILE_SCALER, scaler_path)
                                   : NULL;

    if (pm_pipeline_create(model, scaler, spec, nfeatures, &opt, &p, &err)
        != PM_OK)
    {
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

    rc = csv ? run_csv(p, buf, strlen(buf), input ? input : "stdin")
             : run_jsonl(p, buf, strlen(buf));

    free(buf);
    pm_pipeline_free(p);
    pm_file_free(model);
    pm_file_free(spec);
    pm_file_free(scaler);

    return rc;
}
