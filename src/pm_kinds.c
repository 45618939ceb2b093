
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdlib.h>

#include "pm_kinds.h"
#include "pm_svm.h"
#include "pm_text.h"


int
pm_model_load(const char *path, pm_model_t **out, pm_err_t *err)
{
    int          rc;
    char        *buf;
    size_t       len;
    pm_model_t  *m;

    *out = NULL;

    rc = pm_read_file(path, PM_MAX_FILE_SIZE, &buf, &len, err);
    if (rc != PM_OK) {
        return rc;
    }

    m = calloc(1, sizeof(pm_model_t));
    if (m == NULL) {
        free(buf);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    pm_source_set(&m->source, buf, len);

    /* libsvm's text format is the one kind; its loader frees buf */

    rc = pm_svm_load(path, &buf, len, m, err);

    free(buf);

    if (rc != PM_OK) {
        free(m);
        return rc;
    }

    *out = m;

    return PM_OK;
}
