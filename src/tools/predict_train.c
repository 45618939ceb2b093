
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-train: CSV (or libsvm data) in, a bundle out.  Fits the feature
 * spec on the training rows only, chooses C and gamma by k-fold cross-
 * validation over a log2 grid (as libsvm's grid.py), on every core, then
 * trains the final model and writes DIR/model.libsvm, DIR/features.json
 * and DIR/report.json.  Rows are encoded by pm_features_encode(), the
 * code the module serves with.
 */


#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <svm.h>

#include "pm_core.h"
#include "pm_csv.h"
#include "pm_features.h"
#include "pm_model.h"
#include "pm_sha256.h"


#define MAX_LIST  64


typedef struct {
    const char         *data;
    const char         *target;
    const char         *out;
    const char         *format;
    int                 task;
    int                 kernel;
    int                 folds;
    int                 jobs;
    unsigned long       seed;
    double              test_split;
    double              c_range[3];
    double              g_range[3];
    int                 fixed_c;
    int                 fixed_g;
    double              c;
    double              gamma;
    double              nu;
    double              epsilon;
    int                 transform;
    int                 probability;
    int                 missing_fill;
    int                 unknown;
    int                 oor;
    int                 quiet;
    const char         *exclude[MAX_LIST];
    const char         *categorical[MAX_LIST];
    const char         *numeric[MAX_LIST];
    const char         *log1p[MAX_LIST];
} options_t;


/* the data set: feature columns, raw values, targets */

typedef struct {
    int                 ncols;
    char              **names;
    int                *types;
    size_t              nrows;
    size_t              stride;     /* raw values per row */
    pm_raw_t           *raw;        /* nrows * stride */
    double             *y;          /* class index, or the target value */
    long               *lines;
    int                 nclasses;
    char              **classes;
    int                 classes_numeric;
    char                sha256[PM_SHA256_HEX_LEN + 1];
    pm_csv_t           *csv;
    char               *text;       /* libsvm data: storage of names */
} table_t;


/* one cross-validation fold, encoded once, shared by every grid point */

typedef struct {
    struct svm_problem  train;
    struct svm_node   **val;
    double             *val_y;      /* class index, or the raw target */
    size_t              nval;
    pm_target_t         target;     /* regression: the fold's scaling */
    struct svm_node    *space;
} fold_t;


typedef struct {
    double              log2c;
    double              log2g;
    double              score;
} point_t;


typedef struct {
    const options_t    *o;
    fold_t             *folds;
    point_t            *points;
    int                 npoints;
    int                 next;
    int                 done;
    int                 failed;
    char                error[256];
    pthread_mutex_t     lock;
    double              best;
    int                 have_best;
} grid_t;


static void usage(const char *msg);
static void die(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;
static int in_list(const char *const *list, const char *name);
static void split_list(char *arg, const char **list);
static void parse_range(const char *arg, double *r);
static void parse_args(int argc, char **argv, options_t *o);
static int is_number(const char *s, double *v);
static void load_csv(const options_t *o, const char *buf, size_t len,
    table_t *t);
static void load_libsvm(const options_t *o, const char *buf, size_t len,
    table_t *t);
static void set_classes(table_t *t, const char **labels);
static pm_features_t *fit_spec(const options_t *o, const table_t *t,
    const size_t *rows, size_t n, int for_cv);
static struct svm_node *encode_rows(const pm_features_t *s,
    const table_t *t, const size_t *rows, size_t n, struct svm_node **x,
    struct svm_node *space);
static void make_fold(const options_t *o, const table_t *t,
    const size_t *train, size_t ntrain, const int *fold, int f, fold_t *fd);
static void training_policies(pm_features_t *s, int *saved, int on);
static void set_param(const options_t *o, struct svm_parameter *p,
    double log2c, double log2g, int nfeatures);
static void *grid_worker(void *data);
static void fold_score(const options_t *o, fold_t *fd,
    const struct svm_parameter *param, double *sum_err, size_t *count);
static unsigned long rng_next(unsigned long *s);
static void quiet(const char *s);


static const char  *prog = "predict-train";


static void
usage(const char *msg)
{
    if (msg != NULL) {
        fprintf(stderr, "%s: %s\n", prog, msg);
    }

    fprintf(stderr,
"usage: predict-train --data FILE --target COLUMN\n"
"           --task classify|regress|one-class --out DIR [options]\n"
"\n"
"  --format csv|libsvm     input format (default: by content)\n"
"  --exclude A,B           columns left out (\\, is a comma in a name)\n"
"  --categorical A,B       columns one-hot encoded (default: inferred)\n"
"  --numeric A,B           columns that must be numbers\n"
"  --log1p A,B             log1p before scaling\n"
"  --scale minmax|standard|maxabs|none   (default minmax to [-1, 1])\n"
"  --missing reject|fill   empty cells at serving time (default: fill\n"
"                          where training had empty cells, else reject)\n"
"  --unknown error|zero    unknown categories at serving (default error)\n"
"  --out-of-range extrapolate|clip|reject   recorded per feature\n"
"                          (default: left to predict_out_of_range)\n"
"  --kernel rbf|linear     (default rbf)\n"
"  --folds K               cross-validation folds (default 5)\n"
"  --log2c BEGIN,END,STEP  (default -5,15,2)\n"
"  --log2g BEGIN,END,STEP  (default 3,-15,-2)\n"
"  --c C --gamma G         fixed parameters instead of the grid\n"
"  --nu NU                 one-class nu (default 0.5)\n"
"  --epsilon E             SVR epsilon on the scaled target (default 0.1)\n"
"  --test-split FRACTION   hold out rows and report their score\n"
"  --seed N                row shuffling (default 1)\n"
"  --jobs N                threads (default: all cores)\n"
"  --no-probability        no probability estimates\n"
"  --quiet                 no progress on stderr\n");

    exit(2);
}


static void
die(const char *fmt, ...)
{
    va_list  args;

    fprintf(stderr, "%s: ", prog);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\n");

    exit(1);
}


static void
quiet(const char *s)
{
    (void) s;
}


static unsigned long
rng_next(unsigned long *s)
{
    /* xorshift64*: the shuffles are reproducible from --seed */

    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;

    return (*s * 2685821657736338717UL) >> 11;
}


static int
in_list(const char *const *list, const char *name)
{
    int  i;

    for (i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], name) == 0) {
            return 1;
        }
    }

    return 0;
}


/* a comma-separated list of names; "\\," is a comma inside a name */

static void
split_list(char *arg, const char **list)
{
    int    n;
    char  *p, *q, *start;

    for (n = 0; list[n] != NULL; n++) {
        /* void: append */
    }

    start = arg;

    for (p = arg, q = arg; ; p++) {
        if (*p == '\\' && p[1] == ',') {
            *q++ = ',';
            p++;
            continue;
        }

        if (*p == ',' || *p == '\0') {
            int  end = (*p == '\0');

            *q = '\0';

            if (*start != '\0') {
                if (n == MAX_LIST - 1) {
                    usage("too many names in a list");
                }

                list[n++] = start;
            }

            if (end) {
                break;
            }

            start = q + 1;
            q = start;
            continue;
        }

        *q++ = *p;
    }

    list[n] = NULL;
}


static void
parse_range(const char *arg, double *r)
{
    if (sscanf(arg, "%lf,%lf,%lf", &r[0], &r[1], &r[2]) != 3 || r[2] == 0
        || (r[1] - r[0]) / r[2] < 0 || (r[1] - r[0]) / r[2] > 1000)
    {
        usage("a range is BEGIN,END,STEP, with STEP towards END");
    }
}


static void
parse_args(int argc, char **argv, options_t *o)
{
    int    i;
    char  *a, *v;
    long   n;

    memset(o, 0, sizeof(options_t));
    o->task = -1;
    o->kernel = RBF;
    o->folds = 5;
    o->seed = 1;
    o->c_range[0] = -5;
    o->c_range[1] = 15;
    o->c_range[2] = 2;
    o->g_range[0] = 3;
    o->g_range[1] = -15;
    o->g_range[2] = -2;
    o->nu = 0.5;
    o->epsilon = 0.1;
    o->transform = PM_XF_MINMAX;
    o->probability = 1;
    o->missing_fill = -1;
    o->unknown = PM_UNKNOWN_ERROR;
    o->oor = PM_OOR_DEFAULT;
    o->jobs = (int) sysconf(_SC_NPROCESSORS_ONLN);

    for (i = 1; i < argc; i++) {
        a = argv[i];

        if (strcmp(a, "--quiet") == 0) {
            o->quiet = 1;
            continue;
        }

        if (strcmp(a, "--no-probability") == 0) {
            o->probability = 0;
            continue;
        }

        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(NULL);
        }

        if (i + 1 >= argc || strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "%s: unknown or incomplete option \"%s\"\n",
                    prog, a);
            usage(NULL);
        }

        v = argv[++i];

        if (strcmp(a, "--data") == 0) {
            o->data = v;
        } else if (strcmp(a, "--target") == 0) {
            o->target = v;
        } else if (strcmp(a, "--out") == 0) {
            o->out = v;
        } else if (strcmp(a, "--format") == 0) {
            if (strcmp(v, "csv") != 0 && strcmp(v, "libsvm") != 0) {
                usage("--format is csv or libsvm");
            }
            o->format = v;
        } else if (strcmp(a, "--task") == 0) {
            o->task = strcmp(v, "classify") == 0 ? PM_TASK_CLASSIFY
                      : strcmp(v, "regress") == 0 ? PM_TASK_REGRESS
                      : strcmp(v, "one-class") == 0 ? PM_TASK_ONE_CLASS : -1;
            if (o->task < 0) {
                usage("--task is classify, regress or one-class");
            }
        } else if (strcmp(a, "--kernel") == 0) {
            o->kernel = strcmp(v, "rbf") == 0 ? RBF
                        : strcmp(v, "linear") == 0 ? LINEAR : -1;
            if (o->kernel < 0) {
                usage("--kernel is rbf or linear");
            }
        } else if (strcmp(a, "--scale") == 0) {
            o->transform = strcmp(v, "minmax") == 0 ? PM_XF_MINMAX
                           : strcmp(v, "standard") == 0 ? PM_XF_STANDARD
                           : strcmp(v, "maxabs") == 0 ? PM_XF_MAXABS
                           : strcmp(v, "none") == 0 ? PM_XF_NONE : -1;
            if (o->transform < 0) {
                usage("--scale is minmax, standard, maxabs or none");
            }
        } else if (strcmp(a, "--missing") == 0) {
            o->missing_fill = strcmp(v, "fill") == 0 ? 1
                              : strcmp(v, "reject") == 0 ? 0 : -2;
            if (o->missing_fill == -2) {
                usage("--missing is reject or fill");
            }
        } else if (strcmp(a, "--unknown") == 0) {
            o->unknown = strcmp(v, "zero") == 0 ? PM_UNKNOWN_ZERO
                         : strcmp(v, "error") == 0 ? PM_UNKNOWN_ERROR : -1;
            if (o->unknown < 0) {
                usage("--unknown is error or zero");
            }
        } else if (strcmp(a, "--out-of-range") == 0) {
            o->oor = strcmp(v, "extrapolate") == 0 ? PM_OOR_EXTRAPOLATE
                     : strcmp(v, "clip") == 0 ? PM_OOR_CLIP
                     : strcmp(v, "reject") == 0 ? PM_OOR_REJECT : -2;
            if (o->oor == -2) {
                usage("--out-of-range is extrapolate, clip or reject");
            }
        } else if (strcmp(a, "--exclude") == 0) {
            split_list(v, o->exclude);
        } else if (strcmp(a, "--categorical") == 0) {
            split_list(v, o->categorical);
        } else if (strcmp(a, "--numeric") == 0) {
            split_list(v, o->numeric);
        } else if (strcmp(a, "--log1p") == 0) {
            split_list(v, o->log1p);
        } else if (strcmp(a, "--log2c") == 0) {
            parse_range(v, o->c_range);
        } else if (strcmp(a, "--log2g") == 0) {
            parse_range(v, o->g_range);
        } else if (strcmp(a, "--c") == 0) {
            if (!is_number(v, &o->c) || !(o->c > 0)) {
                usage("--c is a positive number");
            }
            o->fixed_c = 1;
        } else if (strcmp(a, "--gamma") == 0) {
            if (!is_number(v, &o->gamma) || !(o->gamma > 0)) {
                usage("--gamma is a positive number");
            }
            o->fixed_g = 1;
        } else if (strcmp(a, "--nu") == 0) {
            if (!is_number(v, &o->nu) || !(o->nu > 0) || o->nu > 1) {
                usage("--nu is in (0, 1]");
            }
        } else if (strcmp(a, "--epsilon") == 0) {
            if (!is_number(v, &o->epsilon) || o->epsilon < 0) {
                usage("--epsilon is a number >= 0");
            }
        } else if (strcmp(a, "--test-split") == 0) {
            if (!is_number(v, &o->test_split) || o->test_split < 0
                || o->test_split >= 1)
            {
                usage("--test-split is in [0, 1)");
            }
        } else if (strcmp(a, "--folds") == 0) {
            n = strtol(v, NULL, 10);
            if (n < 2 || n > 100) {
                usage("--folds is 2 to 100");
            }
            o->folds = (int) n;
        } else if (strcmp(a, "--jobs") == 0) {
            n = strtol(v, NULL, 10);
            if (n < 1 || n > 256) {
                usage("--jobs is 1 to 256");
            }
            o->jobs = (int) n;
        } else if (strcmp(a, "--seed") == 0) {
            o->seed = strtoul(v, NULL, 10);
        } else {
            fprintf(stderr, "%s: unknown option \"%s\"\n", prog, a);
            usage(NULL);
        }
    }

    if (o->data == NULL || o->out == NULL || o->task < 0) {
        usage("--data, --task and --out are required");
    }

    if (o->jobs < 1) {
        o->jobs = 1;
    }

    if (o->seed == 0) {
        o->seed = 1;
    }
}


static int
is_number(const char *s, double *v)
{
    char  *end;

    errno = 0;
    *v = strtod(s, &end);

    return end != s && *end == '\0' && errno != ERANGE && isfinite(*v);
}


static int
cmp_numeric(const void *a, const void *b)
{
    double  x, y;

    x = strtod(*(const char *const *) a, NULL);
    y = strtod(*(const char *const *) b, NULL);

    return (x > y) - (x < y);
}


static int
cmp_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}


/* class values sorted (as numbers when all are), each row's class index */

static void
set_classes(table_t *t, const char **labels)
{
    int           k, numeric;
    size_t        i, j;
    double        v;
    const char  **sorted;

    numeric = 1;

    for (i = 0; i < t->nrows; i++) {
        if (!is_number(labels[i], &v)) {
            numeric = 0;
        }
    }

    sorted = malloc(sizeof(char *) * (t->nrows + 1));
    if (sorted == NULL) {
        die("out of memory");
    }

    memcpy(sorted, labels, sizeof(char *) * t->nrows);
    qsort(sorted, t->nrows, sizeof(char *), numeric ? cmp_numeric : cmp_text);

    t->classes = malloc(sizeof(char *) * (t->nrows + 1));
    if (t->classes == NULL) {
        die("out of memory");
    }

    t->nclasses = 0;

    for (i = 0; i < t->nrows; i++) {
        if (i > 0 && (numeric ? cmp_numeric(&sorted[i], &sorted[i - 1])
                              : strcmp(sorted[i], sorted[i - 1])) == 0)
        {
            continue;
        }

        t->classes[t->nclasses++] = (char *) sorted[i];
    }

    free(sorted);

    if (t->nclasses < 2) {
        die("the target has a single class \"%s\": nothing to classify",
            t->nclasses ? t->classes[0] : "");
    }

    if (t->nclasses > PM_MAX_CLASSES) {
        die("the target has %d classes, more than %d", t->nclasses,
            PM_MAX_CLASSES);
    }

    t->classes_numeric = numeric;

    for (i = 0; i < t->nrows; i++) {
        for (k = 0; k < t->nclasses; k++) {
            j = (size_t) k;
            if (numeric ? cmp_numeric(&labels[i], &t->classes[j]) == 0
                        : strcmp(labels[i], t->classes[j]) == 0)
            {
                t->y[i] = k;
                break;
            }
        }
    }
}


static void
load_csv(const options_t *o, const char *buf, size_t len, table_t *t)
{
    int            col, j, tcol, numeric, forced;
    size_t         r;
    double         v;
    pm_err_t       err;
    pm_csv_t      *c;
    const char    *cell, **labels;

    pm_err_init(&err);

    if (pm_csv_parse(buf, len, &c, &err) != PM_OK) {
        die("%s: %s", o->data, err.msg);
    }

    t->csv = c;

    if (c->nrows == 0) {
        die("%s: a header and no rows", o->data);
    }

    tcol = -1;

    if (o->target != NULL) {
        tcol = pm_csv_column(c, o->target);
        if (tcol < 0) {
            die("%s: no column \"%s\" in the header", o->data, o->target);
        }
    }

    for (j = 0; o->exclude[j] != NULL; j++) {
        if (pm_csv_column(c, o->exclude[j]) < 0) {
            die("%s: --exclude names no column \"%s\"", o->data,
                o->exclude[j]);
        }
    }

    for (j = 0; o->categorical[j] != NULL; j++) {
        if (pm_csv_column(c, o->categorical[j]) < 0
            || in_list(o->numeric, o->categorical[j]))
        {
            die("--categorical \"%s\": no such column, or also --numeric",
                o->categorical[j]);
        }
    }

    for (j = 0; o->numeric[j] != NULL; j++) {
        if (pm_csv_column(c, o->numeric[j]) < 0) {
            die("--numeric \"%s\": no such column", o->numeric[j]);
        }
    }

    t->nrows = c->nrows;
    t->stride = (size_t) c->ncols;
    t->lines = c->lines;
    t->names = malloc(sizeof(char *) * (size_t) c->ncols);
    t->types = malloc(sizeof(int) * (size_t) c->ncols);
    t->raw = malloc(sizeof(pm_raw_t) * c->nrows * (size_t) c->ncols);
    t->y = malloc(sizeof(double) * c->nrows);

    if (t->names == NULL || t->types == NULL || t->raw == NULL
        || t->y == NULL)
    {
        die("out of memory");
    }

    t->ncols = 0;

    for (col = 0; col < c->ncols; col++) {
        if (col == tcol || in_list(o->exclude, c->header[col])) {
            continue;
        }

        /* numeric if every non-empty cell is a number, or if told so */

        forced = in_list(o->numeric, c->header[col]);
        numeric = !in_list(o->categorical, c->header[col]);

        for (r = 0; numeric && r < c->nrows; r++) {
            cell = pm_csv_cell(c, r, col);

            if (cell[0] != '\0' && !is_number(cell, &v)) {
                if (forced) {
                    die("%s: line %ld: column \"%s\": \"%.64s\" is not a "
                        "number", o->data, c->lines[r], c->header[col],
                        cell);
                }

                numeric = 0;
            }
        }

        j = t->ncols++;
        t->names[j] = c->header[col];
        t->types[j] = numeric ? PM_FEAT_NUMERIC : PM_FEAT_CATEGORICAL;

        if (!numeric && in_list(o->log1p, c->header[col])) {
            die("--log1p \"%s\": the column is not numeric",
                c->header[col]);
        }

        for (r = 0; r < c->nrows; r++) {
            pm_raw_t  *x = &t->raw[r * (size_t) c->ncols + (size_t) j];

            cell = pm_csv_cell(c, r, col);

            if (cell[0] == '\0') {
                x->kind = PM_RAW_MISSING;
            } else if (numeric) {
                x->kind = PM_RAW_NUMBER;
                (void) is_number(cell, &x->num);
            } else {
                x->kind = PM_RAW_STRING;
                x->str = cell;
            }
        }
    }

    if (t->ncols == 0) {
        die("%s: no feature columns left", o->data);
    }

    if (tcol < 0) {
        return;
    }

    labels = malloc(sizeof(char *) * c->nrows);
    if (labels == NULL) {
        die("out of memory");
    }

    for (r = 0; r < c->nrows; r++) {
        cell = pm_csv_cell(c, r, tcol);

        if (cell[0] == '\0') {
            die("%s: line %ld: the target \"%s\" is empty", o->data,
                c->lines[r], o->target);
        }

        if (o->task == PM_TASK_REGRESS && !is_number(cell, &t->y[r])) {
            die("%s: line %ld: the target \"%s\" is \"%.64s\", not a number",
                o->data, c->lines[r], o->target, cell);
        }

        labels[r] = cell;
    }

    if (o->task == PM_TASK_CLASSIFY) {
        set_classes(t, labels);
    }

    free(labels);
}


/* libsvm data: "label index:value ...", absent features are 0 */

static void
load_libsvm(const options_t *o, const char *buf, size_t len, table_t *t)
{
    int            maxidx, idx, prev;
    long           line;
    char          *copy, *p, *save, *tok, *colon, *end, **lines, *name;
    size_t         r, nlines, cap, k;
    double         v;
    const char   **labels;

    copy = malloc(len + 1);
    if (copy == NULL) {
        die("out of memory");
    }

    memcpy(copy, buf, len);
    copy[len] = '\0';

    lines = NULL;
    cap = 0;
    nlines = 0;
    maxidx = 0;
    line = 0;

    for (p = strtok_r(copy, "\n", &save); p != NULL;
         p = strtok_r(NULL, "\n", &save))
    {
        if (nlines == cap) {
            cap = cap ? cap * 2 : 256;
            lines = realloc(lines, sizeof(char *) * cap);
            if (lines == NULL) {
                die("out of memory");
            }
        }

        lines[nlines++] = p;
    }

    if (nlines == 0) {
        die("%s: empty file", o->data);
    }

    /* pass 1: the highest index, and checks */

    for (r = 0; r < nlines; r++) {
        line++;
        p = lines[r];
        prev = 0;

        tok = strpbrk(p, " \t");
        p = (tok != NULL) ? tok : p + strlen(p);

        while (*p != '\0') {
            p += strspn(p, " \t\r");
            if (*p == '\0') {
                break;
            }

            idx = (int) strtol(p, &colon, 10);
            if (colon == p || *colon != ':' || idx <= prev
                || idx > PM_MAX_INDEX)
            {
                die("%s: line %ld: expected ascending index:value pairs",
                    o->data, line);
            }

            v = strtod(colon + 1, &end);
            if (end == colon + 1 || !isfinite(v)) {
                die("%s: line %ld: feature %d has no numeric value", o->data,
                    line, idx);
            }

            prev = idx;
            maxidx = (idx > maxidx) ? idx : maxidx;
            p = end;
        }
    }

    t->nrows = nlines;
    t->ncols = maxidx;
    t->stride = (size_t) maxidx;
    t->names = malloc(sizeof(char *) * (size_t) (maxidx + 1));
    t->types = malloc(sizeof(int) * (size_t) (maxidx + 1));
    t->raw = calloc(nlines * (size_t) maxidx + 1, sizeof(pm_raw_t));
    t->y = malloc(sizeof(double) * nlines);
    t->lines = malloc(sizeof(long) * nlines);
    t->text = malloc((size_t) (maxidx + 1) * 12);
    labels = malloc(sizeof(char *) * nlines);

    if (t->names == NULL || t->types == NULL || t->raw == NULL
        || t->y == NULL || t->lines == NULL || t->text == NULL
        || labels == NULL)
    {
        die("out of memory");
    }

    for (k = 0; k < (size_t) maxidx; k++) {
        name = t->text + k * 12;
        (void) snprintf(name, 12, "%zu", k + 1);
        t->names[k] = name;
        t->types[k] = PM_FEAT_NUMERIC;
    }

    for (r = 0; r < nlines; r++) {
        t->lines[r] = (long) r + 1;
        p = lines[r];
        labels[r] = p;
        tok = p + strcspn(p, " \t\r");
        end = tok;

        for (k = 0; k < (size_t) maxidx; k++) {
            t->raw[r * (size_t) maxidx + k].kind = PM_RAW_NUMBER;
            t->raw[r * (size_t) maxidx + k].num = 0;
        }

        p = tok;

        while (*p != '\0') {
            p += strspn(p, " \t\r");
            if (*p == '\0') {
                break;
            }

            idx = (int) strtol(p, &colon, 10);
            t->raw[r * (size_t) maxidx + (size_t) idx - 1].num
                = strtod(colon + 1, &p);
        }

        *end = '\0';

        if (o->task == PM_TASK_REGRESS && !is_number(labels[r], &t->y[r])) {
            die("%s: line %ld: the label \"%.64s\" is not a number", o->data,
                t->lines[r], labels[r]);
        }
    }

    if (o->task == PM_TASK_CLASSIFY) {
        set_classes(t, labels);
    }

    free(labels);
    free(lines);
}


/*
 * Fits the spec on the given rows.  For cross-validation every feature
 * gets a fill and unknown categories count as zero, so no held-out row is
 * refused; the final spec carries the policies the user asked for.
 */

static pm_features_t *
fit_spec(const options_t *o, const table_t *t, const size_t *rows,
    size_t n, int for_cv)
{
    int             j, next, had_missing;
    size_t          i, m;
    double         *num;
    pm_err_t        err;
    const char    **str;
    pm_feature_t   *f;
    pm_features_t  *s;
    const pm_raw_t *x;

    s = calloc(1, sizeof(pm_features_t));
    num = malloc(sizeof(double) * (n + 1));
    str = malloc(sizeof(char *) * (n + 1));

    if (s == NULL || num == NULL || str == NULL) {
        die("out of memory");
    }

    s->n = t->ncols;
    s->f = calloc((size_t) s->n, sizeof(pm_feature_t));
    if (s->f == NULL) {
        die("out of memory");
    }

    next = 1;
    pm_err_init(&err);

    for (j = 0; j < t->ncols; j++) {
        f = &s->f[j];
        f->name = strdup(t->names[j]);
        if (f->name == NULL) {
            die("out of memory");
        }

        m = 0;
        had_missing = 0;

        for (i = 0; i < n; i++) {
            x = &t->raw[rows[i] * t->stride + (size_t) j];

            if (x->kind == PM_RAW_MISSING) {
                had_missing = 1;
            } else if (t->types[j] == PM_FEAT_NUMERIC) {
                num[m++] = x->num;
            } else {
                str[m++] = x->str;
            }
        }

        if (m == 0) {
            die("column \"%s\" is empty in the training rows: exclude it "
                "(--exclude %s)", f->name, f->name);
        }

        if (t->types[j] == PM_FEAT_NUMERIC) {
            if (pm_feature_fit_numeric(f, num, m, o->transform,
                                       in_list(o->log1p, f->name), &err)
                != PM_OK)
            {
                die("%s", err.msg);
            }

            if (o->transform == PM_XF_MINMAX) {
                f->lower = -1;
                f->upper = 1;
            }

            f->oor = o->oor;

        } else {
            if (pm_feature_fit_categorical(f, str, m, &err) != PM_OK) {
                die("%s", err.msg);
            }

            f->unknown = for_cv ? PM_UNKNOWN_ZERO : o->unknown;
            f->oor = PM_OOR_DEFAULT;
        }

        f->missing = (for_cv || o->missing_fill == 1
                      || (o->missing_fill == -1 && had_missing))
                     ? PM_MISSING_FILL : PM_MISSING_REJECT;
        f->index = next;
        next += (f->width > 0) ? f->width : 1;
    }

    free(num);
    free(str);

    if (pm_features_index(s, &err) != PM_OK) {
        die("%s", err.msg);
    }

    return s;
}


/* returns the first node after the rows written */

static struct svm_node *
encode_rows(const pm_features_t *s, const table_t *t, const size_t *rows,
    size_t n, struct svm_node **x, struct svm_node *space)
{
    int        nodes, noor, *oor;
    size_t     i;
    pm_err_t   err;

    oor = malloc(sizeof(int) * ((size_t) s->n + 1));
    if (oor == NULL) {
        die("out of memory");
    }

    for (i = 0; i < n; i++) {
        pm_err_init(&err);
        x[i] = space;

        nodes = pm_features_encode(s, PM_OOR_EXTRAPOLATE,
                                   &t->raw[rows[i] * t->stride],
                                   space, oor, &noor, &err);
        if (nodes < 0) {
            die("line %ld: %s", t->lines[rows[i]], err.msg);
        }

        space += nodes + 1;
    }

    free(oor);

    return space;
}


static void
make_fold(const options_t *o, const table_t *t, const size_t *train,
    size_t ntrain, const int *fold, int f, fold_t *fd)
{
    size_t           i, nt, nv, *trows, *vrows;
    double          *ty;
    pm_features_t   *s;

    trows = malloc(sizeof(size_t) * (ntrain + 1));
    vrows = malloc(sizeof(size_t) * (ntrain + 1));
    if (trows == NULL || vrows == NULL) {
        die("out of memory");
    }

    nt = 0;
    nv = 0;

    for (i = 0; i < ntrain; i++) {
        if (fold[i] == f) {
            vrows[nv++] = train[i];
        } else {
            trows[nt++] = train[i];
        }
    }

    s = fit_spec(o, t, trows, nt, 1);

    fd->space = malloc(sizeof(struct svm_node)
                       * ntrain * ((size_t) s->max_index + 1));
    fd->train.x = malloc(sizeof(struct svm_node *) * (nt + 1));
    fd->train.y = malloc(sizeof(double) * (nt + 1));
    fd->val = malloc(sizeof(struct svm_node *) * (nv + 1));
    fd->val_y = malloc(sizeof(double) * (nv + 1));
    ty = malloc(sizeof(double) * (nt + 1));

    if (fd->space == NULL || fd->train.x == NULL || fd->train.y == NULL
        || fd->val == NULL || fd->val_y == NULL || ty == NULL)
    {
        die("out of memory");
    }

    (void) encode_rows(s, t, vrows, nv, fd->val,
                       encode_rows(s, t, trows, nt, fd->train.x, fd->space));

    for (i = 0; i < nt; i++) {
        ty[i] = t->y[trows[i]];
    }

    memset(&fd->target, 0, sizeof(pm_target_t));

    if (o->task == PM_TASK_REGRESS) {
        pm_target_fit_standard(&fd->target, ty, nt);

        for (i = 0; i < nt; i++) {
            ty[i] = pm_target_forward(&fd->target, ty[i]);
        }
    }

    memcpy(fd->train.y, ty, sizeof(double) * nt);
    fd->train.l = (int) nt;
    fd->nval = nv;

    for (i = 0; i < nv; i++) {
        fd->val_y[i] = t->y[vrows[i]];
    }

    free(ty);
    free(trows);
    free(vrows);
    pm_features_free(s);
}


/*
 * Rows encoded for training and scoring never fail: an empty cell takes
 * the fitted fill, an unseen category encodes as all zero.  The spec keeps
 * the user's policies for serving; saved holds them in between.
 */

static void
training_policies(pm_features_t *s, int *saved, int on)
{
    int  i;

    for (i = 0; i < s->n; i++) {
        if (on) {
            saved[2 * i] = s->f[i].missing;
            saved[2 * i + 1] = s->f[i].unknown;
            s->f[i].missing = PM_MISSING_FILL;
            s->f[i].unknown = PM_UNKNOWN_ZERO;

        } else {
            s->f[i].missing = saved[2 * i];
            s->f[i].unknown = saved[2 * i + 1];
        }
    }
}


static void
set_param(const options_t *o, struct svm_parameter *p, double log2c,
    double log2g, int nfeatures)
{
    memset(p, 0, sizeof(struct svm_parameter));

    p->svm_type = (o->task == PM_TASK_CLASSIFY) ? C_SVC
                  : (o->task == PM_TASK_REGRESS) ? EPSILON_SVR : ONE_CLASS;
    p->kernel_type = o->kernel;
    p->degree = 3;
    p->gamma = o->fixed_g ? o->gamma
               : (o->task == PM_TASK_ONE_CLASS || o->kernel == LINEAR)
                 ? 1.0 / (nfeatures > 0 ? nfeatures : 1) : pow(2, log2g);
    p->C = o->fixed_c ? o->c : pow(2, log2c);
    p->cache_size = 100;
    p->eps = 1e-3;
    p->nu = o->nu;
    p->p = o->epsilon;
    p->shrinking = 1;
    p->probability = 0;
}


/* accuracy in percent, or the mean squared error in target units */

static void
fold_score(const options_t *o, fold_t *fd, const struct svm_parameter *param,
    double *sum_err, size_t *count)
{
    size_t             i;
    double             v, d;
    const char        *msg;
    struct svm_model  *m;

    msg = svm_check_parameter(&fd->train, param);
    if (msg != NULL) {
        die("libsvm refuses the parameters: %s", msg);
    }

    m = svm_train(&fd->train, param);

    for (i = 0; i < fd->nval; i++) {
        v = svm_predict(m, fd->val[i]);

        if (o->task == PM_TASK_REGRESS) {
            d = pm_target_inverse(&fd->target, v) - fd->val_y[i];
            *sum_err += d * d;
        } else {
            *sum_err += (v == fd->val_y[i]) ? 1 : 0;
        }
    }

    *count += fd->nval;
    svm_free_and_destroy_model(&m);
}


static void *
grid_worker(void *data)
{
    grid_t                *g = data;
    int                    i, f;
    size_t                 count;
    double                 sum;
    point_t               *pt;
    struct svm_parameter   param;

    for ( ;; ) {
        pthread_mutex_lock(&g->lock);
        i = g->next++;
        pthread_mutex_unlock(&g->lock);

        if (i >= g->npoints) {
            return NULL;
        }

        pt = &g->points[i];
        sum = 0;
        count = 0;

        for (f = 0; f < g->o->folds; f++) {
            if (g->folds[f].nval == 0) {
                continue;
            }

            set_param(g->o, &param, pt->log2c, pt->log2g, 1);
            fold_score(g->o, &g->folds[f], &param, &sum, &count);
        }

        pt->score = (g->o->task == PM_TASK_REGRESS)
                    ? sum / (double) (count ? count : 1)
                    : 100.0 * sum / (double) (count ? count : 1);

        pthread_mutex_lock(&g->lock);
        g->done++;

        if (!g->have_best
            || (g->o->task == PM_TASK_REGRESS ? pt->score < g->best
                                              : pt->score > g->best))
        {
            g->best = pt->score;
            g->have_best = 1;
        }

        if (!g->o->quiet && isatty(2)) {
            fprintf(stderr, "\r%s: grid %d/%d, best %s %.6g   ", prog,
                    g->done, g->npoints,
                    g->o->task == PM_TASK_REGRESS ? "MSE" : "accuracy",
                    g->best);
        }

        pthread_mutex_unlock(&g->lock);
    }
}


static void
write_file(const char *dir, const char *name, const char *text)
{
    FILE  *fp;
    char   path[4096], tmp[4096];

    (void) snprintf(path, sizeof(path), "%s/%s", dir, name);
    (void) snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);

    fp = fopen(tmp, "w");
    if (fp == NULL || fputs(text, fp) == EOF || fputc('\n', fp) == EOF
        || fclose(fp) != 0 || rename(tmp, path) != 0)
    {
        die("cannot write %s: %s", path, strerror(errno));
    }
}


int
main(int argc, char **argv)
{
    int                    f, i, ci, gi, nc, ng, best, nthreads, *fold;
    int                   *saved;
    char                  *buf, *text, path[4096], tmp[4096];
    size_t                 len, r, n, ntrain, ntest, *perm, *train, *test;
    size_t                 count, k;
    double                 sum, v, d, test_score, *ty;
    unsigned long          seed;
    options_t              o;
    table_t                t;
    grid_t                 g;
    fold_t                *folds;
    pm_err_t               err;
    pthread_t             *threads;
    struct stat            st;
    json_t                *report, *grid_json, *fold_json, *tmpj, *spec_json;
    pm_features_t         *spec;
    struct svm_model      *model;
    struct svm_problem     prob;
    struct svm_node      **tx, *space;
    struct svm_parameter   param;
    const char            *msg;
    time_t                 now;
    char                   when[32];

    parse_args(argc, argv, &o);
    svm_set_print_string_function(quiet);
    memset(&t, 0, sizeof(table_t));
    pm_err_init(&err);

    if (pm_read_file(o.data, PM_CSV_MAX_SIZE, &buf, &len, &err) != PM_OK) {
        die("%s: %s", o.data, err.msg);
    }

    pm_sha256_hex(buf, len, t.sha256);

    if (o.format == NULL) {
        /* libsvm data starts "label index:value" */
        text = buf + strcspn(buf, " \t\n,");
        o.format = (*text == ' ' || *text == '\t')
                   && strchr(text, ':') != NULL
                   && strchr(text, ':') < buf + strcspn(buf, "\n")
                   ? "libsvm" : "csv";
    }

    if (strcmp(o.format, "libsvm") == 0) {
        load_libsvm(&o, buf, len, &t);
    } else {
        if (o.target == NULL && o.task != PM_TASK_ONE_CLASS) {
            usage("--target names the CSV column to predict");
        }

        load_csv(&o, buf, len, &t);
    }

    if (t.nrows < (size_t) o.folds + 1) {
        die("%zu rows: too few for %d-fold cross-validation", t.nrows,
            o.folds);
    }

    /* a reproducible shuffle; the test split is its tail */

    seed = o.seed;
    perm = malloc(sizeof(size_t) * t.nrows);
    train = malloc(sizeof(size_t) * t.nrows);
    test = malloc(sizeof(size_t) * t.nrows);
    fold = malloc(sizeof(int) * t.nrows);

    if (perm == NULL || train == NULL || test == NULL || fold == NULL) {
        die("out of memory");
    }

    for (r = 0; r < t.nrows; r++) {
        perm[r] = r;
    }

    for (r = t.nrows - 1; r > 0; r--) {
        k = rng_next(&seed) % (r + 1);
        n = perm[r];
        perm[r] = perm[k];
        perm[k] = n;
    }

    ntest = (size_t) floor(o.test_split * (double) t.nrows + 0.5);
    ntrain = t.nrows - ntest;

    if (ntrain < (size_t) o.folds + 1) {
        die("--test-split leaves %zu training rows", ntrain);
    }

    for (r = 0; r < ntest; r++) {
        test[r] = perm[ntrain + r];
    }

    /* training rows in file order; folds stratified by class */

    n = 0;
    for (r = 0; r < t.nrows; r++) {
        for (k = 0; k < ntest && test[k] != r; k++) {
            /* void */
        }
        if (k == ntest) {
            train[n++] = r;
        }
    }

    {
        size_t  *order = malloc(sizeof(size_t) * ntrain);
        int      c, next = 0;

        if (order == NULL) {
            die("out of memory");
        }

        for (r = 0; r < ntrain; r++) {
            order[r] = r;
        }

        for (r = ntrain - 1; r > 0; r--) {
            k = rng_next(&seed) % (r + 1);
            n = order[r];
            order[r] = order[k];
            order[k] = n;
        }

        for (c = 0; c < (o.task == PM_TASK_CLASSIFY ? t.nclasses : 1); c++) {
            for (r = 0; r < ntrain; r++) {
                if (o.task == PM_TASK_CLASSIFY
                    && t.y[train[order[r]]] != c)
                {
                    continue;
                }

                fold[order[r]] = next++ % o.folds;
            }
        }

        free(order);
    }

    /* the grid: grid.py's order, C outer, gamma inner */

    nc = o.fixed_c ? 1
         : (int) floor((o.c_range[1] - o.c_range[0]) / o.c_range[2] + 1e-9)
           + 1;
    ng = (o.fixed_g || o.kernel == LINEAR) ? 1
         : (int) floor((o.g_range[1] - o.g_range[0]) / o.g_range[2] + 1e-9)
           + 1;

    memset(&g, 0, sizeof(grid_t));
    g.o = &o;
    g.npoints = (o.task == PM_TASK_ONE_CLASS) ? 0 : nc * ng;
    g.points = calloc((size_t) nc * (size_t) ng + 1, sizeof(point_t));
    folds = calloc((size_t) o.folds, sizeof(fold_t));

    if (g.points == NULL || folds == NULL) {
        die("out of memory");
    }

    for (ci = 0; ci < nc; ci++) {
        for (gi = 0; gi < ng; gi++) {
            g.points[ci * ng + gi].log2c = o.fixed_c ? log2(o.c)
                                           : o.c_range[0] + ci * o.c_range[2];
            g.points[ci * ng + gi].log2g = o.fixed_g ? log2(o.gamma)
                                           : o.g_range[0] + gi * o.g_range[2];
        }
    }

    if (g.npoints > 0) {
        for (f = 0; f < o.folds; f++) {
            make_fold(&o, &t, train, ntrain, fold, f, &folds[f]);
        }

        g.folds = folds;
        pthread_mutex_init(&g.lock, NULL);

        nthreads = (o.jobs < g.npoints) ? o.jobs : g.npoints;
        threads = malloc(sizeof(pthread_t) * (size_t) nthreads);
        if (threads == NULL) {
            die("out of memory");
        }

        for (i = 0; i < nthreads; i++) {
            if (pthread_create(&threads[i], NULL, grid_worker, &g) != 0) {
                die("cannot start a thread");
            }
        }

        for (i = 0; i < nthreads; i++) {
            pthread_join(threads[i], NULL);
        }

        if (!o.quiet && isatty(2)) {
            fprintf(stderr, "\n");
        }

        free(threads);
    }

    best = 0;

    for (i = 1; i < g.npoints; i++) {
        if (o.task == PM_TASK_REGRESS ? g.points[i].score < g.points[best].score
                                      : g.points[i].score
                                        > g.points[best].score)
        {
            best = i;
        }
    }

    /* the final spec and model, on all training rows */

    spec = fit_spec(&o, &t, train, ntrain, 0);

    space = malloc(sizeof(struct svm_node) * t.nrows
                   * ((size_t) spec->max_index + 1));
    tx = malloc(sizeof(struct svm_node *) * (t.nrows + 1));
    ty = malloc(sizeof(double) * (t.nrows + 1));

    if (space == NULL || tx == NULL || ty == NULL) {
        die("out of memory");
    }

    saved = malloc(sizeof(int) * 2 * ((size_t) spec->n + 1));
    if (saved == NULL) {
        die("out of memory");
    }

    training_policies(spec, saved, 1);
    (void) encode_rows(spec, &t, train, ntrain, tx, space);

    spec->target.name = (o.target != NULL) ? strdup(o.target) : NULL;
    spec->target.task = o.task;

    if (o.task == PM_TASK_CLASSIFY) {
        spec->target.label_rule = PM_LABEL_VOTE;
        spec->target.nclasses = t.nclasses;
        spec->target.class_json = calloc((size_t) t.nclasses, sizeof(char *));
        spec->target.class_key = calloc((size_t) t.nclasses, sizeof(char *));

        if (spec->target.class_json == NULL
            || spec->target.class_key == NULL)
        {
            die("out of memory");
        }

        for (i = 0; i < t.nclasses; i++) {
            tmpj = t.classes_numeric
                   ? json_real(strtod(t.classes[i], NULL))
                   : json_string(t.classes[i]);
            if (t.classes_numeric
                && strtod(t.classes[i], NULL)
                   == floor(strtod(t.classes[i], NULL))
                && fabs(strtod(t.classes[i], NULL)) < 1e15)
            {
                json_decref(tmpj);
                tmpj = json_integer((json_int_t) strtod(t.classes[i], NULL));
            }
            spec->target.class_json[i] = json_dumps(tmpj, JSON_ENCODE_ANY);
            spec->target.class_key[i] = strdup(t.classes[i]);
            json_decref(tmpj);
        }
    }

    for (r = 0; r < ntrain; r++) {
        ty[r] = t.y[train[r]];
    }

    if (o.task == PM_TASK_REGRESS) {
        pm_target_fit_standard(&spec->target, ty, ntrain);

        for (r = 0; r < ntrain; r++) {
            ty[r] = pm_target_forward(&spec->target, ty[r]);
        }
    }

    prob.l = (int) ntrain;
    prob.x = tx;
    prob.y = ty;

    set_param(&o, &param, g.points[best].log2c, g.points[best].log2g,
              spec->max_index);

    param.probability = (o.task == PM_TASK_CLASSIFY) && o.probability;

    msg = svm_check_parameter(&prob, &param);
    if (msg != NULL) {
        die("libsvm refuses the parameters: %s", msg);
    }

    model = svm_train(&prob, &param);

    /* the test split, scored through the final spec and model */

    test_score = 0;

    if (ntest > 0) {
        struct svm_node  **vx, *vspace;

        vspace = malloc(sizeof(struct svm_node) * ntest
                        * ((size_t) spec->max_index + 1));
        vx = malloc(sizeof(struct svm_node *) * ntest);
        if (vspace == NULL || vx == NULL) {
            die("out of memory");
        }

        (void) encode_rows(spec, &t, test, ntest, vx, vspace);

        sum = 0;
        count = 0;

        for (r = 0; r < ntest; r++) {
            v = svm_predict(model, vx[r]);

            if (o.task == PM_TASK_REGRESS) {
                d = pm_target_inverse(&spec->target, v) - t.y[test[r]];
                sum += d * d;
            } else if (o.task == PM_TASK_CLASSIFY) {
                sum += (v == t.y[test[r]]) ? 1 : 0;
            } else {
                sum += (v > 0) ? 1 : 0;
            }

            count++;
        }

        test_score = (o.task == PM_TASK_REGRESS) ? sum / (double) count
                     : 100.0 * sum / (double) count;

        free(vspace);
        free(vx);
    }

    training_policies(spec, saved, 0);
    free(saved);

    /* the bundle */

    if (stat(o.out, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            die("%s exists and is not a directory", o.out);
        }
    } else if (mkdir(o.out, 0755) != 0) {
        die("cannot create %s: %s", o.out, strerror(errno));
    }

    (void) snprintf(path, sizeof(path), "%s/%s", o.out, PM_BUNDLE_MODEL);
    (void) snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", o.out, PM_BUNDLE_MODEL);

    if (svm_save_model(tmp, model) != 0 || rename(tmp, path) != 0) {
        die("cannot write %s: %s", path, strerror(errno));
    }

    spec_json = pm_features_json(spec);
    text = json_dumps(spec_json, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    if (text == NULL) {
        die("cannot encode the feature spec");
    }

    write_file(o.out, PM_BUNDLE_SPEC, text);
    free(text);
    json_decref(spec_json);

    grid_json = json_array();
    for (i = 0; i < g.npoints; i++) {
        tmpj = (o.kernel == LINEAR)
               ? json_pack("{s:f,s:f}", "log2c", g.points[i].log2c,
                           "score", g.points[i].score)
               : json_pack("{s:f,s:f,s:f}", "log2c", g.points[i].log2c,
                           "log2g", g.points[i].log2g,
                           "score", g.points[i].score);
        json_array_append_new(grid_json, tmpj);
    }

    fold_json = json_array();
    for (r = 0; r < ntrain; r++) {
        json_array_append_new(fold_json, json_integer(fold[r]));
    }

    now = time(NULL);
    (void) strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));

    report = json_pack("{s:s,s:s,s:s,s:i,s:s,s:{s:I,s:I,s:I},s:s,s:i,"
                       "s:o,s:o,s:s}",
                       "format", "predict-report",
                       "task", o.task == PM_TASK_CLASSIFY ? "classify"
                               : o.task == PM_TASK_REGRESS ? "regress"
                               : "one-class",
                       "kernel", o.kernel == RBF ? "rbf" : "linear",
                       "libsvm_version", libsvm_version,
                       "data_sha256", t.sha256,
                       "rows", "total", (json_int_t) t.nrows,
                       "train", (json_int_t) ntrain,
                       "test", (json_int_t) ntest,
                       "metric", o.task == PM_TASK_REGRESS ? "mse"
                                 : o.task == PM_TASK_CLASSIFY ? "accuracy"
                                 : "inlier_percent",
                       "cv_folds", o.folds,
                       "grid", grid_json,
                       "folds", fold_json,
                       "created_at", when);

    if (report == NULL) {
        die("cannot encode the report");
    }

    tmpj = json_pack("{s:f,s:f}", "C", param.C, "log2c",
                     g.points[best].log2c);
    if (o.kernel == RBF) {
        json_object_set_new(tmpj, "gamma", json_real(param.gamma));
        json_object_set_new(tmpj, "log2g", json_real(
                                o.task == PM_TASK_ONE_CLASS
                                ? log2(param.gamma) : g.points[best].log2g));
    }
    if (o.task == PM_TASK_ONE_CLASS) {
        json_object_set_new(tmpj, "nu", json_real(param.nu));
    }
    if (o.task == PM_TASK_REGRESS) {
        json_object_set_new(tmpj, "epsilon", json_real(param.p));
    }
    if (g.npoints > 0) {
        json_object_set_new(tmpj, "cv_score", json_real(g.points[best].score));
    }
    json_object_set_new(report, "chosen", tmpj);

    if (ntest > 0) {
        json_object_set_new(report, "test_score", json_real(test_score));
        tmpj = json_array();
        for (r = 0; r < ntest; r++) {
            json_array_append_new(tmpj, json_integer(t.lines[test[r]]));
        }
        json_object_set_new(report, "test_lines", tmpj);
    }

    json_object_set_new(report, "probability",
                        json_boolean(svm_check_probability_model(model)));

    text = json_dumps(report, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    if (text == NULL) {
        die("cannot encode the report");
    }

    write_file(o.out, PM_BUNDLE_REPORT, text);
    free(text);
    json_decref(report);

    if (!o.quiet) {
        if (g.npoints > 0) {
            fprintf(stderr, "%s: %d-fold cross-validated %s %.6g with C=2^%g"
                    "%s", prog, o.folds,
                    o.task == PM_TASK_REGRESS ? "MSE" : "accuracy",
                    g.points[best].score, g.points[best].log2c,
                    o.kernel == RBF ? "" : "\n");
            if (o.kernel == RBF) {
                fprintf(stderr, " gamma=2^%g\n", g.points[best].log2g);
            }
        }

        if (ntest > 0) {
            fprintf(stderr, "%s: held-out %s on %zu rows: %.6g\n", prog,
                    o.task == PM_TASK_REGRESS ? "MSE" : "accuracy", ntest,
                    test_score);
        }

        fprintf(stderr, "%s: wrote %s/{%s,%s,%s}\n", prog, o.out,
                PM_BUNDLE_MODEL, PM_BUNDLE_SPEC, PM_BUNDLE_REPORT);
    }

    svm_free_and_destroy_model(&model);
    pm_features_free(spec);

    return 0;
}
