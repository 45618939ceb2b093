
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pm.h"
#include "pm_registry.h"
#include "pm_repo.h"
#include "pm_text.h"


static char *pm_repo_join(const char *dir, const char *name);
static int pm_repo_ignore(pm_repo_t *r, const char *path,
    const char *reason, pm_err_t *err);
static int pm_repo_add(pm_repo_t *r, const char *name, long version,
    const char *dir, pm_err_t *err);
static int pm_repo_versions(pm_repo_t *r, const char *name,
    const char *path, int versions, pm_err_t *err);
static int pm_repo_cmp(const void *a, const void *b);
static int pm_repo_is_dir(const char *path);


static char *
pm_repo_join(const char *dir, const char *name)
{
    char    *p;
    size_t   n;

    n = strlen(dir) + strlen(name) + 2;

    p = malloc(n);
    if (p != NULL) {
        (void) snprintf(p, n, "%s/%s", dir, name);
    }

    return p;
}


static int
pm_repo_is_dir(const char *path)
{
    struct stat  st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}


static int
pm_repo_ignore(pm_repo_t *r, const char *path, const char *reason,
    pm_err_t *err)
{
    void  *p;

    if (r->nign == r->cap_ign) {
        r->cap_ign = r->cap_ign ? r->cap_ign * 2 : 8;

        p = realloc(r->ign, sizeof(pm_repo_ignored_t) * r->cap_ign);
        if (p == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        r->ign = p;
    }

    r->ign[r->nign].path = pm_strdup(path);
    r->ign[r->nign].reason = reason;

    if (r->ign[r->nign].path == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    r->nign++;

    return PM_OK;
}


static int
pm_repo_add(pm_repo_t *r, const char *name, long version, const char *dir,
    pm_err_t *err)
{
    void             *p;
    pm_repo_entry_t  *e;

    if (r->n == PM_REPO_MAX_ENTRIES) {
        return pm_err_set(err, PM_EFORMAT, "more than %d model versions",
                          PM_REPO_MAX_ENTRIES);
    }

    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;

        p = realloc(r->e, sizeof(pm_repo_entry_t) * r->cap);
        if (p == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        r->e = p;
    }

    e = &r->e[r->n];
    e->name = pm_strdup(name);
    e->dir = pm_strdup(dir);
    e->version = version;

    if (e->name == NULL || e->dir == NULL) {
        free(e->name);
        free(e->dir);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    r->n++;

    return PM_OK;
}


static int
pm_repo_cmp(const void *a, const void *b)
{
    int                     c;
    const pm_repo_entry_t  *x = a, *y = b;

    c = strcmp(x->name, y->name);

    /* a name's versions, highest first */

    return c ? c : (x->version < y->version) - (x->version > y->version);
}


/* NAME's version directories: the highest `versions` (0: all) kept */

static int
pm_repo_versions(pm_repo_t *r, const char *name, const char *path,
    int versions, pm_err_t *err)
{
    int             rc;
    DIR            *d;
    long            v;
    char           *sub;
    size_t          first, i, kept;
    struct dirent  *de;

    d = opendir(path);
    if (d == NULL) {
        return pm_err_set(err, PM_EIO, "cannot open \"%s\": %s", path,
                          strerror(errno));
    }

    first = r->n;
    rc = PM_OK;

    while (rc == PM_OK && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }

        sub = pm_repo_join(path, de->d_name);
        if (sub == NULL) {
            rc = pm_err_set(err, PM_ENOMEM, "out of memory");
            break;
        }

        if (de->d_name[0] < '1' || de->d_name[0] > '9'
            || pm_integer(de->d_name, 1, PM_MAX_VERSION, &v) != 0)
        {
            rc = pm_repo_ignore(r, sub, "not a version (a positive integer)",
                                err);

        } else if (!pm_repo_is_dir(sub)) {
            rc = pm_repo_ignore(r, sub, "a version is a directory", err);

        } else {
            rc = pm_repo_add(r, name, v, sub, err);
        }

        free(sub);
    }

    (void) closedir(d);

    if (rc != PM_OK) {
        return rc;
    }

    if (r->n == first) {
        return pm_repo_ignore(r, path, "no version directories", err);
    }

    qsort(&r->e[first], r->n - first, sizeof(pm_repo_entry_t), pm_repo_cmp);

    kept = (versions == 0 || (size_t) versions > r->n - first)
           ? r->n - first : (size_t) versions;

    for (i = first + kept; i < r->n; i++) {
        free(r->e[i].name);
        free(r->e[i].dir);
    }

    r->n = first + kept;

    return PM_OK;
}


/*
 * DIR's models: versions is how many of each name's highest versions to
 * keep, 0 for all.  What is not a model directory is listed as ignored.
 */

int
pm_repo_scan(const char *dir, int versions, pm_repo_t **out, pm_err_t *err)
{
    int             rc;
    DIR            *d;
    char           *sub;
    pm_repo_t      *r;
    struct dirent  *de;

    *out = NULL;

    r = calloc(1, sizeof(pm_repo_t));
    if (r == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    d = opendir(dir);
    if (d == NULL) {
        free(r);
        return pm_err_set(err, PM_EIO, "cannot open the repository: %s",
                          strerror(errno));
    }

    rc = PM_OK;

    while (rc == PM_OK && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) {
            continue;
        }

        sub = pm_repo_join(dir, de->d_name);
        if (sub == NULL) {
            rc = pm_err_set(err, PM_ENOMEM, "out of memory");
            break;
        }

        if (de->d_name[0] == '.'
            || !pm_model_name_valid(de->d_name, strlen(de->d_name)))
        {
            rc = pm_repo_ignore(r, sub, "hidden, or not a model name "
                                "([A-Za-z0-9_.-]+)", err);

        } else if (!pm_repo_is_dir(sub)) {
            rc = pm_repo_ignore(r, sub, "not a directory", err);

        } else {
            rc = pm_repo_versions(r, de->d_name, sub, versions, err);
        }

        free(sub);
    }

    (void) closedir(d);

    if (rc != PM_OK) {
        pm_repo_free(r);
        return rc;
    }

    if (r->n > 1) {
        qsort(r->e, r->n, sizeof(pm_repo_entry_t), pm_repo_cmp);
    }

    *out = r;

    return PM_OK;
}


size_t
pm_repo_count(const pm_repo_t *r)
{
    return r->n;
}


const char *
pm_repo_name(const pm_repo_t *r, size_t i)
{
    return r->e[i].name;
}


long
pm_repo_version(const pm_repo_t *r, size_t i)
{
    return r->e[i].version;
}


const char *
pm_repo_dir(const pm_repo_t *r, size_t i)
{
    return r->e[i].dir;
}


size_t
pm_repo_nignored(const pm_repo_t *r)
{
    return r->nign;
}


/* an entry not loaded: its path, and why */

const char *
pm_repo_ignored(const pm_repo_t *r, size_t i, const char **reason)
{
    *reason = r->ign[i].reason;

    return r->ign[i].path;
}


void
pm_repo_free(pm_repo_t *r)
{
    size_t  i;

    if (r == NULL) {
        return;
    }

    for (i = 0; i < r->n; i++) {
        free(r->e[i].name);
        free(r->e[i].dir);
    }

    for (i = 0; i < r->nign; i++) {
        free(r->ign[i].path);
    }

    free(r->e);
    free(r->ign);
    free(r);
}
