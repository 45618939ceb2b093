
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pm_kinds.h"
#include "pm_svm.h"
#include "pm_text.h"


/* a model file is text; the pre-scan names what else is wrong with it */

static const pm_text_rules_t  pm_model_rules = {
    PM_MAX_FILE_SIZE, PM_MAX_LINE, NULL, "a libsvm model"
};


int
pm_model_load(const char *path, pm_model_t **out, pm_err_t *err)
{
    int          fd, rc;
    char        *buf, same[64];
    size_t       len, size;
    pm_model_t  *m;

    *out = NULL;

    fd = pm_file_open(path, pm_model_rules.max, &size, err);
    if (fd < 0) {
        return fd;
    }

    rc = pm_file_read(fd, size, &pm_model_rules, &buf, &len, err);
    if (rc != PM_OK) {
        (void) close(fd);
        return rc;
    }

    m = calloc(1, sizeof(pm_model_t));
    if (m == NULL) {
        free(buf);
        (void) close(fd);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    pm_source_set(&m->source, buf, len);

    /*
     * a loader that opens the file itself (libsvm's) is given the file
     * already open and checked, so that nothing can swap it meanwhile
     */

    (void) snprintf(same, sizeof(same), "/proc/self/fd/%d", fd);
    if (access(same, R_OK) != 0) {
        (void) snprintf(same, sizeof(same), "%s", "");
    }

    /* libsvm's text format is the one kind; its loader frees buf */

    rc = pm_svm_load(same[0] != '\0' ? same : path, &buf, len, m, err);

    free(buf);
    (void) close(fd);

    if (rc != PM_OK) {
        free(m);
        return rc;
    }

    *out = m;

    return PM_OK;
}
