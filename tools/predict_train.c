
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-train: CSV (or libsvm data) in, a bundle out.  Fits the feature
 * spec on the training rows only, chooses C and gamma by k-fold cross-
 * validation over a log2 grid (as libsvm's grid.py), on every core, then
 * trains the final model and writes DIR/model.libsvm, DIR/features.json
 * and DIR/report.json.  Rows are encoded by pm_encode_spec(), the code
 * the module serves with.
 */


#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <svm.h>

#include "pm_enum.h"
#include "pm_text.h"
#include "train.h"


/* an option naming one value of an enumeration */

typedef struct {
    const char         *option;
    const pm_enum_t    *names;
    size_t              offset;     /* of the int in train_opts_t */
    const char         *usage;
} train_enum_opt_t;


static void train_quiet(const char *s);
static void train_split_list(char *arg, const char **list);
static void train_parse_range(const char *arg, double *r);
static void train_defaults(train_opts_t *o);
static int train_option_enum(train_opts_t *o, const char *a, const char *v);
static int train_option_number(train_opts_t *o, const char *a,
    const char *v);
static int train_option_text(train_opts_t *o, const char *a, char *v);
static void train_parse_args(int argc, char **argv, train_opts_t *o);


static const pm_enum_t  train_format_names[] = {
    { "csv", TRAIN_FORMAT_CSV },
    { "libsvm", TRAIN_FORMAT_LIBSVM },
    { NULL, 0 }
};

static const train_enum_opt_t  train_enum_opts[] = {
    { "--format", train_format_names, offsetof(train_opts_t, format),
      "--format is csv or libsvm" },
    { "--task", pm_task_names, offsetof(train_opts_t, task),
      "--task is classify, regress or one-class" },
    { "--kernel", train_kernel_names, offsetof(train_opts_t, kernel),
      "--kernel is rbf or linear" },
    { "--scale", pm_transform_names, offsetof(train_opts_t, transform),
      "--scale is minmax, standard, maxabs or none" },
    { "--missing", pm_missing_names, offsetof(train_opts_t, missing),
      "--missing is reject or fill" },
    { "--unknown", pm_unknown_names, offsetof(train_opts_t, unknown),
      "--unknown is error or zero" },
    { "--out-of-range", pm_oor_names, offsetof(train_opts_t, oor),
      "--out-of-range is extrapolate, clip or reject" },
    { NULL, NULL, 0, NULL }
};


static void
train_quiet(const char *s)
{
    (void) s;
}


/* a comma-separated list of names; "\\," is a comma inside a name */

static void
train_split_list(char *arg, const char **list)
{
    int    n, end;
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
            end = (*p == '\0');

            *q = '\0';

            if (*start != '\0') {
                if (n == TRAIN_MAX_LIST - 1) {
                    train_usage("too many names in a list");
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
train_parse_range(const char *arg, double *r)
{
    if (sscanf(arg, "%lf,%lf,%lf", &r[0], &r[1], &r[2]) != 3 || r[2] == 0
        || (r[1] - r[0]) / r[2] < 0 || (r[1] - r[0]) / r[2] > 1000)
    {
        train_usage("a range is BEGIN,END,STEP, with STEP towards END");
    }
}


static void
train_defaults(train_opts_t *o)
{
    memset(o, 0, sizeof(train_opts_t));
    o->format = TRAIN_FORMAT_AUTO;
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
    o->missing = TRAIN_MISSING_AUTO;
    o->unknown = PM_UNKNOWN_ERROR;
    o->oor = PM_OOR_DEFAULT;
    o->jobs = (int) sysconf(_SC_NPROCESSORS_ONLN);
}


/* returns 1 if a is an option naming a value of an enumeration */

static int
train_option_enum(train_opts_t *o, const char *a, const char *v)
{
    int                      value;
    const train_enum_opt_t  *e;

    for (e = train_enum_opts; e->option != NULL; e++) {
        if (strcmp(a, e->option) != 0) {
            continue;
        }

        /* scikit-learn's "linear" transform is the exporter's only */

        if (pm_enum_value(e->names, v, strlen(v), &value) != 0
            || (e->names == pm_transform_names && value == PM_XF_LINEAR))
        {
            train_usage(e->usage);
        }

        *(int *) ((char *) o + e->offset) = value;

        return 1;
    }

    return 0;
}


static int
train_option_number(train_opts_t *o, const char *a, const char *v)
{
    long  n;

    if (strcmp(a, "--c") == 0) {
        if (pm_number(v, NULL, &o->c) != 0 || !(o->c > 0)) {
            train_usage("--c is a positive number");
        }
        o->fixed_c = 1;

    } else if (strcmp(a, "--gamma") == 0) {
        if (pm_number(v, NULL, &o->gamma) != 0 || !(o->gamma > 0)) {
            train_usage("--gamma is a positive number");
        }
        o->fixed_g = 1;

    } else if (strcmp(a, "--nu") == 0) {
        if (pm_number(v, NULL, &o->nu) != 0 || !(o->nu > 0) || o->nu > 1) {
            train_usage("--nu is in (0, 1]");
        }

    } else if (strcmp(a, "--epsilon") == 0) {
        if (pm_number(v, NULL, &o->epsilon) != 0 || o->epsilon < 0) {
            train_usage("--epsilon is a number >= 0");
        }

    } else if (strcmp(a, "--test-split") == 0) {
        if (pm_number(v, NULL, &o->test_split) != 0 || o->test_split < 0
            || o->test_split >= 1)
        {
            train_usage("--test-split is in [0, 1)");
        }

    } else if (strcmp(a, "--folds") == 0) {
        n = strtol(v, NULL, 10);
        if (n < 2 || n > 100) {
            train_usage("--folds is 2 to 100");
        }
        o->folds = (int) n;

    } else if (strcmp(a, "--jobs") == 0) {
        n = strtol(v, NULL, 10);
        if (n < 1 || n > 256) {
            train_usage("--jobs is 1 to 256");
        }
        o->jobs = (int) n;

    } else if (strcmp(a, "--seed") == 0) {
        o->seed = strtoul(v, NULL, 10);

    } else if (strcmp(a, "--log2c") == 0) {
        train_parse_range(v, o->c_range);

    } else if (strcmp(a, "--log2g") == 0) {
        train_parse_range(v, o->g_range);

    } else {
        return 0;
    }

    return 1;
}


static int
train_option_text(train_opts_t *o, const char *a, char *v)
{
    if (strcmp(a, "--data") == 0) {
        o->data = v;
    } else if (strcmp(a, "--target") == 0) {
        o->target = v;
    } else if (strcmp(a, "--out") == 0) {
        o->out = v;
    } else if (strcmp(a, "--exclude") == 0) {
        train_split_list(v, o->exclude);
    } else if (strcmp(a, "--categorical") == 0) {
        train_split_list(v, o->categorical);
    } else if (strcmp(a, "--numeric") == 0) {
        train_split_list(v, o->numeric);
    } else if (strcmp(a, "--log1p") == 0) {
        train_split_list(v, o->log1p);
    } else {
        return 0;
    }

    return 1;
}


static void
train_parse_args(int argc, char **argv, train_opts_t *o)
{
    int    i;
    char  *a, *v;

    train_defaults(o);

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
            train_help();
        }

        if (i + 1 >= argc || strncmp(a, "--", 2) != 0) {
            fprintf(stderr, "%s: unknown or incomplete option \"%s\"\n",
                    TRAIN_PROG, a);
            train_usage(NULL);
        }

        v = argv[++i];

        if (!train_option_text(o, a, v)
            && !train_option_enum(o, a, v)
            && !train_option_number(o, a, v))
        {
            fprintf(stderr, "%s: unknown option \"%s\"\n", TRAIN_PROG, a);
            train_usage(NULL);
        }
    }

    if (o->data == NULL || o->out == NULL || o->task < 0) {
        train_usage("--data, --task and --out are required");
    }

    if (o->jobs < 1) {
        o->jobs = 1;
    }

    if (o->seed == 0) {
        o->seed = 1;
    }
}


int
main(int argc, char **argv)
{
    train_opts_t    o;
    train_grid_t    g;
    train_table_t   t;
    train_split_t   sp;
    train_final_t   m;

    train_parse_args(argc, argv, &o);
    svm_set_print_string_function(train_quiet);

    /* a bad --out fails now, not after the grid search */

    train_prepare_out(&o);

    train_load(&o, &t);
    train_split(&o, &t, &sp);
    train_grid_search(&o, &t, &sp, &g);
    train_fit_final(&o, &t, &sp, &g, &m);
    train_score_test(&o, &t, &sp, &m);
    train_write_bundle(&o, &t, &sp, &g, &m);
    train_keep_out();
    train_summary(&o, &sp, &g, &m);

    train_final_free(&m);
    train_grid_free(&g);
    train_split_free(&sp);
    train_table_free(&t);

    return 0;
}
