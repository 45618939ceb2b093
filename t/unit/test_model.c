
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_kinds.h"
#include "pm_model.h"
#include "pm_svm.h"
#include "pm_text.h"
#include "tap.h"


#define MODEL_HEAD                                                           \
    "svm_type c_svc\n"                                                       \
    "kernel_type rbf\n"                                                      \
    "gamma 0.5\n"                                                            \
    "nr_class 2\n"                                                           \
    "total_sv 3\n"                                                           \
    "rho 0.1\n"                                                              \
    "label 1 -1\n"                                                           \
    "probA -1.5\n"                                                           \
    "probB 0.1\n"                                                            \
    "nr_sv 2 1\n"                                                            \
    "SV\n"

#define MODEL_SV                                                             \
    "1 1:0.5 2:-0.25 \n"                                                     \
    "0.5 1:-0.5 3:1 \n"                                                      \
    "-1.5 2:0.75 \n"


typedef struct {
    const char  *name;
    const char  *text;
    const char  *error;
} bad_model_t;


static const bad_model_t  bad_models[] = {

    { "missing rho",
      "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 3\n"
      "label 1 -1\nnr_sv 2 1\nSV\n" MODEL_SV,
      "line 8: header lacks \"rho\"" },

    { "missing label",
      "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 3\n"
      "rho 0.1\nnr_sv 2 1\nSV\n" MODEL_SV,
      "c_svc model without \"label\"" },

    { "missing nr_sv",
      "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 3\n"
      "rho 0.1\nlabel 1 -1\nSV\n" MODEL_SV,
      "c_svc model without \"nr_sv\"" },

    { "nr_sv not adding up to total_sv",
      "svm_type c_svc\nkernel_type rbf\ngamma 0.5\nnr_class 2\ntotal_sv 3\n"
      "rho 0.1\nlabel 1 -1\nnr_sv 2 2\nSV\n" MODEL_SV,
      "line 8: \"nr_sv\" adds up to 4, not total_sv 3" },

    { "precomputed kernel",
      "svm_type c_svc\nkernel_type precomputed\nnr_class 2\ntotal_sv 1\n"
      "rho 0\nlabel 1 -1\nnr_sv 1 0\nSV\n1 0:1 \n",
      "line 2: the precomputed kernel is not supported" },

    { "unknown header key",
      "svm_type c_svc\nbogus 1\n",
      "line 2: unknown header key \"bogus\"" },

    { "duplicate key",
      "svm_type c_svc\nkernel_type rbf\ngamma 0.5\ngamma 0.5\n",
      "line 4: duplicate \"gamma\"" },

    { "non-finite gamma",
      "svm_type c_svc\nkernel_type rbf\ngamma nan\n",
      "line 3: \"gamma\" is not a finite number" },

    { "rbf without gamma",
      "svm_type c_svc\nkernel_type rbf\nnr_class 2\ntotal_sv 3\n"
      "rho 0.1\nlabel 1 -1\nnr_sv 2 1\nSV\n" MODEL_SV,
      "rbf kernel without \"gamma\"" },

    { "polynomial without degree",
      "svm_type c_svc\nkernel_type polynomial\ngamma 1\ncoef0 0\nnr_class 2\n"
      "total_sv 3\nrho 0.1\nlabel 1 -1\nnr_sv 2 1\nSV\n" MODEL_SV,
      "polynomial kernel without \"degree\"" },

    { "sigmoid without coef0",
      "svm_type c_svc\nkernel_type sigmoid\ngamma 1\nnr_class 2\n"
      "total_sv 3\nrho 0.1\nlabel 1 -1\nnr_sv 2 1\nSV\n" MODEL_SV,
      "sigmoid kernel without \"coef0\"" },

    { "fewer support vectors than total_sv",
      MODEL_HEAD "1 1:0.5 \n0.5 1:-0.5 \n",
      "file ends after 2 of total_sv 3 support vectors" },

    { "more support vectors than total_sv",
      MODEL_HEAD MODEL_SV "1 1:1 \n",
      "line 15: text after the last of 3 support vectors" },

    { "descending feature indices",
      MODEL_HEAD "1 2:0.5 1:-0.25 \n0.5 1:1 \n-1.5 2:1 \n",
      "line 12: feature index 1 after 2: indices must ascend" },

    { "feature index 0",
      MODEL_HEAD "1 0:0.5 \n0.5 1:1 \n-1.5 2:1 \n",
      "line 12: feature index \"0\" is not in 1.." },

    { "feature index beyond the limit",
      MODEL_HEAD "1 99999999:0.5 \n0.5 1:1 \n-1.5 2:1 \n",
      "is not in 1..10000000" },

    { "support vector without its coefficient",
      MODEL_HEAD "1:0.5 \n0.5 1:1 \n-1.5 2:1 \n",
      "line 12: support vector needs 1 coefficients" },

    { "non-numeric feature value",
      MODEL_HEAD "1 1:abc \n0.5 1:1 \n-1.5 2:1 \n",
      "line 12: value of feature 1 is not a finite number" },

    { "infinite coefficient",
      MODEL_HEAD "inf 1:1 \n0.5 1:1 \n-1.5 2:1 \n",
      "line 12: coefficient 1 is not a finite number" },

    { "nr_class 1",
      "svm_type c_svc\nkernel_type linear\nnr_class 1\n",
      "line 3: nr_class must be an integer in 2..1024" },

    { "absurd nr_class",
      "svm_type c_svc\nkernel_type linear\nnr_class 5000000\n",
      "nr_class must be an integer in 2..1024" },

    { "absurd total_sv",
      "svm_type c_svc\nkernel_type linear\nnr_class 2\ntotal_sv 2000000000\n",
      "total_sv must be an integer in 1..10000000" },

    { "duplicate labels",
      "svm_type c_svc\nkernel_type linear\nnr_class 2\ntotal_sv 1\n"
      "rho 0\nlabel 3 3\n",
      "line 6: duplicate label 3" },

    { "probA without probB",
      "svm_type c_svc\nkernel_type linear\nnr_class 2\ntotal_sv 1\n"
      "rho 0\nlabel 1 2\nprobA 1\nnr_sv 1 0\nSV\n1 1:1 \n",
      "\"probA\" and \"probB\" must come together" },

    { "rho before nr_class",
      "svm_type c_svc\nkernel_type linear\nrho 0\n",
      "line 3: \"rho\" before \"nr_class\"" },

    { "too many rho values",
      "svm_type c_svc\nkernel_type linear\nnr_class 2\ntotal_sv 1\n"
      "rho 0 1\n",
      "line 5: \"rho\" has more than 1 values" },

    { "too few label values",
      "svm_type c_svc\nkernel_type linear\nnr_class 3\ntotal_sv 1\n"
      "rho 0 1 2\nlabel 1 2\n",
      "line 6: \"label\" needs 3 values, found 2" },

    { "one-class model with labels",
      "svm_type one_class\nkernel_type linear\nnr_class 2\ntotal_sv 1\n"
      "rho 0\nlabel 1 2\nSV\n1 1:1 \n",
      "are for classifiers, not one_class" },

    { "regression model with 3 classes",
      "svm_type epsilon_svr\nkernel_type linear\nnr_class 3\ntotal_sv 1\n"
      "rho 0 0 0\nSV\n1 1 1:1 \n",
      "epsilon_svr model needs nr_class 2" },

    { "unknown svm_type",
      "svm_type l2r_rank\n",
      "line 1: unknown svm_type \"l2r_rank\"" },

    { "empty file",
      "",
      "unexpected end of file before \"SV\"" },

    { "binary garbage",
      "\x7f" "ELF\x02\x01\x01\n\x01\x02\x03",
      "line 1: unknown header key" },

    { "negative degree",
      "svm_type c_svc\nkernel_type polynomial\ndegree -3\n",
      "degree must be an integer in 0..1000" },

    { NULL, NULL, NULL }
};


static void test_prescan(void);
static void test_load(void);
static void test_defects(void);


static void
test_prescan(void)
{
    int               rc;
    pm_err_t          err;
    pm_svm_info_t     info;
    const bad_model_t *b;
    const char       *good;

    good = MODEL_HEAD MODEL_SV;

    pm_err_init(&err);
    rc = pm_svm_prescan(good, strlen(good), &info, &err);
    is_int(rc, PM_OK, "a well-formed model passes the pre-scan");
    is_int(info.max_index, 3, "pre-scan finds the highest feature index");
    is_int(info.total_sv, 3, "pre-scan reads total_sv");
    ok(info.has_prob, "pre-scan sees probA/probB");

    good = "svm_type c_svc\r\nkernel_type linear\r\nnr_class 2\r\n"
           "total_sv 1\r\nrho 0\r\nlabel 1 2\r\nnr_sv 1 0\r\nSV\r\n"
           "1 1:1 \r\n\r\n";
    pm_err_init(&err);
    rc = pm_svm_prescan(good, strlen(good), &info, &err);
    is_int(rc, PM_OK, "CRLF line ends and a trailing blank line pass");

    for (b = bad_models; b->name != NULL; b++) {
        pm_err_init(&err);
        rc = pm_svm_prescan(b->text, strlen(b->text), &info, &err);
        is_int(rc, PM_EFORMAT, "refused: %s", b->name);
        like(err.msg, b->error, "message names it: %s", b->name);
    }

    /* a NUL byte inside a line */

    pm_err_init(&err);
    rc = pm_svm_prescan("svm_type c_svc\nker\0nel rbf\n", 26, &info, &err);
    is_int(rc, PM_EFORMAT, "NUL byte refused");
    like(err.msg, "line 2: NUL byte", "NUL byte reported with its line");
}


static void
test_load(void)
{
    int            i, rc, fds;
    char          *text, hex[PM_SHA256_HEX_LEN + 1];
    size_t         len;
    pm_err_t       err;
    pm_model_t    *m;
    const char    *path, *loc;

    static const struct {
        const char  *name;
        int          type;
        int          kernel;
        int          prob;
        int          classes;
    } kinds[] = {
        { "c_svc-rbf", C_SVC, RBF, 1, 3 },
        { "c_svc-linear", C_SVC, LINEAR, 1, 3 },
        { "c_svc-poly", C_SVC, POLY, 0, 3 },
        { "c_svc-sigmoid", C_SVC, SIGMOID, 1, 3 },
        { "nu_svc", NU_SVC, RBF, 1, 3 },
        { "one_class", ONE_CLASS, RBF, 0, 2 },
        { "epsilon_svr", EPSILON_SVR, RBF, 1, 2 },
        { "nu_svr", NU_SVR, LINEAR, 0, 2 },
    };

    for (i = 0; i < (int) (sizeof(kinds) / sizeof(kinds[0])); i++) {
        path = ut_train(kinds[i].name, kinds[i].type, kinds[i].kernel,
                        kinds[i].prob);

        pm_err_init(&err);
        rc = pm_model_load(path, &m, &err);
        is_int(rc, PM_OK, "%s: svm-train's model loads", kinds[i].name);

        if (rc != PM_OK) {
            tap_diag("%s", err.msg);
            continue;
        }

        is_int(pm_svm_of(m)->svm_type, kinds[i].type, "%s: svm_type",
               kinds[i].name);
        is_int(pm_svm_of(m)->kernel_type, kinds[i].kernel, "%s: kernel",
               kinds[i].name);
        is_int(m->nr_class, kinds[i].classes, "%s: nr_class", kinds[i].name);
        is_int(m->max_index, UT_FEATURES, "%s: max_index", kinds[i].name);
        is_int(m->probability, kinds[i].prob && kinds[i].type != ONE_CLASS,
               "%s: probability", kinds[i].name);
        ok((m->labels != NULL) == pm_model_is_classifier(m),
           "%s: labels only for classifiers", kinds[i].name);

        text = ut_slurp(path, &len);
        pm_sha256_hex(text, len, hex);
        ok(strcmp(hex, m->source.sha256) == 0 && m->source.size == len,
           "%s: content hash and size", kinds[i].name);
        free(text);

        pm_model_free(m);
    }

    /* the loader must not change the caller's locale */

    if (setlocale(LC_ALL, "C.UTF-8") != NULL) {
        pm_err_init(&err);
        rc = pm_model_load(path, &m, &err);
        loc = setlocale(LC_ALL, NULL);
        ok(rc == PM_OK && loc != NULL && strcmp(loc, "C.UTF-8") == 0,
           "the locale is the caller's after a load");
        if (rc == PM_OK) {
            pm_model_free(m);
        }
        (void) setlocale(LC_ALL, "C");
    }

    pm_err_init(&err);
    rc = pm_model_load("/nonexistent/model", &m, &err);
    is_int(rc, PM_EIO, "a missing file is an I/O error");
    like(err.msg, "cannot open", "and says so");

    pm_err_init(&err);
    rc = pm_model_load(tap_tmpdir(), &m, &err);
    is_int(rc, PM_EIO, "a directory is refused");
    like(err.msg, "not a regular file", "and says so");

    /* fds stay flat over failed loads; libsvm itself leaks one each */

    path = tap_write("bad-header.model", bad_models[0].text);

    fds = ut_fd_count();
    for (i = 0; i < 20; i++) {
        pm_err_init(&err);
        (void) pm_model_load(path, &m, &err);
    }
    is_int(ut_fd_count(), fds, "20 failed loads leak no descriptor");

    path = tap_write("header-garbage.model", "svm_type c_svc\nbogus 1\n");
    fds = ut_fd_count();
    m = (pm_model_t *) svm_load_model(path);
    ok(m == NULL && ut_fd_count() == fds + 1,
       "(the check can fail: libsvm's own loader leaks a descriptor)");
}


/* the second line of defence: the structure libsvm built */

static void
test_defects(void)
{
    int                rc, max, save;
    double            *rho;
    pm_err_t           err;
    const char        *path;
    struct svm_model  *svm;

    path = ut_train("defects", C_SVC, RBF, 0);
    svm = svm_load_model(path);
    ok(svm != NULL, "libsvm loads the model");

    if (svm == NULL) {
        return;
    }

    pm_err_init(&err);
    is_int(pm_svm_check(svm, &max, &err), PM_OK, "the model checks out");

    save = svm->nSV[0];
    svm->nSV[0] += 5;
    pm_err_init(&err);
    rc = pm_svm_check(svm, &max, &err);
    is_int(rc, PM_EMODEL, "nSV not summing to l is refused");
    like(err.msg, "nr_sv adds up to", "and named");
    svm->nSV[0] = save;

    rho = svm->rho;
    svm->rho = NULL;
    pm_err_init(&err);
    is_int(pm_svm_check(svm, &max, &err), PM_EMODEL, "NULL rho refused");
    svm->rho = rho;

    svm->param.kernel_type = PRECOMPUTED;
    pm_err_init(&err);
    is_int(pm_svm_check(svm, &max, &err), PM_EMODEL,
           "precomputed kernel refused");
    svm->param.kernel_type = RBF;

    save = svm->SV[0][0].index;
    svm->SV[0][0].index = 0;
    pm_err_init(&err);
    is_int(pm_svm_check(svm, &max, &err), PM_EMODEL,
           "feature index 0 refused");
    svm->SV[0][0].index = save;

    svm_free_and_destroy_model(&svm);
}


void
test_model(void)
{
    test_prescan();
    test_load();
    test_defects();
}
