
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * A model file: the pre-scan, and for what it passes, libsvm's own loader
 * (through a memfd) and the structural check.  Whatever the pre-scan
 * accepts must load, check out and predict without a fault.
 */


#define _GNU_SOURCE

#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pm_core.h"
#include "pm_kinds.h"
#include "pm_model.h"
#include "pm_svm.h"
#include "fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int               fd, rc;
    char              path[64];
    double            v, dec[64 * 63 / 2], prob[64], *scratch;
    pm_err_t          err;
    pm_model_t       *m;
    pm_node_t         x[4];
    pm_svm_info_t     info;

    pm_err_init(&err);

    if (pm_svm_prescan((const char *) data, size, &info, &err) != PM_OK) {
        PM_FUZZ_CHECK(err.msg[0] != '\0');
        return 0;
    }

    fd = memfd_create("model", 0);
    if (fd < 0) {
        return 0;
    }

    if (write(fd, data, size) != (ssize_t) size) {
        close(fd);
        return 0;
    }

    (void) snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    rc = pm_model_load(path, &m, &err);
    close(fd);

    /* a file the pre-scan passes, libsvm must load and we must accept */
    PM_FUZZ_CHECK(rc == PM_OK);

    if (m->nr_class <= 64) {
        x[0].index = 1;
        x[0].value = 0.5;
        x[1].index = 2;
        x[1].value = -1;
        x[2].index = m->max_index + 1;
        x[2].value = 1;
        x[3].index = -1;

        scratch = malloc(sizeof(double) * m->scratch);
        (void) pm_model_predict(m, x, m->probability
                                      && pm_model_is_classifier(m), 0,
                                PM_ENGINE_FAST, &v, prob, dec, scratch,
                                &err);
        (void) pm_model_predict(m, x, 0, 1, PM_ENGINE_LIBSVM, &v, prob, dec,
                                scratch, &err);
        free(scratch);
    }

    pm_model_free(m);

    return 0;
}
