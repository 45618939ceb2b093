
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Config-time JSON through jansson: the checks every file format makes
 * (known keys only, finite numbers, names from an enumeration) and a
 * builder that remembers a failure for one check at the end.  Never on
 * the request path.
 */


#ifndef _PM_CONF_H_INCLUDED_
#define _PM_CONF_H_INCLUDED_


#include <jansson.h>

#include "pm_core.h"
#include "pm_enum.h"


int pm_conf_keys(json_t *obj, const char *where, const char *const *allowed,
    pm_err_t *err);
int pm_conf_number(json_t *obj, const char *key, const char *where,
    int required, double *v, pm_err_t *err);
int pm_conf_enum(json_t *v, const pm_enum_t *e, int *value);
int pm_conf_set(json_t *obj, const char *key, json_t *v);


#endif /* _PM_CONF_H_INCLUDED_ */
