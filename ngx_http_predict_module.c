
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * nginx glue: directives, the content handler, a filter that turns nginx's
 * own error pages into JSON on prediction locations, and variables.  All
 * parsing, scaling, predicting and formatting lives in src/ behind pm.h,
 * which never sees an nginx header; this file never reads the core's
 * structures.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "pm.h"


#define NGX_HTTP_PREDICT_UNPROCESSABLE  422


typedef struct {
    ngx_str_t                   path;
    ngx_uint_t                  kind;    /* PM_FILE_* */
    pm_file_t                  *file;
} ngx_http_predict_file_t;


typedef struct {
    ngx_array_t                 files;   /* ngx_http_predict_file_t */

    ngx_shm_zone_t             *zone;    /* predict_metrics_zone */
    pm_metrics_t               *metrics;
    ngx_uint_t                  window;  /* predict_drift_window */
    void                       *region;  /* the counters, in the zone */
    size_t                      region_size;
} ngx_http_predict_main_conf_t;


typedef struct {
    ngx_str_t                   model_path;
    ngx_str_t                   with_path;  /* the scaler's or spec's */
    const char                 *with;       /* "scaler", "features" or "" */
    pm_file_t                  *model;
    pm_file_t                  *scaler;
    pm_file_t                  *spec;
} ngx_http_predict_source_t;


/* a model the protocol routes know by name and version */

typedef struct {
    ngx_str_t                   name;       /* NUL-terminated */
    ngx_int_t                   version;
    pm_file_t                  *model;
    pm_file_t                  *scaler;
    pm_file_t                  *spec;
} ngx_http_predict_named_t;


typedef struct {
    ngx_array_t                *repository; /* ngx_http_predict_named_t */
    ngx_array_t                *named;      /* from predict_model name= */
} ngx_http_predict_srv_conf_t;


typedef struct {
    ngx_http_predict_source_t  *source;
    ngx_flag_t                  api;        /* predict_api */
    ngx_int_t                   out_of_range;
    ngx_flag_t                  probability;
    ngx_flag_t                  decision_values;
    ngx_int_t                   engine;
    ngx_int_t                   label_rule;
    ngx_int_t                   max_instances;
    ngx_int_t                   feature_count;
    size_t                      max_body_size;

    ngx_flag_t                  metrics;    /* predict_metrics */
    ngx_str_t                   model_name; /* NUL-terminated */
    ngx_int_t                   model_version;

    pm_pipeline_t              *pipeline;
    pm_registry_t              *registry;   /* predict_api */
    ngx_str_t                   metadata;
    ngx_str_t                   features;   /* GET ?features=all */
} ngx_http_predict_loc_conf_t;


typedef struct {
    ngx_str_t                   label;      /* single prediction */
    ngx_str_t                   model;
    ngx_int_t                   version;
    ngx_int_t                   api;        /* PM_API_*, -1 before any */
    ngx_str_t                   oor;        /* features out of range */
    uint64_t                    ns;         /* the module's time */
    ngx_uint_t                  instances;
    int                         error;      /* PM_E*, or PM_OK */
    ngx_str_t                   error_body; /* replaces nginx's page */
    off_t                       received;   /* body bytes read so far */
    unsigned                    reading:1;  /* our body, being read */
    unsigned                    too_large:1;
    unsigned                    predicted:1;
    unsigned                    replace:1;
    unsigned                    replaced:1;
    unsigned                    timed:1;
} ngx_http_predict_ctx_t;


static ngx_int_t ngx_http_predict_add_variables(ngx_conf_t *cf);
static void *ngx_http_predict_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_predict_init_main_conf(ngx_conf_t *cf, void *conf);
static char *ngx_http_predict_metrics_zone(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_predict_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_predict_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_predict_cleanup_metrics(void *data);
static ngx_int_t ngx_http_predict_metrics_handler(ngx_http_request_t *r);
static void ngx_http_predict_account(ngx_http_request_t *r,
    ngx_http_predict_ctx_t *ctx, pm_answer_t *ans);
static void *ngx_http_predict_create_srv_conf(ngx_conf_t *cf);
static char *ngx_http_predict_merge_srv_conf(ngx_conf_t *cf, void *parent,
    void *child);
static void *ngx_http_predict_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_predict_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static int ngx_http_predict_keep(ngx_conf_t *cf, ngx_str_t *s, char *doc,
    size_t len, pm_err_t *err);
static ngx_int_t ngx_http_predict_init(ngx_conf_t *cf);
static char *ngx_http_predict_model(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_predict_set_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_predict_repository(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_predict_api(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_http_predict_source_t *ngx_http_predict_source(ngx_conf_t *cf,
    ngx_str_t *model, ngx_str_t *scaler, ngx_str_t *spec);
static ngx_int_t ngx_http_predict_name(ngx_conf_t *cf, ngx_array_t **list,
    ngx_str_t *name, ngx_int_t version, ngx_http_predict_source_t *src);
static char *ngx_http_predict_build_registry(ngx_conf_t *cf,
    ngx_http_predict_loc_conf_t *conf, const pm_options_t *opt);
static void ngx_http_predict_cleanup_registry(void *data);
static pm_file_t *ngx_http_predict_load(ngx_conf_t *cf, ngx_str_t *path,
    ngx_uint_t kind);
static void ngx_http_predict_cleanup_file(void *data);
static void ngx_http_predict_cleanup_pipeline(void *data);
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
    ngx_http_predict_ctx_t *ctx, pm_err_t *err);
static ngx_int_t ngx_http_predict_meta(ngx_http_request_t *r,
    ngx_http_predict_loc_conf_t *plcf, ngx_http_predict_ctx_t *ctx);
static ngx_int_t ngx_http_predict_answer(ngx_http_request_t *r,
    ngx_http_predict_ctx_t *ctx, pm_answer_t *ans, pm_err_t *err);
static ngx_int_t ngx_http_predict_send(ngx_http_request_t *r,
    ngx_uint_t status, ngx_str_t *type, u_char *data, size_t len);
static ngx_http_predict_ctx_t *ngx_http_predict_get_ctx(
    ngx_http_request_t *r);
static void ngx_http_predict_allocator(ngx_http_request_t *r,
    pm_alloc_t *a);
static void *ngx_http_predict_palloc(void *data, size_t size);

static ngx_int_t ngx_http_predict_request_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_predict_header_filter(ngx_http_request_t *r);
static int ngx_http_predict_rate_limited(ngx_http_request_t *r);
static ngx_int_t ngx_http_predict_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);

static ngx_int_t ngx_http_predict_value(ngx_http_variable_value_t *v,
    u_char *data, size_t len);
static ngx_int_t ngx_http_predict_str_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_predict_instances_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_predict_error_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_predict_version_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_predict_api_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_predict_time_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


static ngx_conf_num_bounds_t  ngx_http_predict_max_instances_bounds = {
    ngx_conf_check_num_bounds, 1, 1000000
};


static ngx_conf_num_bounds_t  ngx_http_predict_feature_count_bounds = {
    ngx_conf_check_num_bounds, 1, PM_MAX_INDEX
};


static ngx_conf_num_bounds_t  ngx_http_predict_window_bounds = {
    ngx_conf_check_num_bounds, 2, 1000000000
};


static ngx_command_t  ngx_http_predict_commands[] = {

    { ngx_string("predict_model"),
      NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_predict_model,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("predict_repository"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_CONF_TAKE12,
      ngx_http_predict_repository,
      NGX_HTTP_SRV_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("predict_api"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_predict_api,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("predict_metrics_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_predict_metrics_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("predict_drift_window"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_MAIN_CONF_OFFSET,
      offsetof(ngx_http_predict_main_conf_t, window),
      &ngx_http_predict_window_bounds },

    { ngx_string("predict_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_predict_metrics,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("predict_out_of_range"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_predict_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, out_of_range),
      (void *) pm_oor_names },

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

    { ngx_string("predict_label_rule"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_predict_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, label_rule),
      (void *) pm_label_rule_names },

    { ngx_string("predict_engine"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_predict_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_predict_loc_conf_t, engine),
      (void *) pm_engine_names },

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
    ngx_http_predict_init_main_conf,       /* init main configuration */

    ngx_http_predict_create_srv_conf,      /* create server configuration */
    ngx_http_predict_merge_srv_conf,       /* merge server configuration */

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
      ngx_http_predict_str_variable,
      offsetof(ngx_http_predict_ctx_t, label),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_instances"), NULL,
      ngx_http_predict_instances_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_error"), NULL,
      ngx_http_predict_error_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_model"), NULL,
      ngx_http_predict_str_variable,
      offsetof(ngx_http_predict_ctx_t, model),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_version"), NULL,
      ngx_http_predict_version_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_api"), NULL,
      ngx_http_predict_api_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_out_of_range"), NULL,
      ngx_http_predict_str_variable,
      offsetof(ngx_http_predict_ctx_t, oor),
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("predict_time"), NULL,
      ngx_http_predict_time_variable, 0,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;
static ngx_http_request_body_filter_pt   ngx_http_next_request_body_filter;

static ngx_int_t                         ngx_http_predict_limit_req_index;


static ngx_str_t  ngx_http_predict_json_type = ngx_string("application/json");
static ngx_str_t  ngx_http_predict_text_type =
    ngx_string("text/plain; version=0.0.4; charset=utf-8");


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

    pmcf->window = NGX_CONF_UNSET_UINT;

    return pmcf;
}


/* the counters' layout, once the window is known; models join at merge */

static char *
ngx_http_predict_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_predict_main_conf_t *pmcf = conf;

    pm_err_t             err;
    ngx_pool_cleanup_t  *cln;

    ngx_conf_init_uint_value(pmcf->window, 10000);

    if (pmcf->zone == NULL) {
        return NGX_CONF_OK;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    pm_err_init(&err);

    if (pm_metrics_create((size_t) pmcf->window, &pmcf->metrics, &err)
        != PM_OK)
    {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_predict_cleanup_metrics;
    cln->data = pmcf->metrics;

    return NGX_CONF_OK;
}


static void
ngx_http_predict_cleanup_metrics(void *data)
{
    pm_metrics_free(data);
}


/* predict_metrics_zone NAME:SIZE */

static char *
ngx_http_predict_metrics_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_predict_main_conf_t *pmcf = conf;

    u_char     *p;
    ssize_t     size;
    ngx_str_t  *value, name, s;

    if (pmcf->zone != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    p = (u_char *) ngx_strchr(value[1].data, ':');

    if (p == NULL || p == value[1].data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid zone \"%V\": "
                           "NAME:SIZE, e.g. predict:1m", &value[1]);
        return NGX_CONF_ERROR;
    }

    name.data = value[1].data;
    name.len = p - value[1].data;
    s.data = p + 1;
    s.len = value[1].data + value[1].len - s.data;

    size = ngx_parse_size(&s);

    if (size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid zone size \"%V\"",
                           &value[1]);
        return NGX_CONF_ERROR;
    }

    if (size < (ssize_t) (8 * ngx_pagesize)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "zone \"%V\" is too small: "
                           "at least %uz bytes", &value[1], 8 * ngx_pagesize);
        return NGX_CONF_ERROR;
    }

    pmcf->zone = ngx_shared_memory_add(cf, &name, size,
                                       &ngx_http_predict_module);
    if (pmcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (pmcf->zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "zone \"%V\" is already "
                           "used", &name);
        return NGX_CONF_ERROR;
    }

    pmcf->zone->init = ngx_http_predict_init_zone;
    pmcf->zone->data = pmcf;

    return NGX_CONF_OK;
}


/*
 * The zone: at its first start, one region of every free page; at a
 * reload with the same name and size, the previous cycle's region, whose
 * counters continue for the same models
 */

static ngx_int_t
ngx_http_predict_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_predict_main_conf_t  *octx = data;

    int                            rc, reset;
    size_t                         size;
    pm_err_t                       err;
    ngx_slab_pool_t               *shpool;
    ngx_http_predict_main_conf_t  *pmcf;

    pmcf = shm_zone->data;
    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (octx != NULL) {
        pmcf->region = octx->region;
        pmcf->region_size = octx->region_size;

    } else if (shm_zone->shm.exists) {
        return NGX_ERROR;       /* Windows' shared memory: not supported */

    } else {
        size = shpool->pfree * ngx_pagesize;
        pmcf->region = NULL;

        while (pmcf->region == NULL && size >= ngx_pagesize) {
            pmcf->region = ngx_slab_alloc(shpool, size);
            size = (pmcf->region == NULL) ? size - ngx_pagesize : size;
        }

        if (pmcf->region == NULL) {
            return NGX_ERROR;
        }

        ngx_memzero(pmcf->region, size);
        pmcf->region_size = size;
        shpool->data = pmcf->region;
    }

    pm_err_init(&err);

    rc = pm_metrics_attach(pmcf->metrics, pmcf->region, pmcf->region_size,
                           &reset, &err);
    if (rc != PM_OK) {
        ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                      "predict_metrics_zone \"%V\" is too small: %s; make "
                      "it larger", &shm_zone->shm.name, err.msg);
        return NGX_ERROR;
    }

    if (reset) {
        ngx_log_error(NGX_LOG_WARN, shm_zone->shm.log, 0,
                      "predict_metrics_zone \"%V\": no room for the new "
                      "models beside the old ones, every counter restarts "
                      "at 0; a larger zone avoids it", &shm_zone->shm.name);
    }

    return NGX_OK;
}


/* predict_metrics: the zone's counters, as Prometheus reads them */

static char *
ngx_http_predict_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_predict_loc_conf_t *plcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (plcf->metrics != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    plcf->metrics = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_predict_metrics_handler;

    return NGX_CONF_OK;
}


static void *
ngx_http_predict_create_srv_conf(ngx_conf_t *cf)
{
    ngx_http_predict_srv_conf_t  *pscf;

    pscf = ngx_pcalloc(cf->pool, sizeof(ngx_http_predict_srv_conf_t));
    if (pscf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     pscf->named = NULL;
     */

    pscf->repository = NGX_CONF_UNSET_PTR;

    return pscf;
}


static char *
ngx_http_predict_merge_srv_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_predict_srv_conf_t *prev = parent;
    ngx_http_predict_srv_conf_t *conf = child;

    ngx_conf_merge_ptr_value(conf->repository, prev->repository, NULL);

    return NGX_CONF_OK;
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
     *     plcf->pipeline = NULL;
     *     plcf->registry = NULL;
     *     plcf->metadata = { 0, NULL };
     *     plcf->features = { 0, NULL };
     */

    plcf->source = NGX_CONF_UNSET_PTR;
    plcf->api = NGX_CONF_UNSET;
    plcf->out_of_range = NGX_CONF_UNSET;
    plcf->probability = NGX_CONF_UNSET;
    plcf->decision_values = NGX_CONF_UNSET;
    plcf->engine = NGX_CONF_UNSET;
    plcf->label_rule = NGX_CONF_UNSET;
    plcf->max_instances = NGX_CONF_UNSET;
    plcf->feature_count = NGX_CONF_UNSET;
    plcf->max_body_size = NGX_CONF_UNSET_SIZE;
    plcf->metrics = NGX_CONF_UNSET;
    plcf->model_version = NGX_CONF_UNSET;

    return plcf;
}


static char *
ngx_http_predict_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_predict_loc_conf_t *prev = parent;
    ngx_http_predict_loc_conf_t *conf = child;

    int                            rc;
    char                          *meta;
    size_t                         len;
    pm_err_t                       err;
    pm_options_t                   opt;
    ngx_pool_cleanup_t            *cln;
    ngx_http_core_loc_conf_t      *clcf;
    ngx_http_predict_main_conf_t  *pmcf;

    /*
     * Like proxy_pass, a model is not inherited by a nested location; the
     * unnamed ones nginx makes of "if" and "limit_except" blocks inside a
     * prediction location predict too, and answer their errors in JSON.
     */

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    pm_err_init(&err);

    if (conf->source == NGX_CONF_UNSET_PTR) {
        conf->source = clcf->noname ? prev->source : NULL;

        if (conf->source != NULL) {
            conf->model_name = prev->model_name;
            conf->model_version = prev->model_version;
        }
    }

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_predict_module);

    if (conf->metrics == NGX_CONF_UNSET) {
        conf->metrics = 0;

    } else if (pmcf->metrics == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "predict_metrics needs a "
                           "predict_metrics_zone at http level: the counters "
                           "live there");
        return NGX_CONF_ERROR;
    }

    if (conf->source == NGX_CONF_UNSET_PTR) {
        conf->source = NULL;
    }

    if (conf->api == NGX_CONF_UNSET) {
        conf->api = (clcf->noname && prev->api == 1) ? 1 : 0;
    }

    if ((conf->source != NULL || conf->api) && clcf->noname
        && clcf->handler == NULL)
    {
        clcf->handler = ngx_http_predict_handler;
    }

    ngx_conf_merge_value(conf->out_of_range, prev->out_of_range,
                         PM_OOR_EXTRAPOLATE);
    ngx_conf_merge_value(conf->probability, prev->probability, 1);
    ngx_conf_merge_value(conf->decision_values, prev->decision_values, 0);
    ngx_conf_merge_value(conf->engine, prev->engine, PM_ENGINE_FAST);
    ngx_conf_merge_value(conf->label_rule, prev->label_rule,
                         PM_LABEL_DEFAULT);
    ngx_conf_merge_value(conf->max_instances, prev->max_instances, 100);
    ngx_conf_merge_value(conf->feature_count, prev->feature_count, 0);
    ngx_conf_merge_size_value(conf->max_body_size, prev->max_body_size,
                              1024 * 1024);

    opt.out_of_range = (int) conf->out_of_range;
    opt.probability = (int) conf->probability;
    opt.decision_values = (int) conf->decision_values;
    opt.engine = (int) conf->engine;
    opt.label_rule = (int) conf->label_rule;
    opt.max_instances = (size_t) conf->max_instances;

    if (conf->api) {
        if (clcf->noname && prev->registry != NULL) {
            conf->registry = prev->registry;
            return NGX_CONF_OK;
        }

        if (ngx_http_predict_build_registry(cf, conf, &opt)
            != NGX_CONF_OK)
        {
            return NGX_CONF_ERROR;
        }

        if (pmcf->metrics != NULL
            && pm_metrics_registry(pmcf->metrics, conf->registry, &err)
               != PM_OK)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "predict_api: %s",
                               err.msg);
            return NGX_CONF_ERROR;
        }

        return NGX_CONF_OK;
    }

    if (conf->source == NULL) {
        return NGX_CONF_OK;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    pm_err_init(&err);

    /* the GET answer is fixed: built here, never per request */

    meta = NULL;
    len = 0;

    rc = pm_pipeline_create(conf->source->model, conf->source->scaler,
                            conf->source->spec, (int) conf->feature_count,
                            &opt, &conf->pipeline, &err);
    if (rc == PM_OK) {
        cln->handler = ngx_http_predict_cleanup_pipeline;
        cln->data = conf->pipeline;

        rc = pm_metadata(conf->pipeline, &meta, &len, &err);
    }

    if (rc == PM_OK) {
        rc = ngx_http_predict_keep(cf, &conf->metadata, meta, len, &err);
    }

    if (rc == PM_OK) {
        rc = pm_metadata_features(conf->pipeline, &meta, &len, &err);
    }

    if (rc == PM_OK && meta != NULL) {
        rc = ngx_http_predict_keep(cf, &conf->features, meta, len, &err);
    }

    if (rc == PM_OK && pmcf->metrics != NULL) {
        rc = pm_metrics_pipeline(pmcf->metrics,
                                 (const char *) conf->model_name.data,
                                 (long) conf->model_version, conf->pipeline,
                                 &err);
    }

    if (rc != PM_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "predict_model \"%V\"%s%s%s%V%s: %s",
                           &conf->source->model_path,
                           conf->source->with_path.len ? " with " : "",
                           conf->source->with,
                           conf->source->with_path.len ? " \"" : "",
                           &conf->source->with_path,
                           conf->source->with_path.len ? "\"" : "", err.msg);
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* a document the core malloc'ed, kept in the configuration's pool */

static int
ngx_http_predict_keep(ngx_conf_t *cf, ngx_str_t *s, char *doc, size_t len,
    pm_err_t *err)
{
    s->data = ngx_pnalloc(cf->pool, len);

    if (s->data == NULL) {
        free(doc);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    ngx_memcpy(s->data, doc, len);
    s->len = len;
    free(doc);

    return PM_OK;
}


static ngx_int_t
ngx_http_predict_init(ngx_conf_t *cf)
{
    ngx_str_t  name = ngx_string("limit_req_status");

    /* limit_req's verdict: its refusals are rate_limited, whatever status */

    ngx_http_predict_limit_req_index = ngx_http_get_variable_index(cf, &name);
    if (ngx_http_predict_limit_req_index == NGX_ERROR) {
        return NGX_ERROR;
    }

    ngx_http_next_request_body_filter = ngx_http_top_request_body_filter;
    ngx_http_top_request_body_filter = ngx_http_predict_request_body_filter;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_predict_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_predict_body_filter;

    return NGX_OK;
}


/*
 * ngx_conf_set_enum_slot() with the core's name table (cmd->post), so
 * that a value is spelled in one place for directives, files and tools
 */

static char *
ngx_http_predict_set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    int         v;
    char        list[128];
    ngx_str_t  *value;
    ngx_int_t  *np;

    np = (ngx_int_t *) (p + cmd->offset);

    if (*np != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (pm_enum_value(cmd->post, (const char *) value[1].data, value[1].len,
                      &v)
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid value \"%V\": %s",
                           &value[1], pm_enum_list(cmd->post, PM_ENUM_OR,
                                                   list, sizeof(list)));
        return NGX_CONF_ERROR;
    }

    *np = v;

    return NGX_CONF_OK;
}


static char *
ngx_http_predict_model(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_predict_loc_conf_t *plcf = conf;

    ngx_int_t                     version;
    ngx_str_t                    *value, scaler, spec, name, v, s;
    ngx_uint_t                    i;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_predict_source_t    *src;
    ngx_http_predict_srv_conf_t  *pscf;

    if (plcf->source != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    if (plcf->api == 1) {
        return "is not allowed in a predict_api location";
    }

    value = cf->args->elts;

    ngx_str_null(&scaler);
    ngx_str_null(&spec);
    ngx_str_null(&name);
    version = NGX_CONF_UNSET;

    for (i = 2; i < cf->args->nelts; i++) {
        v = value[i];

        if (v.len > 7 && ngx_strncmp(v.data, "scaler=", 7) == 0
            && scaler.len == 0)
        {
            scaler.data = v.data + 7;
            scaler.len = v.len - 7;

        } else if (v.len > 9 && ngx_strncmp(v.data, "features=", 9) == 0
                   && spec.len == 0)
        {
            spec.data = v.data + 9;
            spec.len = v.len - 9;

        } else if (v.len > 5 && ngx_strncmp(v.data, "name=", 5) == 0
                   && name.len == 0)
        {
            name.data = v.data + 5;
            name.len = v.len - 5;

        } else if (v.len > 8 && ngx_strncmp(v.data, "version=", 8) == 0
                   && version == NGX_CONF_UNSET)
        {
            version = ngx_atoi(v.data + 8, v.len - 8);

            if (version < 1 || v.data[8] == '0') {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid version "
                                   "\"%V\": a positive integer", &v);
                return NGX_CONF_ERROR;
            }

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &v);
            return NGX_CONF_ERROR;
        }
    }

    if (version != NGX_CONF_UNSET && name.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"version=\" goes with \"name=\"");
        return NGX_CONF_ERROR;
    }

    src = ngx_http_predict_source(cf, &value[1], &scaler, &spec);
    if (src == NULL) {
        return NGX_CONF_ERROR;
    }

    plcf->source = src;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_predict_handler;

    /* its name for metrics and logs: name=, else its location's */

    s = name.len ? name : clcf->name;
    plcf->model_name.data = ngx_pnalloc(cf->pool, s.len + 1);
    if (plcf->model_name.data == NULL) {
        return NGX_CONF_ERROR;
    }

    *ngx_cpymem(plcf->model_name.data, s.data, s.len) = '\0';
    plcf->model_name.len = s.len;
    plcf->model_version = (version == NGX_CONF_UNSET) ? 1 : version;

    if (name.len) {
        pscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_predict_module);

        if (ngx_http_predict_name(cf, &pscf->named, &name,
                                  version == NGX_CONF_UNSET ? 1 : version,
                                  src)
            != NGX_OK)
        {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


/*
 * A model and its feature engineering, loaded: PATH with "scaler=" or
 * "features=", or PATH a bundle directory; NULL after an [emerg]
 */

static ngx_http_predict_source_t *
ngx_http_predict_source(ngx_conf_t *cf, ngx_str_t *model, ngx_str_t *scaler,
    ngx_str_t *spec)
{
    ngx_str_t                   path, s, f;
    ngx_file_info_t             fi;
    ngx_http_predict_source_t  *src;

    path = *model;
    s = *scaler;
    f = *spec;

    if (s.len && f.len) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"scaler=\" and \"features=\" exclude each "
                           "other");
        return NULL;
    }

    src = ngx_pcalloc(cf->pool, sizeof(ngx_http_predict_source_t));
    if (src == NULL) {
        return NULL;
    }

    if (ngx_conf_full_name(cf->cycle, &path, 0) != NGX_OK) {
        return NULL;
    }

    /* a bundle directory: the trainer's or the exporter's */

    if (ngx_file_info(path.data, &fi) != NGX_FILE_ERROR && ngx_is_dir(&fi)) {

        if (s.len || f.len) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "predict_model \"%V\": a bundle directory "
                               "takes no \"scaler=\" or \"features=\"",
                               &path);
            return NULL;
        }

        if (ngx_http_predict_bundle_path(cf, &path, PM_BUNDLE_SPEC, &f)
            != NGX_OK
            || ngx_http_predict_bundle_path(cf, &path, PM_BUNDLE_MODEL, &path)
               != NGX_OK)
        {
            return NULL;
        }

    } else if (f.len && ngx_conf_full_name(cf->cycle, &f, 0) != NGX_OK) {
        return NULL;
    }

    src->model_path = path;
    src->with = "";
    src->model = ngx_http_predict_load(cf, &path, PM_FILE_MODEL);
    if (src->model == NULL) {
        return NULL;
    }

    if (s.len) {
        if (ngx_conf_full_name(cf->cycle, &s, 0) != NGX_OK) {
            return NULL;
        }

        src->scaler = ngx_http_predict_load(cf, &s, PM_FILE_SCALER);
        if (src->scaler == NULL) {
            return NULL;
        }

        src->with_path = s;
        src->with = "scaler";
    }

    if (f.len) {
        src->spec = ngx_http_predict_load(cf, &f, PM_FILE_SPEC);
        if (src->spec == NULL) {
            return NULL;
        }

        src->with_path = f;
        src->with = "features";
    }

    return src;
}


/* NAME version VERSION, known to the protocol routes */

static ngx_int_t
ngx_http_predict_name(ngx_conf_t *cf, ngx_array_t **list, ngx_str_t *name,
    ngx_int_t version, ngx_http_predict_source_t *src)
{
    ngx_http_predict_named_t  *m;

    if (*list == NULL) {
        *list = ngx_array_create(cf->pool, 8,
                                 sizeof(ngx_http_predict_named_t));
        if (*list == NULL) {
            return NGX_ERROR;
        }
    }

    m = ngx_array_push(*list);
    if (m == NULL) {
        return NGX_ERROR;
    }

    m->name.data = ngx_pnalloc(cf->pool, name->len + 1);
    if (m->name.data == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(m->name.data, name->data, name->len);
    m->name.data[name->len] = '\0';
    m->name.len = name->len;
    m->version = version;
    m->model = src->model;
    m->scaler = src->scaler;
    m->spec = src->spec;

    return NGX_OK;
}


/* predict_repository DIR [versions=latest|all|N] */

static char *
ngx_http_predict_repository(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_predict_srv_conf_t *pscf = conf;

    int                         rc, versions;
    size_t                      i;
    pm_err_t                    err;
    ngx_str_t                  *value, dir, vdir, none, name;
    pm_repo_t                  *repo;
    const char                 *reason, *path;
    ngx_http_predict_source_t  *src;

    if (pscf->repository != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    dir = value[1];
    versions = 1;

    if (cf->args->nelts == 3) {
        if (ngx_strcmp(value[2].data, "versions=latest") == 0) {
            versions = 1;

        } else if (ngx_strcmp(value[2].data, "versions=all") == 0) {
            versions = 0;

        } else if (value[2].len > 9
                   && ngx_strncmp(value[2].data, "versions=", 9) == 0
                   && value[2].data[9] != '0'
                   && (versions = (int) ngx_atoi(value[2].data + 9,
                                                 value[2].len - 9)) > 0)
        {
            /* void */

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "invalid parameter "
                               "\"%V\": versions=latest, versions=all or "
                               "versions=N", &value[2]);
            return NGX_CONF_ERROR;
        }
    }

    if (ngx_conf_full_name(cf->cycle, &dir, 0) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    pm_err_init(&err);

    rc = pm_repo_scan((const char *) dir.data, versions, &repo, &err);
    if (rc != PM_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "predict_repository \"%V\": "
                           "%s", &dir, err.msg);
        return NGX_CONF_ERROR;
    }

    for (i = 0; i < pm_repo_nignored(repo); i++) {
        path = pm_repo_ignored(repo, i, &reason);
        ngx_conf_log_error(NGX_LOG_NOTICE, cf, 0, "predict_repository: "
                           "ignored \"%s\": %s", path, reason);
    }

    pscf->repository = NULL;
    ngx_str_null(&none);

    for (i = 0; i < pm_repo_count(repo); i++) {
        vdir.data = (u_char *) pm_repo_dir(repo, i);
        vdir.len = ngx_strlen(vdir.data);
        name.data = (u_char *) pm_repo_name(repo, i);
        name.len = ngx_strlen(name.data);

        src = ngx_http_predict_source(cf, &vdir, &none, &none);

        if (src == NULL
            || ngx_http_predict_name(cf, &pscf->repository, &name,
                                     (ngx_int_t) pm_repo_version(repo, i),
                                     src)
               != NGX_OK)
        {
            pm_repo_free(repo);
            return NGX_CONF_ERROR;
        }
    }

    ngx_conf_log_error(NGX_LOG_NOTICE, cf, 0, "predict_repository \"%V\": "
                       "%uz model versions", &dir, pm_repo_count(repo));

    pm_repo_free(repo);

    return NGX_CONF_OK;
}


/* predict_api: the protocol routes, for every model the server knows */

static char *
ngx_http_predict_api(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_predict_loc_conf_t *plcf = conf;

    ngx_http_core_loc_conf_t  *clcf;

    if (plcf->api != NGX_CONF_UNSET) {
        return "is duplicate";
    }

    if (plcf->source != NGX_CONF_UNSET_PTR) {
        return "is not allowed in a predict_model location";
    }

    plcf->api = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_predict_handler;

    return NGX_CONF_OK;
}


/* every model of the server, with this location's options */

static char *
ngx_http_predict_build_registry(ngx_conf_t *cf,
    ngx_http_predict_loc_conf_t *conf, const pm_options_t *opt)
{
    int                           rc;
    pm_err_t                      err;
    ngx_uint_t                    i, k;
    ngx_array_t                  *lists[2];
    ngx_pool_cleanup_t           *cln;
    ngx_http_predict_named_t     *m;
    ngx_http_predict_srv_conf_t  *pscf;

    pscf = ngx_http_conf_get_module_srv_conf(cf, ngx_http_predict_module);

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    pm_err_init(&err);

    rc = pm_registry_create(opt, &conf->registry, &err);
    if (rc != PM_OK) {
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_predict_cleanup_registry;
    cln->data = conf->registry;

    lists[0] = pscf->repository;
    lists[1] = pscf->named;

    for (k = 0; k < 2 && rc == PM_OK; k++) {
        m = (lists[k] != NULL) ? lists[k]->elts : NULL;

        for (i = 0; m != NULL && i < lists[k]->nelts && rc == PM_OK; i++) {
            rc = pm_registry_add(conf->registry, (const char *) m[i].name.data,
                                 (long) m[i].version, m[i].model,
                                 m[i].scaler, m[i].spec, &err);
        }
    }

    if (rc == PM_OK) {
        rc = pm_registry_finish(conf->registry, &err);
    }

    if (rc != PM_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "predict_api: %s", err.msg);
        return NGX_CONF_ERROR;
    }

    if (pm_registry_count(conf->registry) == 0) {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "predict_api: the server "
                           "knows no model (predict_repository, or "
                           "predict_model ... name=)");
    }

    return NGX_CONF_OK;
}


static void
ngx_http_predict_cleanup_registry(void *data)
{
    pm_registry_free(data);
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

static pm_file_t *
ngx_http_predict_load(ngx_conf_t *cf, ngx_str_t *path, ngx_uint_t kind)
{
    char                           warning[PM_WARNING_SIZE];
    const char                    *what;
    ngx_uint_t                     i;
    pm_err_t                       err;
    pm_file_t                     *f;
    ngx_pool_cleanup_t            *cln;
    ngx_http_predict_file_t       *file;
    ngx_http_predict_main_conf_t  *pmcf;

    pmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_predict_module);

    file = pmcf->files.elts;

    for (i = 0; i < pmcf->files.nelts; i++) {
        if (file[i].kind == kind
            && file[i].path.len == path->len
            && ngx_strncmp(file[i].path.data, path->data, path->len) == 0)
        {
            return file[i].file;
        }
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    pm_err_init(&err);
    what = pm_enum_name(pm_file_names, (int) kind);

    /* path comes from ngx_conf_full_name(), which NUL-terminates it */

    if (pm_file_load((int) kind, (const char *) path->data, &f, &err)
        != PM_OK)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "predict_model %s%s\"%V\": "
                           "%s", kind == PM_FILE_MODEL ? "" : what,
                           kind == PM_FILE_MODEL ? "" : " ", path, err.msg);
        return NULL;
    }

    ngx_conf_log_error(NGX_LOG_NOTICE, cf, 0, "predict: loaded %s \"%V\", "
                       "sha256 %s (ngx_http_predict_module %s)", what, path,
                       pm_file_sha256(f), PM_VERSION);

    if (*pm_file_warning(f, warning, sizeof(warning)) != '\0') {
        ngx_conf_log_error(NGX_LOG_WARN, cf, 0, "predict: \"%V\": %s", path,
                           warning);
    }

    cln->handler = ngx_http_predict_cleanup_file;
    cln->data = f;

    file = ngx_array_push(&pmcf->files);
    if (file == NULL) {
        return NULL;
    }

    file->path = *path;
    file->kind = kind;
    file->file = f;

    return f;
}


static void
ngx_http_predict_cleanup_file(void *data)
{
    pm_file_free(data);
}


static void
ngx_http_predict_cleanup_pipeline(void *data)
{
    pm_pipeline_free(data);
}


static ngx_int_t
ngx_http_predict_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    pm_err_t                      err;
    ngx_str_t                     arg;
    ngx_table_elt_t              *h;
    ngx_http_predict_ctx_t       *ctx;
    ngx_http_predict_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_predict_module);

    ctx = ngx_http_predict_get_ctx(r);
    if (ctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* the protocol routes: only a POST has a body to read */

    if (plcf->registry != NULL && !(r->method & NGX_HTTP_POST)) {
        r->expect_tested = 1;

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_predict_run(r, plcf, ctx, NULL, 0);
    }

    if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        if (plcf->features.len
            && ngx_http_arg(r, (u_char *) "features", 8, &arg) == NGX_OK
            && arg.len == 3 && ngx_strncmp(arg.data, "all", 3) == 0)
        {
            return ngx_http_predict_send(r, NGX_HTTP_OK,
                                         &ngx_http_predict_json_type,
                                         plcf->features.data,
                                         plcf->features.len);
        }

        return ngx_http_predict_meta(r, plcf, ctx);
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

        /* a refused body is not asked for: no "100 Continue" */

        r->expect_tested = 1;

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        (void) pm_err_method(&err, (const char *) r->method_name.data,
                             r->method_name.len);

        return ngx_http_predict_error(r, ctx, &err);
    }

    if (r->headers_in.content_length_n > (off_t) plcf->max_body_size) {
        (void) pm_err_body(&err, (long long) r->headers_in.content_length_n,
                           plcf->max_body_size);

        /* as nginx's own 413: no "100 Continue", no keep-alive after it */

        r->expect_tested = 1;
        r->keepalive = 0;

        rc = ngx_http_discard_request_body(r);
        if (rc != NGX_OK) {
            return rc;
        }

        return ngx_http_predict_error(r, ctx, &err);
    }

    r->request_body_in_single_buf = 1;
    ctx->reading = 1;

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
        (void) pm_err_body(&err, (long long) len, plcf->max_body_size);
        rc = ngx_http_predict_error(r, ctx, &err);
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
    int          rc, method;
    pm_err_t     err;
    pm_alloc_t   a;
    pm_answer_t  ans;

    pm_err_init(&err);
    ngx_http_predict_allocator(r, &a);

    if (plcf->registry != NULL) {
        method = (r->method & NGX_HTTP_GET) ? PM_METHOD_GET
                 : (r->method & NGX_HTTP_HEAD) ? PM_METHOD_HEAD
                 : (r->method & NGX_HTTP_POST) ? PM_METHOD_POST
                 : PM_METHOD_OTHER;

        rc = pm_serve_route(plcf->registry, method, (const char *) r->uri.data,
                            r->uri.len, (const char *) data, len, &a, &ans,
                            &err);

    } else {
        rc = pm_serve(plcf->pipeline, (const char *) data, len, &a, &ans,
                      &err);
    }

    if (rc == PM_OK) {
        ctx->predicted = (ans.instances > 0 || plcf->registry == NULL);
        ctx->instances = ans.instances;
        ctx->label.data = (u_char *) ans.label;
        ctx->label.len = ans.label_len;
    }

    ctx->ns = ans.ns;
    ctx->timed = 1;

    if (ans.oor != NULL) {
        ctx->oor.data = (u_char *) ans.oor;
        ctx->oor.len = ngx_strlen(ans.oor);
    }

    return ngx_http_predict_answer(r, ctx, &ans, &err);
}


/* GET on a model's location: its metadata, with "drift" when counted */

static ngx_int_t
ngx_http_predict_meta(ngx_http_request_t *r,
    ngx_http_predict_loc_conf_t *plcf, ngx_http_predict_ctx_t *ctx)
{
    pm_err_t     err;
    pm_alloc_t   a;
    pm_answer_t  ans;

    pm_err_init(&err);
    ngx_http_predict_allocator(r, &a);

    (void) pm_serve_meta(plcf->pipeline, (const char *) plcf->metadata.data,
                         plcf->metadata.len, &a, &ans, &err);

    return ngx_http_predict_answer(r, ctx, &ans, &err);
}


/* an error as JSON, with the status of its code */

static ngx_int_t
ngx_http_predict_error(ngx_http_request_t *r, ngx_http_predict_ctx_t *ctx,
    pm_err_t *err)
{
    pm_alloc_t                    a;
    pm_answer_t                   ans;
    ngx_http_predict_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_predict_module);
    ngx_memzero(&ans, sizeof(pm_answer_t));

    ngx_http_predict_allocator(r, &a);
    pm_serve_error(err, 0, plcf->registry ? PM_API_V2 : PM_API_NATIVE, &a,
                   &ans);
    pm_serve_counted(plcf->pipeline, plcf->registry, &ans);

    return ngx_http_predict_answer(r, ctx, &ans, err);
}


/* an answer of the core's sent; errors logged, as client mistakes or ours */

static ngx_int_t
ngx_http_predict_answer(ngx_http_request_t *r, ngx_http_predict_ctx_t *ctx,
    pm_answer_t *ans, pm_err_t *err)
{
    ngx_uint_t        level;
    ngx_table_elt_t  *h;

    if (ans->allow != NULL) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Allow");
        h->value.data = (u_char *) ans->allow;
        h->value.len = ngx_strlen(ans->allow);
    }

    ngx_http_predict_account(r, ctx, ans);

    if (ans->code != PM_OK) {
        ctx->error = ans->code;

        level = (ans->status < NGX_HTTP_INTERNAL_SERVER_ERROR)
                ? NGX_LOG_INFO : NGX_LOG_ERR;

        ngx_log_error(level, r->connection->log, 0, "predict: %i %s: %s",
                      (ngx_int_t) ans->status, pm_err_name(ans->code),
                      err->msg);
    }

    if (ans->body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_predict_send(r, (ngx_uint_t) ans->status,
                                 &ngx_http_predict_json_type,
                                 (u_char *) ans->body, ans->len);
}


/* the answer's model and protocol, for $predict_model and $predict_api */

static void
ngx_http_predict_account(ngx_http_request_t *r, ngx_http_predict_ctx_t *ctx,
    pm_answer_t *ans)
{
    ngx_http_predict_loc_conf_t  *plcf;

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_predict_module);

    ctx->api = (plcf->registry != NULL) ? ans->api : PM_API_NATIVE;

    if (plcf->registry == NULL) {
        ctx->model = plcf->model_name;
        ctx->version = plcf->model_version;

    } else if (ans->model != NULL) {
        ctx->model.data = (u_char *) ans->model;
        ctx->model.len = ngx_strlen(ans->model);
        ctx->version = ans->version;
    }
}


static ngx_int_t
ngx_http_predict_send(ngx_http_request_t *r, ngx_uint_t status,
    ngx_str_t *type, u_char *data, size_t len)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t   out;

    r->headers_out.status = status;
    r->headers_out.content_length_n = len;
    r->headers_out.content_type = *type;
    r->headers_out.content_type_len = type->len;
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

        ctx->api = -1;
        ngx_http_set_ctx(r, ctx, ngx_http_predict_module);
    }

    return ctx;
}


static void
ngx_http_predict_allocator(ngx_http_request_t *r, pm_alloc_t *a)
{
    a->alloc = ngx_http_predict_palloc;
    a->data = r->pool;
}


static void *
ngx_http_predict_palloc(void *data, size_t size)
{
    return ngx_palloc(data, size);
}


/*
 * A body without a Content-Length (chunked, or HTTP/2 without one) is
 * measured as it arrives: past predict_max_body_size it is refused before
 * another byte is buffered or written to a temporary file.
 */

static ngx_int_t
ngx_http_predict_request_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_chain_t                  *cl;
    ngx_http_predict_ctx_t       *ctx;
    ngx_http_predict_loc_conf_t  *plcf;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || !ctx->reading) {
        return ngx_http_next_request_body_filter(r, in);
    }

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_predict_module);

    for (cl = in; cl; cl = cl->next) {
        ctx->received += ngx_buf_size(cl->buf);
    }

    if (ctx->received > (off_t) plcf->max_body_size) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "predict: request body over predict_max_body_size "
                      "%uz while reading", plcf->max_body_size);

        ctx->too_large = 1;
        r->lingering_close = 1;

        return NGX_HTTP_REQUEST_ENTITY_TOO_LARGE;
    }

    return ngx_http_next_request_body_filter(r, in);
}


/*
 * nginx answers some errors itself (a Content-Length over
 * client_max_body_size, a malformed chunked body, a body timeout) with an
 * HTML page; on a prediction location that page becomes a JSON error.
 */

static ngx_int_t
ngx_http_predict_header_filter(ngx_http_request_t *r)
{
    pm_err_t                      err;
    pm_alloc_t                    a;
    pm_answer_t                   ans;
    ngx_http_predict_ctx_t       *ctx;
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_predict_loc_conf_t  *plcf;

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

    if (ctx->too_large) {
        plcf = ngx_http_get_module_loc_conf(r, ngx_http_predict_module);
        (void) pm_err_body(&err, (long long) ctx->received,
                           plcf->max_body_size);

    } else {
        (void) pm_err_http(&err, (int) r->err_status,
                           (long long) clcf->client_max_body_size,
                           ngx_http_predict_rate_limited(r));
    }

    plcf = ngx_http_get_module_loc_conf(r, ngx_http_predict_module);
    ngx_memzero(&ans, sizeof(pm_answer_t));

    ngx_http_predict_allocator(r, &a);
    pm_serve_error(&err, (int) r->err_status,
                   plcf->registry ? PM_API_V2 : PM_API_NATIVE, &a, &ans);
    pm_serve_counted(plcf->pipeline, plcf->registry, &ans);
    ngx_http_predict_account(r, ctx, &ans);

    if (ans.body == NULL) {
        return NGX_ERROR;
    }

    ctx->error = ans.code;
    ctx->error_body.data = (u_char *) ans.body;
    ctx->error_body.len = ans.len;
    ctx->replace = 1;

    r->headers_out.content_type = ngx_http_predict_json_type;
    r->headers_out.content_type_len = ngx_http_predict_json_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = ans.len;

    return ngx_http_next_header_filter(r);
}


/* limit_req refused this request (its $limit_req_status) */

static int
ngx_http_predict_rate_limited(ngx_http_request_t *r)
{
    ngx_http_variable_value_t  *v;

    v = ngx_http_get_indexed_variable(r, ngx_http_predict_limit_req_index);

    return v != NULL && !v->not_found && v->len == sizeof("REJECTED") - 1
           && ngx_strncmp(v->data, "REJECTED", v->len) == 0;
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


/* a variable's value, or not found (data NULL) */

static ngx_int_t
ngx_http_predict_value(ngx_http_variable_value_t *v, u_char *data,
    size_t len)
{
    if (data == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
    v->data = data;

    return NGX_OK;
}


/* $predict_label, $predict_model, $predict_out_of_range: data is the
 * offset of the context's string */

static ngx_int_t
ngx_http_predict_str_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t               *s;
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);
    s = (ctx != NULL) ? (ngx_str_t *) ((u_char *) ctx + data) : NULL;

    if (s == NULL || s->len == 0) {
        return ngx_http_predict_value(v, NULL, 0);
    }

    return ngx_http_predict_value(v, s->data, s->len);
}


static ngx_int_t
ngx_http_predict_instances_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                  *p;
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || !ctx->predicted) {
        return ngx_http_predict_value(v, NULL, 0);
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_predict_value(v, p,
                                  ngx_sprintf(p, "%ui", ctx->instances) - p);
}


static ngx_int_t
ngx_http_predict_error_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char              *name;
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || ctx->error == PM_OK) {
        return ngx_http_predict_value(v, NULL, 0);
    }

    name = pm_err_name(ctx->error);

    return ngx_http_predict_value(v, (u_char *) name, ngx_strlen(name));
}


/* predict_metrics: GET answers the text Prometheus scrapes */

static ngx_int_t
ngx_http_predict_metrics_handler(ngx_http_request_t *r)
{
    char                          *text;
    size_t                         len;
    ngx_int_t                      rc;
    pm_err_t                       err;
    pm_alloc_t                     a;
    ngx_table_elt_t               *h;
    ngx_http_predict_main_conf_t  *pmcf;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Allow");
        ngx_str_set(&h->value, "GET, HEAD");

        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    pmcf = ngx_http_get_module_main_conf(r, ngx_http_predict_module);

    pm_err_init(&err);
    ngx_http_predict_allocator(r, &a);

    if (pm_metrics_serve(pmcf->metrics, &a, &text, &len, &err) != PM_OK) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0, "predict: %s",
                      err.msg);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    return ngx_http_predict_send(r, NGX_HTTP_OK, &ngx_http_predict_text_type,
                                 (u_char *) text, len);
}


static ngx_int_t
ngx_http_predict_version_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                  *p;
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || ctx->model.len == 0 || ctx->version <= 0) {
        return ngx_http_predict_value(v, NULL, 0);
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    return ngx_http_predict_value(v, p,
                                  ngx_sprintf(p, "%i", ctx->version) - p);
}


static ngx_int_t
ngx_http_predict_api_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    const char              *name;
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || ctx->api < 0) {
        return ngx_http_predict_value(v, NULL, 0);
    }

    name = pm_enum_name(pm_api_names, (int) ctx->api);

    return ngx_http_predict_value(v, (u_char *) name, ngx_strlen(name));
}


/* the module's time, in seconds with microseconds, as $request_time */

static ngx_int_t
ngx_http_predict_time_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                  *p;
    uint64_t                 us;
    ngx_http_predict_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_predict_module);

    if (ctx == NULL || !ctx->timed) {
        return ngx_http_predict_value(v, NULL, 0);
    }

    p = ngx_pnalloc(r->pool, NGX_INT64_LEN + 8);
    if (p == NULL) {
        return NGX_ERROR;
    }

    us = ctx->ns / 1000;

    return ngx_http_predict_value(v, p, ngx_sprintf(p, "%uL.%06uL",
                                                    us / 1000000,
                                                    us % 1000000) - p);
}
