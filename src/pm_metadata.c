
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "pm.h"
#include "pm_conf.h"
#include "pm_metadata.h"


#define PM_META_MAX_RANGES  1024
#define PM_META_MAX_LIST    1024


static json_t *pm_meta_time(time_t t);
static int pm_meta_source(json_t *obj, const pm_source_t *src);
static json_t *pm_meta_scaler(const pm_scaler_t *s);
static int pm_meta_trim(json_t *features, size_t total, json_t *root);


static json_t *
pm_meta_time(time_t t)
{
    char       buf[32];
    struct tm  tm;

    if (gmtime_r(&t, &tm) == NULL
        || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
    {
        return json_null();
    }

    return json_string(buf);
}


/* a file's identity, as keys of obj */

static int
pm_meta_source(json_t *obj, const pm_source_t *src)
{
    int  rc;

    rc = pm_conf_set(obj, "sha256", json_string(src->sha256));
    rc |= pm_conf_set(obj, "size", json_integer((json_int_t) src->size));
    rc |= pm_conf_set(obj, "loaded_at", pm_meta_time(src->loaded_at));

    return rc;
}


static json_t *
pm_meta_scaler(const pm_scaler_t *s)
{
    int      i, rc;
    json_t  *o, *y, *ranges, *r;

    if (s == NULL) {
        return json_null();
    }

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    rc = pm_conf_set(o, "lower", json_real(s->lower));
    rc |= pm_conf_set(o, "upper", json_real(s->upper));
    rc |= pm_conf_set(o, "features", json_integer(s->n));
    rc |= pm_conf_set(o, "max_index", json_integer(s->max_index));

    if (s->has_y) {
        y = json_pack("{s:f,s:f,s:f,s:f}", "lower", s->y_lower,
                      "upper", s->y_upper, "min", s->y_min, "max", s->y_max);
        rc |= pm_conf_set(o, "y", y);
    }

    if (s->n <= PM_META_MAX_RANGES) {
        ranges = json_array();

        for (i = 0; ranges != NULL && i < s->n; i++) {
            r = json_pack("{s:i,s:f,s:f}", "index", s->index[i],
                          "min", s->min[i], "max", s->max[i]);
            rc |= (r == NULL) ? -1 : json_array_append_new(ranges, r);
        }

        rc |= pm_conf_set(o, "ranges", ranges);
    }

    rc |= pm_meta_source(o, &s->source);

    if (rc != 0) {
        json_decref(o);
        return NULL;
    }

    return o;
}


/*
 * At most PM_META_MAX_LIST features (and categories a feature) are listed,
 * so that a spec of 100,000 features does not make every GET megabytes:
 * "features_total" counts them all, and pm_metadata_features() has the
 * full list.
 */

static int
pm_meta_trim(json_t *features, size_t total, json_t *root)
{
    int      rc;
    size_t   i, ncat;
    json_t  *f, *cats;

    rc = 0;

    while (json_array_size(features) > PM_META_MAX_LIST) {
        rc |= json_array_remove(features, json_array_size(features) - 1);
    }

    json_array_foreach(features, i, f) {
        cats = json_object_get(f, "categories");
        ncat = json_array_size(cats);

        if (ncat > PM_META_MAX_LIST) {
            while (json_array_size(cats) > PM_META_MAX_LIST) {
                rc |= json_array_remove(cats, json_array_size(cats) - 1);
            }

            rc |= pm_conf_set(f, "categories_total",
                              json_integer((json_int_t) ncat));
        }
    }

    if (total > PM_META_MAX_LIST) {
        rc |= pm_conf_set(root, "features_total",
                          json_integer((json_int_t) total));
    }

    return rc;
}


/* a document as the answer's bytes, ending in a newline, malloc'ed; root
   is released */

int
pm_metadata_dump(json_t *root, char **out, size_t *len, pm_err_t *err)
{
    char    *buf;
    size_t   size;

    size = json_dumpb(root, NULL, 0, JSON_REAL_PRECISION(17));
    buf = (size == 0) ? NULL : malloc(size + 2);

    if (buf == NULL
        || json_dumpb(root, buf, size, JSON_REAL_PRECISION(17)) != size)
    {
        free(buf);
        json_decref(root);
        return pm_err_set(err, PM_ENOMEM, "cannot encode metadata");
    }

    json_decref(root);

    buf[size] = '\n';
    buf[size + 1] = '\0';
    *out = buf;
    *len = size + 1;

    return PM_OK;
}


/* the native metadata document, or NULL if jansson runs out of memory */

json_t *
pm_metadata_json(const pm_pipeline_t *p)
{
    int      rc;
    json_t  *root, *cfg, *spec, *file, *model;

    root = json_object();
    cfg = json_object();

    if (root == NULL || cfg == NULL) {
        json_decref(root);
        json_decref(cfg);
        return NULL;
    }

    model = pm_model_describe(p->model);
    rc = (model == NULL) ? -1 : pm_meta_source(model, &p->model->source);
    rc |= pm_conf_set(root, "model", model);
    rc |= pm_conf_set(root, "scaler", pm_meta_scaler(p->scaler));
    rc |= pm_conf_set(root, "feature_count", json_integer(p->nfeatures));

    if (p->spec != NULL) {
        spec = pm_spec_json(p->spec);
        rc |= (spec == NULL) ? -1 : 0;

        if (spec != NULL) {
            rc |= pm_conf_set(root, "features",
                              json_incref(json_object_get(spec, "features")));
            rc |= pm_meta_trim(json_object_get(root, "features"),
                               (size_t) p->spec->n, root);
            if (json_object_get(spec, "target") != NULL) {
                rc |= pm_conf_set(root, "target",
                                  json_incref(json_object_get(spec,
                                                              "target")));
            }
            file = json_object();
            rc |= (file == NULL) ? -1 : pm_meta_source(file, &p->spec->source);
            rc |= pm_conf_set(root, "spec", file);
            json_decref(spec);
        }
    }
    rc |= pm_conf_set(root, "output", json_string(
                          pm_model_is_regression(p->model) ? "value"
                                                           : "label"));
    rc |= pm_conf_set(cfg, "out_of_range", json_string(
                          pm_enum_name(pm_oor_names, p->opt.out_of_range)));
    rc |= pm_conf_set(cfg, "probability",
                      json_boolean(pm_pipeline_nprob(p) > 0));
    rc |= pm_conf_set(cfg, "decision_values",
                      json_boolean(p->opt.decision_values));
    rc |= pm_conf_set(cfg, "engine", json_string(
                          pm_enum_name(pm_engine_names,
                                       pm_pipeline_engine(p))));
    rc |= pm_conf_set(cfg, "label_rule", json_string(
                          pm_enum_name(pm_label_rule_names, p->label_rule)));
    rc |= pm_conf_set(cfg, "max_instances",
                      json_integer((json_int_t) p->opt.max_instances));
    rc |= pm_conf_set(root, "config", cfg);
    rc |= pm_conf_set(root, "server", json_pack("{s:s, s:s}", "name",
                                                PM_SERVER_NAME, "version",
                                                PM_VERSION));

    if (rc != 0) {
        json_decref(root);
        return NULL;
    }

    return root;
}


int
pm_metadata(const pm_pipeline_t *p, char **out, size_t *len, pm_err_t *err)
{
    json_t  *root;

    root = pm_metadata_json(p);
    if (root == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    return pm_metadata_dump(root, out, len, err);
}


/*
 * The whole feature list, {"features": [...], "target": ...}, however
 * long (GET ?features=all); *out is NULL without a feature spec.
 */

int
pm_metadata_features(const pm_pipeline_t *p, char **out, size_t *len,
    pm_err_t *err)
{
    json_t  *spec;

    *out = NULL;
    *len = 0;

    if (p->spec == NULL) {
        return PM_OK;
    }

    spec = pm_spec_json(p->spec);
    if (spec == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    (void) json_object_del(spec, "format");
    (void) json_object_del(spec, "version");

    return pm_metadata_dump(spec, out, len, err);
}
