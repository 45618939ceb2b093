
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * svm-scale range files (written by "svm-scale -s"): the file format.
 * Their transform is svm-scale's min-max formula (pm_xform.h), applied to
 * an instance by pm_encode_range().
 */


#ifndef _PM_SCALE_H_INCLUDED_
#define _PM_SCALE_H_INCLUDED_


#include "pm_core.h"
#include "pm_sha256.h"
#include "pm_types.h"


#define PM_MAX_RANGE_SIZE  (256 * 1024 * 1024)


struct pm_scaler_s {
    double              lower;
    double              upper;
    int                 has_y;
    double              y_lower;
    double              y_upper;
    double              y_min;
    double              y_max;
    int                 n;          /* entries below */
    int                 max_index;  /* highest listed index, 0 if none */
    int                *index;      /* ascending */
    double             *min;
    double             *max;
    pm_source_t         source;
};


int pm_scaler_parse(const char *buf, size_t len, pm_scaler_t **out,
    pm_err_t *err);
int pm_scaler_load(const char *path, pm_scaler_t **out, pm_err_t *err);
void pm_scaler_free(pm_scaler_t *s);

double pm_scaler_y(const pm_scaler_t *s, double y);
double pm_scaler_y_inverse(const pm_scaler_t *s, double y);


#endif /* _PM_SCALE_H_INCLUDED_ */
