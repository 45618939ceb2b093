
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The protocol routes: a path and a body through pm_serve_route() over a
 * registry of the tiny model by index and by named features, so that the
 * route parser, the TF Serving (v1) and Open Inference Protocol (v2)
 * decoders, prediction and both encoders see what the fuzzer makes.  The
 * first byte picks the method; the input's first line is the path.
 */


#include <string.h>

#include "pm.h"
#include "pm_pipeline.h"
#include "fuzz.h"


static pm_registry_t  *registry;
static pm_file_t      *model, *spec;
static pm_arena_t     *arena;


static void
fuzz_init(void)
{
    pm_err_t      err;
    pm_options_t  opt;

    pm_err_init(&err);
    memset(&opt, 0, sizeof(pm_options_t));
    opt.probability = 1;
    opt.max_instances = 20;

    if (pm_file_load(PM_FILE_MODEL, PM_FUZZ_DATA "/tiny.model", &model, &err)
        != PM_OK
        || pm_file_load(PM_FILE_SPEC, PM_FUZZ_DATA "/tiny.json", &spec, &err)
           != PM_OK
        || pm_registry_create(&opt, &registry, &err) != PM_OK
        || pm_registry_add(registry, "tiny", 1, model, NULL, NULL, &err)
           != PM_OK
        || pm_registry_add(registry, "tiny", 3, model, NULL, spec, &err)
           != PM_OK
        || pm_registry_add(registry, "named", 2, model, NULL, spec, &err)
           != PM_OK
        || pm_registry_finish(registry, &err) != PM_OK)
    {
        abort();
    }

    arena = pm_arena_create();
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int           rc, method;
    size_t        plen;
    pm_err_t      err;
    pm_alloc_t    a;
    pm_answer_t   ans;
    const char   *path, *nl;

    if (registry == NULL) {
        fuzz_init();
    }

    if (size < 2) {
        return 0;
    }

    method = 1 + data[0] % 4;
    path = (const char *) data + 1;
    nl = memchr(path, '\n', size - 1);
    plen = (nl != NULL) ? (size_t) (nl - path) : size - 1;

    pm_arena_allocator(arena, &a);
    pm_err_init(&err);

    rc = pm_serve_route(registry, method, path, plen,
                        nl != NULL ? nl + 1 : NULL,
                        nl != NULL ? size - 2 - plen : 0, &a, &ans, &err);

    /* always an answer, and always JSON's last line */

    PM_FUZZ_CHECK(ans.body != NULL && ans.len > 0
                  && ans.body[ans.len - 1] == '\n');
    PM_FUZZ_CHECK(rc == PM_OK ? ans.status == 200
                              : ans.status >= 400 && ans.status < 600
                                && ans.code == rc);
    PM_FUZZ_CHECK(ans.status < 500);     /* the client is never our fault */

    pm_arena_reset(arena);

    return 0;
}
