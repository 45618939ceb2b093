
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_core.h"


typedef struct pm_arena_block_s  pm_arena_block_t;

struct pm_arena_block_s {
    pm_arena_block_t   *next;
    /* each allocation is its own block, so ASan sees every overrun */
};

struct pm_arena_s {
    pm_arena_block_t   *blocks;
};


static size_t pm_err_find(int code);
static void *pm_arena_alloc(void *data, size_t size);


/*
 * The one table of error codes: the name every answer and log line shows
 * and the HTTP status it is answered with (0: the status nginx chose).
 */

static const struct {
    int                 code;
    int                 status;
    const char         *name;
} pm_err_names[] = {
    { PM_OK,          200, "ok" },
    { PM_ERROR,       500, "internal_error" },
    { PM_ENOMEM,      500, "out_of_memory" },
    { PM_EIO,         500, "io_error" },
    { PM_EFORMAT,     500, "invalid_file" },
    { PM_EMODEL,      500, "invalid_model" },
    { PM_EJSON,       400, "invalid_json" },
    { PM_ESHAPE,      400, "invalid_request" },
    { PM_EVALUE,      400, "invalid_value" },
    { PM_ECOUNT,      400, "wrong_feature_count" },
    { PM_EINDEX,      400, "invalid_feature_index" },
    { PM_ETOOMANY,    413, "too_many_instances" },
    { PM_ERANGE,      422, "out_of_range" },
    { PM_EEMPTY,      400, "empty_body" },
    { PM_ENONFINITE,  422, "non_finite" },
    { PM_EMISSING,    400, "missing_feature" },
    { PM_ECATEGORY,   400, "unknown_category" },
    { PM_EUNKNOWN,    400, "unknown_feature" },
    { PM_EMETHOD,     405, "method_not_allowed" },
    { PM_EBODY,       413, "body_too_large" },
    { PM_EBADREQ,     400, "bad_request" },
    { PM_ETIMEOUT,    408, "request_timeout" },
    { PM_ELENGTH,     411, "length_required" },
    { PM_EHTTP,         0, "http_error" },
    { PM_EFORBIDDEN,  403, "forbidden" },
    { PM_ERATE,         0, "rate_limited" },
    { PM_ENOTFOUND,   404, "not_found" },
};


void
pm_err_init(pm_err_t *err)
{
    /* the arrays are read only up to their counts: no need to clear them */

    err->code = PM_OK;
    err->line = 0;
    err->column = 0;
    err->instance = -1;
    err->feature = 0;
    err->nfeatures = 0;
    err->nnames = 0;
    err->msg[0] = '\0';
}


int
pm_err_vset(pm_err_t *err, int code, const char *fmt, va_list args)
{
    if (err == NULL) {
        return code;
    }

    err->code = code;
    (void) vsnprintf(err->msg, sizeof(err->msg), fmt, args);

    return code;
}


int
pm_err_set(pm_err_t *err, int code, const char *fmt, ...)
{
    va_list  args;

    va_start(args, fmt);
    (void) pm_err_vset(err, code, fmt, args);
    va_end(args);

    return code;
}


void
pm_err_add_feature(pm_err_t *err, int index)
{
    if (err->nfeatures
        < (int) (sizeof(err->features) / sizeof(err->features[0])))
    {
        err->features[err->nfeatures++] = index;
    }
}


void
pm_err_add_name(pm_err_t *err, const char *name)
{
    if (err->nnames < (int) (sizeof(err->names) / sizeof(err->names[0]))) {
        (void) snprintf(err->names[err->nnames++], sizeof(err->names[0]),
                        "%s", name);
    }
}


void
pm_err_prefix(pm_err_t *err, const char *fmt, ...)
{
    int      n;
    char     tmp[PM_ERR_MSG_SIZE];
    va_list  args;

    va_start(args, fmt);
    n = vsnprintf(tmp, sizeof(tmp), fmt, args);
    va_end(args);

    if (n < 0 || (size_t) n >= sizeof(tmp)) {
        return;
    }

    (void) snprintf(tmp + n, sizeof(tmp) - (size_t) n, "%s", err->msg);
    memcpy(err->msg, tmp, sizeof(err->msg));
}


static size_t
pm_err_find(int code)
{
    size_t  i;

    for (i = 0; i < sizeof(pm_err_names) / sizeof(pm_err_names[0]); i++) {
        if (pm_err_names[i].code == code) {
            return i;
        }
    }

    return 1;   /* PM_ERROR: an unknown code is our fault */
}


const char *
pm_err_name(int code)
{
    return pm_err_names[pm_err_find(code)].name;
}


int
pm_err_status(int code)
{
    return pm_err_names[pm_err_find(code)].status;
}


void *
pm_alloc(pm_alloc_t *a, size_t size)
{
    if (size == 0) {
        size = 1;
    }

    return a->alloc(a->data, size);
}


pm_arena_t *
pm_arena_create(void)
{
    return calloc(1, sizeof(pm_arena_t));
}


static void *
pm_arena_alloc(void *data, size_t size)
{
    pm_arena_t        *arena = data;
    pm_arena_block_t  *b;

    if (size > (size_t) -1 - sizeof(max_align_t)) {
        return NULL;
    }

    b = malloc(sizeof(max_align_t) + size);
    if (b == NULL) {
        return NULL;
    }

    b->next = arena->blocks;
    arena->blocks = b;

    return (char *) b + sizeof(max_align_t);
}


void
pm_arena_reset(pm_arena_t *arena)
{
    pm_arena_block_t  *b, *next;

    for (b = arena->blocks; b != NULL; b = next) {
        next = b->next;
        free(b);
    }

    arena->blocks = NULL;
}


void
pm_arena_destroy(pm_arena_t *arena)
{
    if (arena != NULL) {
        pm_arena_reset(arena);
        free(arena);
    }
}


void
pm_arena_allocator(pm_arena_t *arena, pm_alloc_t *a)
{
    a->alloc = pm_arena_alloc;
    a->data = arena;
}
