
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-scale: "svm-scale -r RANGE FILE" through the module's own code
 * (the range file parser, pm_encode_range() and svm-scale's formula in
 * pm_xform), byte for byte the same output, plus the module's
 * out-of-range policies.  Tests diff it against svm-scale.
 *
 * usage: predict-scale -r RANGE [-p extrapolate|clip|reject] FILE
 *        predict-scale --help
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm.h"
#include "pm_data.h"
#include "pm_encode.h"
#include "pm_scale.h"
#include "pm_text.h"


static int scale_rows(const pm_scaler_t *s, int policy, const pm_data_t *d,
    const char *name);
static void usage(const char *msg);


static const char  usage_text[] =
"usage: predict-scale -r RANGE [-p extrapolate|clip|reject] FILE\n"
"       predict-scale --help\n"
"\n"
"Scales the libsvm data FILE by the svm-scale range file RANGE through\n"
"the module's own code, and prints what \"svm-scale -r RANGE FILE\"\n"
"prints, byte for byte.\n"
"\n"
"  -r RANGE    the range file (svm-scale -s writes one)\n"
"  -p POLICY   values outside the fitted range: extrapolate (default,\n"
"              as svm-scale), clip, or reject (stop at the first)\n"
"  --help      this text, on standard output\n"
"\n"
"Exit status: 0 when every row was scaled, 1 on an error (named with\n"
"its line), 2 on a usage error.\n";


/* msg NULL: --help, on stdout */

static void
usage(const char *msg)
{
    if (msg == NULL) {
        fputs(usage_text, stdout);
        exit(fflush(stdout) == 0 ? 0 : 1);
    }

    fprintf(stderr, "predict-scale: %s\n", msg);
    fputs(usage_text, stderr);
    exit(2);
}


int
main(int argc, char **argv)
{
    int           i, rc, policy;
    char          msg[128];
    pm_err_t      err;
    pm_data_t    *d;
    const char   *range, *file;
    pm_scaler_t  *s;

    range = NULL;
    file = NULL;
    policy = PM_OOR_EXTRAPOLATE;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(NULL);

        } else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
            range = argv[++i];

        } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
            i++;
            if (pm_enum_value(pm_oor_names, argv[i], strlen(argv[i]),
                              &policy)
                != 0)
            {
                usage("-p is extrapolate, clip or reject");
            }

        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            (void) snprintf(msg, sizeof(msg), "unknown or incomplete option "
                            "\"%.64s\"", argv[i]);
            usage(msg);

        } else if (file == NULL) {
            file = argv[i];

        } else {
            usage("one FILE only");
        }
    }

    if (range == NULL || file == NULL) {
        usage("-r RANGE and FILE are required");
    }

    pm_err_init(&err);

    if (pm_scaler_load(range, &s, &err) != PM_OK) {
        fprintf(stderr, "predict-scale: %s: %s\n", range, err.msg);
        return 1;
    }

    if (pm_data_load(file, &d, &err) != PM_OK) {
        fprintf(stderr, "predict-scale: %s: %s\n", file, err.msg);
        pm_scaler_free(s);
        return 1;
    }

    rc = scale_rows(s, policy, d, file);

    pm_data_free(d);
    pm_scaler_free(s);

    return rc;
}


static int
scale_rows(const pm_scaler_t *s, int policy, const pm_data_t *d,
    const char *name)
{
    int         i, n, noor, *oor;
    double      y;
    size_t      r;
    pm_err_t    err;
    pm_node_t  *out;

    out = malloc(sizeof(pm_node_t) * ((size_t) s->n + 1));
    oor = malloc(sizeof(int) * ((size_t) s->n + 1));

    if (out == NULL || oor == NULL) {
        fprintf(stderr, "predict-scale: out of memory\n");
        return 1;
    }

    for (r = 0; r < d->n; r++) {
        if (pm_number(d->label[r], NULL, &y) != 0) {
            fprintf(stderr, "predict-scale: %s:%ld: the label is not a "
                    "number\n", name, d->line[r]);
            return 1;
        }

        pm_err_init(&err);

        n = pm_encode_range(s, policy, d->x[r], d->nx[r], out, oor, &noor,
                            &err);

        if (n < 0 && err.code == PM_ERANGE) {
            fprintf(stderr, "predict-scale: %s:%ld: feature %d is outside "
                    "the fitted range\n", name, d->line[r], oor[0]);
            return 1;
        }

        if (n < 0) {
            fprintf(stderr, "predict-scale: %s:%ld: %s\n", name, d->line[r],
                    err.msg);
            return 1;
        }

        /* svm-scale's own formats: the label in full, values as %g */

        printf("%.17g ", s->has_y ? pm_scaler_y(s, y) : y);

        for (i = 0; i < n; i++) {
            printf("%d:%g ", out[i].index, out[i].value);
        }

        printf("\n");
    }

    free(out);
    free(oor);

    return 0;
}
