
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_conf.h"
#include "pm_spec.h"
#include "pm_text.h"


static int pm_spec_feature(json_t *v, int i, pm_feature_t *f, pm_err_t *err);
static int pm_spec_reference(json_t *v, const char *where, pm_feature_t *f,
    pm_err_t *err);
static json_t *pm_spec_reference_json(const pm_feature_t *f);
static int pm_spec_numeric(json_t *v, const char *where, pm_feature_t *f,
    pm_err_t *err);
static int pm_spec_categorical(json_t *v, const char *where, pm_feature_t *f,
    pm_err_t *err);
static int pm_spec_target(json_t *v, pm_target_t *t, pm_err_t *err);
static int pm_spec_policy(json_t *v, const char *where, int *policy,
    pm_err_t *err);
static int pm_cmp_names(const void *a, const void *b, void *data);
static void pm_sort(int *pos, int n, int (*cmp)(const void *, const void *,
    void *), void *data);
static int pm_cmp_index(const void *a, const void *b, void *data);
static int pm_cmp_cats(const void *a, const void *b, void *data);


/* a spec is a JSON object, on one line or many */

static const pm_text_rules_t  pm_spec_rules = {
    PM_MAX_SPEC_SIZE, 0, "{", "a feature spec (a JSON object)"
};


static int
pm_spec_policy(json_t *v, const char *where, int *policy, pm_err_t *err)
{
    char  names[64];

    *policy = PM_OOR_DEFAULT;

    if (v == NULL || pm_conf_enum(v, pm_oor_names, policy) == 0) {
        return PM_OK;
    }

    return pm_err_set(err, PM_EFORMAT, "%s: \"out_of_range\" must be %s",
                      where, pm_enum_list(pm_oor_names,
                                          PM_ENUM_QUOTED|PM_ENUM_OR, names,
                                          sizeof(names)));
}


static int
pm_spec_numeric(json_t *v, const char *where, pm_feature_t *f, pm_err_t *err)
{
    int      rc, has_min, has_max;
    json_t  *t, *m, *fill;
    double   range[2];
    char     nb[3][PM_NUMBER_SIZE];

    static const char *const  keys[] = {
        "name", "type", "index", "transform", "log1p", "min", "max",
        "lower", "upper", "scale", "offset", "mean", "std", "maxabs",
        "missing", "out_of_range", "reference", NULL
    };

    rc = pm_conf_keys(v, where, keys, err);
    if (rc != PM_OK) {
        return rc;
    }

    f->width = 1;

    t = json_object_get(v, "log1p");
    if (t != NULL && !json_is_boolean(t)) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"log1p\" must be true or "
                          "false", where);
    }

    f->xf.log1p = json_is_true(t);

    has_min = pm_conf_number(v, "min", where, 0, &f->min, err);
    if (has_min < 0) {
        return has_min;
    }

    has_max = pm_conf_number(v, "max", where, 0, &f->max, err);
    if (has_max < 0) {
        return has_max;
    }

    if (has_min != has_max) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"min\" and \"max\" come "
                          "together", where);
    }

    f->has_range = (has_min == PM_OK);

    if (f->has_range && f->min > f->max) {
        return pm_err_set(err, PM_EFORMAT, "%s: min %s is above max %s",
                          where, pm_num(f->min, nb[0]), pm_num(f->max, nb[1]));
    }

    if (f->xf.log1p && f->has_range && !(f->min > -1)) {
        return pm_err_set(err, PM_EFORMAT, "%s: log1p needs values above "
                          "-1, min is %s", where, pm_num(f->min, nb[0]));
    }

    range[0] = f->min;
    range[1] = f->max;

    rc = pm_xform_parse(v, where, f->has_range ? range : NULL, &f->xf, err);
    if (rc != PM_OK) {
        return rc;
    }

    m = json_object_get(v, "missing");
    f->missing = PM_MISSING_REJECT;

    if (m != NULL && !(pm_conf_enum(m, pm_missing_names, &f->missing) == 0
                       && f->missing == PM_MISSING_REJECT))
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

    rc = pm_spec_policy(json_object_get(v, "out_of_range"), where, &f->oor,
                        err);
    if (rc != PM_OK) {
        return rc;
    }

    return pm_spec_reference(json_object_get(v, "reference"), where, f, err);
}


/*
 * "reference": {"edges": [11 ascending numbers], "shares": [10]} for a
 * numeric feature, {"shares": [one per category]} for a categorical one;
 * shares in [0, 1] adding up to 1
 */

static int
pm_spec_reference(json_t *v, const char *where, pm_feature_t *f,
    pm_err_t *err)
{
    int          n, k;
    double       sum, x;
    size_t       i;
    json_t      *edges, *shares, *e;
    const char  *bad;

    static const char *const  numeric[] = { "edges", "shares", NULL };
    static const char *const  categorical[] = { "shares", NULL };

    if (v == NULL) {
        return PM_OK;
    }

    if (!json_is_object(v)) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"reference\" must be an "
                          "object", where);
    }

    k = pm_conf_keys(v, where, f->type == PM_FEAT_NUMERIC ? numeric
                                                          : categorical, err);
    if (k != PM_OK) {
        return k;
    }

    n = (f->type == PM_FEAT_NUMERIC) ? PM_REF_BINS : f->ncat;
    shares = json_object_get(v, "shares");
    edges = json_object_get(v, "edges");
    bad = NULL;

    if (!json_is_array(shares) || json_array_size(shares) != (size_t) n) {
        bad = "\"shares\" must have one number per bin";

    } else if (f->type == PM_FEAT_NUMERIC
               && (!json_is_array(edges)
                   || json_array_size(edges) != PM_REF_BINS + 1))
    {
        bad = "\"edges\" must have 11 numbers: the minimum, the deciles "
              "and the maximum";
    }

    if (bad != NULL) {
        return pm_err_set(err, PM_EFORMAT, "%s: reference: %s", where, bad);
    }

    f->ref.shares = calloc((size_t) n + 1, sizeof(double));
    if (f->ref.shares == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    sum = 0;

    json_array_foreach(shares, i, e) {
        x = json_is_number(e) ? json_number_value(e) : -1;

        if (!(x >= 0 && x <= 1)) {
            return pm_err_set(err, PM_EFORMAT, "%s: reference: share %zu is "
                              "not a number in [0, 1]", where, i);
        }

        f->ref.shares[i] = x;
        sum += x;
    }

    if (fabs(sum - 1) > 1e-6) {
        return pm_err_set(err, PM_EFORMAT, "%s: reference: the shares add up "
                          "to %.9g, not 1", where, sum);
    }

    json_array_foreach(edges, i, e) {
        x = json_is_number(e) ? json_number_value(e) : NAN;

        if (!isfinite(x) || (i > 0 && x < f->ref.edges[i - 1])) {
            return pm_err_set(err, PM_EFORMAT, "%s: reference: edge %zu is "
                              "not a finite number at or above the one "
                              "before", where, i);
        }

        f->ref.edges[i] = x;
    }

    f->ref.has = 1;

    return PM_OK;
}


static int
pm_spec_categorical(json_t *v, const char *where, pm_feature_t *f,
    pm_err_t *err)
{
    int          rc;
    size_t       i;
    char         names[64];
    json_t      *cats, *c, *m, *fill, *u;

    static const char *const  keys[] = {
        "name", "type", "index", "categories", "unknown", "missing",
        "reference", NULL
    };

    rc = pm_conf_keys(v, where, keys, err);
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

    u = json_object_get(v, "unknown");
    f->unknown = PM_UNKNOWN_ERROR;

    if (u != NULL && pm_conf_enum(u, pm_unknown_names, &f->unknown) != 0) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"unknown\" must be %s",
                          where, pm_enum_list(pm_unknown_names,
                                              PM_ENUM_QUOTED|PM_ENUM_OR,
                                              names, sizeof(names)));
    }

    m = json_object_get(v, "missing");
    f->missing = PM_MISSING_REJECT;
    f->oor = PM_OOR_DEFAULT;

    if (m != NULL && !(pm_conf_enum(m, pm_missing_names, &f->missing) == 0
                       && f->missing == PM_MISSING_REJECT))
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

    return pm_spec_reference(json_object_get(v, "reference"), where, f, err);
}


static int
pm_spec_feature(json_t *v, int i, pm_feature_t *f, pm_err_t *err)
{
    json_t      *idx;
    const char  *name;
    char         where[PM_MAX_NAME + 32], names[64];

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

    if (pm_conf_enum(json_object_get(v, "type"), pm_feature_type_names,
                     &f->type)
        != 0)
    {
        return pm_err_set(err, PM_EFORMAT, "%s: \"type\" must be %s", where,
                          pm_enum_list(pm_feature_type_names,
                                       PM_ENUM_QUOTED|PM_ENUM_OR, names,
                                       sizeof(names)));
    }

    return (f->type == PM_FEAT_NUMERIC) ? pm_spec_numeric(v, where, f, err)
                                        : pm_spec_categorical(v, where, f,
                                                              err);
}


static int
pm_spec_target(json_t *v, pm_target_t *t, pm_err_t *err)
{
    int          rc;
    size_t       i;
    char         names[64];
    json_t      *classes, *c, *r;
    const char  *name;

    static const char *const  keys[] = {
        "name", "task", "classes", "label_rule", "transform", "min", "max",
        "lower", "upper", "scale", "offset", "mean", "std", NULL
    };

    if (!json_is_object(v)) {
        return pm_err_set(err, PM_EFORMAT, "\"target\" is not an object");
    }

    rc = pm_conf_keys(v, "target", keys, err);
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

    if (pm_conf_enum(json_object_get(v, "task"), pm_task_names, &t->task)
        != 0)
    {
        return pm_err_set(err, PM_EFORMAT, "target: \"task\" must be %s",
                          pm_enum_list(pm_task_names,
                                       PM_ENUM_QUOTED|PM_ENUM_OR, names,
                                       sizeof(names)));
    }

    r = json_object_get(v, "label_rule");
    t->label_rule = PM_LABEL_PROBABILITY;

    if (r != NULL && pm_conf_enum(r, pm_label_rule_names, &t->label_rule)
                     != 0)
    {
        return pm_err_set(err, PM_EFORMAT, "target: \"label_rule\" must be "
                          "%s", pm_enum_list(pm_label_rule_names,
                                             PM_ENUM_QUOTED|PM_ENUM_OR,
                                             names, sizeof(names)));
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

        rc = pm_spec_classes(t, (int) json_array_size(classes), err);
        if (rc != PM_OK) {
            return rc;
        }

        json_array_foreach(classes, i, c) {
            rc = pm_spec_class(t, (int) i, c, err);
            if (rc != PM_OK) {
                return rc;
            }
        }
    }

    return pm_xform_parse_target(v, t->task == PM_TASK_REGRESS, &t->xf,
                                 err);
}


/* room for n classes, named by pm_spec_class() */

int
pm_spec_classes(pm_target_t *t, int n, pm_err_t *err)
{
    t->nclasses = n;
    t->class_json = calloc((size_t) n, sizeof(char *));
    t->class_key = calloc((size_t) n, sizeof(char *));

    if (t->class_json == NULL || t->class_key == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    return PM_OK;
}


/*
 * Class i as the answers show it: the rule the spec parser, the trainer
 * and the exporter share.  A string is itself; a number is its JSON value
 * and, as an object key, its shortest round-trip text (1.0 is "1").
 */

int
pm_spec_class(pm_target_t *t, int i, json_t *value, pm_err_t *err)
{
    int    j;
    char  *text, buf[PM_JSON_NUM_SIZE];

    if (json_is_string(value)) {
        text = json_dumps(value, JSON_ENCODE_ANY);
        t->class_key[i] = pm_strdup(json_string_value(value));

    } else if (json_is_number(value) && isfinite(json_number_value(value))) {
        /* -0 is 0, as in requests */
        (void) pm_format_number(json_number_value(value) == 0
                                ? 0.0 : json_number_value(value), buf);
        text = pm_strdup(buf);
        t->class_key[i] = pm_strdup(buf);

    } else {
        return pm_err_set(err, PM_EFORMAT, "target: class %d is neither a "
                          "string nor a number", i);
    }

    t->class_json[i] = text;

    if (text == NULL || t->class_key[i] == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    for (j = 0; j < i; j++) {
        if (strcmp(t->class_key[j], t->class_key[i]) == 0) {
            return pm_err_set(err, PM_EFORMAT, "target: duplicate class "
                              "\"%.64s\"", t->class_key[i]);
        }
    }

    return PM_OK;
}


static int
pm_cmp_names(const void *a, const void *b, void *data)
{
    const pm_spec_t  *s = data;

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
    const pm_spec_t  *s = data;
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
pm_spec_index(pm_spec_t *s, pm_err_t *err)
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

        f->ref_range = f->type == PM_FEAT_NUMERIC && f->ref.has
                       && f->has_range && f->min == f->ref.edges[0]
                       && f->max == f->ref.edges[PM_REF_BINS];

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
pm_spec_parse(const char *buf, size_t len, pm_spec_t **out,
    pm_err_t *err)
{
    int             rc;
    size_t          i;
    json_t         *root, *features, *v, *target;
    json_error_t    jerr;
    pm_spec_t      *s;

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

    s = calloc(1, sizeof(pm_spec_t));
    if (s == NULL) {
        json_decref(root);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    if (!json_is_object(root)) {
        rc = pm_err_set(err, PM_EFORMAT, "a feature spec is a JSON object");
        goto failed;
    }

    rc = pm_conf_keys(root, "the spec", keys, err);
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
    if (!json_is_integer(v) || json_integer_value(v) < 1
        || json_integer_value(v) > PM_FEATURES_VERSION)
    {
        rc = pm_err_set(err, PM_EFORMAT, "\"version\" must be 1 to %d: this "
                        "module reads version 1 to %d specs",
                        PM_FEATURES_VERSION, PM_FEATURES_VERSION);
        goto failed;
    }

    s->version = (int) json_integer_value(v);

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

        if (s->f[i].ref.has && s->version < 2) {
            rc = pm_err_set(err, PM_EFORMAT, "features[%zu]: \"reference\" "
                            "needs a version 2 spec", i);
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

    rc = pm_spec_index(s, err);
    if (rc != PM_OK) {
        goto failed;
    }

    json_decref(root);
    *out = s;

    return PM_OK;

failed:

    json_decref(root);
    pm_spec_free(s);

    return rc;
}


int
pm_spec_load(const char *path, pm_spec_t **out, pm_err_t *err)
{
    int             rc;
    char           *buf;
    size_t          len;
    pm_spec_t      *s;

    rc = pm_read_file(path, &pm_spec_rules, &buf, &len, err);
    if (rc != PM_OK) {
        return rc;
    }

    rc = pm_spec_parse(buf, len, &s, err);

    if (rc == PM_OK) {
        pm_source_set(&s->source, buf, len);
        *out = s;
    }

    free(buf);

    return rc;
}


void
pm_spec_free(pm_spec_t *s)
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
        free(s->f[i].ref.shares);
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
pm_spec_find(const pm_spec_t *s, const char *name)
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


int
pm_spec_category(const pm_feature_t *f, const char *key)
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


/* the spec as JSON: the file the trainer writes, the metadata GET shows */

json_t *
pm_spec_json(const pm_spec_t *s)
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

    /* version 1 unless a feature has a reference: older modules read it */

    for (i = 0, k = 1; i < s->n; i++) {
        k = s->f[i].ref.has ? 2 : k;
    }

    rc = json_object_set_new(root, "format", json_string(PM_FEATURES_FORMAT));
    rc |= json_object_set_new(root, "version", json_integer(k));
    rc |= json_object_set_new(root, "features", arr);

    for (i = 0; i < s->n && rc == 0; i++) {
        f = &s->f[i];
        o = json_object();
        if (o == NULL) {
            rc = -1;
            break;
        }

        rc |= json_object_set_new(o, "name", json_string(f->name));
        rc |= pm_conf_set(o, "type", json_string(
                              pm_enum_name(pm_feature_type_names, f->type)));
        rc |= json_object_set_new(o, "index", json_integer(f->index));

        if (f->type == PM_FEAT_CATEGORICAL) {
            cats = json_array();
            for (k = 0; cats != NULL && k < f->ncat; k++) {
                rc |= json_array_append_new(cats,
                                            json_string(f->categories[k]));
            }
            rc |= (cats == NULL) ? -1
                                 : json_object_set_new(o, "categories", cats);
            rc |= pm_conf_set(o, "unknown", json_string(
                                  pm_enum_name(pm_unknown_names,
                                               f->unknown)));
            rc |= json_object_set_new(o, "missing",
                      f->missing == PM_MISSING_REJECT
                      ? json_string(pm_enum_name(pm_missing_names,
                                                 PM_MISSING_REJECT))
                      : json_pack("{s:s}", "fill",
                                  f->categories[f->fill_cat]));

        } else {
            rc |= pm_xform_json(&f->xf, 0, o);

            if (f->has_range) {
                rc |= json_object_set_new(o, "min", json_real(f->min));
                rc |= json_object_set_new(o, "max", json_real(f->max));
            }

            rc |= json_object_set_new(o, "missing",
                      f->missing == PM_MISSING_REJECT
                      ? json_string(pm_enum_name(pm_missing_names,
                                                 PM_MISSING_REJECT))
                      : json_pack("{s:f}", "fill", f->fill));

            if (f->oor != PM_OOR_DEFAULT) {
                rc |= pm_conf_set(o, "out_of_range", json_string(
                                      pm_enum_name(pm_oor_names, f->oor)));
            }
        }

        if (f->ref.has) {
            rc |= pm_conf_set(o, "reference", pm_spec_reference_json(f));
        }

        rc |= json_array_append_new(arr, o);
    }

    if (rc == 0 && s->target.task != PM_TASK_NONE) {
        o = pm_spec_target_json(&s->target);
        rc |= (o == NULL) ? -1 : json_object_set_new(root, "target", o);
    }

    if (rc != 0) {
        json_decref(root);
        return NULL;
    }

    return root;
}


static json_t *
pm_spec_reference_json(const pm_feature_t *f)
{
    int      k, n, rc;
    json_t  *o, *edges, *shares;

    n = (f->type == PM_FEAT_NUMERIC) ? PM_REF_BINS : f->ncat;
    o = json_object();
    shares = json_array();
    rc = (o == NULL || shares == NULL) ? -1 : 0;

    for (k = 0; rc == 0 && k < n; k++) {
        rc |= json_array_append_new(shares, json_real(f->ref.shares[k]));
    }

    if (rc == 0 && f->type == PM_FEAT_NUMERIC) {
        edges = json_array();
        rc |= (edges == NULL) ? -1 : json_object_set_new(o, "edges", edges);

        for (k = 0; rc == 0 && k <= PM_REF_BINS; k++) {
            rc |= json_array_append_new(edges, json_real(f->ref.edges[k]));
        }
    }

    if (rc == 0) {
        rc = json_object_set_new(o, "shares", shares);
        shares = NULL;
    }

    json_decref(shares);

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}


json_t *
pm_spec_target_json(const pm_target_t *t)
{
    int      i, rc;
    json_t  *o, *classes, *c;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    rc = 0;

    if (t->name != NULL) {
        rc |= pm_conf_set(o, "name", json_string(t->name));
    }

    rc |= pm_conf_set(o, "task", json_string(pm_enum_name(pm_task_names,
                                                          t->task)));

    if (t->task == PM_TASK_CLASSIFY) {
        rc |= pm_conf_set(o, "label_rule", json_string(
                              pm_enum_name(pm_label_rule_names,
                                           t->label_rule)));
    }

    if (t->nclasses > 0) {
        classes = json_array();

        for (i = 0; classes != NULL && i < t->nclasses; i++) {
            /* an integer past jansson's int64 (5.15e19) as a real */

            c = json_loads(t->class_json[i], JSON_DECODE_ANY, NULL);
            c = (c != NULL) ? c : json_loads(t->class_json[i],
                                             JSON_DECODE_ANY
                                             | JSON_DECODE_INT_AS_REAL, NULL);
            rc |= (c == NULL) ? -1 : json_array_append_new(classes, c);
        }

        rc |= pm_conf_set(o, "classes", classes);
    }

    rc |= pm_xform_json(&t->xf, 1, o);

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}
