
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * svm-scale range files (written by "svm-scale -s") and the svm-scale
 * transform, with the out-of-range policies the module offers.
 */


#ifndef _PM_SCALE_H_INCLUDED_
#define _PM_SCALE_H_INCLUDED_


#include <time.h>
#include <svm.h>

#include "pm_core.h"
#include "pm_sha256.h"


typedef struct {
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
} pm_scaler_t;


int pm_scaler_parse(const char *buf, size_t len, pm_scaler_t **out,
    pm_err_t *err);
int pm_scaler_load(const char *path, pm_scaler_t **out, pm_err_t *err);
void pm_scaler_free(pm_scaler_t *s);

double pm_scale_entry(const pm_scaler_t *s, int k, double v);
double pm_scale_y(const pm_scaler_t *s, double y);
double pm_scale_y_inverse(const pm_scaler_t *s, double y);

int pm_scale_nodes(const pm_scaler_t *s, int policy,
    const struct svm_node *raw, int nraw, struct svm_node *out, int *oor,
    int *noor, pm_err_t *err);


#endif /* _PM_SCALE_H_INCLUDED_ */
