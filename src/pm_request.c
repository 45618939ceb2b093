
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pm_request.h"


static int pm_request_value(json_t *v, int index, double *out,
    pm_err_t *err);
static int pm_node_cmp(const void *a, const void *b);


const char *
pm_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "a number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    default:
        return "null";
    }
}


int
pm_request_parse(const char *buf, size_t len, size_t max_instances,
    pm_request_t *req, pm_err_t *err)
{
    size_t        i;
    json_t       *root, *v, *features, *instances;
    const char   *key;
    json_error_t  jerr;
    char          safe[48];

    memset(req, 0, sizeof(pm_request_t));

    for (i = 0; i < len; i++) {
        if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r'
            && buf[i] != '\n')
        {
            break;
        }
    }

    if (i == len) {
        return pm_err_set(err, PM_EEMPTY, "empty request body: send "
                          "{\"features\": [...]} or {\"instances\": [...]}");
    }

    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES
                                | JSON_DECODE_INT_AS_REAL, &jerr);

    if (root == NULL) {
        err->line = jerr.line;
        err->column = jerr.column;

        if (json_error_code(&jerr) == json_error_numeric_overflow) {
            return pm_err_set(err, PM_EVALUE, "number out of range at line "
                              "%d, column %d", jerr.line, jerr.column);
        }

        return pm_err_set(err, PM_EJSON, "invalid JSON at line %d, column "
                          "%d: %s", jerr.line, jerr.column, jerr.text);
    }

    req->root = root;

    if (!json_is_object(root)) {
        return pm_err_set(err, PM_ESHAPE, "the body is %s; expected an "
                          "object with \"features\" or \"instances\"",
                          pm_json_type_name(root));
    }

    features = NULL;
    instances = NULL;

    json_object_foreach(root, key, v) {
        if (strcmp(key, "features") == 0) {
            features = v;

        } else if (strcmp(key, "instances") == 0) {
            instances = v;

        } else {
            pm_safe_text(key, safe, sizeof(safe));
            return pm_err_set(err, PM_ESHAPE, "unknown key \"%s\"; expected "
                              "\"features\" or \"instances\"", safe);
        }
    }

    if (features != NULL && instances != NULL) {
        return pm_err_set(err, PM_ESHAPE, "send either \"features\" or "
                          "\"instances\", not both");
    }

    if (features != NULL) {
        if (!json_is_array(features) && !json_is_object(features)) {
            return pm_err_set(err, PM_ESHAPE, "\"features\" is %s; expected "
                              "an array or an object",
                              pm_json_type_name(features));
        }

        req->n = 1;
        return PM_OK;
    }

    if (instances == NULL) {
        return pm_err_set(err, PM_ESHAPE, "the body has neither "
                          "\"features\" nor \"instances\"");
    }

    if (!json_is_array(instances)) {
        return pm_err_set(err, PM_ESHAPE, "\"instances\" is %s; expected an "
                          "array", pm_json_type_name(instances));
    }

    req->batch = 1;
    req->instances = instances;
    req->n = json_array_size(instances);

    if (req->n > max_instances) {
        return pm_err_set(err, PM_ETOOMANY, "%zu instances, more than the "
                          "limit of %zu", req->n, max_instances);
    }

    for (i = 0; i < req->n; i++) {
        v = json_array_get(instances, i);

        if (!json_is_array(v) && !json_is_object(v)) {
            err->instance = (long) i;
            return pm_err_set(err, PM_ESHAPE, "instances[%zu] is %s; "
                              "expected an array or an object", i,
                              pm_json_type_name(v));
        }
    }

    return PM_OK;
}


void
pm_request_release(pm_request_t *req)
{
    if (req->root != NULL) {
        json_decref(req->root);
        req->root = NULL;
    }
}


json_t *
pm_request_instance(const pm_request_t *req, size_t i)
{
    if (req->batch) {
        return json_array_get(req->instances, i);
    }

    return json_object_get(req->root, "features");
}


size_t
pm_request_instance_size(json_t *inst)
{
    return json_is_array(inst) ? json_array_size(inst)
                               : json_object_size(inst);
}


static int
pm_request_value(json_t *v, int index, double *out, pm_err_t *err)
{
    if (!json_is_number(v)) {
        err->feature = index;
        return pm_err_set(err, PM_EVALUE, "feature %d is %s; expected a "
                          "number", index, pm_json_type_name(v));
    }

    *out = json_number_value(v);

    if (!isfinite(*out)) {
        err->feature = index;
        return pm_err_set(err, PM_EVALUE, "feature %d is not finite", index);
    }

    return PM_OK;
}


static int
pm_node_cmp(const void *a, const void *b)
{
    const struct svm_node  *x = a, *y = b;

    return (x->index > y->index) - (x->index < y->index);
}


/*
 * Fills raw (room for pm_request_instance_size(inst) nodes) with the
 * instance's non-zero features in ascending index order; returns how many.
 */

int
pm_request_features(json_t *inst, int nfeatures, struct svm_node *raw,
    pm_err_t *err)
{
    int          n, rc;
    long         index;
    size_t       i, size;
    char        *end;
    double       value;
    json_t      *v;
    const char  *key;
    char         safe[48];

    n = 0;

    if (json_is_array(inst)) {
        size = json_array_size(inst);

        if (size != (size_t) nfeatures) {
            return pm_err_set(err, PM_ECOUNT, "expected %d features, got %zu",
                              nfeatures, size);
        }

        json_array_foreach(inst, i, v) {
            rc = pm_request_value(v, (int) i + 1, &value, err);
            if (rc != PM_OK) {
                return rc;
            }

            if (value != 0) {
                raw[n].index = (int) i + 1;
                raw[n].value = value;
                n++;
            }
        }

        return n;
    }

    json_object_foreach(inst, key, v) {

        /* canonical decimal only, so each index has exactly one key */

        index = 0;
        end = (char *) key;

        if (*key >= '1' && *key <= '9' && strlen(key) <= 9) {
            index = strtol(key, &end, 10);
        }

        if (*end != '\0' || index < 1 || index > nfeatures) {
            pm_safe_text(key, safe, sizeof(safe));
            return pm_err_set(err, PM_EINDEX, "feature key \"%s\" is not a "
                              "feature index in 1..%d", safe, nfeatures);
        }

        rc = pm_request_value(v, (int) index, &value, err);
        if (rc != PM_OK) {
            return rc;
        }

        if (value != 0) {
            raw[n].index = (int) index;
            raw[n].value = value;
            n++;
        }
    }

    qsort(raw, (size_t) n, sizeof(struct svm_node), pm_node_cmp);

    return n;
}
