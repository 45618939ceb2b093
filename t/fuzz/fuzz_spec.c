
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * A feature spec, then (after the first NUL byte) a request instance
 * encoded with it; the spec also goes back to JSON and must parse again.
 */


#include <string.h>

#include <jansson.h>

#include "pm_core.h"
#include "pm_encode.h"
#include "pm_request.h"
#include "pm_spec.h"
#include "fuzz.h"


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int              i, n, noor, *oor;
    char            *text;
    size_t           split;
    json_t          *j;
    pm_value_t      *raw;
    pm_err_t         err;
    pm_alloc_t       a;
    pm_arena_t      *arena;
    pm_batch_t       req;
    pm_spec_t       *s, *s2;
    pm_node_t       *out;
    const uint8_t   *nul;

    nul = memchr(data, '\0', size);
    split = (nul != NULL) ? (size_t) (nul - data) : size;

    pm_err_init(&err);

    if (pm_spec_parse((const char *) data, split, &s, &err) != PM_OK) {
        PM_FUZZ_CHECK(err.msg[0] != '\0');
        return 0;
    }

    j = pm_spec_json(s);
    PM_FUZZ_CHECK(j != NULL);
    text = json_dumps(j, JSON_REAL_PRECISION(17));
    json_decref(j);
    PM_FUZZ_CHECK(text != NULL);
    PM_FUZZ_CHECK(pm_spec_parse(text, strlen(text), &s2, &err) == PM_OK);
    free(text);
    pm_spec_free(s2);

    if (nul != NULL && s->max_index <= 100000) {
        arena = pm_arena_create();
        pm_arena_allocator(arena, &a);

        if (pm_request_parse((const char *) nul + 1, size - split - 1, 10, 0,
                             &a, &req, &err) == PM_OK)
        {
            raw = malloc(sizeof(pm_value_t) * (size_t) s->n);
            out = malloc(sizeof(pm_node_t)
                         * ((size_t) s->max_index + 1));
            oor = malloc(sizeof(int) * (size_t) s->n);

            for (i = 0; i < (int) req.n; i++) {
                pm_err_init(&err);
                if (pm_encode_values(s, &req.inst[i], raw, &err) != PM_OK) {
                    continue;
                }

                n = pm_encode_spec(s, i % 3, raw, out, oor, &noor, &err);
                PM_FUZZ_CHECK(n <= s->max_index && noor <= s->n);
            }

            free(raw);
            free(out);
            free(oor);
        }

        pm_arena_destroy(arena);
    }

    pm_spec_free(s);

    return 0;
}
