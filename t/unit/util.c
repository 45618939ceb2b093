
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <svm.h>

#include "tap.h"


#define UT_ROWS  90


static void ut_quiet(const char *s);


static void
ut_quiet(const char *s)
{
    (void) s;
}


/* a deterministic 3-class problem with features of different scales */

void
ut_row(int i, double *x, double *y)
{
    int       k, c;
    unsigned  r;

    c = i % UT_CLASSES;
    r = (unsigned) i * 2654435761u;

    for (k = 0; k < UT_FEATURES; k++) {
        r = r * 1103515245u + 12345u;
        x[k] = (c + 1) * (k + 1) * 0.5 + ((r >> 8) % 1000) / 1000.0;
    }

    x[3] = x[3] * 100;   /* one feature far larger than the rest */
    *y = c + 1;
}


const char *
ut_train(const char *name, int svm_type, int kernel, int probability)
{
    return ut_train_classes(name, svm_type, kernel, probability,
                            UT_CLASSES);
}


/* classes 2: rows of class 3 join class 2 */

const char *
ut_train_classes(const char *name, int svm_type, int kernel,
    int probability, int classes)
{
    int                    i, k;
    double                 x[UT_FEATURES];
    const char            *msg;
    struct svm_model      *m;
    struct svm_problem     prob;
    struct svm_parameter   param;
    static char            path[8][512];
    static int             slot;
    static double          ys[UT_ROWS];
    static struct svm_node nodes[UT_ROWS][UT_FEATURES + 1];
    static struct svm_node *xs[UT_ROWS];
    char                  *p;

    svm_set_print_string_function(ut_quiet);

    for (i = 0; i < UT_ROWS; i++) {
        ut_row(i, x, &ys[i]);

        for (k = 0; k < UT_FEATURES; k++) {
            nodes[i][k].index = k + 1;
            nodes[i][k].value = x[k] / (k == 3 ? 1000 : 10);
        }

        nodes[i][UT_FEATURES].index = -1;
        xs[i] = nodes[i];

        if (svm_type == EPSILON_SVR || svm_type == NU_SVR) {
            ys[i] = x[0] * 3 + x[1];

        } else if (classes == 2 && ys[i] > 2) {
            ys[i] = 2;
        }
    }

    prob.l = UT_ROWS;
    prob.y = ys;
    prob.x = xs;

    memset(&param, 0, sizeof(param));
    param.svm_type = svm_type;
    param.kernel_type = kernel;
    param.degree = 3;
    param.gamma = 0.5;
    param.coef0 = 0.1;
    param.cache_size = 10;
    param.eps = 1e-3;
    param.C = 1;
    param.nu = 0.5;
    param.p = 0.1;
    param.shrinking = 1;
    param.probability = probability;

    msg = svm_check_parameter(&prob, &param);
    if (msg != NULL) {
        fprintf(stderr, "svm_check_parameter: %s\n", msg);
        exit(1);
    }

    m = svm_train(&prob, &param);

    p = path[slot++ % 8];
    (void) snprintf(p, sizeof(path[0]), "%s/%s", tap_tmpdir(), name);

    if (svm_save_model(p, m) != 0) {
        fprintf(stderr, "svm_save_model %s failed\n", p);
        exit(1);
    }

    svm_free_and_destroy_model(&m);

    return p;
}


char *
ut_slurp(const char *path, size_t *len)
{
    long   n;
    char  *buf;
    FILE  *fp;

    fp = fopen(path, "rb");
    if (fp == NULL || fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0) {
        perror(path);
        exit(1);
    }

    rewind(fp);
    buf = malloc((size_t) n + 1);

    if (buf == NULL || fread(buf, 1, (size_t) n, fp) != (size_t) n) {
        perror(path);
        exit(1);
    }

    buf[n] = '\0';
    (void) fclose(fp);

    if (len != NULL) {
        *len = (size_t) n;
    }

    return buf;
}


int
ut_fd_count(void)
{
    int             n;
    DIR            *d;
    struct dirent  *e;

    d = opendir("/proc/self/fd");
    if (d == NULL) {
        return -1;
    }

    n = 0;

    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            n++;
        }
    }

    (void) closedir(d);

    return n;
}
