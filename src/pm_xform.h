
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The transforms, written once: svm-scale's min-max formula (range files,
 * spec features and targets all use pm_minmax()), scikit-learn's
 * MinMaxScaler (linear), StandardScaler and MaxAbsScaler, each with its
 * inverse, and their JSON form in feature specs.
 */


#ifndef _PM_XFORM_H_INCLUDED_
#define _PM_XFORM_H_INCLUDED_


#include <jansson.h>

#include "pm_core.h"
#include "pm_enum.h"


typedef struct {
    int                 kind;       /* PM_XF_* */
    int                 log1p;      /* log1p() before the transform */
    double              p1;         /* min | scale | mean | maxabs */
    double              p2;         /* max | offset | std */
    double              lower;      /* minmax target range */
    double              upper;
} pm_xform_t;


double pm_minmax(double v, double min, double max, double lower,
    double upper);
double pm_minmax_inverse(double y, double min, double max, double lower,
    double upper);

double pm_xform_apply(const pm_xform_t *xf, double v);
double pm_xform_inverse(const pm_xform_t *xf, double y);

int pm_xform_parse(json_t *obj, const char *where, const double *range,
    pm_xform_t *xf, pm_err_t *err);
int pm_xform_parse_target(json_t *obj, int regress, pm_xform_t *xf,
    pm_err_t *err);
int pm_xform_json(const pm_xform_t *xf, int target, json_t *obj);


#endif /* _PM_XFORM_H_INCLUDED_ */
