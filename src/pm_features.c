
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_features.h"
#include "pm_model.h"
#include "pm_request.h"


#define PM_MAX_SPEC_SIZE  (256 * 1024 * 1024)


static int pm_spec_feature(json_t *v, int i, pm_feature_t *f, pm_err_t *err);
static int pm_spec_numeric(json_t *v, const char *where, pm_feature_t *f,
    pm_err_t *err);
static int pm_spec_categorical(json_t *v, const char *where, pm_feature_t *f,
    pm_err_t *err);
static int pm_spec_target(json_t *v, pm_target_t *t, pm_err_t *err);
static int pm_spec_keys(json_t *obj, const char *where,
    const char *const *allowed, pm_err_t *err);
static int pm_spec_number(json_t *obj, const char *key, const char *where,
    int required, double *v, pm_err_t *err);
static int pm_spec_policy(json_t *v, const char *where, int *policy,
    pm_err_t *err);
static int pm_spec_transform(const char *name);
static char *pm_strdup(const char *s);
static int pm_cmp_names(const void *a, const void *b, void *data);
static void pm_sort(int *pos, int n, int (*cmp)(const void *, const void *,
    void *), void *data);
static int pm_cat_find(const pm_feature_t *f, const char *key);
static double pm_xf_apply(int transform, double p1, double p2, double lower,
    double upper, double t);
static int pm_cmp_index(const void *a, const void *b, void *data);
static int pm_cmp_strings(const void *a, const void *b);
static int pm_cmp_cats(const void *a, const void *b, void *data);


static const char  *pm_transforms[] = {
    "none", "minmax", "linear", "standard", "maxabs", NULL
};

static const char  *pm_policies[] = { "extrapolate", "clip", "reject", NULL };


const char *
pm_transform_name(int transform)
{
    if (transform < PM_XF_NONE || transform > PM_XF_MAXABS) {
        return "unknown";
    }

    return pm_transforms[transform];
}


static int
pm_spec_transform(const char *name)
{
    int  i;

    for (i = 0; pm_transforms[i] != NULL; i++) {
        if (strcmp(name, pm_transforms[i]) == 0) {
            return i;
        }
    }

    return -1;
}


static char *
pm_strdup(const char *s)
{
    size_t  n;
    char   *p;

    n = strlen(s) + 1;
    p = malloc(n);

    if (p != NULL) {
        memcpy(p, s, n);
    }

    return p;
}


/* every key of obj must be one of allowed: typos fail loudly */

static int
pm_spec_keys(json_t *obj, const char *where, const char *const *allowed,
    pm_err_t *err)
{
    int          i;
    json_t      *v;
    const char  *key;

    json_object_foreach(obj, key, v) {
        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0) {
                break;
            }
        }

        if (allowed[i] == NULL) {
            return pm_err_set(err, PM_EFORMAT, "%s: unknown key \"%.64s\"",
                              where, key);
        }
    }

    return PM_OK;
}


static int
pm_spec_number(json_t *obj, const char *key, const char *where, int required,
    double *v, pm_err_t *err)
{
    json_t  *n;

    n = json_object_get(obj, key);

    if (n == NULL || json_is_null(n)) {
        if (required) {
            return pm_err_set(err, PM_EFORMAT, "%s: \"%s\" is required",
                              where, key);
        }

        return 1;
    }

    if (!json_is_number(n) || !isfinite(json_number_value(n))) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"%s\" must be a finite "
                          "number", where, key);
    }

    *v = json_number_value(n);

    return PM_OK;
}


static int
pm_spec_policy(json_t *v, const char *where, int *policy, pm_err_t *err)
{
    int  i;

    *policy = PM_OOR_DEFAULT;

    if (v == NULL) {
        return PM_OK;
    }

    for (i = 0; json_is_string(v) && pm_policies[i] != NULL; i++) {
        if (strcmp(json_string_value(v), pm_policies[i]) == 0) {
            *policy = i;
            return PM_OK;
        }
    }

    return pm_err_set(err, PM_EFORMAT, "%s: \"out_of_range\" must be "
                      "\"extrapolate\", \"clip\" or \"reject\"", where);
}


static int
pm_spec_numeric(json_t *v, const char *where, pm_feature_t *f, pm_err_t *err)
{
    int          rc, has_min, has_max;
    json_t      *t, *m, *fill;
    const char  *name;

    static const char *const  keys[] = {
        "name", "type", "index", "transform", "log1p", "min", "max",
        "lower", "upper", "scale", "offset", "mean", "std", "maxabs",
        "missing", "out_of_range", NULL
    };

    rc = pm_spec_keys(v, where, keys, err);
    if (rc != PM_OK) {
        return rc;
    }

    f->width = 1;

    t = json_object_get(v, "transform");
    name = (t == NULL) ? "none" : json_string_value(t);

    if (name == NULL || (f->transform = pm_spec_transform(name)) < 0) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"transform\" must be one "
                          "of none, minmax, linear, standard, maxabs", where);
    }

    t = json_object_get(v, "log1p");
    if (t != NULL && !json_is_boolean(t)) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"log1p\" must be true or "
                          "false", where);
    }

    f->log1p = json_is_true(t);

    has_min = pm_spec_number(v, "min", where, 0, &f->min, err);
    if (has_min < 0) {
        return has_min;
    }

    has_max = pm_spec_number(v, "max", where, 0, &f->max, err);
    if (has_max < 0) {
        return has_max;
    }

    if (has_min != has_max) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"min\" and \"max\" come "
                          "together", where);
    }

    f->has_range = (has_min == PM_OK);

    if (f->has_range && f->min > f->max) {
        return pm_err_set(err, PM_EFORMAT, "%s: min %.17g is above max "
                          "%.17g", where, f->min, f->max);
    }

    if (f->log1p && f->has_range && !(f->min > -1)) {
        return pm_err_set(err, PM_EFORMAT, "%s: log1p needs values above "
                          "-1, min is %.17g", where, f->min);
    }

    switch (f->transform) {

    case PM_XF_MINMAX:
        if (!f->has_range) {
            return pm_err_set(err, PM_EFORMAT, "%s: minmax needs \"min\" and "
                              "\"max\"", where);
        }

        f->lower = -1;
        f->upper = 1;

        if (pm_spec_number(v, "lower", where, 0, &f->lower, err) < 0
            || pm_spec_number(v, "upper", where, 0, &f->upper, err) < 0)
        {
            return err->code;
        }

        if (!(f->upper > f->lower)) {
            return pm_err_set(err, PM_EFORMAT, "%s: lower %.17g is not below "
                              "upper %.17g", where, f->lower, f->upper);
        }

        f->p1 = f->log1p ? log1p(f->min) : f->min;
        f->p2 = f->log1p ? log1p(f->max) : f->max;
        break;

    case PM_XF_LINEAR:
        if (pm_spec_number(v, "scale", where, 1, &f->p1, err) != PM_OK
            || pm_spec_number(v, "offset", where, 1, &f->p2, err) != PM_OK)
        {
            return err->code;
        }

        break;

    case PM_XF_STANDARD:
        if (pm_spec_number(v, "mean", where, 1, &f->p1, err) != PM_OK
            || pm_spec_number(v, "std", where, 1, &f->p2, err) != PM_OK)
        {
            return err->code;
        }

        if (!(f->p2 > 0)) {
            return pm_err_set(err, PM_EFORMAT, "%s: \"std\" must be above 0 "
                              "(a constant feature has std 1)", where);
        }

        break;

    case PM_XF_MAXABS:
        if (pm_spec_number(v, "maxabs", where, 1, &f->p1, err) != PM_OK) {
            return err->code;
        }

        if (!(f->p1 > 0)) {
            return pm_err_set(err, PM_EFORMAT, "%s: \"maxabs\" must be above "
                              "0 (an all-zero feature has maxabs 1)", where);
        }

        break;
    }

    m = json_object_get(v, "missing");
    f->missing = PM_MISSING_REJECT;

    if (m != NULL && !(json_is_string(m)
                       && strcmp(json_string_value(m), "reject") == 0))
    {
        fill = json_is_object(m) ? json_object_get(m, "fill") : NULL;

        if (fill == NULL || json_object_size(m) != 1 || !json_is_number(fill)
            || !isfinite(json_number_value(fill)))
        {
            return pm_err_set(err, PM_EFORMAT, "%s: \"missing\" must be "
                              "\"reject\" or {\"fill\": number}", where);
        }

        f->missing = PM_MISSING_FILL;
        f->fill = json_number_value(fill);
    }

    return pm_spec_policy(json_object_get(v, "out_of_range"), where, &f->oor,
                          err);
}


static int
pm_spec_categorical(json_t *v, const char *where, pm_feature_t *f,
    pm_err_t *err)
{
    int          rc;
    size_t       i;
    json_t      *cats, *c, *m, *fill;
    const char  *u;

    static const char *const  keys[] = {
        "name", "type", "index", "categories", "unknown", "missing", NULL
    };

    rc = pm_spec_keys(v, where, keys, err);
    if (rc != PM_OK) {
        return rc;
    }

    cats = json_object_get(v, "categories");

    if (!json_is_array(cats)) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"categories\" must be an "
                          "array of strings", where);
    }

    f->ncat = (int) json_array_size(cats);
    f->width = f->ncat;
    f->categories = calloc((size_t) f->ncat + 1, sizeof(char *));
    f->cat_sorted = calloc((size_t) f->ncat + 1, sizeof(int));

    if (f->categories == NULL || f->cat_sorted == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    json_array_foreach(cats, i, c) {
        if (!json_is_string(c)) {
            return pm_err_set(err, PM_EFORMAT, "%s: category %zu is not a "
                              "string", where, i);
        }

        f->categories[i] = pm_strdup(json_string_value(c));
        if (f->categories[i] == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }
    }

    u = json_string_value(json_object_get(v, "unknown"));
    f->unknown = PM_UNKNOWN_ERROR;

    if (json_object_get(v, "unknown") != NULL) {
        if (u != NULL && strcmp(u, "zero") == 0) {
            f->unknown = PM_UNKNOWN_ZERO;

        } else if (u == NULL || strcmp(u, "error") != 0) {
            return pm_err_set(err, PM_EFORMAT, "%s: \"unknown\" must be "
                              "\"error\" or \"zero\"", where);
        }
    }

    m = json_object_get(v, "missing");
    f->missing = PM_MISSING_REJECT;
    f->oor = PM_OOR_DEFAULT;

    if (m != NULL && !(json_is_string(m)
                       && strcmp(json_string_value(m), "reject") == 0))
    {
        fill = json_is_object(m) ? json_object_get(m, "fill") : NULL;

        if (fill == NULL || json_object_size(m) != 1
            || !json_is_string(fill))
        {
            return pm_err_set(err, PM_EFORMAT, "%s: \"missing\" must be "
                              "\"reject\" or {\"fill\": category}", where);
        }

        f->missing = PM_MISSING_FILL;
        f->fill_cat = -1;

        for (i = 0; i < (size_t) f->ncat; i++) {
            if (strcmp(f->categories[i], json_string_value(fill)) == 0) {
                f->fill_cat = (int) i;
            }
        }

        if (f->fill_cat < 0) {
            return pm_err_set(err, PM_EFORMAT, "%s: the fill category is not "
                              "among the categories", where);
        }
    }

    return PM_OK;
}


static int
pm_spec_feature(json_t *v, int i, pm_feature_t *f, pm_err_t *err)
{
    json_t      *idx;
    const char  *name, *type;
    char         where[PM_MAX_NAME + 32];

    (void) snprintf(where, sizeof(where), "features[%d]", i);

    if (!json_is_object(v)) {
        return pm_err_set(err, PM_EFORMAT, "%s is not an object", where);
    }

    name = json_string_value(json_object_get(v, "name"));

    if (name == NULL || name[0] == '\0' || strlen(name) >= PM_MAX_NAME) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"name\" must be a string of "
                          "1 to %d bytes", where, PM_MAX_NAME - 1);
    }

    f->name = pm_strdup(name);
    if (f->name == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    (void) snprintf(where, sizeof(where), "features[%d] \"%s\"", i, name);

    idx = json_object_get(v, "index");

    if (!json_is_number(idx) || json_number_value(idx) < 1
        || json_number_value(idx) > PM_MAX_INDEX
        || json_number_value(idx) != floor(json_number_value(idx)))
    {
        return pm_err_set(err, PM_EFORMAT, "%s: \"index\" must be an integer "
                          "in 1..%d", where, PM_MAX_INDEX);
    }

    f->index = (int) json_number_value(idx);

    type = json_string_value(json_object_get(v, "type"));

    if (type != NULL && strcmp(type, "numeric") == 0) {
        f->type = PM_FEAT_NUMERIC;
        return pm_spec_numeric(v, where, f, err);
    }

    if (type != NULL && strcmp(type, "categorical") == 0) {
        f->type = PM_FEAT_CATEGORICAL;
        return pm_spec_categorical(v, where, f, err);
    }

    return pm_err_set(err, PM_EFORMAT, "%s: \"type\" must be \"numeric\" or "
                      "\"categorical\"", where);
}


static int
pm_spec_target(json_t *v, pm_target_t *t, pm_err_t *err)
{
    int          rc, has;
    size_t       i, j;
    char        *text, buf[PM_JSON_NUM_SIZE];
    json_t      *classes, *c, *r;
    const char  *task, *name, *rule, *xf;

    static const char *const  keys[] = {
        "name", "task", "classes", "label_rule", "transform", "min", "max",
        "lower", "upper", "scale", "offset", "mean", "std", NULL
    };

    if (!json_is_object(v)) {
        return pm_err_set(err, PM_EFORMAT, "\"target\" is not an object");
    }

    rc = pm_spec_keys(v, "target", keys, err);
    if (rc != PM_OK) {
        return rc;
    }

    name = json_string_value(json_object_get(v, "name"));
    if (name != NULL) {
        t->name = pm_strdup(name);
        if (t->name == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }
    }

    task = json_string_value(json_object_get(v, "task"));

    if (task != NULL && strcmp(task, "classify") == 0) {
        t->task = PM_TASK_CLASSIFY;
    } else if (task != NULL && strcmp(task, "regress") == 0) {
        t->task = PM_TASK_REGRESS;
    } else if (task != NULL && strcmp(task, "one-class") == 0) {
        t->task = PM_TASK_ONE_CLASS;
    } else {
        return pm_err_set(err, PM_EFORMAT, "target: \"task\" must be "
                          "\"classify\", \"regress\" or \"one-class\"");
    }

    rule = json_string_value(json_object_get(v, "label_rule"));
    t->label_rule = PM_LABEL_PROBABILITY;

    if (json_object_get(v, "label_rule") != NULL) {
        if (rule != NULL && strcmp(rule, "vote") == 0) {
            t->label_rule = PM_LABEL_VOTE;

        } else if (rule == NULL || strcmp(rule, "probability") != 0) {
            return pm_err_set(err, PM_EFORMAT, "target: \"label_rule\" must "
                              "be \"vote\" or \"probability\"");
        }
    }

    classes = json_object_get(v, "classes");

    if (classes != NULL) {
        if (t->task != PM_TASK_CLASSIFY || !json_is_array(classes)
            || json_array_size(classes) < 2
            || json_array_size(classes) > PM_MAX_CLASSES)
        {
            return pm_err_set(err, PM_EFORMAT, "target: \"classes\" must be "
                              "an array of 2 to %d strings or numbers, for "
                              "classify only", PM_MAX_CLASSES);
        }

        t->nclasses = (int) json_array_size(classes);
        t->class_json = calloc((size_t) t->nclasses, sizeof(char *));
        t->class_key = calloc((size_t) t->nclasses, sizeof(char *));

        if (t->class_json == NULL || t->class_key == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        json_array_foreach(classes, i, c) {
            if (json_is_string(c)) {
                text = json_dumps(c, JSON_ENCODE_ANY);
                t->class_key[i] = pm_strdup(json_string_value(c));

            } else if (json_is_number(c) && isfinite(json_number_value(c))) {
                (void) pm_format_number(json_number_value(c), buf);
                text = pm_strdup(buf);
                t->class_key[i] = pm_strdup(buf);

            } else {
                return pm_err_set(err, PM_EFORMAT, "target: class %zu is "
                                  "neither a string nor a number", i);
            }

            t->class_json[i] = text;

            if (text == NULL || t->class_key[i] == NULL) {
                return pm_err_set(err, PM_ENOMEM, "out of memory");
            }

            for (j = 0; j < i; j++) {
                if (strcmp(t->class_key[j], t->class_key[i]) == 0) {
                    return pm_err_set(err, PM_EFORMAT, "target: duplicate "
                                      "class \"%.64s\"", t->class_key[i]);
                }
            }
        }
    }

    r = json_object_get(v, "transform");
    xf = (r == NULL) ? "none" : json_string_value(r);

    if (xf == NULL || (t->transform = pm_spec_transform(xf)) < 0
        || t->transform == PM_XF_MAXABS
        || (t->transform != PM_XF_NONE && t->task != PM_TASK_REGRESS))
    {
        return pm_err_set(err, PM_EFORMAT, "target: \"transform\" must be "
                          "none, minmax, linear or standard, for regress "
                          "only");
    }

    switch (t->transform) {

    case PM_XF_MINMAX:
        t->lower = -1;
        t->upper = 1;
        has = pm_spec_number(v, "min", "target", 1, &t->p1, err);
        if (has == PM_OK) {
            has = pm_spec_number(v, "max", "target", 1, &t->p2, err);
        }
        if (has == PM_OK
            && (pm_spec_number(v, "lower", "target", 0, &t->lower, err) < 0
                || pm_spec_number(v, "upper", "target", 0, &t->upper, err)
                   < 0))
        {
            has = err->code;
        }
        if (has != PM_OK) {
            return has;
        }
        if (t->p1 > t->p2 || !(t->upper > t->lower)) {
            return pm_err_set(err, PM_EFORMAT, "target: min above max, or "
                              "lower not below upper");
        }
        break;

    case PM_XF_LINEAR:
        if (pm_spec_number(v, "scale", "target", 1, &t->p1, err) != PM_OK
            || pm_spec_number(v, "offset", "target", 1, &t->p2, err) != PM_OK)
        {
            return err->code;
        }
        if (t->p1 == 0) {
            return pm_err_set(err, PM_EFORMAT, "target: \"scale\" is 0");
        }
        break;

    case PM_XF_STANDARD:
        if (pm_spec_number(v, "mean", "target", 1, &t->p1, err) != PM_OK
            || pm_spec_number(v, "std", "target", 1, &t->p2, err) != PM_OK)
        {
            return err->code;
        }
        if (!(t->p2 > 0)) {
            return pm_err_set(err, PM_EFORMAT, "target: \"std\" must be above "
                              "0");
        }
        break;
    }

    return PM_OK;
}


static int
pm_cmp_names(const void *a, const void *b, void *data)
{
    const pm_features_t  *s = data;

    return strcmp(s->f[*(const int *) a].name, s->f[*(const int *) b].name);
}


/* a small insertion sort: spec-sized inputs, run once at load */

static void
pm_sort(int *pos, int n, int (*cmp)(const void *, const void *, void *),
    void *data)
{
    int  i, j, v;

    for (i = 1; i < n; i++) {
        v = pos[i];

        for (j = i; j > 0 && cmp(&pos[j - 1], &v, data) > 0; j--) {
            pos[j] = pos[j - 1];
        }

        pos[j] = v;
    }
}


static int
pm_cmp_index(const void *a, const void *b, void *data)
{
    const pm_features_t  *s = data;
    int                   x, y;

    x = s->f[*(const int *) a].index;
    y = s->f[*(const int *) b].index;

    return (x > y) - (x < y);
}


static int
pm_cmp_cats(const void *a, const void *b, void *data)
{
    const pm_feature_t  *f = data;

    return strcmp(f->categories[*(const int *) a],
                  f->categories[*(const int *) b]);
}


/*
 * Builds the lookup tables and checks what needs the whole spec: unique
 * names and categories, non-overlapping index ranges.  The trainer calls
 * it on specs it fits, the parser on specs it reads.
 */

int
pm_features_index(pm_features_t *s, pm_err_t *err)
{
    int            i, k, end;
    pm_feature_t  *f, *g;

    free(s->by_name);
    free(s->by_index);

    s->by_name = malloc(sizeof(int) * ((size_t) s->n + 1));
    s->by_index = malloc(sizeof(int) * ((size_t) s->n + 1));

    if (s->by_name == NULL || s->by_index == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    for (i = 0; i < s->n; i++) {
        s->by_name[i] = i;
        s->by_index[i] = i;
    }

    pm_sort(s->by_name, s->n, pm_cmp_names, s);
    pm_sort(s->by_index, s->n, pm_cmp_index, s);

    for (i = 1; i < s->n; i++) {
        if (strcmp(s->f[s->by_name[i]].name, s->f[s->by_name[i - 1]].name)
            == 0)
        {
            return pm_err_set(err, PM_EFORMAT, "duplicate feature name "
                              "\"%.64s\"", s->f[s->by_name[i]].name);
        }
    }

    s->max_index = 0;
    end = 0;

    for (i = 0; i < s->n; i++) {
        f = &s->f[s->by_index[i]];

        if (f->index <= end) {
            g = &s->f[s->by_index[i - 1]];
            return pm_err_set(err, PM_EFORMAT, "features \"%.64s\" and "
                              "\"%.64s\" both use index %d", g->name,
                              f->name, f->index);
        }

        if ((long) f->index + f->width - 1 > PM_MAX_INDEX) {
            return pm_err_set(err, PM_EFORMAT, "feature \"%.64s\" uses "
                              "indices past %d", f->name, PM_MAX_INDEX);
        }

        end = f->index + (f->width > 0 ? f->width : 1) - 1;

        if (f->width > 0 && f->index + f->width - 1 > s->max_index) {
            s->max_index = f->index + f->width - 1;
        }

        if (f->type == PM_FEAT_CATEGORICAL) {
            for (k = 0; k < f->ncat; k++) {
                f->cat_sorted[k] = k;
            }

            pm_sort(f->cat_sorted, f->ncat, pm_cmp_cats, f);

            for (k = 1; k < f->ncat; k++) {
                if (strcmp(f->categories[f->cat_sorted[k]],
                           f->categories[f->cat_sorted[k - 1]]) == 0)
                {
                    return pm_err_set(err, PM_EFORMAT, "feature \"%.64s\": "
                                      "duplicate category \"%.64s\"",
                                      f->name,
                                      f->categories[f->cat_sorted[k]]);
                }
            }
        }
    }

    return PM_OK;
}


int
pm_features_parse(const char *buf, size_t len, pm_features_t **out,
    pm_err_t *err)
{
    int             rc;
    size_t          i;
    json_t         *root, *features, *v, *target;
    json_error_t    jerr;
    pm_features_t  *s;

    static const char *const  keys[] = {
        "format", "version", "features", "target", NULL
    };

    *out = NULL;

    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        err->line = jerr.line;
        return pm_err_set(err, PM_EFORMAT, "line %d, column %d: %s",
                          jerr.line, jerr.column, jerr.text);
    }

    s = calloc(1, sizeof(pm_features_t));
    if (s == NULL) {
        json_decref(root);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    if (!json_is_object(root)) {
        rc = pm_err_set(err, PM_EFORMAT, "a feature spec is a JSON object");
        goto failed;
    }

    rc = pm_spec_keys(root, "the spec", keys, err);
    if (rc != PM_OK) {
        goto failed;
    }

    v = json_object_get(root, "format");
    if (!json_is_string(v)
        || strcmp(json_string_value(v), PM_FEATURES_FORMAT) != 0)
    {
        rc = pm_err_set(err, PM_EFORMAT, "\"format\" must be \"%s\"",
                        PM_FEATURES_FORMAT);
        goto failed;
    }

    v = json_object_get(root, "version");
    if (!json_is_number(v) || json_number_value(v) != PM_FEATURES_VERSION) {
        rc = pm_err_set(err, PM_EFORMAT, "\"version\" must be %d: this "
                        "module reads version %d specs", PM_FEATURES_VERSION,
                        PM_FEATURES_VERSION);
        goto failed;
    }

    features = json_object_get(root, "features");
    if (!json_is_array(features) || json_array_size(features) == 0
        || json_array_size(features) > PM_MAX_INDEX)
    {
        rc = pm_err_set(err, PM_EFORMAT, "\"features\" must be a non-empty "
                        "array");
        goto failed;
    }

    s->n = (int) json_array_size(features);
    s->f = calloc((size_t) s->n, sizeof(pm_feature_t));

    if (s->f == NULL) {
        rc = pm_err_set(err, PM_ENOMEM, "out of memory");
        goto failed;
    }

    json_array_foreach(features, i, v) {
        rc = pm_spec_feature(v, (int) i, &s->f[i], err);
        if (rc != PM_OK) {
            goto failed;
        }
    }

    target = json_object_get(root, "target");
    if (target != NULL) {
        rc = pm_spec_target(target, &s->target, err);
        if (rc != PM_OK) {
            goto failed;
        }
    }

    rc = pm_features_index(s, err);
    if (rc != PM_OK) {
        goto failed;
    }

    json_decref(root);
    *out = s;

    return PM_OK;

failed:

    json_decref(root);
    pm_features_free(s);

    return rc;
}


int
pm_features_load(const char *path, pm_features_t **out, pm_err_t *err)
{
    int             rc;
    char           *buf;
    size_t          len;
    pm_features_t  *s;

    rc = pm_read_file(path, PM_MAX_SPEC_SIZE, &buf, &len, err);
    if (rc != PM_OK) {
        return rc;
    }

    rc = pm_features_parse(buf, len, &s, err);

    if (rc == PM_OK) {
        pm_source_set(&s->source, buf, len);
        *out = s;
    }

    free(buf);

    return rc;
}


void
pm_features_free(pm_features_t *s)
{
    int  i, k;

    if (s == NULL) {
        return;
    }

    for (i = 0; s->f != NULL && i < s->n; i++) {
        free(s->f[i].name);

        for (k = 0; s->f[i].categories != NULL && k < s->f[i].ncat; k++) {
            free(s->f[i].categories[k]);
        }

        free(s->f[i].categories);
        free(s->f[i].cat_sorted);
    }

    for (i = 0; i < s->target.nclasses; i++) {
        if (s->target.class_json != NULL) {
            free(s->target.class_json[i]);
        }

        if (s->target.class_key != NULL) {
            free(s->target.class_key[i]);
        }
    }

    free(s->target.class_json);
    free(s->target.class_key);
    free(s->target.name);
    free(s->f);
    free(s->by_name);
    free(s->by_index);
    free(s);
}


int
pm_features_find(const pm_features_t *s, const char *name)
{
    int  lo, hi, mid, c;

    lo = 0;
    hi = s->n - 1;

    while (lo <= hi) {
        mid = lo + (hi - lo) / 2;
        c = strcmp(name, s->f[s->by_name[mid]].name);

        if (c == 0) {
            return s->by_name[mid];
        }

        if (c < 0) {
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }

    return -1;
}


static int
pm_cat_find(const pm_feature_t *f, const char *key)
{
    int  lo, hi, mid, c;

    lo = 0;
    hi = f->ncat - 1;

    while (lo <= hi) {
        mid = lo + (hi - lo) / 2;
        c = strcmp(key, f->categories[f->cat_sorted[mid]]);

        if (c == 0) {
            return f->cat_sorted[mid];
        }

        if (c < 0) {
            hi = mid - 1;
        } else {
            lo = mid + 1;
        }
    }

    return -1;
}


/* the transforms, as the fitting tools compute them */

static double
pm_xf_apply(int transform, double p1, double p2, double lower, double upper,
    double t)
{
    switch (transform) {

    case PM_XF_MINMAX:
        /* svm-scale: a single-valued feature carries nothing */
        if (p1 == p2) {
            return 0;
        }

        if (t == p1) {
            return lower;
        }

        if (t == p2) {
            return upper;
        }

        return lower + (upper - lower) * (t - p1) / (p2 - p1);

    case PM_XF_LINEAR:
        return t * p1 + p2;          /* MinMaxScaler: X *= scale; X += min */

    case PM_XF_STANDARD:
        return (t - p1) / p2;        /* StandardScaler: (X - mean) / scale */

    case PM_XF_MAXABS:
        return t / p1;               /* MaxAbsScaler: X / scale */

    default:
        return t;
    }
}


double
pm_feature_scale(const pm_feature_t *f, double v)
{
    return pm_xf_apply(f->transform, f->p1, f->p2, f->lower, f->upper,
                       f->log1p ? log1p(v) : v);
}


double
pm_target_forward(const pm_target_t *t, double y)
{
    return pm_xf_apply(t->transform, t->p1, t->p2, t->lower, t->upper, y);
}


double
pm_target_inverse(const pm_target_t *t, double y)
{
    switch (t->transform) {

    case PM_XF_MINMAX:
        if (t->p1 == t->p2) {
            return t->p1;
        }

        return t->p1 + (y - t->lower) * (t->p2 - t->p1)
                       / (t->upper - t->lower);

    case PM_XF_LINEAR:
        return (y - t->p2) / t->p1;

    case PM_XF_STANDARD:
        return y * t->p2 + t->p1;

    default:
        return y;
    }
}


/*
 * raw[] holds one value per feature, in spec order.  out receives the
 * sorted libsvm nodes (room for s->max_index + 1) and a -1 terminator; oor
 * the positions of numeric features outside their fitted range (room for
 * s->n).  Returns the number of nodes, or an error naming the feature.
 */

int
pm_features_encode(const pm_features_t *s, int policy, const pm_raw_t *raw,
    struct svm_node *out, int *oor, int *noor, pm_err_t *err)
{
    int                  i, n, pos, c, eff, rejected, first, missing;
    int                  first_missing;
    char                 num[PM_JSON_NUM_SIZE];
    double               v, t;
    const char          *key;
    const pm_raw_t      *r;
    const pm_feature_t  *f;

    n = 0;
    *noor = 0;
    rejected = 0;
    first = 0;
    missing = 0;
    first_missing = 0;

    for (i = 0; i < s->n; i++) {
        pos = s->by_index[i];
        f = &s->f[pos];
        r = &raw[pos];

        if (r->kind == PM_RAW_MISSING && f->missing == PM_MISSING_REJECT) {
            if (missing++ == 0) {
                first_missing = pos;
                err->nnames = 0;    /* the names listed are the missing */
            }

            pm_err_add_name(err, f->name);
            continue;
        }

        if (missing) {
            continue;
        }

        if (f->type == PM_FEAT_CATEGORICAL) {
            if (r->kind == PM_RAW_MISSING) {
                c = f->fill_cat;

            } else {
                if (r->kind == PM_RAW_NUMBER) {
                    (void) pm_format_number(r->num, num);
                    key = num;
                } else {
                    key = r->str;
                }

                c = pm_cat_find(f, key);

                if (c < 0 && f->unknown == PM_UNKNOWN_ERROR) {
                    pm_err_add_name(err, f->name);
                    return pm_err_set(err, PM_ECATEGORY, "feature \"%s\": "
                                      "unknown category \"%.64s\"", f->name,
                                      key);
                }
            }

            if (c >= 0) {
                out[n].index = f->index + c;
                out[n].value = 1;
                n++;
            }

            continue;
        }

        if (r->kind == PM_RAW_STRING) {
            pm_err_add_name(err, f->name);
            return pm_err_set(err, PM_EVALUE, "feature \"%s\" is a string; "
                              "expected a number", f->name);
        }

        v = (r->kind == PM_RAW_MISSING) ? f->fill : r->num;
        eff = (f->oor == PM_OOR_DEFAULT) ? policy : f->oor;

        if (f->has_range && (v < f->min || v > f->max)) {
            oor[(*noor)++] = pos;

            if (eff == PM_OOR_REJECT) {
                if (rejected++ == 0) {
                    first = pos;
                }

                pm_err_add_name(err, f->name);
                continue;
            }

            if (eff == PM_OOR_CLIP) {
                v = (v < f->min) ? f->min : f->max;
            }
        }

        t = pm_feature_scale(f, v);

        if (!isfinite(t)) {
            pm_err_add_name(err, f->name);
            return pm_err_set(err, PM_ENONFINITE, "feature \"%s\": value "
                              "%.17g is not finite once transformed",
                              f->name, v);
        }

        if (t != 0) {
            out[n].index = f->index;
            out[n].value = t;
            n++;
        }
    }

    if (missing) {
        return pm_err_set(err, PM_EMISSING, "%d feature%s missing, "
                          "\"%s\" first", missing,
                          missing > 1 ? "s are" : " is",
                          s->f[first_missing].name);
    }

    if (rejected) {
        f = &s->f[first];
        v = (raw[first].kind == PM_RAW_MISSING) ? f->fill : raw[first].num;

        return pm_err_set(err, PM_ERANGE, "%d feature%s outside the fitted "
                          "range: \"%s\" is %.17g, fitted [%.17g, %.17g]",
                          rejected, rejected > 1 ? "s" : "", f->name, v,
                          f->min, f->max);
    }

    out[n].index = -1;
    out[n].value = 0;

    return n;
}


/*
 * An instance (a pm_jinst_t: an object by name, or an array in spec order)
 * as raw values, one per feature; a name given twice is refused.
 */

int
pm_features_raw(const pm_features_t *s, const void *instance, pm_raw_t *raw,
    pm_err_t *err)
{
    int                 i, pos;
    size_t              k;
    const pm_jinst_t   *inst;
    const pm_jvalue_t  *v;
    char                safe[72];

    inst = instance;

    for (i = 0; i < s->n; i++) {
        raw[i].kind = -1;
    }

    if (inst->is_array && inst->total != (size_t) s->n) {
        return pm_err_set(err, PM_ECOUNT, "expected %d features, got %zu",
                          s->n, inst->total);
    }

    for (k = 0; k < inst->n; k++) {
        v = &inst->v[k];

        if (inst->is_array) {
            pos = (int) k;

        } else {
            pos = pm_features_find(s, v->key);

            if (pos < 0) {
                pm_safe_text(v->key, safe, sizeof(safe));
                pm_err_add_name(err, safe);
                return pm_err_set(err, PM_EUNKNOWN, "unknown feature "
                                  "\"%s\"", safe);
            }

            if (raw[pos].kind != -1) {
                pm_safe_text(v->key, safe, sizeof(safe));
                return pm_err_set(err, PM_EJSON, "invalid JSON: duplicate "
                                  "object key \"%s\"", safe);
            }
        }

        if (v->kind == PM_JV_OTHER) {
            pm_err_add_name(err, s->f[pos].name);
            return pm_err_set(err, PM_EVALUE, "feature \"%s\" is %s; "
                              "expected a %s", s->f[pos].name, v->type,
                              s->f[pos].type == PM_FEAT_NUMERIC
                              ? "number" : "string");
        }

        raw[pos].kind = v->kind;   /* PM_JV_* are PM_RAW_* */
        raw[pos].num = v->num;
        raw[pos].str = v->str;
    }

    /* the names past the parser's cap: more than there are features */

    if (inst->total > (size_t) s->n) {
        return pm_err_set(err, PM_ECOUNT, "%zu feature names for %d "
                          "features", inst->total, s->n);
    }

    for (i = 0; i < s->n; i++) {
        if (raw[i].kind == -1) {
            raw[i].kind = PM_RAW_MISSING;
        }
    }

    return PM_OK;
}


static int
pm_cmp_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}


/*
 * Fits a numeric feature on the values seen in training (missing ones
 * left out by the caller).  std and maxabs of 0 become 1, as scikit-learn
 * does, so a constant feature maps to 0 at its training value; minmax of
 * a constant feature is 0 everywhere, as svm-scale drops it.  The fill
 * value is the mean of the raw values.
 */

int
pm_feature_fit_numeric(pm_feature_t *f, const double *v, size_t n,
    int transform, int use_log, pm_err_t *err)
{
    size_t  i;
    double  t, sum, raw_sum, sq, maxabs;

    if (n == 0) {
        return pm_err_set(err, PM_EFORMAT, "feature \"%s\" has no values to "
                          "fit", f->name);
    }

    f->type = PM_FEAT_NUMERIC;
    f->width = 1;
    f->transform = transform;
    f->log1p = use_log;
    f->has_range = 1;
    f->min = v[0];
    f->max = v[0];
    sum = 0;
    raw_sum = 0;
    maxabs = 0;

    for (i = 0; i < n; i++) {
        if (use_log && !(v[i] > -1)) {
            return pm_err_set(err, PM_EFORMAT, "feature \"%s\": log1p needs "
                              "values above -1, found %.17g", f->name, v[i]);
        }

        t = use_log ? log1p(v[i]) : v[i];
        f->min = (v[i] < f->min) ? v[i] : f->min;
        f->max = (v[i] > f->max) ? v[i] : f->max;
        sum += t;
        raw_sum += v[i];
        maxabs = (fabs(t) > maxabs) ? fabs(t) : maxabs;
    }

    f->fill = raw_sum / (double) n;

    switch (transform) {

    case PM_XF_MINMAX:
        f->p1 = use_log ? log1p(f->min) : f->min;
        f->p2 = use_log ? log1p(f->max) : f->max;
        break;

    case PM_XF_STANDARD:
        f->p1 = sum / (double) n;
        sq = 0;

        for (i = 0; i < n; i++) {
            t = (use_log ? log1p(v[i]) : v[i]) - f->p1;
            sq += t * t;
        }

        f->p2 = sqrt(sq / (double) n);

        if (!(f->p2 > 0)) {
            f->p2 = 1;
        }

        break;

    case PM_XF_MAXABS:
        f->p1 = (maxabs > 0) ? maxabs : 1;
        break;

    default:
        break;
    }

    return PM_OK;
}


/* categories sorted, as scikit-learn's OneHotEncoder; the fill is the mode */

int
pm_feature_fit_categorical(pm_feature_t *f, const char *const *v, size_t n,
    pm_err_t *err)
{
    int           k, best, count, best_count;
    size_t        i, j;
    const char  **sorted;

    f->type = PM_FEAT_CATEGORICAL;

    sorted = malloc(sizeof(char *) * (n + 1));
    if (sorted == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    memcpy(sorted, v, sizeof(char *) * n);
    qsort(sorted, n, sizeof(char *), pm_cmp_strings);

    f->ncat = 0;

    for (i = 0; i < n; i++) {
        if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0) {
            f->ncat++;
        }
    }

    f->width = f->ncat;
    f->categories = calloc((size_t) f->ncat + 1, sizeof(char *));
    f->cat_sorted = calloc((size_t) f->ncat + 1, sizeof(int));

    if (f->categories == NULL || f->cat_sorted == NULL) {
        free(sorted);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    k = -1;
    best = 0;
    best_count = 0;
    count = 0;

    for (i = 0; i < n; i = j) {
        for (j = i; j < n && strcmp(sorted[j], sorted[i]) == 0; j++) {
            /* void */
        }

        k++;
        count = (int) (j - i);
        f->categories[k] = pm_strdup(sorted[i]);

        if (f->categories[k] == NULL) {
            free(sorted);
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        if (count > best_count) {
            best = k;
            best_count = count;
        }
    }

    f->fill_cat = best;
    free(sorted);

    return PM_OK;
}


/* (y - mean) / std over the training targets; std 0 becomes 1 */

void
pm_target_fit_standard(pm_target_t *t, const double *y, size_t n)
{
    size_t  i;
    double  sum, sq, d;

    sum = 0;

    for (i = 0; i < n; i++) {
        sum += y[i];
    }

    t->transform = PM_XF_STANDARD;
    t->p1 = (n > 0) ? sum / (double) n : 0;
    sq = 0;

    for (i = 0; i < n; i++) {
        d = y[i] - t->p1;
        sq += d * d;
    }

    t->p2 = (n > 0) ? sqrt(sq / (double) n) : 1;

    if (!(t->p2 > 0)) {
        t->p2 = 1;
    }
}


/* the spec as JSON: the file the trainer writes, the metadata GET shows */

json_t *
pm_features_json(const pm_features_t *s)
{
    int                  i, k, rc;
    json_t              *root, *arr, *o, *cats;
    const pm_feature_t  *f;

    root = json_object();
    arr = json_array();

    if (root == NULL || arr == NULL) {
        json_decref(root);
        json_decref(arr);
        return NULL;
    }

    rc = json_object_set_new(root, "format", json_string(PM_FEATURES_FORMAT));
    rc |= json_object_set_new(root, "version",
                              json_integer(PM_FEATURES_VERSION));
    rc |= json_object_set_new(root, "features", arr);

    for (i = 0; i < s->n && rc == 0; i++) {
        f = &s->f[i];
        o = json_object();
        if (o == NULL) {
            rc = -1;
            break;
        }

        rc |= json_object_set_new(o, "name", json_string(f->name));
        rc |= json_object_set_new(o, "type", json_string(
                                      f->type == PM_FEAT_NUMERIC
                                      ? "numeric" : "categorical"));
        rc |= json_object_set_new(o, "index", json_integer(f->index));

        if (f->type == PM_FEAT_CATEGORICAL) {
            cats = json_array();
            for (k = 0; cats != NULL && k < f->ncat; k++) {
                rc |= json_array_append_new(cats,
                                            json_string(f->categories[k]));
            }
            rc |= (cats == NULL) ? -1
                                 : json_object_set_new(o, "categories", cats);
            rc |= json_object_set_new(o, "unknown", json_string(
                                          f->unknown == PM_UNKNOWN_ZERO
                                          ? "zero" : "error"));
            rc |= json_object_set_new(o, "missing",
                      f->missing == PM_MISSING_REJECT
                      ? json_string("reject")
                      : json_pack("{s:s}", "fill",
                                  f->categories[f->fill_cat]));

        } else {
            rc |= json_object_set_new(o, "transform", json_string(
                                          pm_transform_name(f->transform)));
            if (f->log1p) {
                rc |= json_object_set_new(o, "log1p", json_true());
            }

            switch (f->transform) {
            case PM_XF_MINMAX:
                rc |= json_object_set_new(o, "lower", json_real(f->lower));
                rc |= json_object_set_new(o, "upper", json_real(f->upper));
                break;
            case PM_XF_LINEAR:
                rc |= json_object_set_new(o, "scale", json_real(f->p1));
                rc |= json_object_set_new(o, "offset", json_real(f->p2));
                break;
            case PM_XF_STANDARD:
                rc |= json_object_set_new(o, "mean", json_real(f->p1));
                rc |= json_object_set_new(o, "std", json_real(f->p2));
                break;
            case PM_XF_MAXABS:
                rc |= json_object_set_new(o, "maxabs", json_real(f->p1));
                break;
            }

            if (f->has_range) {
                rc |= json_object_set_new(o, "min", json_real(f->min));
                rc |= json_object_set_new(o, "max", json_real(f->max));
            }

            rc |= json_object_set_new(o, "missing",
                      f->missing == PM_MISSING_REJECT
                      ? json_string("reject")
                      : json_pack("{s:f}", "fill", f->fill));

            if (f->oor != PM_OOR_DEFAULT) {
                rc |= json_object_set_new(o, "out_of_range",
                                          json_string(pm_policies[f->oor]));
            }
        }

        rc |= json_array_append_new(arr, o);
    }

    if (rc == 0 && s->target.task != PM_TASK_NONE) {
        o = pm_target_json(&s->target);
        rc |= (o == NULL) ? -1 : json_object_set_new(root, "target", o);
    }

    if (rc != 0) {
        json_decref(root);
        return NULL;
    }

    return root;
}


json_t *
pm_target_json(const pm_target_t *t)
{
    int      i, rc;
    json_t  *o, *classes, *c;

    static const char  *tasks[] = { "none", "classify", "regress",
                                     "one-class" };

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    rc = 0;

    if (t->name != NULL) {
        rc |= json_object_set_new(o, "name", json_string(t->name));
    }

    rc |= json_object_set_new(o, "task", json_string(tasks[t->task]));

    if (t->task == PM_TASK_CLASSIFY) {
        rc |= json_object_set_new(o, "label_rule", json_string(
                                      t->label_rule == PM_LABEL_VOTE
                                      ? "vote" : "probability"));
    }

    if (t->nclasses > 0) {
        classes = json_array();

        for (i = 0; classes != NULL && i < t->nclasses; i++) {
            c = json_loads(t->class_json[i], JSON_DECODE_ANY, NULL);
            rc |= (c == NULL) ? -1 : json_array_append_new(classes, c);
        }

        rc |= (classes == NULL) ? -1
                                : json_object_set_new(o, "classes", classes);
    }

    if (t->transform != PM_XF_NONE) {
        rc |= json_object_set_new(o, "transform", json_string(
                                      pm_transform_name(t->transform)));
    }

    switch (t->transform) {
    case PM_XF_MINMAX:
        rc |= json_object_set_new(o, "min", json_real(t->p1));
        rc |= json_object_set_new(o, "max", json_real(t->p2));
        rc |= json_object_set_new(o, "lower", json_real(t->lower));
        rc |= json_object_set_new(o, "upper", json_real(t->upper));
        break;
    case PM_XF_LINEAR:
        rc |= json_object_set_new(o, "scale", json_real(t->p1));
        rc |= json_object_set_new(o, "offset", json_real(t->p2));
        break;
    case PM_XF_STANDARD:
        rc |= json_object_set_new(o, "mean", json_real(t->p1));
        rc |= json_object_set_new(o, "std", json_real(t->p2));
        break;
    }

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}
