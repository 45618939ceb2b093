
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The vocabulary every layer and the public header share: the objects,
 * by name only (each unit that owns one defines its struct), and the two
 * plain structs that cross the public interface: the per-location options
 * and a served answer.
 */


#ifndef _PM_TYPES_H_INCLUDED_
#define _PM_TYPES_H_INCLUDED_


#include <stddef.h>


typedef struct pm_model_s     pm_model_t;      /* pm_model.h */
typedef struct pm_scaler_s    pm_scaler_t;     /* pm_scale.h */
typedef struct pm_spec_s      pm_spec_t;       /* pm_spec.h */
typedef struct pm_file_s      pm_file_t;       /* pm_pipeline.h */
typedef struct pm_pipeline_s  pm_pipeline_t;   /* pm_pipeline.h */
typedef struct pm_registry_s  pm_registry_t;   /* pm_registry.h */
typedef struct pm_repo_s      pm_repo_t;       /* pm_repo.h */


/* what a location's directives choose; the names are pm_enum.h's */

typedef struct {
    int                 out_of_range;     /* PM_OOR_* */
    int                 probability;      /* report probabilities if any */
    int                 decision_values;  /* report decision values */
    int                 engine;           /* PM_ENGINE_* */
    int                 label_rule;       /* PM_LABEL_*: DEFAULT, the spec's */
    size_t              max_instances;
} pm_options_t;


/* an answer, ready to send: a prediction or an error */

typedef struct {
    int                 status;     /* HTTP status */
    int                 code;       /* PM_OK, or the error's code */
    char               *body;       /* JSON, ending in a newline */
    size_t              len;
    size_t              instances;  /* instances predicted */
    const char         *label;      /* a single prediction's label (the
                                       class, or the value), else NULL */
    size_t              label_len;
    const char         *allow;      /* a 405's Allow header */
    const char         *model;      /* the model a route named, or NULL */
    long                version;
    int                 api;        /* PM_API_*: native, v1, v2 */
} pm_answer_t;


#endif /* _PM_TYPES_H_INCLUDED_ */
