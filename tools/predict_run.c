
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-run: the module's predictions offline, through the same src/
 * code.  Reads JSON lines (each a request body, as the module takes it) or
 * CSV rows (a header of feature names), and prints one JSON answer per
 * line: byte for byte what the module answers; or, with --output csv, one
 * CSV row per prediction.  Failures are named on stderr with their line;
 * a target column in the CSV is scored.
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


#define RUN_PROG       "predict-run"
#define RUN_MAX_NAMES  8    /* missing columns named in one message */


typedef struct {
    const char         *bundle;
    const char         *model;
    const char         *spec;
    const char         *scaler;
    const char         *input;
    const char         *id;         /* --id COLUMN */
    int                 csv;        /* -1: by the file's name */
    int                 csv_out;
    int                 nfeatures;
    pm_options_t        opt;
} run_opts_t;


/* one run: the pipeline, what its metadata says, the scores */

typedef struct {
    const pm_pipeline_t  *p;
    const run_opts_t     *o;
    const char           *name;       /* the input, in messages */
    json_t               *meta;
    int                   task;       /* PM_TASK_* */
    int                   named;      /* a spec: features by name */
    json_t               *prob_keys;  /* CSV output: probability columns */
    int                   ndec;       /* CSV output: decision values */
    int                   failed;

    /* the target column, scored */
    const char           *target;
    size_t                nscored;
    size_t                nright;
    size_t                nunscored;  /* failed rows, empty targets */
    double               *y;
    double               *yhat;
} run_t;


static void usage(const char *msg);
static void help(void);
static void usage_enum(const char *option, const pm_enum_t *names);
static const char *option_value(int argc, char **argv, int *i);
static long option_number(const char *option, const char *v, long min,
    long max);
static void parse_args(int argc, char **argv, run_opts_t *o);
static pm_file_t *load(int kind, const char *path);
static int read_input(const run_opts_t *o, char **buf, size_t *len);
static int run_meta(run_t *r);
static const char *key_text(json_t *v, char *buf);
static void csv_text(const char *text);
static void csv_cell(const char *prefix, const char *text);
static void csv_header(run_t *r, const char *id_name);
static void csv_prediction(run_t *r, const char *id, json_t *pred);
static void csv_answer(run_t *r, const char *id, const pm_answer_t *ans);
static void answer(run_t *r, long line, const char *id, int rc,
    const pm_answer_t *ans, const pm_err_t *err);
static void score(run_t *r, const char *cell, int rc,
    const pm_answer_t *ans);
static void score_report(run_t *r);
static int run_jsonl(run_t *r, char *buf, size_t len);
static int csv_columns(run_t *r, const pm_csv_t *c, int *use, int *idcol,
    int *tcol);
static int run_csv(run_t *r, const char *buf, size_t len);


static const char  usage_text[] =
"usage: predict-run BUNDLE_DIR [options] [FILE]\n"
"       predict-run --model MODEL [--features SPEC | --scaler RANGE]\n"
"                   [options] [FILE]\n"
"       predict-run --help\n"
"\n"
"Answers each request of FILE (default: standard input) as the module\n"
"would: JSON lines, each a request body ({\"features\": ...} or\n"
"{\"instances\": [...]}), or CSV rows under a header of feature names\n"
"(--csv, or a name ending in .csv).  A CSV lacking a feature the spec\n"
"requires fails at its header; other columns are ignored, but a column\n"
"named as the spec's target is scored: accuracy, or MSE and R^2, on\n"
"stderr after the answers.  A failed request is named on stderr by its\n"
"line.\n"
"\n"
"input and output:\n"
"  --csv | --jsonl               the input format\n"
"  --output json|csv             json (default): the module's answers,\n"
"                                byte for byte; csv: a header, then one\n"
"                                row per prediction (id, label or value,\n"
"                                probabilities, decision values,\n"
"                                out_of_range, error)\n"
"  --id COLUMN                   CSV input: the id column of CSV output\n"
"                                (default: the input's line number)\n"
"as the module's directives:\n"
"  --out-of-range extrapolate|clip|reject   (default extrapolate)\n"
"  --no-probability              as predict_probability off\n"
"  --decision-values             as predict_decision_values on\n"
"  --engine fast|libsvm          as predict_engine (default fast)\n"
"  --label-rule vote|probability as predict_label_rule (default: the\n"
"                                spec's rule, else probability)\n"
"  --feature-count N             as predict_feature_count\n"
"  --max-instances N             (default 100000)\n"
"other:\n"
"  --help                        this text, on standard output\n"
"\n"
"Exit status: 0 when every request was answered, 1 when one failed (all\n"
"are answered) or a file is refused, 2 on a usage error.\n";


static void
usage(const char *msg)
{
    if (msg != NULL) {
        fprintf(stderr, "%s: %s\n", RUN_PROG, msg);
    }

    fputs(usage_text, stderr);

    exit(2);
}


static void
help(void)
{
    fputs(usage_text, stdout);

    exit(fflush(stdout) == 0 ? 0 : 1);
}


static void
usage_enum(const char *option, const pm_enum_t *names)
{
    char  msg[128], list[96];

    (void) snprintf(msg, sizeof(msg), "%s is %s", option,
                    pm_enum_list(names, PM_ENUM_OR, list, sizeof(list)));
    usage(msg);
}


static const char *
option_value(int argc, char **argv, int *i)
{
    char  msg[128];

    if (*i + 1 >= argc) {
        (void) snprintf(msg, sizeof(msg), "%.64s needs a value", argv[*i]);
        usage(msg);
    }

    return argv[++*i];
}


static long
option_number(const char *option, const char *v, long min, long max)
{
    long  n;
    char  msg[128];

    if (pm_integer(v, min, max, &n) != 0) {
        (void) snprintf(msg, sizeof(msg), "%s is an integer from %ld to %ld",
                        option, min, max);
        usage(msg);
    }

    return n;
}


static void
parse_args(int argc, char **argv, run_opts_t *o)
{
    int          i;
    char         msg[128];
    const char  *a, *v;
    struct stat  st;

    memset(o, 0, sizeof(run_opts_t));
    o->csv = -1;
    o->opt.out_of_range = PM_OOR_EXTRAPOLATE;
    o->opt.probability = 1;
    o->opt.decision_values = 0;
    o->opt.engine = PM_ENGINE_FAST;
    o->opt.label_rule = PM_LABEL_DEFAULT;
    o->opt.max_instances = 100000;

    for (i = 1; i < argc; i++) {
        a = argv[i];

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            help();

        } else if (strcmp(a, "--csv") == 0) {
            o->csv = 1;

        } else if (strcmp(a, "--jsonl") == 0) {
            o->csv = 0;

        } else if (strcmp(a, "--no-probability") == 0) {
            o->opt.probability = 0;

        } else if (strcmp(a, "--decision-values") == 0) {
            o->opt.decision_values = 1;

        } else if (strcmp(a, "--output") == 0) {
            v = option_value(argc, argv, &i);

            if (strcmp(v, "json") != 0 && strcmp(v, "csv") != 0) {
                usage("--output is json or csv");
            }

            o->csv_out = (strcmp(v, "csv") == 0);

        } else if (strcmp(a, "--id") == 0) {
            o->id = option_value(argc, argv, &i);

        } else if (strcmp(a, "--engine") == 0) {
            v = option_value(argc, argv, &i);

            if (pm_enum_value(pm_engine_names, v, strlen(v), &o->opt.engine)
                != 0)
            {
                usage_enum("--engine", pm_engine_names);
            }

        } else if (strcmp(a, "--label-rule") == 0) {
            v = option_value(argc, argv, &i);

            if (pm_enum_value(pm_label_rule_names, v, strlen(v),
                              &o->opt.label_rule)
                != 0)
            {
                usage_enum("--label-rule", pm_label_rule_names);
            }

        } else if (strcmp(a, "--out-of-range") == 0) {
            v = option_value(argc, argv, &i);

            if (pm_enum_value(pm_oor_names, v, strlen(v),
                              &o->opt.out_of_range)
                != 0)
            {
                usage_enum("--out-of-range", pm_oor_names);
            }

        } else if (strcmp(a, "--model") == 0) {
            o->model = option_value(argc, argv, &i);

        } else if (strcmp(a, "--features") == 0) {
            o->spec = option_value(argc, argv, &i);

        } else if (strcmp(a, "--scaler") == 0) {
            o->scaler = option_value(argc, argv, &i);

        } else if (strcmp(a, "--feature-count") == 0) {
            v = option_value(argc, argv, &i);
            o->nfeatures = (int) option_number(a, v, 1, PM_MAX_INDEX);

        } else if (strcmp(a, "--max-instances") == 0) {
            v = option_value(argc, argv, &i);
            o->opt.max_instances = (size_t) option_number(a, v, 1,
                                                          100000000);

        } else if (a[0] == '-' && a[1] != '\0') {
            (void) snprintf(msg, sizeof(msg), "unknown option \"%.64s\"", a);
            usage(msg);

        } else if (o->bundle == NULL && o->model == NULL
                   && stat(a, &st) == 0 && S_ISDIR(st.st_mode))
        {
            o->bundle = a;

        } else if (o->input == NULL) {
            o->input = a;

        } else {
            usage("too many arguments");
        }
    }

    if (o->bundle != NULL
        && (o->model != NULL || o->spec != NULL || o->scaler != NULL))
    {
        usage("a bundle directory takes no --model, --features or "
              "--scaler");
    }

    if (o->bundle == NULL && o->model == NULL) {
        usage("a bundle directory or --model is required");
    }

    if (o->csv < 0) {
        o->csv = o->input != NULL && strlen(o->input) > 4
                 && strcmp(o->input + strlen(o->input) - 4, ".csv") == 0;
    }

    if (o->id != NULL && !o->csv) {
        usage("--id names a column of CSV input");
    }
}


static pm_file_t *
load(int kind, const char *path)
{
    pm_err_t    err;
    pm_file_t  *f;

    pm_err_init(&err);

    if (pm_file_load(kind, path, &f, &err) != PM_OK) {
        fprintf(stderr, "%s: %s: %s\n", RUN_PROG, path, err.msg);
        exit(1);
    }

    return f;
}


/* the whole input, NUL-terminated; a pipe is read to its end */

static int
read_input(const run_opts_t *o, char **buf, size_t *len)
{
    int        rc;
    char      *b, *nb;
    size_t     cap, n;
    pm_err_t   err;

    pm_err_init(&err);

    rc = pm_read_file(o->input != NULL ? o->input : "/dev/stdin",
                      &pm_csv_rules, buf, len, &err);

    if (rc == PM_EIO && o->input == NULL) {
        cap = 65536;
        n = 0;

        b = malloc(cap + 1);

        while (b != NULL) {
            n += fread(b + n, 1, cap - n, stdin);

            if (n < cap) {
                break;
            }

            if (cap >= (size_t) PM_CSV_MAX_SIZE) {
                free(b);
                fprintf(stderr, "%s: stdin: more than %ld bytes\n", RUN_PROG,
                        PM_CSV_MAX_SIZE);
                return 1;
            }

            cap *= 2;
            nb = realloc(b, cap + 1);

            if (nb == NULL) {
                free(b);
            }

            b = nb;
        }

        if (b == NULL) {
            fprintf(stderr, "%s: out of memory\n", RUN_PROG);
            return 1;
        }

        b[n] = '\0';
        *buf = b;
        *len = n;

        return 0;
    }

    if (rc != PM_OK) {
        fprintf(stderr, "%s: %s: %s\n", RUN_PROG,
                o->input != NULL ? o->input : "stdin", err.msg);
        return 1;
    }

    return 0;
}


/* the task, the features and the output's columns, from the metadata */

static int
run_meta(run_t *r)
{
    int          nclass, label;
    char         buf[PM_JSON_NUM_SIZE], *text;
    size_t       len, k;
    json_t      *model, *target, *classes, *labels, *v, *cls, *key;
    pm_err_t     err;
    const char  *svm_type;

    pm_err_init(&err);

    if (pm_metadata(r->p, &text, &len, &err) != PM_OK) {
        fprintf(stderr, "%s: %s\n", RUN_PROG, err.msg);
        return -1;
    }

    r->meta = json_loadb(text, len, 0, NULL);
    free(text);

    model = json_object_get(r->meta, "model");
    target = json_object_get(r->meta, "target");
    svm_type = json_string_value(json_object_get(model, "svm_type"));

    if (model == NULL || svm_type == NULL) {
        fprintf(stderr, "%s: cannot read the model's metadata\n", RUN_PROG);
        return -1;
    }

    r->task = (strcmp(svm_type, "one_class") == 0) ? PM_TASK_ONE_CLASS
              : (strstr(svm_type, "svr") != NULL) ? PM_TASK_REGRESS
              : PM_TASK_CLASSIFY;
    r->named = (pm_pipeline_feature_type(r->p, "") != PM_FEAT_BY_INDEX);
    r->target = json_string_value(json_object_get(target, "name"));

    nclass = (int) json_integer_value(json_object_get(model, "nr_class"));
    r->ndec = !r->o->opt.decision_values ? 0
              : (r->task == PM_TASK_CLASSIFY) ? nclass * (nclass - 1) / 2
              : 1;

    /* probabilities are keyed by class, in the model's label order */

    r->prob_keys = json_array();
    if (r->prob_keys == NULL) {
        return -1;
    }

    if (!json_is_true(json_object_get(json_object_get(r->meta, "config"),
                                      "probability")))
    {
        return 0;
    }

    classes = json_object_get(target, "classes");
    labels = json_object_get(model, "labels");

    json_array_foreach(labels, k, v) {
        label = (int) json_integer_value(v);
        cls = (classes != NULL) ? json_array_get(classes, (size_t) label) : v;
        key = json_string(key_text(cls, buf));

        if (key == NULL || json_array_append_new(r->prob_keys, key) != 0) {
            return -1;
        }
    }

    return 0;
}


/* a scalar as the module writes it: text, or the shortest number */

static const char *
key_text(json_t *v, char *buf)
{
    if (json_is_string(v)) {
        return json_string_value(v);
    }

    if (json_is_integer(v)) {
        (void) snprintf(buf, PM_JSON_NUM_SIZE, "%" JSON_INTEGER_FORMAT,
                        json_integer_value(v));
        return buf;
    }

    if (json_is_real(v)) {
        (void) pm_format_number(json_real_value(v), buf);
        return buf;
    }

    return "";
}


/* text inside a quoted CSV cell: quotes doubled */

static void
csv_text(const char *text)
{
    const char  *p;

    for (p = text; *p != '\0'; p++) {
        if (*p == '"') {
            putchar('"');
        }

        putchar(*p);
    }
}


/* RFC 4180: quoted when it holds a comma, a quote or a line break */

static void
csv_cell(const char *prefix, const char *text)
{
    if (prefix[strcspn(prefix, ",\"\r\n")] == '\0'
        && text[strcspn(text, ",\"\r\n")] == '\0')
    {
        fputs(prefix, stdout);
        fputs(text, stdout);
        return;
    }

    putchar('"');
    csv_text(prefix);
    csv_text(text);
    putchar('"');
}


static void
csv_header(run_t *r, const char *id_name)
{
    int      i;
    size_t   k;
    json_t  *key;

    csv_cell("", id_name);
    fputs(r->task == PM_TASK_REGRESS ? ",value" : ",label", stdout);

    json_array_foreach(r->prob_keys, k, key) {
        putchar(',');
        csv_cell("prob_", json_string_value(key));
    }

    for (i = 0; i < r->ndec; i++) {
        printf(",dv_%d", i + 1);
    }

    fputs(",out_of_range,error\n", stdout);
}


static void
csv_prediction(run_t *r, const char *id, json_t *pred)
{
    int          i;
    char         buf[PM_JSON_NUM_SIZE];
    size_t       k;
    json_t      *probs, *dec, *oor, *key, *v;

    csv_cell("", id);
    putchar(',');
    csv_cell("", key_text(json_object_get(pred, r->task == PM_TASK_REGRESS
                                                ? "value" : "label"), buf));

    probs = json_object_get(pred, "probabilities");

    json_array_foreach(r->prob_keys, k, key) {
        putchar(',');
        csv_cell("", key_text(json_object_get(probs, json_string_value(key)),
                              buf));
    }

    dec = json_object_get(pred, "decision_values");

    for (i = 0; i < r->ndec; i++) {
        putchar(',');
        csv_cell("", key_text(json_array_get(dec, (size_t) i), buf));
    }

    /* the features out of range, by name or index, ";" between them */

    putchar(',');
    oor = json_object_get(pred, "out_of_range");

    if (json_array_size(oor) > 0) {
        putchar('"');

        json_array_foreach(oor, k, v) {
            csv_text(k > 0 ? ";" : "");
            csv_text(key_text(v, buf));
        }

        putchar('"');
    }

    /* and an empty error */

    fputs(",\n", stdout);
}


/* one CSV row a prediction; an error fills the error column only */

static void
csv_answer(run_t *r, const char *id, const pm_answer_t *ans)
{
    int          i;
    char         sub[64], msg[PM_ERR_MSG_SIZE + 64];
    size_t       k, ncol;
    json_t      *doc, *e, *preds, *pred;
    const char  *code, *text;

    doc = json_loadb(ans->body, ans->len, 0, NULL);
    e = json_object_get(doc, "error");

    if (doc == NULL || e != NULL) {
        code = json_string_value(json_object_get(e, "code"));
        text = json_string_value(json_object_get(e, "message"));
        (void) snprintf(msg, sizeof(msg), "%s: %s",
                        code != NULL ? code : "internal_error",
                        text != NULL ? text : "no answer");

        /* empty label or value, probabilities, decision values, range */

        ncol = 2 + json_array_size(r->prob_keys) + (size_t) r->ndec;

        csv_cell("", id);

        for (k = 0; k < ncol; k++) {
            putchar(',');
        }

        putchar(',');
        csv_cell("", msg);
        putchar('\n');
        json_decref(doc);
        return;
    }

    preds = json_object_get(doc, "predictions");

    if (preds == NULL) {
        csv_prediction(r, id, doc);
        json_decref(doc);
        return;
    }

    for (i = 0; i < (int) json_array_size(preds); i++) {
        pred = json_array_get(preds, (size_t) i);
        (void) snprintf(sub, sizeof(sub), "%.40s:%d", id, i);
        csv_prediction(r, sub, pred);
    }

    json_decref(doc);
}


/* an answer, as the module would send it or as CSV; failures named */

static void
answer(run_t *r, long line, const char *id, int rc, const pm_answer_t *ans,
    const pm_err_t *err)
{
    if (rc != PM_OK) {
        r->failed = 1;
        fprintf(stderr, "%s: %s: line %ld: %s: %s\n", RUN_PROG, r->name,
                line, pm_err_name(err->code), err->msg);
    }

    if (ans->body == NULL) {
        return;
    }

    if (r->o->csv_out) {
        csv_answer(r, id, ans);
        return;
    }

    (void) fwrite(ans->body, 1, ans->len, stdout);
}


/* a row's answer against its target cell */

static void
score(run_t *r, const char *cell, int rc, const pm_answer_t *ans)
{
    double  y, v;
    int     ynum;

    if (rc != PM_OK || ans->label == NULL || cell[0] == '\0') {
        r->nunscored++;
        return;
    }

    ynum = (pm_number(cell, NULL, &y) == 0);

    if (r->task == PM_TASK_REGRESS) {
        if (!ynum || pm_number(ans->label, NULL, &v) != 0) {
            r->nunscored++;
            return;
        }

        r->y[r->nscored] = y;
        r->yhat[r->nscored] = v;

    } else if (strlen(cell) == ans->label_len
               && memcmp(cell, ans->label, ans->label_len) == 0)
    {
        r->nright++;

    } else if (ynum && pm_number(ans->label, NULL, &v) == 0 && v == y) {
        r->nright++;
    }

    r->nscored++;
}


static void
score_report(run_t *r)
{
    size_t  i;
    double  mean, res, tot, d;
    char    unscored[64];

    unscored[0] = '\0';

    if (r->nunscored > 0) {
        (void) snprintf(unscored, sizeof(unscored), "; %zu not scored "
                        "(failed, or no target)", r->nunscored);
    }

    if (r->nscored == 0) {
        fprintf(stderr, "%s: %s: no row to score against column \"%s\"%s\n",
                RUN_PROG, r->name, r->target, unscored);
        return;
    }

    if (r->task != PM_TASK_REGRESS) {
        fprintf(stderr, "%s: %s: accuracy %.6g%% (%zu of %zu rows right, "
                "column \"%s\"%s)\n", RUN_PROG, r->name,
                100.0 * (double) r->nright / (double) r->nscored, r->nright,
                r->nscored, r->target, unscored);
        return;
    }

    mean = 0;

    for (i = 0; i < r->nscored; i++) {
        mean += r->y[i];
    }

    mean /= (double) r->nscored;
    res = 0;
    tot = 0;

    for (i = 0; i < r->nscored; i++) {
        d = r->y[i] - r->yhat[i];
        res += d * d;
        d = r->y[i] - mean;
        tot += d * d;
    }

    if (tot > 0) {
        fprintf(stderr, "%s: %s: MSE %.6g, R^2 %.6g (%zu rows, column "
                "\"%s\"%s)\n", RUN_PROG, r->name, res / (double) r->nscored,
                1 - res / tot, r->nscored, r->target, unscored);

    } else {
        fprintf(stderr, "%s: %s: MSE %.6g, R^2 undefined: the target is "
                "constant (%zu rows, column \"%s\"%s)\n", RUN_PROG, r->name,
                res / (double) r->nscored, r->nscored, r->target, unscored);
    }
}


static int
run_jsonl(run_t *r, char *buf, size_t len)
{
    int           rc;
    char         *line, *end, *stop, id[32];
    long          n;
    pm_err_t      err;
    pm_alloc_t    a;
    pm_arena_t   *arena;
    pm_answer_t   ans;

    arena = pm_arena_create();
    if (arena == NULL) {
        fprintf(stderr, "%s: out of memory\n", RUN_PROG);
        return 1;
    }

    pm_arena_allocator(arena, &a);
    stop = buf + len;
    n = 0;

    if (r->o->csv_out) {
        csv_header(r, "line");
    }

    for (line = buf; line < stop; line = end + 1) {
        n++;
        end = memchr(line, '\n', (size_t) (stop - line));
        if (end == NULL) {
            end = stop;
        }

        if (line + strspn(line, " \t\r") >= end) {
            continue;
        }

        (void) snprintf(id, sizeof(id), "%ld", n);

        pm_err_init(&err);
        rc = pm_serve(r->p, line, (size_t) (end - line), &a, &ans, &err);
        answer(r, n, id, rc, &ans, &err);
        pm_arena_reset(arena);
    }

    pm_arena_destroy(arena);

    return r->failed;
}


/*
 * What each CSV column is: use[col] is -1 (ignored) or the feature's
 * PM_FEAT_* (numeric without a spec).  A feature the spec refuses to miss
 * and no column holds fails here, once, at the header.
 */

static int
csv_columns(run_t *r, const pm_csv_t *c, int *use, int *idcol, int *tcol)
{
    int          col, nmiss;
    char         list[RUN_MAX_NAMES * 72], *p;
    size_t       k;
    json_t      *f, *m;
    const char  *name;

    *idcol = -1;
    *tcol = -1;

    if (r->o->id != NULL) {
        *idcol = pm_csv_column(c, r->o->id);

        if (*idcol < 0) {
            fprintf(stderr, "%s: %s: line 1: no column \"%s\" (--id)\n",
                    RUN_PROG, r->name, r->o->id);
            return -1;
        }
    }

    for (col = 0; col < c->ncols; col++) {
        name = c->header[col];
        use[col] = r->named ? pm_pipeline_feature_type(r->p, name)
                            : PM_FEAT_NUMERIC;

        if (use[col] >= 0) {
            continue;
        }

        if (r->target != NULL && strcmp(name, r->target) == 0
            && r->task != PM_TASK_ONE_CLASS)
        {
            *tcol = col;

        } else if (col != *idcol) {
            fprintf(stderr, "%s: %s: column \"%s\" is not a feature, "
                    "ignored\n", RUN_PROG, r->name, name);
        }
    }

    /* the spec's features without a column */

    nmiss = 0;
    p = list;

    json_array_foreach(json_object_get(r->meta, "features"), k, f) {
        name = json_string_value(json_object_get(f, "name"));

        if (name == NULL || pm_csv_column(c, name) >= 0) {
            continue;
        }

        m = json_object_get(f, "missing");

        if (!json_is_string(m)) {
            fprintf(stderr, "%s: %s: line 1: no column \"%s\": every row "
                    "takes its fill\n", RUN_PROG, r->name, name);
            continue;
        }

        if (nmiss++ < RUN_MAX_NAMES) {
            p += snprintf(p, sizeof(list) - (size_t) (p - list), "%s\"%.64s\"",
                          nmiss > 1 ? ", " : "", name);
        }
    }

    if (nmiss > 0) {
        fprintf(stderr, "%s: %s: line 1: no column for %d feature%s the "
                "spec requires (\"missing\": \"reject\"): %s%s\n", RUN_PROG,
                r->name, nmiss, nmiss > 1 ? "s" : "", list,
                nmiss > RUN_MAX_NAMES ? ", ..." : "");
        return -1;
    }

    return 0;
}


/* each row as the JSON object the module would be sent */

static int
run_csv(run_t *r, const char *buf, size_t len)
{
    int           rc, col, *use, idcol, tcol;
    char         *body, id[32];
    size_t        row;
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
        fprintf(stderr, "%s: %s: %s\n", RUN_PROG, r->name, err.msg);
        return 1;
    }

    use = malloc(sizeof(int) * ((size_t) c->ncols + 1));
    r->y = malloc(sizeof(double) * (c->nrows + 1));
    r->yhat = malloc(sizeof(double) * (c->nrows + 1));
    arena = pm_arena_create();

    if (use == NULL || r->y == NULL || r->yhat == NULL || arena == NULL) {
        fprintf(stderr, "%s: out of memory\n", RUN_PROG);
        return 1;
    }

    if (csv_columns(r, c, use, &idcol, &tcol) != 0) {
        return 1;
    }

    if (r->o->csv_out) {
        csv_header(r, idcol >= 0 ? c->header[idcol] : "line");
    }

    pm_arena_allocator(arena, &a);

    for (row = 0; row < c->nrows; row++) {
        inst = json_object();
        if (inst == NULL) {
            fprintf(stderr, "%s: out of memory\n", RUN_PROG);
            return 1;
        }

        for (col = 0; col < c->ncols; col++) {
            if (use[col] < 0) {
                continue;
            }

            cell = pm_csv_cell(c, row, col);

            if (cell[0] == '\0') {
                val = r->named ? json_null() : NULL;

            } else if (use[col] == PM_FEAT_NUMERIC) {
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
            fprintf(stderr, "%s: out of memory\n", RUN_PROG);
            return 1;
        }

        (void) snprintf(id, sizeof(id), "%ld", c->lines[row]);

        pm_err_init(&err);
        rc = pm_serve(r->p, body, strlen(body), &a, &ans, &err);
        answer(r, c->lines[row], idcol >= 0 ? pm_csv_cell(c, row, idcol) : id,
               rc, &ans, &err);

        if (tcol >= 0) {
            score(r, pm_csv_cell(c, row, tcol), rc, &ans);
        }

        free(body);
        pm_arena_reset(arena);
    }

    if (tcol >= 0) {
        score_report(r);
    }

    pm_arena_destroy(arena);
    free(use);
    pm_csv_free(c);

    return r->failed;
}


int
main(int argc, char **argv)
{
    int             rc;
    char           *buf, path[4096];
    size_t          len;
    run_t           r;
    pm_err_t        err;
    run_opts_t      o;
    pm_file_t      *model, *scaler, *spec;
    pm_pipeline_t  *p;

    parse_args(argc, argv, &o);

    if (o.bundle != NULL) {
        (void) snprintf(path, sizeof(path), "%s/%s", o.bundle,
                        PM_BUNDLE_MODEL);
        o.model = strdup(path);
        (void) snprintf(path, sizeof(path), "%s/%s", o.bundle,
                        PM_BUNDLE_SPEC);
        o.spec = strdup(path);

        if (o.model == NULL || o.spec == NULL) {
            fprintf(stderr, "%s: out of memory\n", RUN_PROG);
            return 1;
        }
    }

    pm_err_init(&err);

    model = load(PM_FILE_MODEL, o.model);
    spec = (o.spec != NULL) ? load(PM_FILE_SPEC, o.spec) : NULL;
    scaler = (o.scaler != NULL) ? load(PM_FILE_SCALER, o.scaler) : NULL;

    if (pm_pipeline_create(model, scaler, spec, o.nfeatures, &o.opt, &p,
                           &err)
        != PM_OK)
    {
        fprintf(stderr, "%s: %s: %s\n", RUN_PROG, o.model, err.msg);
        return 1;
    }

    memset(&r, 0, sizeof(run_t));
    r.p = p;
    r.o = &o;
    r.name = (o.input != NULL) ? o.input : "stdin";

    if (run_meta(&r) != 0 || read_input(&o, &buf, &len) != 0) {
        return 1;
    }

    rc = o.csv ? run_csv(&r, buf, len) : run_jsonl(&r, buf, len);

    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: cannot write: %s\n", RUN_PROG, strerror(errno));
        rc = 1;
    }

    free(buf);
    free(r.y);
    free(r.yhat);
    json_decref(r.prob_keys);
    json_decref(r.meta);
    pm_pipeline_free(p);
    pm_file_free(model);
    pm_file_free(spec);
    pm_file_free(scaler);

    return rc;
}
