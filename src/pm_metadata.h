
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Configuration-time documents, through jansson: the native metadata a
 * GET answers (pm.h's pm_metadata()), and, for the protocol routes, the
 * documents of pm_apidoc.c built from it.  Never on the request path.
 */


#ifndef _PM_METADATA_H_INCLUDED_
#define _PM_METADATA_H_INCLUDED_


#include <jansson.h>

#include "pm_core.h"
#include "pm_pipeline.h"


json_t *pm_metadata_json(const pm_pipeline_t *p);
int pm_metadata_dump(json_t *root, char **out, size_t *len, pm_err_t *err);


#endif /* _PM_METADATA_H_INCLUDED_ */
