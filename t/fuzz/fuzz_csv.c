
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * CSV, as predict-train and predict-run read it.
 */


#include "pm_core.h"
#include "pm_csv.h"
#include "fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t     r;
    int        c;
    pm_err_t   err;
    pm_csv_t  *csv;

    pm_err_init(&err);

    if (pm_csv_parse((const char *) data, size, &csv, &err) != PM_OK) {
        PM_FUZZ_CHECK(err.msg[0] != '\0');
        return 0;
    }

    for (r = 0; r < csv->nrows; r++) {
        for (c = 0; c < csv->ncols; c++) {
            PM_FUZZ_CHECK(pm_csv_cell(csv, r, c) != NULL);
        }
    }

    pm_csv_free(csv);

    return 0;
}
