
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


static void *pm_arena_alloc(void *data, size_t size);


static const struct {
    int                 code;
    const char         *name;
} pm_err_names[] = {
    { PM_OK,        "ok" },
    { PM_ERROR,     "internal_error" },
    { PM_ENOMEM,    "out_of_memory" },
    { PM_EIO,       "io_error" },
    { PM_EFORMAT,   "invalid_file" },
    { PM_EMODEL,    "invalid_model" },
    { PM_EJSON,     "invalid_json" },
    { PM_ESHAPE,    "invalid_request" },
    { PM_EVALUE,    "invalid_value" },
    { PM_ECOUNT,    "wrong_feature_count" },
    { PM_EINDEX,    "invalid_feature_index" },
    { PM_ETOOMANY,  "too_many_instances" },
    { PM_ERANGE,    "out_of_range" },
    { PM_EEMPTY,    "empty_body" },
    { PM_ENOSPC,    "internal_error" },
    { PM_ENONFINITE, "non_finite" },
    { PM_EMISSING,  "missing_feature" },
    { PM_ECATEGORY, "unknown_category" },
    { PM_EUNKNOWN,  "unknown_feature" },
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


const char *
pm_err_name(int code)
{
    size_t  i;

    for (i = 0; i < sizeof(pm_err_names) / sizeof(pm_err_names[0]); i++) {
        if (pm_err_names[i].code == code) {
            return pm_err_names[i].name;
        }
    }

    return "internal_error";
}


/*
 * The next line of a text file held in memory, NUL-terminated in ls->buf.
 * Returns 1, 0 at the end, or a PM_E* code.
 */

int
pm_lines_next(pm_lines_t *ls, pm_err_t *err)
{
    size_t       n;
    const char  *nl, *start;
    char        *nb;

    if (ls->p >= ls->end) {
        return 0;
    }

    start = ls->p;
    nl = memchr(start, '\n', (size_t) (ls->end - start));

    if (nl == NULL) {
        n = (size_t) (ls->end - start);
        ls->p = ls->end;

    } else {
        n = (size_t) (nl - start);
        ls->p = nl + 1;
    }

    ls->line++;

    if (n > PM_MAX_LINE) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: longer than %d bytes",
                          ls->line, PM_MAX_LINE);
    }

    if (memchr(start, '\0', n) != NULL) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: NUL byte", ls->line);
    }

    if (n + 1 > ls->cap) {
        nb = realloc(ls->buf, n + 1);
        if (nb == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        ls->buf = nb;
        ls->cap = n + 1;
    }

    memcpy(ls->buf, start, n);

    /* as libsvm's own tokenizer: trailing CR and blanks are not data */

    while (n > 0
           && (ls->buf[n - 1] == '\r' || ls->buf[n - 1] == ' '
               || ls->buf[n - 1] == '\t'))
    {
        n--;
    }

    ls->buf[n] = '\0';

    return 1;
}


void
pm_lines_free(pm_lines_t *ls)
{
    free(ls->buf);
    ls->buf = NULL;
    ls->cap = 0;
}


/* client text echoed in a message: printable ASCII only, bounded */

void
pm_safe_text(const char *text, char *out, size_t size)
{
    size_t  i;

    for (i = 0; text[i] != '\0' && i + 1 < size; i++) {
        out[i] = (text[i] >= 0x20 && text[i] < 0x7f && text[i] != '"')
                 ? text[i] : '?';
    }

    if (text[i] != '\0' && i >= 3) {
        memcpy(out + i - 3, "...", 3);
    }

    out[i] = '\0';
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
