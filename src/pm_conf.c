
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <string.h>

#include "pm_conf.h"


/* every key of obj must be one of allowed: typos fail loudly */

int
pm_conf_keys(json_t *obj, const char *where, const char *const *allowed,
    pm_err_t *err)
{
    int          i;
    json_t      *v;
    const char  *key;

    json_object_foreach(obj, key, v) {
        for (i = 0; allowed[i] != NULL; i++) {
            if (strcmp(key, allowed[i]) == 0) {
                break;
            }
        }

        if (allowed[i] == NULL) {
            return pm_err_set(err, PM_EFORMAT, "%s: unknown key \"%.64s\"",
                              where, key);
        }
    }

    return PM_OK;
}


/* PM_OK, 1 if absent (or null) and not required, or an error */

int
pm_conf_number(json_t *obj, const char *key, const char *where, int required,
    double *v, pm_err_t *err)
{
    json_t  *n;

    n = json_object_get(obj, key);

    if (n == NULL || json_is_null(n)) {
        if (required) {
            return pm_err_set(err, PM_EFORMAT, "%s: \"%s\" is required",
                              where, key);
        }

        return 1;
    }

    if (!json_is_number(n) || !isfinite(json_number_value(n))) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"%s\" must be a finite "
                          "number", where, key);
    }

    *v = json_number_value(n);

    return PM_OK;
}


/* a string naming one of e's values: 0, else -1 */

int
pm_conf_enum(json_t *v, const pm_enum_t *e, int *value)
{
    if (!json_is_string(v)) {
        return -1;
    }

    return pm_enum_value(e, json_string_value(v), json_string_length(v),
                         value);
}


/* json_object_set_new() that remembers a failure, for one check at the end */

int
pm_conf_set(json_t *obj, const char *key, json_t *v)
{
    if (v == NULL) {
        return -1;
    }

    return json_object_set_new(obj, key, v);
}
