
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The public interface of the prediction core, the one header the nginx
 * glue includes (besides nginx's) and the one the tools start from.  The
 * objects are opaque here; the units of src/ define them.
 *
 * The core in layers; each unit includes and calls only those below it
 * (no circle), and only the glue and the tools call pm.h's functions:
 *
 *   serve      pm_serve: (pipeline, body) -> answer bytes or an error
 *   codecs     pm_request (native in), pm_response (native out, error
 *              bodies), pm_metadata (the GET document, at config time);
 *              pm_metrics (counters in a shared region, drift, the
 *              Prometheus text) beside them
 *   predict    pm_predict: instances -> results; no JSON
 *   pipeline   pm_pipeline: model + feature engineering + options, and
 *              the loaded files (pm_file_t); pm_kinds: the model kinds
 *   files      pm_encode (instances to vectors: by index, range file or
 *              spec), pm_spec (feature specs), pm_scale (range files),
 *              pm_svm (the libsvm kind) over pm_svm_scan and pm_fast,
 *              pm_xform (every transform, once); pm_fit, pm_data and
 *              pm_csv are the tools' only (the module does not link them)
 *   model      pm_model: the interface every model kind implements
 *   core       pm_core (codes and their one table, errors, allocators),
 *              pm_enum (every enumeration's one name table), pm_types,
 *              pm_text (files, lines, numbers, UTF-8), pm_json (the
 *              strict tokenizer), pm_writer, pm_conf (config-time JSON),
 *              pm_dtoa, pm_sha256
 */


#ifndef _PM_H_INCLUDED_
#define _PM_H_INCLUDED_


#include "pm_core.h"
#include "pm_enum.h"
#include "pm_types.h"


#define PM_SERVER_NAME       "ngx_http_predict_module"
#define PM_VERSION           "0.2.0"


/* files: a model, an svm-scale range file or a feature spec, loaded */

/* a bundle directory, as predict-train and the exporter write it */

#define PM_BUNDLE_MODEL      "model.libsvm"
#define PM_BUNDLE_SPEC       "features.json"
#define PM_BUNDLE_REPORT     "report.json"

/* kind: PM_FILE_*, named by pm_file_names */
int pm_file_load(int kind, const char *path, pm_file_t **out,
    pm_err_t *err);
void pm_file_free(pm_file_t *f);
const char *pm_file_sha256(const pm_file_t *f);
/* a load warning ("" if none) into buf of PM_WARNING_SIZE bytes */
#define PM_WARNING_SIZE      1024
const char *pm_file_warning(const pm_file_t *f, char *buf, size_t size);


/* a pipeline: checked at configuration time, read-only afterwards */

int pm_pipeline_create(const pm_file_t *model, const pm_file_t *scaler,
    const pm_file_t *spec, int nfeatures, const pm_options_t *opt,
    pm_pipeline_t **out, pm_err_t *err);
void pm_pipeline_free(pm_pipeline_t *p);

/* a named feature's PM_FEAT_*; -1: no such name; PM_FEAT_BY_INDEX: no spec */

#define PM_FEAT_BY_INDEX     -2

int pm_pipeline_feature_type(const pm_pipeline_t *p, const char *name);

/* the GET document, malloc'ed (the caller frees it) */

int pm_metadata(const pm_pipeline_t *p, char **out, size_t *len,
    pm_err_t *err);
int pm_metadata_features(const pm_pipeline_t *p, char **out, size_t *len,
    pm_err_t *err);


/* a model repository, DIR/NAME/VERSION/: versions 0 keeps all, N the N
   highest of each name */

int pm_repo_scan(const char *dir, int versions, pm_repo_t **out,
    pm_err_t *err);
size_t pm_repo_count(const pm_repo_t *r);
const char *pm_repo_name(const pm_repo_t *r, size_t i);
long pm_repo_version(const pm_repo_t *r, size_t i);
const char *pm_repo_dir(const pm_repo_t *r, size_t i);
size_t pm_repo_nignored(const pm_repo_t *r);
const char *pm_repo_ignored(const pm_repo_t *r, size_t i,
    const char **reason);
void pm_repo_free(pm_repo_t *r);


/*
 * a registry: the models a server knows by name and version, served by a
 * predict_api location with that location's options
 */

int pm_registry_create(const pm_options_t *opt, pm_registry_t **out,
    pm_err_t *err);
int pm_registry_add(pm_registry_t *r, const char *name, long version,
    const pm_file_t *model, const pm_file_t *scaler, const pm_file_t *spec,
    pm_err_t *err);
int pm_registry_finish(pm_registry_t *r, pm_err_t *err);
size_t pm_registry_count(const pm_registry_t *r);
void pm_registry_free(pm_registry_t *r);


/* serving: answers in memory from a, never a partial one */

#define PM_METHOD_GET        1
#define PM_METHOD_HEAD       2
#define PM_METHOD_POST       3
#define PM_METHOD_OTHER      4


int pm_serve(const pm_pipeline_t *p, const char *body, size_t len,
    pm_alloc_t *a, pm_answer_t *ans, pm_err_t *err);
int pm_serve_route(const pm_registry_t *r, int method, const char *path,
    size_t plen, const char *body, size_t len, pm_alloc_t *a,
    pm_answer_t *ans, pm_err_t *err);
void pm_serve_error(const pm_err_t *err, int status, int api, pm_alloc_t *a,
    pm_answer_t *ans);

int pm_serve_meta(const pm_pipeline_t *p, const char *doc, size_t len,
    pm_alloc_t *a, pm_answer_t *ans, pm_err_t *err);
void pm_serve_counted(const pm_pipeline_t *p, const pm_registry_t *r,
    const pm_answer_t *ans);


/*
 * metrics: every worker's counters in one shared region (an nginx zone),
 * a block per model name and version; drift over a window of window
 * instances (predict_drift_window)
 */

int pm_metrics_create(size_t window, pm_metrics_t **out, pm_err_t *err);
void pm_metrics_free(pm_metrics_t *m);
int pm_metrics_pipeline(pm_metrics_t *m, const char *name, long version,
    pm_pipeline_t *p, pm_err_t *err);
int pm_metrics_registry(pm_metrics_t *m, pm_registry_t *r, pm_err_t *err);
size_t pm_metrics_size(const pm_metrics_t *m);
int pm_metrics_attach(pm_metrics_t *m, void *region, size_t size,
    int *reset, pm_err_t *err);
int pm_metrics_serve(const pm_metrics_t *m, pm_alloc_t *a, char **out,
    size_t *len, pm_err_t *err);


/* refusals of the HTTP layer, as errors pm_serve_error() answers */

int pm_err_method(pm_err_t *err, const char *method, size_t len);
int pm_err_body(pm_err_t *err, long long size, size_t limit);
int pm_err_http(pm_err_t *err, int status, long long max_body,
    int rate_limited);


#endif /* _PM_H_INCLUDED_ */
