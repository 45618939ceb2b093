
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_svm_scan.h"
#include "pm_text.h"


#define PM_KEY_SVM_TYPE     0x001
#define PM_KEY_KERNEL       0x002
#define PM_KEY_DEGREE       0x004
#define PM_KEY_GAMMA        0x008
#define PM_KEY_COEF0        0x010
#define PM_KEY_NR_CLASS     0x020
#define PM_KEY_TOTAL_SV     0x040
#define PM_KEY_RHO          0x080
#define PM_KEY_LABEL        0x100
#define PM_KEY_PROBA        0x200
#define PM_KEY_PROBB        0x400
#define PM_KEY_NR_SV        0x800

#define PM_KEY_LISTS        (PM_KEY_RHO | PM_KEY_LABEL | PM_KEY_PROBA        \
                             | PM_KEY_PROBB | PM_KEY_NR_SV)


static char *pm_token(char **pp);
static int pm_parse_double(const char *s, double *v);
static int pm_parse_int(const char *s, long min, long max, int *v);
static int pm_prescan_header(pm_lines_t *ls, pm_svm_info_t *info,
    pm_err_t *err);
static int pm_prescan_numbers(pm_lines_t *ls, char *rest, const char *key,
    int n, int integers, int *ints, pm_err_t *err);
static int pm_prescan_list(pm_lines_t *ls, char *rest, const char *key,
    int bit, int seen, pm_svm_info_t *info, pm_err_t *err);
static int pm_prescan_value(pm_lines_t *ls, const char *key, int bit,
    const char *val, pm_svm_info_t *info, pm_err_t *err);
static int pm_prescan_complete(pm_lines_t *ls, int seen,
    pm_svm_info_t *info, pm_err_t *err);
static int pm_prescan_sv(pm_lines_t *ls, pm_svm_info_t *info,
    pm_err_t *err);


const char  *pm_svm_type_names[] = {
    "c_svc", "nu_svc", "one_class", "epsilon_svr", "nu_svr", NULL
};

const char  *pm_svm_kernel_names[] = {
    "linear", "polynomial", "rbf", "sigmoid", "precomputed", NULL
};


/* the header keys libsvm writes, each once */

static const struct {
    const char         *name;
    int                 bit;
} pm_svm_keys[] = {
    { "svm_type", PM_KEY_SVM_TYPE },
    { "kernel_type", PM_KEY_KERNEL },
    { "degree", PM_KEY_DEGREE },
    { "gamma", PM_KEY_GAMMA },
    { "coef0", PM_KEY_COEF0 },
    { "nr_class", PM_KEY_NR_CLASS },
    { "total_sv", PM_KEY_TOTAL_SV },
    { "rho", PM_KEY_RHO },
    { "label", PM_KEY_LABEL },
    { "probA", PM_KEY_PROBA },
    { "probB", PM_KEY_PROBB },
    { "nr_sv", PM_KEY_NR_SV },
    { NULL, 0 }
};


static char *
pm_token(char **pp)
{
    char  *p, *start;

    p = *pp;

    while (*p == ' ' || *p == '\t') {
        p++;
    }

    if (*p == '\0') {
        *pp = p;
        return NULL;
    }

    start = p;

    while (*p != '\0' && *p != ' ' && *p != '\t') {
        p++;
    }

    if (*p != '\0') {
        *p++ = '\0';
    }

    *pp = p;

    return start;
}


static int
pm_parse_double(const char *s, double *v)
{
    return pm_number(s, NULL, v);
}


static int
pm_parse_int(const char *s, long min, long max, int *v)
{
    long  n;

    if (pm_integer(s, min, max, &n) != 0) {
        return -1;
    }

    *v = (int) n;

    return 0;
}


static int
pm_prescan_numbers(pm_lines_t *ls, char *rest, const char *key, int n,
    int integers, int *ints, pm_err_t *err)
{
    int      i, iv;
    char    *tok;
    double   dv;

    for (i = 0; i < n; i++) {
        tok = pm_token(&rest);
        if (tok == NULL) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" needs %d "
                              "values, found %d", ls->line, key, n, i);
        }

        if (integers) {
            if (pm_parse_int(tok, INT_MIN, INT_MAX, &iv) != 0) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" value "
                                  "%d is not an integer", ls->line, key,
                                  i + 1);
            }

            if (ints != NULL) {
                ints[i] = iv;
            }

        } else if (pm_parse_double(tok, &dv) != 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" value %d "
                              "is not a finite number", ls->line, key, i + 1);
        }
    }

    if (pm_token(&rest) != NULL) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" has more than "
                          "%d values", ls->line, key, n);
    }

    return PM_OK;
}


/* rho, label, probA, probB, nr_sv: one value per class or per pair */

static int
pm_prescan_list(pm_lines_t *ls, char *rest, const char *key, int bit,
    int seen, pm_svm_info_t *info, pm_err_t *err)
{
    int    rc, i, j, n, integers, *ints;
    long   sum;

    if (!(seen & PM_KEY_NR_CLASS)) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" before "
                          "\"nr_class\"", ls->line, key);
    }

    integers = (bit & (PM_KEY_LABEL | PM_KEY_NR_SV)) != 0;
    n = integers ? info->nr_class
                 : info->nr_class * (info->nr_class - 1) / 2;
    ints = NULL;

    if (integers) {
        ints = malloc(sizeof(int) * (size_t) n);
        if (ints == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }
    }

    rc = pm_prescan_numbers(ls, rest, key, n, integers, ints, err);

    for (i = 0; rc == PM_OK && bit == PM_KEY_LABEL && i < n; i++) {
        for (j = 0; j < i; j++) {
            if (ints[i] == ints[j]) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: duplicate label "
                                "%d", ls->line, ints[i]);
                break;
            }
        }
    }

    if (rc == PM_OK && bit == PM_KEY_NR_SV) {
        sum = 0;

        for (i = 0; i < n; i++) {
            if (ints[i] < 0) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: negative "
                                "\"nr_sv\"", ls->line);
                break;
            }

            sum += ints[i];
        }

        if (rc == PM_OK
            && (!(seen & PM_KEY_TOTAL_SV) || sum != info->total_sv))
        {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: \"nr_sv\" adds up to "
                            "%ld, not total_sv %d", ls->line, sum,
                            (seen & PM_KEY_TOTAL_SV) ? info->total_sv : 0);
        }
    }

    free(ints);

    return rc;
}


/* svm_type, kernel_type, degree, gamma, coef0, nr_class, total_sv */

static int
pm_prescan_value(pm_lines_t *ls, const char *key, int bit, const char *val,
    pm_svm_info_t *info, pm_err_t *err)
{
    int     i;
    double  dv;

    switch (bit) {

    case PM_KEY_SVM_TYPE:
        for (i = 0; pm_svm_type_names[i] != NULL; i++) {
            if (strcmp(val, pm_svm_type_names[i]) == 0) {
                info->svm_type = i;
                return PM_OK;
            }
        }

        return pm_err_set(err, PM_EFORMAT, "line %ld: unknown svm_type "
                          "\"%.40s\"", ls->line, val);

    case PM_KEY_KERNEL:
        for (i = 0; pm_svm_kernel_names[i] != NULL; i++) {
            if (strcmp(val, pm_svm_kernel_names[i]) == 0) {
                break;
            }
        }

        if (pm_svm_kernel_names[i] == NULL) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: unknown "
                              "kernel_type \"%.40s\"", ls->line, val);
        }

        if (i == PRECOMPUTED) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: the precomputed "
                              "kernel is not supported", ls->line);
        }

        info->kernel_type = i;
        return PM_OK;

    case PM_KEY_DEGREE:
        if (pm_parse_int(val, 0, 1000, &i) != 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: degree must be an "
                              "integer in 0..1000", ls->line);
        }

        return PM_OK;

    case PM_KEY_NR_CLASS:
        if (pm_parse_int(val, 2, PM_MAX_CLASSES, &info->nr_class) != 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: nr_class must be an "
                              "integer in 2..%d", ls->line, PM_MAX_CLASSES);
        }

        return PM_OK;

    case PM_KEY_TOTAL_SV:
        if (pm_parse_int(val, 1, PM_MAX_TOTAL_SV, &info->total_sv) != 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: total_sv must be an "
                              "integer in 1..%d", ls->line, PM_MAX_TOTAL_SV);
        }

        return PM_OK;

    default: /* gamma, coef0 */
        if (pm_parse_double(val, &dv) != 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" is not a "
                              "finite number", ls->line, key);
        }

        /* as libsvm's svm_check_parameter(): "gamma < 0" */

        if (bit == PM_KEY_GAMMA && dv < 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: gamma must not be "
                              "negative (libsvm's own check)", ls->line);
        }

        return PM_OK;
    }
}


/* the header is complete: what must, and must not, be there */

static int
pm_prescan_complete(pm_lines_t *ls, int seen, pm_svm_info_t *info,
    pm_err_t *err)
{
    if ((seen & (PM_KEY_SVM_TYPE | PM_KEY_KERNEL | PM_KEY_NR_CLASS
                 | PM_KEY_TOTAL_SV | PM_KEY_RHO))
        != (PM_KEY_SVM_TYPE | PM_KEY_KERNEL | PM_KEY_NR_CLASS
            | PM_KEY_TOTAL_SV | PM_KEY_RHO))
    {
        return pm_err_set(err, PM_EFORMAT, "line %ld: header lacks %s",
                          ls->line,
                          !(seen & PM_KEY_SVM_TYPE) ? "\"svm_type\""
                          : !(seen & PM_KEY_KERNEL) ? "\"kernel_type\""
                          : !(seen & PM_KEY_NR_CLASS) ? "\"nr_class\""
                          : !(seen & PM_KEY_TOTAL_SV) ? "\"total_sv\""
                          : "\"rho\"");
    }

    if (info->kernel_type == POLY && !(seen & PM_KEY_DEGREE)) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: polynomial kernel "
                          "without \"degree\"", ls->line);
    }

    if (info->kernel_type != LINEAR && !(seen & PM_KEY_GAMMA)) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: %s kernel without "
                          "\"gamma\"", ls->line,
                          pm_svm_kernel_names[info->kernel_type]);
    }

    if ((info->kernel_type == POLY || info->kernel_type == SIGMOID)
        && !(seen & PM_KEY_COEF0))
    {
        return pm_err_set(err, PM_EFORMAT, "line %ld: %s kernel without "
                          "\"coef0\"", ls->line,
                          pm_svm_kernel_names[info->kernel_type]);
    }

    if (info->svm_type == C_SVC || info->svm_type == NU_SVC) {
        if ((seen & (PM_KEY_LABEL | PM_KEY_NR_SV))
            != (PM_KEY_LABEL | PM_KEY_NR_SV))
        {
            return pm_err_set(err, PM_EFORMAT, "line %ld: %s model without "
                              "\"%s\"", ls->line,
                              pm_svm_type_names[info->svm_type],
                              (seen & PM_KEY_LABEL) ? "nr_sv" : "label");
        }

        if (!(seen & PM_KEY_PROBA) != !(seen & PM_KEY_PROBB)) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: \"probA\" and "
                              "\"probB\" must come together", ls->line);
        }

        info->has_prob = (seen & PM_KEY_PROBA) != 0;

        return PM_OK;
    }

    if (seen & (PM_KEY_LABEL | PM_KEY_NR_SV | PM_KEY_PROBB)) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: \"label\", \"nr_sv\" "
                          "and \"probB\" are for classifiers, not %s",
                          ls->line, pm_svm_type_names[info->svm_type]);
    }

    if (info->nr_class != 2) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: %s model needs "
                          "nr_class 2", ls->line,
                          pm_svm_type_names[info->svm_type]);
    }

    info->has_prob = info->svm_type != ONE_CLASS
                     && (seen & PM_KEY_PROBA) != 0;

    return PM_OK;
}


static int
pm_prescan_header(pm_lines_t *ls, pm_svm_info_t *info, pm_err_t *err)
{
    int          rc, seen, bit;
    char        *rest, *key, *val;
    size_t       k;

    seen = 0;
    info->nr_class = 0;

    for ( ;; ) {
        rc = pm_lines_next(ls, err);
        if (rc < 0) {
            return rc;
        }

        if (rc == 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: unexpected end of "
                              "file before \"SV\"", ls->line);
        }

        rest = ls->buf;
        key = pm_token(&rest);

        if (key == NULL) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: empty line in "
                              "header", ls->line);
        }

        if (strcmp(key, "SV") == 0) {
            if (pm_token(&rest) != NULL) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: text after "
                                  "\"SV\"", ls->line);
            }

            return pm_prescan_complete(ls, seen, info, err);
        }

        for (k = 0; pm_svm_keys[k].name != NULL; k++) {
            if (strcmp(key, pm_svm_keys[k].name) == 0) {
                break;
            }
        }

        bit = pm_svm_keys[k].bit;

        if (bit == 0 && key[0] == '{') {
            return pm_err_set(err, PM_EFORMAT, "line %ld: JSON, not a libsvm "
                              "model: a feature spec goes in \"features=\", "
                              "or name the bundle's directory", ls->line);
        }

        if (bit == 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: unknown header key "
                              "\"%.40s\"", ls->line, key);
        }

        if (seen & bit) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: duplicate \"%s\"",
                              ls->line, key);
        }

        seen |= bit;

        if (bit & PM_KEY_LISTS) {
            rc = pm_prescan_list(ls, rest, key, bit, seen, info, err);

        } else {
            val = pm_token(&rest);

            if (val == NULL || pm_token(&rest) != NULL) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" needs "
                                  "exactly one value", ls->line, key);
            }

            rc = pm_prescan_value(ls, key, bit, val, info, err);
        }

        if (rc != PM_OK) {
            return rc;
        }
    }
}


static int
pm_prescan_sv(pm_lines_t *ls, pm_svm_info_t *info, pm_err_t *err)
{
    int      i, k, rc, index, prev;
    char    *rest, *tok, *colon;
    double   dv;

    info->max_index = 0;

    for (i = 0; i < info->total_sv; i++) {
        rc = pm_lines_next(ls, err);
        if (rc < 0) {
            return rc;
        }

        if (rc == 0) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: file ends after %d "
                              "of total_sv %d support vectors", ls->line, i,
                              info->total_sv);
        }

        rest = ls->buf;

        for (k = 0; k < info->nr_class - 1; k++) {
            tok = pm_token(&rest);

            if (tok == NULL || strchr(tok, ':') != NULL) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: support vector "
                                  "needs %d coefficients", ls->line,
                                  info->nr_class - 1);
            }

            if (pm_parse_double(tok, &dv) != 0) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: coefficient %d "
                                  "is not a finite number", ls->line, k + 1);
            }
        }

        prev = 0;

        while ((tok = pm_token(&rest)) != NULL) {
            colon = strchr(tok, ':');

            if (colon == NULL) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: \"%.40s\" is "
                                  "not index:value", ls->line, tok);
            }

            *colon = '\0';

            if (pm_parse_int(tok, 1, PM_MAX_INDEX, &index) != 0) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: feature index "
                                  "\"%.40s\" is not in 1..%d", ls->line, tok,
                                  PM_MAX_INDEX);
            }

            if (index <= prev) {
                return pm_err_set(err, PM_EFORMAT, "line %ld: feature index "
                                  "%d after %d: indices must ascend",
                                  ls->line, index, prev);
            }

            if (strchr(colon + 1, ':') != NULL
                || pm_parse_double(colon + 1, &dv) != 0)
            {
                return pm_err_set(err, PM_EFORMAT, "line %ld: value of "
                                  "feature %d is not a finite number",
                                  ls->line, index);
            }

            prev = index;
        }

        if (prev > info->max_index) {
            info->max_index = prev;
        }
    }

    for ( ;; ) {
        rc = pm_lines_next(ls, err);
        if (rc <= 0) {
            return rc;
        }

        if (ls->buf[strspn(ls->buf, " \t")] != '\0') {
            return pm_err_set(err, PM_EFORMAT, "line %ld: text after the "
                              "last of %d support vectors", ls->line,
                              info->total_sv);
        }
    }
}


int
pm_svm_prescan(const char *buf, size_t len, pm_svm_info_t *info,
    pm_err_t *err)
{
    int         rc;
    pm_lines_t  ls;

    memset(info, 0, sizeof(pm_svm_info_t));
    pm_lines_init(&ls, buf, len);

    rc = pm_prescan_header(&ls, info, err);

    if (rc == PM_OK) {
        rc = pm_prescan_sv(&ls, info, err);
    }

    pm_lines_free(&ls);

    return rc;
}


int
pm_svm_check(const struct svm_model *svm, int *max_index, pm_err_t *err)
{
    int                     i, k, n, prev, type, kernel;
    long                    sum;
    const struct svm_node  *x;

    /* the same rules, applied to the structure libsvm built */

    type = svm->param.svm_type;
    kernel = svm->param.kernel_type;

    if (type < C_SVC || type > NU_SVR) {
        return pm_err_set(err, PM_EMODEL, "unknown svm_type %d", type);
    }

    if (kernel < LINEAR || kernel > SIGMOID) {
        return pm_err_set(err, PM_EMODEL, "unsupported kernel_type %d",
                          kernel);
    }

    if (svm->nr_class < 2 || svm->nr_class > PM_MAX_CLASSES) {
        return pm_err_set(err, PM_EMODEL, "nr_class %d not in 2..%d",
                          svm->nr_class, PM_MAX_CLASSES);
    }

    if (svm->l <= 0 || svm->l > PM_MAX_TOTAL_SV || svm->SV == NULL
        || svm->sv_coef == NULL || svm->rho == NULL)
    {
        return pm_err_set(err, PM_EMODEL, "model lacks support vectors, "
                          "coefficients or rho");
    }

    n = svm->nr_class * (svm->nr_class - 1) / 2;

    for (i = 0; i < n; i++) {
        if (!isfinite(svm->rho[i])) {
            return pm_err_set(err, PM_EMODEL, "rho is not finite");
        }
    }

    if (type == C_SVC || type == NU_SVC) {
        if (svm->label == NULL || svm->nSV == NULL) {
            return pm_err_set(err, PM_EMODEL, "classifier lacks label or "
                              "nr_sv");
        }

        sum = 0;

        for (i = 0; i < svm->nr_class; i++) {
            if (svm->nSV[i] < 0) {
                return pm_err_set(err, PM_EMODEL, "negative nr_sv");
            }

            sum += svm->nSV[i];
        }

        if (sum != svm->l) {
            return pm_err_set(err, PM_EMODEL, "nr_sv adds up to %ld, not "
                              "total_sv %d", sum, svm->l);
        }

    } else if (svm->nr_class != 2) {
        return pm_err_set(err, PM_EMODEL, "%s model needs nr_class 2",
                          pm_svm_type_names[type]);
    }

    *max_index = 0;

    for (i = 0; i < svm->l; i++) {
        prev = 0;

        for (k = 0; k < svm->nr_class - 1; k++) {
            if (!isfinite(svm->sv_coef[k][i])) {
                return pm_err_set(err, PM_EMODEL, "support vector %d: "
                                  "coefficient is not finite", i + 1);
            }
        }

        for (x = svm->SV[i]; x->index != -1; x++) {
            if (x->index <= prev || x->index > PM_MAX_INDEX
                || !isfinite(x->value))
            {
                return pm_err_set(err, PM_EMODEL, "support vector %d: bad "
                                  "feature %d", i + 1, x->index);
            }

            prev = x->index;
        }

        if (prev > *max_index) {
            *max_index = prev;
        }
    }

    return PM_OK;
}
