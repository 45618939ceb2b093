
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdlib.h>
#include <string.h>

#include "pm.h"
#include "pm_registry.h"
#include "pm_text.h"


static int pm_entry_cmp(const void *a, const void *b);
static int pm_entry_name_cmp(const pm_entry_t *e, const char *name,
    size_t len);


/* model names: [A-Za-z0-9_.-]+, not "." or ".." */

int
pm_model_name_valid(const char *name, size_t len)
{
    size_t  i;

    if (len == 0 || len > PM_MAX_MODEL_NAME
        || (len == 1 && name[0] == '.')
        || (len == 2 && name[0] == '.' && name[1] == '.'))
    {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((name[i] >= 'a' && name[i] <= 'z')
              || (name[i] >= 'A' && name[i] <= 'Z')
              || (name[i] >= '0' && name[i] <= '9')
              || name[i] == '_' || name[i] == '.' || name[i] == '-'))
        {
            return 0;
        }
    }

    return 1;
}


int
pm_registry_create(const pm_options_t *opt, pm_registry_t **out,
    pm_err_t *err)
{
    pm_registry_t  *r;

    r = calloc(1, sizeof(pm_registry_t));
    if (r == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    r->opt = *opt;
    *out = r;

    return PM_OK;
}


/* NAME version VERSION, made of these files, served with r's options */

int
pm_registry_add(pm_registry_t *r, const char *name, long version,
    const pm_file_t *model, const pm_file_t *scaler, const pm_file_t *spec,
    pm_err_t *err)
{
    int          rc;
    void        *p;
    size_t       cap;
    pm_entry_t  *e;

    if (!pm_model_name_valid(name, strlen(name)) || version < 1) {
        return pm_err_set(err, PM_EFORMAT, "model name \"%.64s\" version %ld: "
                          "a name is [A-Za-z0-9_.-]+, a version a positive "
                          "integer", name, version);
    }

    if (r->n == r->cap) {
        cap = r->cap ? r->cap * 2 : 16;

        p = realloc(r->e, sizeof(pm_entry_t) * cap);
        if (p == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        r->e = p;
        r->cap = cap;
    }

    e = &r->e[r->n];
    memset(e, 0, sizeof(pm_entry_t));

    rc = pm_pipeline_init(&e->pipeline, model->model,
                          scaler != NULL ? scaler->scaler : NULL,
                          spec != NULL ? spec->spec : NULL, 0, &r->opt, err);
    if (rc != PM_OK) {
        return rc;
    }

    e->name = pm_strdup(name);
    if (e->name == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    e->version = version;
    r->n++;

    return PM_OK;
}


static int
pm_entry_cmp(const void *a, const void *b)
{
    int                c;
    const pm_entry_t  *x = a, *y = b;

    c = strcmp(x->name, y->name);

    return c ? c : (x->version > y->version) - (x->version < y->version);
}


/* sorted, each name's latest version marked; a name and version twice fails */

int
pm_registry_sort(pm_registry_t *r, pm_err_t *err)
{
    size_t  i;

    if (r->n > 1) {
        qsort(r->e, r->n, sizeof(pm_entry_t), pm_entry_cmp);
    }

    for (i = 0; i < r->n; i++) {
        if (i > 0 && pm_entry_cmp(&r->e[i - 1], &r->e[i]) == 0) {
            return pm_err_set(err, PM_EFORMAT, "model \"%s\" version %ld is "
                              "defined twice", r->e[i].name,
                              r->e[i].version);
        }

        r->e[i].latest = (i + 1 == r->n
                          || strcmp(r->e[i].name, r->e[i + 1].name) != 0);
    }

    return PM_OK;
}


/* an entry's name against NAME (len bytes, not NUL-terminated) */

static int
pm_entry_name_cmp(const pm_entry_t *e, const char *name, size_t len)
{
    int  c;

    c = strncmp(e->name, name, len);

    return (c != 0) ? c : (e->name[len] != '\0');
}


/* NAME's VERSION, or its latest for version 0; NULL if none */

const pm_entry_t *
pm_registry_find(const pm_registry_t *r, const char *name, size_t len,
    long version)
{
    size_t             lo, hi, mid;
    const pm_entry_t  *e;

    lo = 0;
    hi = r->n;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        if (pm_entry_name_cmp(&r->e[mid], name, len) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }

    for (e = &r->e[lo]; e < r->e + r->n; e++) {
        if (pm_entry_name_cmp(e, name, len) != 0) {
            return NULL;
        }

        if (version == 0 ? e->latest : e->version == version) {
            return e;
        }
    }

    return NULL;
}


size_t
pm_registry_count(const pm_registry_t *r)
{
    return r->n;
}


void
pm_registry_free(pm_registry_t *r)
{
    size_t  i, k;

    if (r == NULL) {
        return;
    }

    for (i = 0; i < r->n; i++) {
        free(r->e[i].name);

        for (k = 0; k < PM_DOC_ENTRY; k++) {
            free(r->e[i].doc[k].data);
        }
    }

    for (k = 0; k < PM_DOC_SERVER; k++) {
        free(r->doc[k].data);
    }

    free(r->e);
    free(r);
}
