
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <string.h>

#include "pm_conf.h"
#include "pm_text.h"
#include "pm_xform.h"


static int pm_xform_params(json_t *obj, const char *where, pm_xform_t *xf,
    pm_err_t *err);


/*
 * svm-scale's formula, operation for operation: v == min maps to lower,
 * v == max to upper, anything else is interpolated, unclipped.  min ==
 * max is the caller's case (svm-scale drops such a feature).
 */

double
pm_minmax(double v, double min, double max, double lower, double upper)
{
    if (v == min) {
        return lower;
    }

    if (v == max) {
        return upper;
    }

    return lower + (upper - lower) * (v - min) / (max - min);
}


double
pm_minmax_inverse(double y, double min, double max, double lower,
    double upper)
{
    if (max == min) {
        return min;
    }

    return min + (y - lower) * (max - min) / (upper - lower);
}


double
pm_xform_apply(const pm_xform_t *xf, double v)
{
    if (xf->log1p) {
        v = log1p(v);
    }

    switch (xf->kind) {

    case PM_XF_MINMAX:
        /* svm-scale: a single-valued feature carries nothing */
        if (xf->p1 == xf->p2) {
            return 0;
        }

        return pm_minmax(v, xf->p1, xf->p2, xf->lower, xf->upper);

    case PM_XF_LINEAR:
        return v * xf->p1 + xf->p2;     /* MinMaxScaler: X *= scale; += min */

    case PM_XF_STANDARD:
        return (v - xf->p1) / xf->p2;   /* StandardScaler: (X - mean) / std */

    case PM_XF_MAXABS:
        return v / xf->p1;              /* MaxAbsScaler: X / scale */

    default:
        return v;
    }
}


/* for targets, which never take log1p */

double
pm_xform_inverse(const pm_xform_t *xf, double y)
{
    switch (xf->kind) {

    case PM_XF_MINMAX:
        return pm_minmax_inverse(y, xf->p1, xf->p2, xf->lower, xf->upper);

    case PM_XF_LINEAR:
        return (y - xf->p2) / xf->p1;

    case PM_XF_STANDARD:
        return y * xf->p2 + xf->p1;

    default:
        return y;
    }
}


/* the parameters of linear, standard and maxabs, as both forms name them */

static int
pm_xform_params(json_t *obj, const char *where, pm_xform_t *xf,
    pm_err_t *err)
{
    switch (xf->kind) {

    case PM_XF_LINEAR:
        if (pm_conf_number(obj, "scale", where, 1, &xf->p1, err) != PM_OK
            || pm_conf_number(obj, "offset", where, 1, &xf->p2, err)
               != PM_OK)
        {
            return err->code;
        }

        break;

    case PM_XF_STANDARD:
        if (pm_conf_number(obj, "mean", where, 1, &xf->p1, err) != PM_OK
            || pm_conf_number(obj, "std", where, 1, &xf->p2, err) != PM_OK)
        {
            return err->code;
        }

        break;

    case PM_XF_MAXABS:
        if (pm_conf_number(obj, "maxabs", where, 1, &xf->p1, err) != PM_OK) {
            return err->code;
        }

        break;
    }

    return PM_OK;
}


/*
 * A numeric feature's transform; range is the feature's raw [min, max]
 * fitted in training, or NULL.  xf->log1p is set by the caller.
 */

int
pm_xform_parse(json_t *obj, const char *where, const double *range,
    pm_xform_t *xf, pm_err_t *err)
{
    int      rc;
    json_t  *t;
    char     names[64];
    char     nb[3][PM_NUMBER_SIZE];

    t = json_object_get(obj, "transform");

    if (t == NULL) {
        xf->kind = PM_XF_NONE;

    } else if (pm_conf_enum(t, pm_transform_names, &xf->kind) != 0) {
        return pm_err_set(err, PM_EFORMAT, "%s: \"transform\" must be one "
                          "of %s", where,
                          pm_enum_list(pm_transform_names, 0, names,
                                       sizeof(names)));
    }

    rc = pm_xform_params(obj, where, xf, err);
    if (rc != PM_OK) {
        return rc;
    }

    switch (xf->kind) {

    case PM_XF_MINMAX:
        if (range == NULL) {
            return pm_err_set(err, PM_EFORMAT, "%s: minmax needs \"min\" and "
                              "\"max\"", where);
        }

        xf->lower = -1;
        xf->upper = 1;

        if (pm_conf_number(obj, "lower", where, 0, &xf->lower, err) < 0
            || pm_conf_number(obj, "upper", where, 0, &xf->upper, err) < 0)
        {
            return err->code;
        }

        if (!(xf->upper > xf->lower)) {
            return pm_err_set(err, PM_EFORMAT, "%s: lower %s is not below "
                              "upper %s", where, pm_num(xf->lower, nb[0]),
                              pm_num(xf->upper, nb[1]));
        }

        xf->p1 = xf->log1p ? log1p(range[0]) : range[0];
        xf->p2 = xf->log1p ? log1p(range[1]) : range[1];
        break;

    case PM_XF_STANDARD:
        if (!(xf->p2 > 0)) {
            return pm_err_set(err, PM_EFORMAT, "%s: \"std\" must be above 0 "
                              "(a constant feature has std 1)", where);
        }

        break;

    case PM_XF_MAXABS:
        if (!(xf->p1 > 0)) {
            return pm_err_set(err, PM_EFORMAT, "%s: \"maxabs\" must be above "
                              "0 (an all-zero feature has maxabs 1)", where);
        }

        break;
    }

    return PM_OK;
}


/* a regression target's scaling, inverted on output; none otherwise */

int
pm_xform_parse_target(json_t *obj, int regress, pm_xform_t *xf,
    pm_err_t *err)
{
    int      rc;
    json_t  *t;

    t = json_object_get(obj, "transform");
    xf->kind = PM_XF_NONE;

    if ((t != NULL && pm_conf_enum(t, pm_transform_names, &xf->kind) != 0)
        || xf->kind == PM_XF_MAXABS
        || (xf->kind != PM_XF_NONE && !regress))
    {
        return pm_err_set(err, PM_EFORMAT, "target: \"transform\" must be "
                          "none, minmax, linear or standard, for regress "
                          "only");
    }

    if (xf->kind == PM_XF_MINMAX) {
        xf->lower = -1;
        xf->upper = 1;

        if (pm_conf_number(obj, "min", "target", 1, &xf->p1, err) != PM_OK
            || pm_conf_number(obj, "max", "target", 1, &xf->p2, err)
               != PM_OK
            || pm_conf_number(obj, "lower", "target", 0, &xf->lower, err) < 0
            || pm_conf_number(obj, "upper", "target", 0, &xf->upper, err) < 0)
        {
            return err->code;
        }

        if (xf->p1 > xf->p2 || !(xf->upper > xf->lower)) {
            return pm_err_set(err, PM_EFORMAT, "target: min above max, or "
                              "lower not below upper");
        }

        return PM_OK;
    }

    rc = pm_xform_params(obj, "target", xf, err);
    if (rc != PM_OK) {
        return rc;
    }

    if (xf->kind == PM_XF_LINEAR && xf->p1 == 0) {
        return pm_err_set(err, PM_EFORMAT, "target: \"scale\" is 0");
    }

    if (xf->kind == PM_XF_STANDARD && !(xf->p2 > 0)) {
        return pm_err_set(err, PM_EFORMAT, "target: \"std\" must be above "
                          "0");
    }

    return PM_OK;
}


/*
 * The transform's keys into obj: a feature always names its transform
 * (its minmax bounds are its min and max, written by the spec); a target
 * names it only when there is one, with min and max.
 */

int
pm_xform_json(const pm_xform_t *xf, int target, json_t *obj)
{
    int  rc;

    rc = 0;

    if (!target || xf->kind != PM_XF_NONE) {
        rc |= pm_conf_set(obj, "transform", json_string(
                              pm_enum_name(pm_transform_names, xf->kind)));
    }

    if (xf->log1p) {
        rc |= pm_conf_set(obj, "log1p", json_true());
    }

    switch (xf->kind) {

    case PM_XF_MINMAX:
        if (target) {
            rc |= pm_conf_set(obj, "min", json_real(xf->p1));
            rc |= pm_conf_set(obj, "max", json_real(xf->p2));
        }

        rc |= pm_conf_set(obj, "lower", json_real(xf->lower));
        rc |= pm_conf_set(obj, "upper", json_real(xf->upper));
        break;

    case PM_XF_LINEAR:
        rc |= pm_conf_set(obj, "scale", json_real(xf->p1));
        rc |= pm_conf_set(obj, "offset", json_real(xf->p2));
        break;

    case PM_XF_STANDARD:
        rc |= pm_conf_set(obj, "mean", json_real(xf->p1));
        rc |= pm_conf_set(obj, "std", json_real(xf->p2));
        break;

    case PM_XF_MAXABS:
        rc |= pm_conf_set(obj, "maxabs", json_real(xf->p1));
        break;
    }

    return rc;
}
