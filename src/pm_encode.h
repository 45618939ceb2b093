
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Instances into the sparse vectors a model reads, in the three ways a
 * pipeline can: by libsvm index, scaled by an svm-scale range file, or
 * encoded by a feature spec.  Every out-of-range policy is applied here,
 * and every refusal names the feature at fault.
 */


#ifndef _PM_ENCODE_H_INCLUDED_
#define _PM_ENCODE_H_INCLUDED_


#include "pm_core.h"
#include "pm_enum.h"
#include "pm_json.h"
#include "pm_scale.h"
#include "pm_spec.h"


int pm_encode_index(const pm_instance_t *inst, int nfeatures,
    pm_node_t *raw, pm_err_t *err);
int pm_encode_range(const pm_scaler_t *s, int policy, const pm_node_t *raw,
    int nraw, pm_node_t *out, int *oor, int *noor, pm_err_t *err);
int pm_encode_values(const pm_spec_t *s, const pm_instance_t *inst,
    pm_value_t *raw, pm_err_t *err);
int pm_encode_spec(const pm_spec_t *s, int policy, const pm_value_t *raw,
    pm_node_t *out, int *oor, int *noor, pm_err_t *err);


#endif /* _PM_ENCODE_H_INCLUDED_ */
