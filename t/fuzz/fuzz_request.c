
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * A request body through the whole pipeline: decode, scale (a range file)
 * or encode (a feature spec), predict (fast and libsvm engines), write the
 * answer or the error.  The first byte picks the pipeline and options.
 */


#include <string.h>

#include "pm.h"
#include "pm_kinds.h"
#include "pm_pipeline.h"
#include "pm_response.h"
#include "fuzz.h"


static pm_model_t     *model;
static pm_scaler_t    *scaler;
static pm_spec_t      *spec;
static pm_pipeline_t   by_index, by_range, by_name;
static pm_arena_t     *arena;


static void
fuzz_init(void)
{
    pm_err_t      err;
    pm_options_t  opt;

    pm_err_init(&err);
    memset(&opt, 0, sizeof(pm_options_t));

    if (pm_model_load(PM_FUZZ_DATA "/tiny.model", &model, &err) != PM_OK
        || pm_scaler_load(PM_FUZZ_DATA "/tiny.range", &scaler, &err) != PM_OK
        || pm_spec_load(PM_FUZZ_DATA "/tiny.json", &spec, &err) != PM_OK
        || pm_pipeline_init(&by_index, model, NULL, NULL, 0, &opt, &err)
           != PM_OK
        || pm_pipeline_init(&by_range, model, scaler, NULL, 0, &opt, &err)
           != PM_OK
        || pm_pipeline_init(&by_name, model, NULL, spec, 0, &opt, &err)
           != PM_OK)
    {
        abort();
    }

    arena = pm_arena_create();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int             rc;
    char            buf[4096];
    size_t          n;
    pm_err_t        err;
    pm_alloc_t      a;
    pm_answer_t     ans;
    pm_pipeline_t   p;

    if (model == NULL) {
        fuzz_init();
    }

    if (size == 0) {
        return 0;
    }

    p = (data[0] % 3 == 0) ? by_index : (data[0] % 3 == 1) ? by_range
                                                         : by_name;
    p.opt.out_of_range = (data[0] >> 2) % 3;
    p.opt.probability = (data[0] >> 4) & 1;
    p.opt.decision_values = (data[0] >> 5) & 1;
    p.opt.engine = (data[0] >> 6) & 1;
    p.opt.max_instances = 50;

    pm_arena_allocator(arena, &a);
    pm_err_init(&err);

    rc = pm_serve(&p, (const char *) data + 1, size - 1, &a, &ans, &err);

    PM_FUZZ_CHECK(ans.len > 0 && ans.body[ans.len - 1] == '\n');

    if (rc != PM_OK) {
        PM_FUZZ_CHECK(err.msg[0] != '\0' && ans.code == rc);
        n = pm_error_write(&err, buf, sizeof(buf));
        PM_FUZZ_CHECK(n == pm_error_write(&err, NULL, 0) && n == ans.len);
    }

    pm_arena_reset(arena);

    return 0;
}
