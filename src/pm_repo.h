
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * A model repository on disk: DIR/NAME/VERSION/, each version directory a
 * bundle (model.libsvm, features.json) as predict-train and the exporter
 * write them.  Scanning lists the versions to load (the latest, all, or
 * the N highest of each name) and the entries it ignored, and why.
 */


#ifndef _PM_REPO_H_INCLUDED_
#define _PM_REPO_H_INCLUDED_


#include "pm_core.h"


#define PM_REPO_MAX_ENTRIES  100000


typedef struct {
    char               *name;
    long                version;
    char               *dir;        /* DIR/NAME/VERSION */
} pm_repo_entry_t;


typedef struct {
    char               *path;
    const char         *reason;
} pm_repo_ignored_t;


struct pm_repo_s {
    pm_repo_entry_t    *e;
    size_t              n;
    size_t              cap;
    pm_repo_ignored_t  *ign;
    size_t              nign;
    size_t              cap_ign;
};


#endif /* _PM_REPO_H_INCLUDED_ */
