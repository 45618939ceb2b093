
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdio.h>
#include <string.h>

#include "pm_enum.h"


const pm_enum_t  pm_oor_names[] = {
    { "extrapolate", PM_OOR_EXTRAPOLATE },
    { "clip", PM_OOR_CLIP },
    { "reject", PM_OOR_REJECT },
    { NULL, 0 }
};

const pm_enum_t  pm_engine_names[] = {
    { "fast", PM_ENGINE_FAST },
    { "libsvm", PM_ENGINE_LIBSVM },
    { NULL, 0 }
};

const pm_enum_t  pm_transform_names[] = {
    { "none", PM_XF_NONE },
    { "minmax", PM_XF_MINMAX },
    { "linear", PM_XF_LINEAR },
    { "standard", PM_XF_STANDARD },
    { "maxabs", PM_XF_MAXABS },
    { NULL, 0 }
};

const pm_enum_t  pm_task_names[] = {
    { "classify", PM_TASK_CLASSIFY },
    { "regress", PM_TASK_REGRESS },
    { "one-class", PM_TASK_ONE_CLASS },
    { NULL, 0 }
};

const pm_enum_t  pm_label_rule_names[] = {
    { "vote", PM_LABEL_VOTE },
    { "probability", PM_LABEL_PROBABILITY },
    { NULL, 0 }
};

const pm_enum_t  pm_api_names[] = {
    { "native", PM_API_NATIVE },
    { "v1", PM_API_V1 },
    { "v2", PM_API_V2 },
    { NULL, 0 }
};

const pm_enum_t  pm_feature_type_names[] = {
    { "numeric", PM_FEAT_NUMERIC },
    { "categorical", PM_FEAT_CATEGORICAL },
    { NULL, 0 }
};

const pm_enum_t  pm_missing_names[] = {
    { "reject", PM_MISSING_REJECT },
    { "fill", PM_MISSING_FILL },
    { NULL, 0 }
};

const pm_enum_t  pm_unknown_names[] = {
    { "error", PM_UNKNOWN_ERROR },
    { "zero", PM_UNKNOWN_ZERO },
    { NULL, 0 }
};

const pm_enum_t  pm_file_names[] = {
    { "model", PM_FILE_MODEL },
    { "scaler", PM_FILE_SCALER },
    { "features", PM_FILE_SPEC },
    { NULL, 0 }
};


const char *
pm_enum_name(const pm_enum_t *e, int value)
{
    for ( /* void */ ; e->name != NULL; e++) {
        if (e->value == value) {
            return e->name;
        }
    }

    return "unknown";
}


/* name need not be NUL-terminated; returns 0, or -1 for no such name */

int
pm_enum_value(const pm_enum_t *e, const char *name, size_t len, int *value)
{
    for ( /* void */ ; e->name != NULL; e++) {
        if (strlen(e->name) == len && memcmp(e->name, name, len) == 0) {
            *value = e->value;
            return 0;
        }
    }

    return -1;
}


/* the names for a message: a, b, c; "a", "b" or "c"; ... */

const char *
pm_enum_list(const pm_enum_t *e, int style, char *buf, size_t size)
{
    int          i, n;
    size_t       len;
    const char  *q, *sep;

    for (n = 0; e[n].name != NULL; n++) {
        /* void */
    }

    q = (style & PM_ENUM_QUOTED) ? "\"" : "";
    len = 0;
    buf[0] = '\0';

    for (i = 0; i < n && len < size; i++) {
        sep = (i == 0) ? "" : (i == n - 1 && (style & PM_ENUM_OR)) ? " or "
                                                                   : ", ";
        len += (size_t) snprintf(buf + len, size - len, "%s%s%s%s", sep, q,
                                 e[i].name, q);
    }

    return buf;
}
