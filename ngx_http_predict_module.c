
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * nginx glue: directives, the content handler, a filter that turns nginx's
 * own error pages into JSON on prediction locations, and variables.  All
 * parsing, scaling and predicting lives in src/ (pm_*), which never sees an
 * nginx header.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>
#include <svm.h>

#include "pm_core.h"
#include "pm_model.h"
#include "pm_scale.h"
#include "pm_features.h"
#include "pm_predict.h"
#include "pm_response.h"


#define NGX_HTTP_PREDICT_MODEL     0
#define NGX_HTTP_PREDICT_SCALER    1
#define NGX_HTTP_PREDICT_FEATURES  2

#define NGX_HTTP_PREDICT_UNPROCESSABLE  422


typedef struct {
    ngx_str_t                   path;
    ngx_uint_t                  kind;
    void                       *obj;
} ngx_http_predict_file_t;


typedef struct {
    ngx_array_t                 files;   /* ngx_http_predict_file_t */
} ngx_http_predict_main_conf_t;


typedef struct {
    ngx_str_t                   model_path;
    pm_model_t                 *model;
    pm_scaler_t                *scaler;
    pm_features_t              *spec;
} ngx_http_predict_source_t;


typedef struct {
    ngx_http_predict_source_t  *source;
    ngx_uint_t                  out_of_range;
    ngx_flag_t                  probability;
    ngx_flag_t                  decision_values;
    ngx_uint_t                  engine;
    ngx_int_t                   max_instances;
    ngx_int_t                   feature_count;
    size_t                      max_body_size;

    pm_pipeline_t               pipeline;
    pm_options_t                options;
    ngx_str_t                   metadata;
} ngx_http_predict_loc_conf_t;


typedef struct {
    ngx_str_t                   label;      /* single prediction */
    ngx_uint_t                  instances;
    const char                 *error;      /* error code, or NULL */
    ngx_str_t                   error_body; /* replaces nginx's page */
    unsigned                    predicted:1;
    unsigned                    replace:1;
    unsigned                    replaced:1;
} ngx_http_predict_ctx_t;


static ngx_int_t ngx_http_predict_add_variables(ngx_conf_t *cf);
static void *ngx_http_predict_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_predict_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_predict_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_predict_init(ngx_conf_t *cf);
static char *ngx_http_predict_model(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_predict_load(ngx_conf_t *cf, ngx_str_t *path,
    ngx_uint_t kind);
static void ngx_http_predict_cleanup_model(void *data);
static void ngx_http_predict_cleanup_scaler(void *data);
static void ngx_http_predict_cleanup_features(void *data);
static ngx_int_t ngx_http_predict_bundle_path(ngx_conf_t *cf,
    ngx_str_t *dir, const char *name, ngx_str_t *path);

static ngx_int_t ngx_http_predict_handler(ngx_http_request_t *r);
static void ngx_http_predict_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_predict_read_body(ngx_http_request_t *r,
    ngx_http_predict_loc_conf_t *plcf, u_char **data, size_t *len);
static ngx_int_t ngx_http_predict_run(ngx_http_request_t *r,
    ngx_http_predict_loc_conf_t *plcf, ngx_http_predict_ctx_t *ctx,
    u_char *data, size_t len);
static ngx_int_t ngx_http_predict_error(ngx_http_request_t *r,
    ngx_http_predict_ctx_t *ctx, ngx_uint_t status, pm_err_t *err);
static ngx_int_t ngx_http_predict_send(ngx_http_request_t *r,
    ngx_uint_t status, u_char *data, size_t len);
static ngx_http_predict_ctx_t *ngx_http_predict_get_ctx(
    ngx_http_request_t *r);
static void *ngx_http_predict_palloc(void *data, size_t size);
static ngx_uint_t ngx_http_predict_status(int code);

static ngx_int_t ngx_http_predict_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_predict_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);

static ngx_int_t ngx_http_predict_label_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_predict_instances_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_predict_error_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_conf_enum_t  ngx_http_predict_out_of_range[] = {
    { ngx_string("extrapolate"), PM_OOR_EXTRAPOLATE },
    { ngx_string("clip"), PM_OOR_CLIP },
    { ngx_string("reject"), PM_OOR_REJECT },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_predict_engines[] = {
    { ngx_string("fast"), PM_ENGINE_FAST },
    { ngx_string("libsvm"), PM_ENGINE_LIBSVM },
    { ngx_null_string, 0 }
};


static ngx_conf_num_bounds_t  ngx_http_predict_max_instances_bounds = {
    ngx_conf_check_num_bounds, 1, 1000000
};


static ngx_conf_num_bounds_t  ngx_http_predict_feature_count_bounds = {
    ngx_conf_check_num_bounds, 1, PM_MAX_INDEX
};


static ngx_command_t  ngx_http_predict_commands[] = {

    { ngx_string("predict_model"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_predict_model,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("predict_out_of_range"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, out_of_range),
      &ngx_http_predict_out_of_range },

    { ngx_string("predict_probability"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, probability),
      NULL },

    { ngx_string("predict_decision_values"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, decision_values),
      NULL },

    { ngx_string("predict_engine"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, engine),
      &ngx_http_predict_engines },

    { ngx_string("predict_max_instances"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, max_instances),
      &ngx_http_predict_max_instances_bounds },

    { ngx_string("predict_feature_count"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, feature_count),
      &ngx_http_predict_feature_count_bounds },

    { ngx_string("predict_max_body_size"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, max_body_size),
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_predict_module_ctx = {
    ngx_http_predict_add_variables,        /* preconfiguration */
    ngx_http_predict_init,                 /* postconfiguration */

    ngx_http_predict_create_main_conf,     /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_predict_create_loc_conf,      /* create location configuration */
    ngx_http_predict_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_predict_module = {
    NGX_MODULE_V1,
    &ngx_http_predict_module_ctx,          /* module context */
    ngx_http_predict_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_predict_vars[] = {

    { ngx_string("predict_label"), NULL,
      ngx_http_predict_label_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_instances"), NULL,
      ngx_http_predict_instances_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_error"), NULL,
      ngx_http_predict_error_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


static ngx_str_t  ngx_http_predict_json_type = ngx_string("application/json");


static ngx_int_t
ngx_http_predict_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_predict_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static void *
ngx_http_predict_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_predict_main_conf_t  *pmcf;

    pmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_predict_main_conf_t));
    if (pmcf == NULL) {
        return NULL;
    }

    if (ngx_array_init(&pmcf->files, cf->pool, 4,
                       sizeof(ngx_http_predict_file_t))
        != NGX_OK)
    {
        return NULL;
    }

    return pmcf;
}


static void *
ngx_http_predict_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_predict_loc_conf_t  *plcf;

    plcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_predict_loc_conf_t));
    if (plcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     plcf->pipeline = { NULL, NULL, 0 };
     *     plcf->options = { 0, 0, 0 };
     *     plcf->metadata = { 0, NULL };
     */

    plcf->source = NGX_CONF_UNSET_PTR;
    plcf->out_of_range = NGX_CONF_UNSET_UINT;
    plcf->probability = NGX_CONF_UNSET;
    plcf->decision_values = NGX_CONF_UNSET;
    plcf->engine = NGX_CONF_UNSET_UINT;
    plcf->max_instances = NGX_CONF_UNSET;
    plcf->feature_count = NGX_CONF_UNSET;
    plcf->max_body_size = NGX_CONF_UNSET_SIZE;

    return plcf;
}


static char *
ngx_http_predict_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_predict_loc_conf_t *prev = parent;
    ngx_http_predict_loc_conf_t *conf = child;

    int        rc;
    char      *meta;
    size_t     len;
    pm_err_t   err;

    ngx_conf_merge_ptr_value(conf->source, prev->source, NULL);
    ngx_conf_merge_uint_value(conf->out_of_range, prev->out_of_range,
                              PM_OOR_EXTRAPOLATE);
    ngx_conf_merge_value(conf->probability, prev->probability, 1);
    ngx_conf_merge_value(conf->decision_values, prev->decision_values, 0);
    ngx_conf_merge_uint_value(conf->engine, prev->engine, PM_ENGINE_FAST);
    ngx_conf_merge_value(conf->max_instances, prev->max_instances, 100);
    ngx_conf_merge_value(conf->feature_count, prev->feature_count, 0);
    ngx_conf_merge_size_value(conf->max_body_size, prev->max_body_size,
                              1024 * 1024);

    conf->options.out_of_range = (int) conf->out_of_range;
    conf->options.probability = (int) conf->probability;
    conf->options.decision_values = (int) conf->decision_values;
    conf->options.engine = (int) conf->engine;
    conf->options.max_instances = (size_t) conf->max_instances;

    if (conf->source == NULL) {
        return NGX_CONF_OK;
    }

    pm_err_init(&err);

    /* the GET answer is fixed: built here, never per request */

    meta = NULL;
    len = 0;

    rc = pm_pipeline_init(&conf->pipeline, conf->source->model,
                          conf->source->scaler, conf->source->spec,
                          (int) conf->feature_count, &err);
    if (rc == PM_OK) {
        rc = pm_metadata_json(&conf->pipeline, &conf->options, &meta, &len,
                              &err);
    }

    if (rc != PM_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "predict_model \"%V\": %s",
                           &conf->source->model_path, err.msg);
        return NGX_CONF_ERROR;
    }

    conf->metadata.data = ngx_pnalloc(cf->pool, len);
    if (conf->metadata.data == NULL) {
        free(meta);
        return NGX_CONF_ERROR;
    }

    ngx_memcpy(conf->metadata.data, meta, len);
    conf->metadata.len = len;
    free(meta);

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_predict_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_predict_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_predict_body_filter;

    return NGX_OK;
}


static char *
ngx_http_predict_model(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_predict_loc_conf_t *plcf = conf;

    ngx_str_t                  *value, path, scaler, spec;
    ngx_uint_t                  i;
    ngx_file_info_t             fi;
    ngx_http_core_loc_conf_t   *clcf;
    ngx_http_predict_source_t  *src;

    if (plcf->source != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    path = value[1];
    ngx_str_null(&scaler);
    ngx_str_null(&spec);

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "scaler=", 7) == 0
            && value[i].len > 7 && scaler.len == 0)
        {
            scaler.data = value[i].data + 7;
            scaler.len = value[i].len - 7;
            continue;
        }

        if (ngx_strncmp(value[i].data, "features=", 9) == 0
            && value[i].len > 9 && spec.len == 0)
        {
            spec.data = value[i].data + 9;
            spec.len = value[i].len - 9;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (scaler.len && spec.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"scaler=\" and \"features=\" exclude each "
                           "other");
        return NGX_CONF_ERROR;
    }

    src = ngx_pcalloc(cf->pool, sizeof(ngx_http_predict_source_t));
    if (src == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    /* a bundle directory: the trainer's or the exporter's */

    if (ngx_file_info(path.data, &fi) != NGX_FILE_ERROR && ngx_is_dir(&fi)) {

        if (scaler.len || spec.len) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "a bundle directory takes no \"scaler=\" or "
                               "\"features=\"");
            return NGX_CONF_ERROR;
        }

        if (ngx_http_predict_bundle_path(cf, &path, PM_BUNDLE_SPEC, &spec)
            != NGX_OK
            || ngx_http_predict_bundle_path(cf, &path, PM_BUNDLE_MODEL, &path)
               != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }

    } else if (spec.len
               && ngx_conf_full_name(cf->cycle, &spec, 0) != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    src->model_path = path;
    src->model = ngx_http_predict_load(cf, &path, NGX_HTTP_PREDICT_MODEL);
    if (src->model == NULL) {
        return NGX_CONF_ERROR;
    }

    if (scaler.len) {
        if (ngx_conf_full_name(cf->cycle, &scaler, 0) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        src->scaler = ngx_http_predict_load(cf, &scaler,
                                            NGX_HTTP_PREDICT_SCALER);
        if (src->scaler == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    if (spec.len) {
        src->spec = ngx_http_predict_load(cf, &spec,
                                          NGX_HTTP_PREDICT_FEATURES);
        if (src->spec == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    plcf->source = src;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_predict_handler;

    return NGX_CONF_OK;
}


/* DIR/NAME, NUL-terminated, as ngx_conf_full_name() leaves paths */

static ngx_int_t
ngx_http_predict_bundle_path(ngx_conf_t *cf, ngx_str_t *dir,
    const char *name, ngx_str_t *path)
{
    u_char     *p;
    size_t      len;
    ngx_str_t   d;

    d = *dir;   /* dir and path may be the same */
    len = d.len + 1 + ngx_strlen(name);

    p = ngx_pnalloc(cf->pool, len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    path->data = p;
    p = ngx_cpymem(p, d.data, d.len);
    *p++ = '/';
    p = ngx_cpymem(p, name, ngx_strlen(name));
    *p = '\0';
    path->len = len;

    return NGX_OK;
}


/* each file loads once per cycle, however many locations name it */

static void *
ngx_http_predict_load(ngx_conf_t *cf, ngx_str_t *path, ngx_uint_t kind)
{
    int                            rc;
    void                          *obj;
    const char                    *what, *sha;
    ngx_uint_t                     i;
    pm_err_t                       err;
    ngx_pool_cleanup_t            *cln;
    ngx_pool_cleanup_pt            handler;
    ngx_http_predict_file_t       *file;
    ngx_http_predict_main_conf_t  *pmcf;

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_predict_module);

    file = pmcf->files.elts;

    for (i = 0; i < pmcf->files.nelts; i++) {
        if (file[i].kind == kind
            && file[i].path.len == path->len
            && ngx_strncmp(file[i].path.data, path->data, path->len) == 0)
        {
            return file[i].obj;
        }
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    pm_err_init(&err);

    /* path comes from ngx_conf_full_name(), which NUL-terminates it */

    switch (kind) {

    case NGX_HTTP_PREDICT_MODEL:
        rc = pm_model_load((const char *) path->data, (pm_model_t **) &obj,
                           &err);
        what = "model";
        sha = (rc == PM_OK) ? ((pm_model_t *) obj)->source.sha256 : NULL;
        handler = ngx_http_predict_cleanup_model;
        break;

    case NGX_HTTP_PREDICT_SCALER:
        rc = pm_scaler_load((const char *) path->data, (pm_scaler_t **) &obj,
                            &err);
        what = "scaler";
        sha = (rc == PM_OK) ? ((pm_scaler_t *) obj)->source.sha256 : NULL;
        handler = ngx_http_predict_cleanup_scaler;
        break;

    default: /* NGX_HTTP_PREDICT_FEATURES */
        rc = pm_features_load((const char *) path->data,
                              (pm_features_t **) &obj, &err);
        what = "features";
        sha = (rc == PM_OK) ? ((pm_features_t *) obj)->source.sha256 : NULL;
        handler = ngx_http_predict_cleanup_features;
        break;
    }

    if (rc != PM_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "predict_model %s\"%V\": "
                           "%s", kind == NGX_HTTP_PREDICT_MODEL ? ""
                           : kind == NGX_HTTP_PREDICT_SCALER ? "scaler "
                           : "features ", path, err.msg);
        return NULL;
    }

    ngx_conf_log_error(NGX_LOG_NOTICE, cf, 0, "predict: loaded %s \"%V\", "
                       "sha256 %s", what, path, sha);

    cln->handler = handler;
    cln->data = obj;

    file = ngx_array_push(&pmcf->files);
    if (file == NULL) {
        return NULL;
    }

    file->path = *path;
    file->kind = kind;
    file->obj = obj;

    return obj;
}


static void
ngx_http_predict_cleanup_model(void *data)
{
    pm_model_free(data);
}


static void
ngx_http_predict_cleanup_scaler(void *data)
{
    pm_scaler_free(data);
}


static void
ngx_http_predict_cleanup_features(void *data)
{
    pm_features_free(data);
}


static ngx_int_t
ngx_http_predict_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    pm_err_t                      err;
    ngx_table_elt_t              *h;
    ngx_http_predict_ctx_t       *ctx;
    ngx_http_predict_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_predict_module);

    ctx = ngx_http_predict_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_predict_send(r, NGX_HTTP_OK, plcf->metadata.data,
                                     plcf->metadata.len);
    }

    pm_err_init(&err);

    if (!(r->method & NGX_HTTP_POST)) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Allow");
        ngx_str_set(&h->value, "GET, HEAD, POST");

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        (void) pm_err_set(&err, PM_ESHAPE, "method %.*s is not allowed; "
                          "use POST to predict, GET for metadata",
                          (int) ngx_min(r->method_name.len, 16),
                          r->method_name.data);

        ctx->error = "method_not_allowed";

        return ngx_http_predict_error(r, ctx, NGX_HTTP_NOT_ALLOWED, &err);
    }

    if (r->headers_in.content_length_n > (off_t) plcf->max_body_size) {
        (void) pm_err_set(&err, PM_ETOOMANY, "request body of %lld bytes is "
                          "larger than predict_max_body_size %zu",
                          (long long) r->headers_in.content_length_n,
                          plcf->max_body_size);

        /* as nginx's own 413: no keep-alive after an unread body */

        r->keepalive = 0;

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        ctx->error = "body_too_large";

        return ngx_http_predict_error(r, ctx, 0, &err);
    }

    r->request_body_in_single_buf = 1;

    rc = ngx_http_read_client_request_body(r, ngx_http_predict_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    return NGX_DONE;
}


static void
ngx_http_predict_body_handler(ngx_http_request_t *r)
{
    size_t                        len;
    u_char                       *data;
    ngx_int_t                     rc;
    pm_err_t                      err;
    ngx_http_predict_ctx_t       *ctx;
    ngx_http_predict_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_predict_module);
    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return;
    }

    rc = ngx_http_predict_read_body(r, plcf, &data, &len);

    if (rc == NGX_OK) {
        rc = ngx_http_predict_run(r, plcf, ctx, data, len);

    } else if (rc == NGX_DECLINED) {
        pm_err_init(&err);
        (void) pm_err_set(&err, PM_ETOOMANY, "request body of %zu bytes is "
                          "larger than predict_max_body_size %zu", len,
                          plcf->max_body_size);
        ctx->error = "body_too_large";
        rc = ngx_http_predict_error(r, ctx, 0, &err);
    }

    ngx_http_finalize_request(r, rc);
}


/*
 * The body in one piece: in memory, or read back from the temporary file
 * nginx wrote when it outgrew client_body_buffer_size.  NGX_DECLINED: the
 * real size (chunked bodies have no Content-Length) is over our limit.
 */

static ngx_int_t
ngx_http_predict_read_body(ngx_http_request_t *r,
    ngx_http_predict_loc_conf_t *plcf, u_char **data, size_t *len)
{
    off_t         size;
    u_char       *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    *data = NULL;
    *len = 0;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        return NGX_OK;
    }

    size = 0;

    /* an empty body comes as a special (last_buf only) buffer */

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            size += b->last - b->pos;

        } else if (b->in_file) {
            size += b->file_last - b->file_pos;
        }
    }

    *len = (size_t) size;

    if (size > (off_t) plcf->max_body_size) {
        return NGX_DECLINED;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && ngx_buf_in_memory(cl->buf)) {
        *data = cl->buf->pos;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, (size_t) size + 1);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    *data = p;

    for ( /* void */ ; cl; cl = cl->next) {
        b = cl->buf;

        if (ngx_buf_in_memory(b)) {
            p = ngx_cpymem(p, b->pos, b->last - b->pos);
            continue;
        }

        if (!b->in_file) {
            continue;
        }

        n = ngx_read_file(b->file, p, (size_t) (b->file_last - b->file_pos),
                          b->file_pos);

        if (n != b->file_last - b->file_pos) {
            ngx_log_error(NGX_LOG_CRIT, r->connection->log, 0,
                          "predict: short read of the request body from "
                          "\"%V\"", &b->file->name);
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        p += n;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_predict_run(ngx_http_request_t *r,
    ngx_http_predict_loc_conf_t *plcf, ngx_http_predict_ctx_t *ctx,
    u_char *data, size_t len)
{
    int                   rc;
    u_char               *p;
    pm_err_t              err;
    ngx_int_t             label;
    pm_alloc_t            a;
    pm_answer_t           ans;
    const pm_features_t  *spec;

    pm_err_init(&err);

    a.alloc = ngx_http_predict_palloc;
    a.data = r->pool;

    rc = pm_predict_json(&plcf->pipeline, &plcf->options,
                         (const char *) data, len, &a, &ans, &err);

    if (rc != PM_OK) {
        return ngx_http_predict_error(r, ctx, 0, &err);
    }

    ctx->predicted = 1;
    ctx->instances = ans.n;

    if (!ans.batch) {
        p = ngx_pnalloc(r->pool, PM_JSON_NUM_SIZE);
        if (p == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->label.data = p;
        label = (ngx_int_t) ans.results[0].value;
        spec = plcf->pipeline.spec;

        if (pm_model_is_regression(plcf->pipeline.model)) {
            ctx->label.len = pm_format_number(ans.results[0].value,
                                              (char *) p);

        } else if (spec != NULL && spec->target.nclasses > 0) {
            ctx->label.data = (u_char *) spec->target.class_key[label];
            ctx->label.len = ngx_strlen(ctx->label.data);

        } else {
            ctx->label.len = ngx_sprintf(p, "%i", label) - p;
        }
    }

    return ngx_http_predict_send(r, NGX_HTTP_OK, (u_char *) ans.body,
                                 ans.len);
}


/* a JSON error: ctx->error, when set, overrides the code pm names */

static ngx_int_t
ngx_http_predict_error(ngx_http_request_t *r, ngx_http_predict_ctx_t *ctx,
    ngx_uint_t status, pm_err_t *err)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   level;

    if (status == 0) {
        status = ngx_http_predict_status(err->code);
    }

    if (ctx->error == NULL) {
        ctx->error = pm_err_name(err->code);
    }

    level = (status < NGX_HTTP_INTERNAL_SERVER_ERROR) ? NGX_LOG_INFO
                                                      : NGX_LOG_ERR;

    ngx_log_error(level, r->connection->log, 0, "predict: %ui %s: %s",
                  status, ctx->error, err->msg);

    len = pm_error_write(err, ctx->error, NULL, 0);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    (void) pm_error_write(err, ctx->error, (char *) p, len);

    return ngx_http_predict_send(r, status, p, len);
}


static ngx_uint_t
ngx_http_predict_status(int code)
{
    switch (code) {

    case PM_EJSON:
    case PM_ESHAPE:
    case PM_EVALUE:
    case PM_ECOUNT:
    case PM_EINDEX:
    case PM_EEMPTY:
    case PM_EMISSING:
    case PM_ECATEGORY:
    case PM_EUNKNOWN:
        return NGX_HTTP_BAD_REQUEST;

    case PM_ETOOMANY:
        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;

    case PM_ERANGE:
    case PM_ENONFINITE:
        return NGX_HTTP_PREDICT_UNPROCESSABLE;

    default:
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }
}


static ngx_int_t
ngx_http_predict_send(ngx_http_request_t *r, ngx_uint_t status, u_char *data,
    size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = ngx_http_predict_json_type;
    r->headers_out.content_type_len = ngx_http_predict_json_type.len;
    r->headers_out.content_type_lowcase = NULL;

    if (status == NGX_HTTP_PREDICT_UNPROCESSABLE) {
        ngx_str_set(&r->headers_out.status_line, "422 Unprocessable Entity");
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = data;
    b->last = data + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_http_predict_ctx_t *
ngx_http_predict_get_ctx(ngx_http_request_t *r)
{
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL) {
        ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_predict_ctx_t));
        if (ctx == NULL) {
            return NULL;
        }

        ngx_http_set_ctx(r, ctx, ngx_http_predict_module);
    }

    return ctx;
}


static void *
ngx_http_predict_palloc(void *data, size_t size)
{
    return ngx_palloc(data, size);
}


/*
 * nginx answers some errors itself (a Content-Length over
 * client_max_body_size, a malformed chunked body, a body timeout) with an
 * HTML page; on a prediction location that page becomes a JSON error.
 */

static ngx_int_t
ngx_http_predict_header_filter(ngx_http_request_t *r)
{
    u_char                    *p;
    size_t                     len;
    pm_err_t                   err;
    const char                *code;
    ngx_http_predict_ctx_t    *ctx;
    ngx_http_core_loc_conf_t  *clcf;

    if (r != r->main || r->err_status < NGX_HTTP_BAD_REQUEST
        || r->headers_out.status != r->err_status)
    {
        return ngx_http_next_header_filter(r);
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_core_module);

    if (clcf->handler != ngx_http_predict_handler
        || r->headers_out.content_type.len != sizeof("text/html") - 1
        || ngx_strncmp(r->headers_out.content_type.data, "text/html",
                       sizeof("text/html") - 1) != 0)
    {
        return ngx_http_next_header_filter(r);
    }

    ctx = ngx_http_predict_get_ctx(r);
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    pm_err_init(&err);

    switch (r->err_status) {

    case NGX_HTTP_REQUEST_ENTITY_TOO_LARGE:
        code = "body_too_large";
        (void) pm_err_set(&err, PM_ETOOMANY, "request body is larger than "
                          "client_max_body_size %lld",
                          (long long) clcf->client_max_body_size);
        break;

    case NGX_HTTP_BAD_REQUEST:
        code = "bad_request";
        (void) pm_err_set(&err, PM_ESHAPE, "malformed HTTP request or "
                          "request body");
        break;

    case NGX_HTTP_REQUEST_TIME_OUT:
        code = "request_timeout";
        (void) pm_err_set(&err, PM_ESHAPE, "timed out reading the request");
        break;

    case NGX_HTTP_LENGTH_REQUIRED:
        code = "length_required";
        (void) pm_err_set(&err, PM_ESHAPE, "the request needs a length");
        break;

    default:
        code = (r->err_status >= NGX_HTTP_INTERNAL_SERVER_ERROR)
               ? "internal_error" : "http_error";
        (void) pm_err_set(&err, PM_ERROR, "HTTP status %lu",
                          (unsigned long) r->err_status);
        break;
    }

    len = pm_error_write(&err, code, NULL, 0);

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    (void) pm_error_write(&err, code, (char *) p, len);

    ctx->error = code;
    ctx->error_body.data = p;
    ctx->error_body.len = len;
    ctx->replace = 1;

    r->headers_out.content_type = ngx_http_predict_json_type;
    r->headers_out.content_type_len = ngx_http_predict_json_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = len;

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_predict_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_uint_t               last;
    ngx_buf_t               *b;
    ngx_chain_t             *cl, out;
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || !ctx->replace) {
        return ngx_http_next_body_filter(r, in);
    }

    last = 0;

    for (cl = in; cl; cl = cl->next) {
        if (cl->buf->last_buf || cl->buf->last_in_chain) {
            last = 1;
        }

        cl->buf->pos = cl->buf->last;
        cl->buf->file_pos = cl->buf->file_last;
    }

    if (!last || ctx->replaced) {
        return NGX_OK;
    }

    ctx->replaced = 1;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->error_body.data;
    b->last = ctx->error_body.data + ctx->error_body.len;
    b->memory = 1;
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}


static ngx_int_t
ngx_http_predict_label_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || ctx->label.len == 0) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ctx->label.len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = ctx->label.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_predict_instances_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                  *p;
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || !ctx->predicted) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%ui", ctx->instances) - p;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = p;

    return NGX_OK;
}


static ngx_int_t
ngx_http_predict_error_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || ctx->error == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = ngx_strlen(ctx->error);
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = (u_char *) ctx->error;

    return NGX_OK;
}
