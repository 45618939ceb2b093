
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


/*
 * What an instance showed of each feature, for the metrics: its drift bin
 * (pm_spec_bin() + 1; 0 when the feature has no reference or no value) and
 * flags.  One per spec feature, or per range file feature.
 */

#define PM_OBS_LOW           0x01    /* below the fitted range */
#define PM_OBS_HIGH          0x02    /* above it */
#define PM_OBS_MISSING       0x04    /* null or absent (spec features) */
#define PM_OBS_UNKNOWN       0x08    /* a category not seen in training */

typedef struct {
    unsigned short      bin;
    unsigned char       flags;
} pm_obs_t;


int pm_encode_index(const pm_instance_t *inst, int nfeatures,
    pm_node_t *raw, pm_err_t *err);
int pm_encode_range(const pm_scaler_t *s, int policy, const pm_node_t *raw,
    int nraw, pm_node_t *out, int *oor, int *noor, pm_err_t *err);
int pm_encode_values(const pm_spec_t *s, const pm_instance_t *inst,
    pm_value_t *raw, pm_err_t *err);
int pm_encode_spec(const pm_spec_t *s, int policy, const pm_value_t *raw,
    pm_node_t *out, int *oor, int *noor, pm_err_t *err);
void pm_encode_observe_range(const pm_scaler_t *s, const pm_node_t *raw,
    int nraw, pm_obs_t *obs);
void pm_encode_observe_spec(const pm_spec_t *s, const pm_value_t *raw,
    pm_obs_t *obs);


#endif /* _PM_ENCODE_H_INCLUDED_ */
