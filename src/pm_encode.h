
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


#include <stdint.h>

#include "pm_core.h"
#include "pm_enum.h"
#include "pm_json.h"
#include "pm_scale.h"
#include "pm_spec.h"


/*
 * What a request's instances showed of each feature, for the metrics: a
 * tally of counts, pm_encode_tally_cells() of them, feature after feature
 * in spec (or range file) order.  A feature's cells: below its fitted
 * range, above it, missing (null or absent, spec features), an unseen
 * category, then its drift bins (pm_spec_nbins(); none without a
 * reference, so none for a range file's).  The metrics lay a feature's
 * counters out in the same order.
 */

#define PM_TALLY_LOW         0
#define PM_TALLY_HIGH        1
#define PM_TALLY_MISSING     2
#define PM_TALLY_UNKNOWN     3
#define PM_TALLY_BINS        4

/* the tally is a whole number of words of 16 cells (64 bytes) */

#define PM_TALLY_WORD        16


int pm_encode_index(const pm_instance_t *inst, int nfeatures,
    pm_node_t *raw, pm_err_t *err);
int pm_encode_range(const pm_scaler_t *s, int policy, const pm_node_t *raw,
    int nraw, pm_node_t *out, int *oor, int *noor, pm_err_t *err);
int pm_encode_values(const pm_spec_t *s, const pm_instance_t *inst,
    pm_value_t *raw, pm_err_t *err);
int pm_encode_spec(const pm_spec_t *s, int policy, const pm_value_t *raw,
    pm_node_t *out, int *oor, int *noor, pm_err_t *err);
size_t pm_encode_tally_cells(const pm_spec_t *s, const pm_scaler_t *r);
void pm_encode_tally_end(const pm_spec_t *s, uint32_t *tally);
void pm_encode_observe_range(const pm_scaler_t *s, const pm_node_t *raw,
    int nraw, uint32_t *tally);
int pm_encode_observe_spec(const pm_spec_t *s, const pm_value_t *raw,
    uint32_t *tally);


#endif /* _PM_ENCODE_H_INCLUDED_ */
