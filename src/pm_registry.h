
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The models a server knows by name and version (its repository, and the
 * locations that name their model), each as a pipeline with the options
 * of the location that serves the protocol routes, and the documents the
 * routes answer, built once at configuration time (pm_apidoc.c).
 */


#ifndef _PM_REGISTRY_H_INCLUDED_
#define _PM_REGISTRY_H_INCLUDED_


#include "pm_core.h"
#include "pm_pipeline.h"
#include "pm_types.h"


#define PM_MAX_MODEL_NAME    128
#define PM_MAX_VERSION       1000000000


/* a model version's own documents */

#define PM_DOC_V1_STATUS     0   /* TF Serving status of this version */
#define PM_DOC_V1_META       1   /* {"model_spec": ..., "metadata": ...} */
#define PM_DOC_V2_META       2   /* OIP model metadata */
#define PM_DOC_V2_MREADY     3   /* {"name": ..., "ready": true} */
#define PM_DOC_V1_ALL        4   /* every version's status (the latest) */
#define PM_DOC_ENTRY         5

/* the server's */

#define PM_DOC_V1_LIST       0   /* {"models": [...]} */
#define PM_DOC_V2_SERVER     1   /* {"name", "version", "extensions"} */
#define PM_DOC_V2_LIVE       2
#define PM_DOC_V2_READY      3
#define PM_DOC_SERVER        4


typedef struct {
    char               *data;       /* JSON and a newline, malloc'ed */
    size_t              len;
} pm_doc_t;


typedef struct {
    char               *name;
    long                version;
    int                 latest;     /* the highest version of its name */
    pm_pipeline_t       pipeline;
    pm_doc_t            doc[PM_DOC_ENTRY];
} pm_entry_t;


struct pm_registry_s {
    pm_entry_t         *e;          /* by name, then version */
    size_t              n;
    size_t              cap;
    pm_options_t        opt;
    pm_doc_t            doc[PM_DOC_SERVER];
};


int pm_model_name_valid(const char *name, size_t len);
int pm_registry_sort(pm_registry_t *r, pm_err_t *err);
const pm_entry_t *pm_registry_find(const pm_registry_t *r, const char *name,
    size_t len, long version);


#endif /* _PM_REGISTRY_H_INCLUDED_ */
