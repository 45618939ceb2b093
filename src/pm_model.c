
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <svm.h>

#include "pm_model.h"


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




static char *pm_token(char **pp);
static int pm_parse_double(const char *s, double *v);
static int pm_parse_int(const char *s, long min, long max, int *v);
static int pm_prescan_header(pm_lines_t *ls, pm_model_info_t *info,
    pm_err_t *err);
static int pm_prescan_numbers(pm_lines_t *ls, char *rest, const char *key,
    int n, int integers, int *ints, pm_err_t *err);
static int pm_prescan_sv(pm_lines_t *ls, pm_model_info_t *info,
    pm_err_t *err);
static void pm_svm_quiet(const char *s);


static const char  *pm_svm_types[] = {
    "c_svc", "nu_svc", "one_class", "epsilon_svr", "nu_svr", NULL
};

static const char  *pm_kernels[] = {
    "linear", "polynomial", "rbf", "sigmoid", "precomputed", NULL
};


const char *
pm_model_type_name(int svm_type)
{
    if (svm_type < C_SVC || svm_type > NU_SVR) {
        return "unknown";
    }

    return pm_svm_types[svm_type];
}


const char *
pm_model_kernel_name(int kernel_type)
{
    if (kernel_type < LINEAR || kernel_type > PRECOMPUTED) {
        return "unknown";
    }

    return pm_kernels[kernel_type];
}


int
pm_model_is_classifier(const pm_model_t *m)
{
    return m->svm_type == C_SVC || m->svm_type == NU_SVC;
}


int
pm_model_is_regression(const pm_model_t *m)
{
    return m->svm_type == EPSILON_SVR || m->svm_type == NU_SVR;
}


int
pm_read_file(const char *path, size_t max, char **buf, size_t *len,
    pm_err_t *err)
{
    char         *p;
    FILE         *fp;
    size_t        n, size;
    struct stat   st;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        return pm_err_set(err, PM_EIO, "cannot open: %s", strerror(errno));
    }

    if (fstat(fileno(fp), &st) != 0) {
        (void) fclose(fp);
        return pm_err_set(err, PM_EIO, "cannot stat: %s", strerror(errno));
    }

    if (!S_ISREG(st.st_mode)) {
        (void) fclose(fp);
        return pm_err_set(err, PM_EIO, "not a regular file");
    }

    if ((unsigned long long) st.st_size > max) {
        (void) fclose(fp);
        return pm_err_set(err, PM_EFORMAT, "file too large: %lld bytes, "
                          "limit %zu", (long long) st.st_size, max);
    }

    size = (size_t) st.st_size;

    p = malloc(size + 1);
    if (p == NULL) {
        (void) fclose(fp);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    n = fread(p, 1, size, fp);

    if (ferror(fp) || n != size) {
        free(p);
        (void) fclose(fp);
        return pm_err_set(err, PM_EIO, "read failed or file changed size");
    }

    (void) fclose(fp);

    p[size] = '\0';
    *buf = p;
    *len = size;

    return PM_OK;
}


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
    char  *end;

    /* strtod() follows LC_NUMERIC; nginx and our tools never change it */

    errno = 0;
    *v = strtod(s, &end);

    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(*v)) {
        return -1;
    }

    return 0;
}


static int
pm_parse_int(const char *s, long min, long max, int *v)
{
    long   n;
    char  *end;

    errno = 0;
    n = strtol(s, &end, 10);

    if (end == s || *end != '\0' || errno == ERANGE || n < min || n > max) {
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


static int
pm_prescan_header(pm_lines_t *ls, pm_model_info_t *info, pm_err_t *err)
{
    int          rc, i, j, n, seen, bit, classifier, *ints;
    long         sum;
    char        *rest, *key, *val;
    double       dv;

    seen = 0;
    ints = NULL;
    info->nr_class = 0;

    for ( ;; ) {
        rc = pm_lines_next(ls, err);
        if (rc < 0) {
            goto failed;
        }

        if (rc == 0) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: unexpected end of "
                            "file before \"SV\"", ls->line);
            goto failed;
        }

        rest = ls->buf;
        key = pm_token(&rest);

        if (key == NULL) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: empty line in header",
                            ls->line);
            goto failed;
        }

        if (strcmp(key, "SV") == 0) {
            if (pm_token(&rest) != NULL) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: text after "
                                "\"SV\"", ls->line);
                goto failed;
            }

            break;
        }

        if (strcmp(key, "svm_type") == 0) {
            bit = PM_KEY_SVM_TYPE;
        } else if (strcmp(key, "kernel_type") == 0) {
            bit = PM_KEY_KERNEL;
        } else if (strcmp(key, "degree") == 0) {
            bit = PM_KEY_DEGREE;
        } else if (strcmp(key, "gamma") == 0) {
            bit = PM_KEY_GAMMA;
        } else if (strcmp(key, "coef0") == 0) {
            bit = PM_KEY_COEF0;
        } else if (strcmp(key, "nr_class") == 0) {
            bit = PM_KEY_NR_CLASS;
        } else if (strcmp(key, "total_sv") == 0) {
            bit = PM_KEY_TOTAL_SV;
        } else if (strcmp(key, "rho") == 0) {
            bit = PM_KEY_RHO;
        } else if (strcmp(key, "label") == 0) {
            bit = PM_KEY_LABEL;
        } else if (strcmp(key, "probA") == 0) {
            bit = PM_KEY_PROBA;
        } else if (strcmp(key, "probB") == 0) {
            bit = PM_KEY_PROBB;
        } else if (strcmp(key, "nr_sv") == 0) {
            bit = PM_KEY_NR_SV;
        } else {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: unknown header key "
                            "\"%.40s\"", ls->line, key);
            goto failed;
        }

        if (seen & bit) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: duplicate \"%s\"",
                            ls->line, key);
            goto failed;
        }

        seen |= bit;

        if (bit & (PM_KEY_RHO | PM_KEY_LABEL | PM_KEY_PROBA | PM_KEY_PROBB
                   | PM_KEY_NR_SV))
        {
            if (!(seen & PM_KEY_NR_CLASS)) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" before "
                                "\"nr_class\"", ls->line, key);
                goto failed;
            }

            n = (bit & (PM_KEY_LABEL | PM_KEY_NR_SV))
                ? info->nr_class
                : info->nr_class * (info->nr_class - 1) / 2;

            if (bit & (PM_KEY_LABEL | PM_KEY_NR_SV)) {
                ints = malloc(sizeof(int) * (size_t) n);
                if (ints == NULL) {
                    rc = pm_err_set(err, PM_ENOMEM, "out of memory");
                    goto failed;
                }
            }

            rc = pm_prescan_numbers(ls, rest, key, n,
                                    (bit & (PM_KEY_LABEL | PM_KEY_NR_SV)) != 0,
                                    ints, err);
            if (rc != PM_OK) {
                goto failed;
            }

            if (bit == PM_KEY_LABEL) {
                for (i = 0; i < n; i++) {
                    for (j = 0; j < i; j++) {
                        if (ints[i] == ints[j]) {
                            rc = pm_err_set(err, PM_EFORMAT, "line %ld: "
                                            "duplicate label %d", ls->line,
                                            ints[i]);
                            goto failed;
                        }
                    }
                }
            }

            if (bit == PM_KEY_NR_SV) {
                sum = 0;

                for (i = 0; i < n; i++) {
                    if (ints[i] < 0) {
                        rc = pm_err_set(err, PM_EFORMAT, "line %ld: "
                                        "negative \"nr_sv\"", ls->line);
                        goto failed;
                    }

                    sum += ints[i];
                }

                if (!(seen & PM_KEY_TOTAL_SV) || sum != info->total_sv) {
                    rc = pm_err_set(err, PM_EFORMAT, "line %ld: \"nr_sv\" "
                                    "adds up to %ld, not total_sv %d",
                                    ls->line, sum,
                                    (seen & PM_KEY_TOTAL_SV)
                                    ? info->total_sv : 0);
                    goto failed;
                }
            }

            free(ints);
            ints = NULL;
            continue;
        }

        val = pm_token(&rest);

        if (val == NULL || pm_token(&rest) != NULL) {
            rc = pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" needs exactly "
                            "one value", ls->line, key);
            goto failed;
        }

        switch (bit) {

        case PM_KEY_SVM_TYPE:
            for (i = 0; pm_svm_types[i] != NULL; i++) {
                if (strcmp(val, pm_svm_types[i]) == 0) {
                    break;
                }
            }

            if (pm_svm_types[i] == NULL) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: unknown svm_type "
                                "\"%.40s\"", ls->line, val);
                goto failed;
            }

            info->svm_type = i;
            break;

        case PM_KEY_KERNEL:
            for (i = 0; pm_kernels[i] != NULL; i++) {
                if (strcmp(val, pm_kernels[i]) == 0) {
                    break;
                }
            }

            if (pm_kernels[i] == NULL) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: unknown "
                                "kernel_type \"%.40s\"", ls->line, val);
                goto failed;
            }

            if (i == PRECOMPUTED) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: the precomputed "
                                "kernel is not supported", ls->line);
                goto failed;
            }

            info->kernel_type = i;
            break;

        case PM_KEY_DEGREE:
            if (pm_parse_int(val, 0, 1000, &i) != 0) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: degree must be "
                                "an integer in 0..1000", ls->line);
                goto failed;
            }

            break;

        case PM_KEY_NR_CLASS:
            if (pm_parse_int(val, 2, PM_MAX_CLASSES, &info->nr_class) != 0) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: nr_class must be "
                                "an integer in 2..%d", ls->line,
                                PM_MAX_CLASSES);
                goto failed;
            }

            break;

        case PM_KEY_TOTAL_SV:
            if (pm_parse_int(val, 1, PM_MAX_TOTAL_SV, &info->total_sv) != 0) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: total_sv must be "
                                "an integer in 1..%d", ls->line,
                                PM_MAX_TOTAL_SV);
                goto failed;
            }

            break;

        default: /* gamma, coef0 */
            if (pm_parse_double(val, &dv) != 0) {
                rc = pm_err_set(err, PM_EFORMAT, "line %ld: \"%s\" is not a "
                                "finite number", ls->line, key);
                goto failed;
            }

            break;
        }
    }

    /* the header is complete: check what must, and must not, be there */

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
                          pm_kernels[info->kernel_type]);
    }

    if ((info->kernel_type == POLY || info->kernel_type == SIGMOID)
        && !(seen & PM_KEY_COEF0))
    {
        return pm_err_set(err, PM_EFORMAT, "line %ld: %s kernel without "
                          "\"coef0\"", ls->line,
                          pm_kernels[info->kernel_type]);
    }

    classifier = (info->svm_type == C_SVC || info->svm_type == NU_SVC);

    if (classifier) {
        if ((seen & (PM_KEY_LABEL | PM_KEY_NR_SV))
            != (PM_KEY_LABEL | PM_KEY_NR_SV))
        {
            return pm_err_set(err, PM_EFORMAT, "line %ld: %s model without "
                              "\"%s\"", ls->line,
                              pm_svm_types[info->svm_type],
                              (seen & PM_KEY_LABEL) ? "nr_sv" : "label");
        }

        if (!(seen & PM_KEY_PROBA) != !(seen & PM_KEY_PROBB)) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: \"probA\" and "
                              "\"probB\" must come together", ls->line);
        }

        info->has_prob = (seen & PM_KEY_PROBA) != 0;

    } else {
        if (seen & (PM_KEY_LABEL | PM_KEY_NR_SV | PM_KEY_PROBB)) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: \"label\", "
                              "\"nr_sv\" and \"probB\" are for classifiers, "
                              "not %s", ls->line,
                              pm_svm_types[info->svm_type]);
        }

        if (info->nr_class != 2) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: %s model needs "
                              "nr_class 2", ls->line,
                              pm_svm_types[info->svm_type]);
        }

        info->has_prob = info->svm_type != ONE_CLASS
                         && (seen & PM_KEY_PROBA) != 0;
    }

    return PM_OK;

failed:

    free(ints);
    return rc;
}


static int
pm_prescan_sv(pm_lines_t *ls, pm_model_info_t *info, pm_err_t *err)
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
pm_model_prescan(const char *buf, size_t len, pm_model_info_t *info,
    pm_err_t *err)
{
    int         rc;
    pm_lines_t  ls;

    memset(info, 0, sizeof(pm_model_info_t));
    memset(&ls, 0, sizeof(pm_lines_t));

    ls.p = buf;
    ls.end = buf + len;

    rc = pm_prescan_header(&ls, info, err);

    if (rc == PM_OK) {
        rc = pm_prescan_sv(&ls, info, err);
    }

    pm_lines_free(&ls);

    return rc;
}


int
pm_model_check(const struct svm_model *svm, int *max_index, pm_err_t *err)
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
                          pm_svm_types[type]);
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


static void
pm_svm_quiet(const char *s)
{
    (void) s;
}


int
pm_model_load(const char *path, pm_model_t **out, pm_err_t *err)
{
    int                rc, max_index;
    char              *buf, *saved;
    size_t             len;
    const char        *cur;
    pm_model_t        *m;
    pm_model_info_t    info;
    struct svm_model  *svm;

    *out = NULL;
    buf = NULL;
    saved = NULL;
    svm = NULL;
    m = NULL;

    rc = pm_read_file(path, PM_MAX_FILE_SIZE, &buf, &len, err);
    if (rc != PM_OK) {
        return rc;
    }

    rc = pm_model_prescan(buf, len, &info, err);
    if (rc != PM_OK) {
        goto failed;
    }

    m = calloc(1, sizeof(pm_model_t));
    if (m == NULL) {
        rc = pm_err_set(err, PM_ENOMEM, "out of memory");
        goto failed;
    }

    pm_source_set(&m->source, buf, len);

    free(buf);
    buf = NULL;

    /*
     * libsvm prints training chatter to stdout and switches the locale
     * while it loads; keep both from leaking into the caller
     */

    svm_set_print_string_function(pm_svm_quiet);

    cur = setlocale(LC_ALL, NULL);
    if (cur != NULL) {
        saved = strdup(cur);
        if (saved == NULL) {
            rc = pm_err_set(err, PM_ENOMEM, "out of memory");
            goto failed;
        }
    }

    svm = svm_load_model(path);

    cur = setlocale(LC_ALL, NULL);
    if (saved != NULL && (cur == NULL || strcmp(cur, saved) != 0)) {
        (void) setlocale(LC_ALL, saved);
    }

    if (svm == NULL) {
        rc = pm_err_set(err, PM_EMODEL, "libsvm could not load the model");
        goto failed;
    }

    rc = pm_model_check(svm, &max_index, err);
    if (rc != PM_OK) {
        goto failed;
    }

    if (svm->l != info.total_sv || svm->nr_class != info.nr_class
        || svm->param.svm_type != info.svm_type)
    {
        rc = pm_err_set(err, PM_EMODEL, "the file changed while loading");
        goto failed;
    }

    m->svm = svm;
    m->svm_type = svm->param.svm_type;
    m->kernel_type = svm->param.kernel_type;
    m->nr_class = svm->nr_class;
    m->total_sv = svm->l;
    m->max_index = max_index;
    m->probability = svm_check_probability_model(svm);

    if (pm_model_is_classifier(m)) {
        m->labels = svm->label;
        m->nr_sv = svm->nSV;
    }

    rc = pm_fast_build(svm, max_index, PM_FAST_MAX_ENTRIES, &m->fast, err);
    if (rc != PM_OK) {
        m->svm = NULL;
        goto failed;
    }

    free(saved);
    *out = m;

    return PM_OK;

failed:

    if (svm != NULL) {
        svm_free_and_destroy_model(&svm);
    }

    free(saved);
    free(buf);
    free(m);

    return rc;
}


void
pm_model_free(pm_model_t *m)
{
    if (m == NULL) {
        return;
    }

    if (m->svm != NULL) {
        svm_free_and_destroy_model(&m->svm);
    }

    pm_fast_free(m->fast);
    free(m);
}
