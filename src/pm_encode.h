
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
 * counters out in the same order.  A feature whose fitted range is its
 * reference's ends (ref_range) is below it exactly when in its first bin
 * and above it exactly when in its last: those are counted there only,
 * and pm_encode_tally_side() names the cell that holds each side.
 */

#define PM_TALLY_LOW         0
#define PM_TALLY_HIGH        1
#define PM_TALLY_MISSING     2
#define PM_TALLY_UNKNOWN     3
#define PM_TALLY_BINS        4


/*
 * A batch's tally is a count per cell.  A single instance's is the list of
 * the cells it counted, each once: it touches a cell or two per feature of
 * the tally's dozen or more, so there is nothing to clear, and whoever
 * reads it visits only those.
 */

typedef struct {
    uint32_t            *count;     /* a batch's: n cells, 0 to start with */
    uint32_t            *cells;     /* or one instance's: room for n + 1 */
    size_t               ncells;
    size_t               n;
} pm_tally_t;


int pm_encode_index(const pm_instance_t *inst, int nfeatures,
    pm_node_t *raw, pm_err_t *err);
int pm_encode_range(const pm_scaler_t *s, int policy, const pm_node_t *raw,
    int nraw, pm_node_t *out, int *oor, int *noor, pm_err_t *err);
int pm_encode_values(const pm_spec_t *s, const pm_instance_t *inst,
    pm_value_t *raw, pm_err_t *err);
int pm_encode_spec(const pm_spec_t *s, int policy, const pm_value_t *raw,
    pm_node_t *out, int *oor, int *noor, pm_err_t *err);
size_t pm_encode_tally_cells(const pm_spec_t *s, const pm_scaler_t *r);
void pm_encode_observe_range(const pm_scaler_t *s, const pm_node_t *raw,
    int nraw, pm_tally_t *t);
int pm_encode_observe_spec(const pm_spec_t *s, const pm_value_t *raw,
    pm_tally_t *t);


/*
 * The cell of a feature's tally that counts its values below (side 0) or
 * above (side 1) its fitted range; f NULL: a range file's feature
 */

static inline int
pm_encode_tally_side(const pm_feature_t *f, int side)
{
    if (f != NULL && f->ref_range) {
        return PM_TALLY_BINS + (side ? PM_REF_NUMERIC_BINS - 1 : 0);
    }

    return side ? PM_TALLY_HIGH : PM_TALLY_LOW;
}


#endif /* _PM_ENCODE_H_INCLUDED_ */
