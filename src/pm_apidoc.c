
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The documents the protocol routes answer for GET, built once when a
 * registry is finished: TensorFlow Serving's model list, status and
 * metadata (KServe V1), and the Open Inference Protocol's server and model
 * metadata and readiness (KServe V2).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pm.h"
#include "pm_conf.h"
#include "pm_metadata.h"
#include "pm_registry.h"


static json_t *pm_apidoc_status(const pm_registry_t *r, size_t first,
    size_t last);
static json_t *pm_apidoc_v1_meta(const pm_entry_t *e);
static json_t *pm_apidoc_v2_meta(const pm_registry_t *r, size_t first,
    size_t last, const pm_entry_t *e);
static json_t *pm_apidoc_tensor(const char *name, const char *type,
    long rows, long cols);
static json_t *pm_apidoc_version(long version);
static int pm_apidoc_set(pm_doc_t *doc, json_t *root, pm_err_t *err);
static int pm_apidoc_entries(pm_registry_t *r, size_t first, size_t last,
    pm_err_t *err);


static const char  *pm_out_types[] = { "INT64", "FP64", "BYTES" };


static json_t *
pm_apidoc_version(long version)
{
    char  buf[24];

    (void) snprintf(buf, sizeof(buf), "%ld", version);

    return json_string(buf);
}


/* a document kept as the answer's bytes */

static int
pm_apidoc_set(pm_doc_t *doc, json_t *root, pm_err_t *err)
{
    if (root == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    return pm_metadata_dump(root, &doc->data, &doc->len, err);
}


/* TF Serving's status of the versions first..last of one name, newest first */

static json_t *
pm_apidoc_status(const pm_registry_t *r, size_t first, size_t last)
{
    int      rc;
    size_t   i;
    json_t  *root, *list, *v;

    root = json_object();
    list = json_array();

    if (root == NULL || list == NULL) {
        json_decref(root);
        json_decref(list);
        return NULL;
    }

    rc = pm_conf_set(root, "name", json_string(r->e[first].name));
    rc |= pm_conf_set(root, "ready", json_true());

    for (i = last + 1; i-- > first; ) {
        v = json_pack("{s:o,s:s,s:{s:s,s:s}}",
                      "version", pm_apidoc_version(r->e[i].version),
                      "state", "AVAILABLE",
                      "status", "error_code", "OK", "error_message", "");
        rc |= (v == NULL) ? -1 : json_array_append_new(list, v);
    }

    rc |= pm_conf_set(root, "model_version_status", list);

    if (rc != 0) {
        json_decref(root);
        return NULL;
    }

    return root;
}


static json_t *
pm_apidoc_v1_meta(const pm_entry_t *e)
{
    json_t  *meta;

    meta = pm_metadata_json(&e->pipeline);
    if (meta == NULL) {
        return NULL;
    }

    return json_pack("{s:{s:s,s:o},s:o}", "model_spec", "name", e->name,
                     "version", pm_apidoc_version(e->version),
                     "metadata", meta);
}


/* {"name", "datatype", "shape"}: rows -1 is any; cols 0 is none */

static json_t *
pm_apidoc_tensor(const char *name, const char *type, long rows, long cols)
{
    return (cols > 0)
           ? json_pack("{s:s,s:s,s:[I,I]}", "name", name, "datatype", type,
                       "shape", (json_int_t) rows, (json_int_t) cols)
           : json_pack("{s:s,s:s,s:[I]}", "name", name, "datatype", type,
                       "shape", (json_int_t) rows);
}


static json_t *
pm_apidoc_v2_meta(const pm_registry_t *r, size_t first, size_t last,
    const pm_entry_t *e)
{
    int                   rc, i;
    size_t                k;
    json_t               *root, *versions, *in, *out;
    const pm_spec_t      *spec;
    const pm_pipeline_t  *p;

    p = &e->pipeline;
    spec = p->spec;

    root = json_object();
    versions = json_array();
    in = json_array();
    out = json_array();

    if (root == NULL || versions == NULL || in == NULL || out == NULL) {
        json_decref(root);
        json_decref(versions);
        json_decref(in);
        json_decref(out);
        return NULL;
    }

    rc = 0;

    for (k = first; k <= last; k++) {
        rc |= json_array_append_new(versions,
                                    pm_apidoc_version(r->e[k].version));
    }

    if (spec == NULL) {
        rc |= json_array_append_new(in, pm_apidoc_tensor("input-0", "FP64",
                                                         -1, p->nfeatures));

    } else {
        for (i = 0; i < spec->n; i++) {
            rc |= json_array_append_new(in, pm_apidoc_tensor(
                                            spec->f[i].name,
                                            spec->f[i].type
                                            == PM_FEAT_NUMERIC
                                            ? "FP64" : "BYTES", -1, 0));
        }
    }

    rc |= json_array_append_new(out, pm_apidoc_tensor("predict",
                                    pm_out_types[pm_pipeline_output(p)],
                                    -1, 0));

    if (pm_pipeline_nprob(p) > 0) {
        rc |= json_array_append_new(out, pm_apidoc_tensor("predict_proba",
                                        "FP64", -1,
                                        pm_pipeline_nclasses(p)));
    }

    rc |= pm_conf_set(root, "name", json_string(e->name));
    rc |= pm_conf_set(root, "versions", versions);
    rc |= pm_conf_set(root, "platform", json_string(p->model->ops->name));
    rc |= pm_conf_set(root, "inputs", in);
    rc |= pm_conf_set(root, "outputs", out);

    if (rc != 0) {
        json_decref(root);
        return NULL;
    }

    return root;
}


/* the documents of one name's versions, first..last */

static int
pm_apidoc_entries(pm_registry_t *r, size_t first, size_t last, pm_err_t *err)
{
    int          rc;
    size_t       i;
    pm_entry_t  *e;

    for (i = first; i <= last; i++) {
        e = &r->e[i];

        rc = pm_apidoc_set(&e->doc[PM_DOC_V1_STATUS],
                           pm_apidoc_status(r, i, i), err);
        if (rc == PM_OK) {
            rc = pm_apidoc_set(&e->doc[PM_DOC_V1_META],
                               pm_apidoc_v1_meta(e), err);
        }
        if (rc == PM_OK) {
            rc = pm_apidoc_set(&e->doc[PM_DOC_V2_META],
                               pm_apidoc_v2_meta(r, first, last, e), err);
        }
        if (rc == PM_OK) {
            rc = pm_apidoc_set(&e->doc[PM_DOC_V2_MREADY],
                               json_pack("{s:s,s:b}", "name", e->name,
                                         "ready", 1), err);
        }
        if (rc == PM_OK && e->latest) {
            rc = pm_apidoc_set(&e->doc[PM_DOC_V1_ALL],
                               pm_apidoc_status(r, first, last), err);
        }

        if (rc != PM_OK) {
            return rc;
        }
    }

    return PM_OK;
}


/* sorted, checked, every document built: ready to serve */

int
pm_registry_finish(pm_registry_t *r, pm_err_t *err)
{
    int      rc;
    size_t   i, first;
    json_t  *names;

    rc = pm_registry_sort(r, err);
    if (rc != PM_OK) {
        return rc;
    }

    names = json_array();
    if (names == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    first = 0;

    for (i = 0; i < r->n; i++) {
        if (!r->e[i].latest) {
            continue;
        }

        rc = pm_apidoc_entries(r, first, i, err);
        if (rc != PM_OK || json_array_append_new(names,
                                                 json_string(r->e[i].name)))
        {
            json_decref(names);
            return (rc != PM_OK) ? rc : pm_err_set(err, PM_ENOMEM,
                                                   "out of memory");
        }

        first = i + 1;
    }

    rc = pm_apidoc_set(&r->doc[PM_DOC_V1_LIST],
                       json_pack("{s:o}", "models", names), err);
    if (rc == PM_OK) {
        rc = pm_apidoc_set(&r->doc[PM_DOC_V2_SERVER],
                           json_pack("{s:s,s:s,s:[]}",
                                     "name", PM_SERVER_NAME,
                                     "version", PM_VERSION,
                                     "extensions"), err);
    }
    if (rc == PM_OK) {
        rc = pm_apidoc_set(&r->doc[PM_DOC_V2_LIVE],
                           json_pack("{s:b}", "live", 1), err);
    }
    if (rc == PM_OK) {
        rc = pm_apidoc_set(&r->doc[PM_DOC_V2_READY],
                           json_pack("{s:b}", "ready", 1), err);
    }

    return rc;
}
