
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-scale: "svm-scale -r RANGE FILE" through the module's own
 * pm_scale code, byte for byte the same output, plus the module's
 * out-of-range policies.  Tests diff it against svm-scale.
 *
 * usage: predict-scale -r RANGE [-p extrapolate|clip|reject] FILE
 */


#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_core.h"
#include "pm_scale.h"


static int scale_file(const pm_scaler_t *s, int policy, FILE *fp,
    const char *name);
static void usage(void);


static void
usage(void)
{
    fprintf(stderr, "usage: predict-scale -r RANGE "
            "[-p extrapolate|clip|reject] FILE\n");
    exit(2);
}


int
main(int argc, char **argv)
{
    int           i, rc, policy;
    FILE         *fp;
    pm_err_t      err;
    const char   *range, *file;
    pm_scaler_t  *s;

    range = NULL;
    file = NULL;
    policy = PM_OOR_EXTRAPOLATE;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
            range = argv[++i];

        } else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) {
            i++;
            if (strcmp(argv[i], "extrapolate") == 0) {
                policy = PM_OOR_EXTRAPOLATE;
            } else if (strcmp(argv[i], "clip") == 0) {
                policy = PM_OOR_CLIP;
            } else if (strcmp(argv[i], "reject") == 0) {
                policy = PM_OOR_REJECT;
            } else {
                usage();
            }

        } else if (file == NULL && argv[i][0] != '-') {
            file = argv[i];

        } else {
            usage();
        }
    }

    if (range == NULL || file == NULL) {
        usage();
    }

    pm_err_init(&err);

    if (pm_scaler_load(range, &s, &err) != PM_OK) {
        fprintf(stderr, "predict-scale: %s: %s\n", range, err.msg);
        return 1;
    }

    fp = fopen(file, "r");
    if (fp == NULL) {
        fprintf(stderr, "predict-scale: %s: %s\n", file, strerror(errno));
        pm_scaler_free(s);
        return 1;
    }

    rc = scale_file(s, policy, fp, file);

    (void) fclose(fp);
    pm_scaler_free(s);

    return rc;
}


static int
scale_file(const pm_scaler_t *s, int policy, FILE *fp, const char *name)
{
    int               i, n, nraw, noor, index, *oor;
    char             *line, *p, *end;
    long              lineno;
    double            y, v;
    size_t            cap;
    pm_err_t          err;
    struct svm_node  *raw, *out;

    line = NULL;
    cap = 0;
    lineno = 0;

    out = malloc(sizeof(struct svm_node) * ((size_t) s->n + 1));
    oor = malloc(sizeof(int) * ((size_t) s->n + 1));
    raw = NULL;

    if (out == NULL || oor == NULL) {
        fprintf(stderr, "predict-scale: out of memory\n");
        return 1;
    }

    while (getline(&line, &cap, fp) != -1) {
        lineno++;

        free(raw);
        raw = malloc(sizeof(struct svm_node) * (strlen(line) / 2 + 1));
        if (raw == NULL) {
            fprintf(stderr, "predict-scale: out of memory\n");
            return 1;
        }

        y = strtod(line, &end);
        if (end == line) {
            fprintf(stderr, "predict-scale: %s:%ld: no label\n", name,
                    lineno);
            return 1;
        }

        nraw = 0;
        p = end;

        for ( ;; ) {
            index = (int) strtol(p, &end, 10);
            if (end == p || *end != ':') {
                break;
            }

            p = end + 1;
            v = strtod(p, &end);
            if (end == p || !isfinite(v)) {
                fprintf(stderr, "predict-scale: %s:%ld: bad value\n", name,
                        lineno);
                return 1;
            }

            p = end;

            if (nraw > 0 && index <= raw[nraw - 1].index) {
                fprintf(stderr, "predict-scale: %s:%ld: indices must "
                        "ascend\n", name, lineno);
                return 1;
            }

            raw[nraw].index = index;
            raw[nraw].value = v;
            nraw++;
        }

        pm_err_init(&err);

        n = pm_scale_nodes(s, policy, raw, nraw, out, oor, &noor, &err);
        if (n < 0) {
            fprintf(stderr, "predict-scale: %s:%ld: %s\n", name, lineno,
                    err.msg);
            return 1;
        }

        if (policy == PM_OOR_REJECT && noor > 0) {
            fprintf(stderr, "predict-scale: %s:%ld: feature %d is outside "
                    "the fitted range\n", name, lineno, oor[0]);
            return 1;
        }

        printf("%.17g ", s->has_y ? pm_scale_y(s, y) : y);

        for (i = 0; i < n; i++) {
            printf("%d:%g ", out[i].index, out[i].value);
        }

        printf("\n");
    }

    free(raw);
    free(line);
    free(out);
    free(oor);

    return 0;
}
