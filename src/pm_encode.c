
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_encode.h"
#include "pm_text.h"


static int pm_node_cmp(const void *a, const void *b);
static const char *pm_encode_key(const pm_value_t *r, char *num);
static inline int pm_encode_observe(const pm_spec_t *s,
    const pm_value_t *raw, pm_tally_t *t, int list);
static int pm_encode_duplicate(const pm_instance_t *inst, int index,
    const pm_value_t *v, pm_err_t *err);
static int pm_encode_reject(const pm_scaler_t *s, const pm_node_t *raw,
    int nraw, const int *oor, int noor, pm_err_t *err);


static int
pm_node_cmp(const void *a, const void *b)
{
    const pm_node_t  *x = a, *y = b;

    return (x->index > y->index) - (x->index < y->index);
}


/*
 * A key sent twice: v, its second occurrence, or the second key naming
 * libsvm index "index"; where the document is known, its line and column.
 */

static int
pm_encode_duplicate(const pm_instance_t *inst, int index,
    const pm_value_t *v, pm_err_t *err)
{
    int     seen;
    char    safe[PM_SAFE_SIZE], num[16];
    long    line, column;
    size_t  k;

    if (v == NULL) {
        (void) snprintf(num, sizeof(num), "%d", index);
        seen = 0;

        for (k = 0; k < inst->n && v == NULL; k++) {
            if (strcmp(inst->v[k].key, num) == 0 && seen++ == 1) {
                v = &inst->v[k];
            }
        }
    }

    pm_safe_text(v != NULL ? v->key : num, safe);

    if (v == NULL || inst->doc == NULL) {
        return pm_err_set(err, PM_EJSON, "invalid JSON: duplicate object "
                          "key \"%s\"", safe);
    }

    pm_json_where(inst->doc, v->at, &line, &column);
    err->line = line;
    err->column = column;

    return pm_err_set(err, PM_EJSON, "invalid JSON at line %ld, column %ld: "
                      "duplicate object key \"%s\"", line, column, safe);
}


/*
 * An instance by libsvm index: raw (room for inst->n nodes) receives its
 * non-zero features in ascending order; returns how many.
 */

int
pm_encode_index(const pm_instance_t *inst, int nfeatures, pm_node_t *raw,
    pm_err_t *err)
{
    int                 n, k;
    long                index;
    size_t              i;
    char               *end;
    const pm_value_t   *v;
    char                safe[PM_SAFE_SIZE];

    if (inst->is_array && inst->total != (size_t) nfeatures) {
        return pm_err_set(err, PM_ECOUNT, "expected %d features, got %zu",
                          nfeatures, inst->total);
    }

    n = 0;

    for (i = 0; i < inst->n; i++) {
        v = &inst->v[i];

        if (inst->is_array) {
            index = (long) i + 1;

        } else {

            /* canonical decimal only, so each index has one key */

            index = 0;
            end = (char *) v->key;

            if (*v->key >= '1' && *v->key <= '9' && strlen(v->key) <= 9) {
                index = strtol(v->key, &end, 10);
            }

            if (*end != '\0' || index < 1 || index > nfeatures) {
                pm_safe_text(v->key, safe);
                return pm_err_set(err, PM_EINDEX, "feature key \"%s\" is not "
                                  "a feature index in 1..%d", safe,
                                  nfeatures);
            }
        }

        if (v->kind != PM_VAL_NUMBER) {
            err->feature = (int) index;
            return pm_err_set(err, PM_EVALUE, "feature %ld is %s%s", index,
                              pm_value_type(v), pm_value_overflows(v)
                              ? "" : "; expected a number");
        }

        raw[n].index = (int) index;
        raw[n].value = v->num;
        n++;
    }

    if (!inst->is_array) {
        qsort(raw, (size_t) n, sizeof(pm_node_t), pm_node_cmp);

        for (k = 1; k < n; k++) {
            if (raw[k].index == raw[k - 1].index) {
                return pm_encode_duplicate(inst, raw[k].index, NULL, err);
            }
        }

        /* the keys past the parser's cap: more than there are features */

        if (inst->total > (size_t) nfeatures) {
            return pm_err_set(err, PM_ECOUNT, "%zu feature keys for %d "
                              "features", inst->total, nfeatures);
        }
    }

    /* zeros are absent in libsvm's sparse vectors */

    for (i = 0, k = 0; (int) i < n; i++) {
        if (raw[i].value != 0) {
            raw[k++] = raw[i];
        }
    }

    return k;
}


/*
 * Scales raw (ascending, no terminator) into out, which holds s->n + 1
 * nodes and is terminated by index -1.  As svm-scale -r: a feature absent
 * from raw is 0, a feature absent from the range file is dropped, and a
 * scaled 0 is left out.  oor (s->n ints) receives the indices outside the
 * fitted range, whatever the policy; under reject they are the error.
 * Returns the number of nodes.
 */

int
pm_encode_range(const pm_scaler_t *s, int policy, const pm_node_t *raw,
    int nraw, pm_node_t *out, int *oor, int *noor, pm_err_t *err)
{
    int     i, k, n, index;
    double  v, scaled;
    char    nb[PM_NUMBER_SIZE];

    i = 0;
    n = 0;
    *noor = 0;

    for (k = 0; k < s->n; k++) {
        index = s->index[k];

        while (i < nraw && raw[i].index < index) {
            i++;
        }

        v = (i < nraw && raw[i].index == index) ? raw[i].value : 0.0;

        if (v < s->min[k] || v > s->max[k]) {
            oor[(*noor)++] = index;

            if (policy == PM_OOR_CLIP) {
                v = (v < s->min[k]) ? s->min[k] : s->max[k];
            }
        }

        if (s->min[k] == s->max[k]) {
            continue;  /* as svm-scale: a single-valued feature is dropped */
        }

        scaled = pm_minmax(v, s->min[k], s->max[k], s->lower, s->upper);

        if (!isfinite(scaled)) {
            err->feature = index;
            return pm_err_set(err, PM_ENONFINITE, "feature %d: value %s "
                              "overflows when scaled", index, pm_num(v, nb));
        }

        if (scaled != 0) {
            out[n].index = index;
            out[n].value = scaled;
            n++;
        }
    }

    if (*noor > 0 && policy == PM_OOR_REJECT) {
        return pm_encode_reject(s, raw, nraw, oor, *noor, err);
    }

    out[n].index = -1;
    out[n].value = 0;

    return n;
}


static int
pm_encode_reject(const pm_scaler_t *s, const pm_node_t *raw, int nraw,
    const int *oor, int noor, pm_err_t *err)
{
    int     i, k, absent;
    char    nb[3][PM_NUMBER_SIZE];
    double  v;

    for (i = 0; i < noor; i++) {
        pm_err_add_feature(err, oor[i]);
    }

    err->feature = oor[0];

    for (k = 0; s->index[k] != oor[0]; k++) {
        /* void: oor[0] is a listed index */
    }

    v = 0.0;
    absent = 1;

    for (i = 0; i < nraw; i++) {
        if (raw[i].index == oor[0]) {
            v = raw[i].value;
            absent = 0;
        }
    }

    return pm_err_set(err, PM_ERANGE, "%d feature%s outside the fitted "
                      "range: feature %d is %s%s, fitted [%s, %s]",
                      noor, noor > 1 ? "s" : "", oor[0], pm_num(v, nb[0]),
                      absent ? " (absent, counted as 0)" : "",
                      pm_num(s->min[k], nb[1]), pm_num(s->max[k], nb[2]));
}


/* a categorical value's key: a string as sent, a number as written */

static const char *
pm_encode_key(const pm_value_t *r, char *num)
{
    if (r->kind == PM_VAL_NUMBER) {
        /* -0 is 0: the category "0" */
        (void) pm_format_number(r->num == 0 ? 0.0 : r->num, num);
        return num;
    }

    return r->str;
}


/* the cells of a request's tally: a spec's features, or a range file's */

size_t
pm_encode_tally_cells(const pm_spec_t *s, const pm_scaler_t *r)
{
    int     i;
    size_t  n;

    n = 0;

    for (i = 0; s != NULL && i < s->n; i++) {
        n += PM_TALLY_BINS + (size_t) pm_spec_nbins(&s->f[i]);
    }

    if (s == NULL && r != NULL) {
        n = PM_TALLY_BINS * (size_t) r->n;
    }

    return n;
}


/*
 * Counts inc (0 or 1) in a cell: adds it to the cell's count, or lists
 * the cell if inc is 1, without a branch on inc (the cell is written past
 * the list's end anyway, its room one more than the cells, and the end
 * moves or not).  Returns the list's new length.
 */

static inline size_t
pm_encode_count(uint32_t *count, uint32_t *cells, size_t nc, size_t cell,
    uint32_t inc)
{
    if (cells != NULL) {
        cells[nc] = (uint32_t) cell;
        return nc + inc;
    }

    count[cell] += inc;

    return nc;
}


/*
 * Tallies what an instance shows of each range-file feature: below or
 * above the fitted range (a feature absent from raw is 0, as it is scaled)
 */

void
pm_encode_observe_range(const pm_scaler_t *s, const pm_node_t *raw,
    int nraw, pm_tally_t *t)
{
    int        i, k;
    double     v;
    size_t     nc, cell;
    uint32_t  *count, *cells;

    i = 0;
    count = t->count;
    cells = t->cells;
    nc = t->ncells;

    for (k = 0; k < s->n; k++) {
        while (i < nraw && raw[i].index < s->index[k]) {
            i++;
        }

        v = (i < nraw && raw[i].index == s->index[k]) ? raw[i].value : 0.0;

        cell = PM_TALLY_BINS * (size_t) k;
        nc = pm_encode_count(count, cells, nc, cell + PM_TALLY_LOW,
                             (uint32_t) (v < s->min[k]));
        nc = pm_encode_count(count, cells, nc, cell + PM_TALLY_HIGH,
                             (uint32_t) (v > s->max[k]));
    }

    t->ncells = nc;
}


/*
 * Tallies what an instance shows of each spec feature, before any policy:
 * missing, outside the fitted range, an unseen category, and the drift bin
 * of its raw value against the training reference.  Returns 1 if some
 * feature was binned.  Every value of every instance passes here: the
 * common case, a number for a numeric feature, adds without a branch on
 * the value, and the loop is written once for a list and once for counts
 * (pm_encode_observe() inlined with a constant), so that neither tests
 * which at every cell.
 */

int
pm_encode_observe_spec(const pm_spec_t *s, const pm_value_t *raw,
    pm_tally_t *t)
{
    return (t->cells != NULL) ? pm_encode_observe(s, raw, t, 1)
                              : pm_encode_observe(s, raw, t, 0);
}


static inline __attribute__((always_inline)) int
pm_encode_observe(const pm_spec_t *s, const pm_value_t *raw, pm_tally_t *t,
    int list)
{
    int                  c, nbins, binned;
    char                 num[PM_JSON_NUM_SIZE];
    double               v;
    size_t               nc, cell;
    uint32_t            *count, *cells;
    const char          *key;
    const pm_value_t    *r;
    const pm_feature_t  *f, *end;

    binned = 0;
    cell = 0;
    count = list ? NULL : t->count;
    cells = list ? t->cells : NULL;
    nc = t->ncells;
    f = s->f;
    end = s->f + s->n;

    for (r = raw; f < end; f++, r++) {

        /* the most common: its bin counts below and above its range too */

        if (r->kind == PM_VAL_NUMBER && f->ref_range) {
            nc = pm_encode_count(count, cells, nc, cell + PM_TALLY_BINS
                                 + (size_t) pm_spec_bin_number(f, r->num), 1);
            cell += PM_TALLY_BINS + PM_REF_NUMERIC_BINS;
            binned = 1;
            continue;
        }

        nbins = pm_spec_nbins(f);

        if (r->kind == PM_VAL_NUMBER && f->type == PM_FEAT_NUMERIC) {
            v = r->num;
            nc = pm_encode_count(count, cells, nc, cell + PM_TALLY_LOW,
                                 (uint32_t) (f->has_range && v < f->min));
            nc = pm_encode_count(count, cells, nc, cell + PM_TALLY_HIGH,
                                 (uint32_t) (f->has_range && v > f->max));

            if (nbins > 0) {
                nc = pm_encode_count(count, cells, nc, cell + PM_TALLY_BINS
                                     + (size_t) pm_spec_bin_number(f, v), 1);
                binned = 1;
            }

        } else if (r->kind == PM_VAL_NULL) {
            nc = pm_encode_count(count, cells, nc,
                                 cell + PM_TALLY_MISSING, 1);

        } else if (f->type == PM_FEAT_CATEGORICAL
                   && (r->kind == PM_VAL_NUMBER || r->kind == PM_VAL_STRING))
        {
            key = pm_encode_key(r, num);
            c = pm_spec_category(f, key);
            nc = pm_encode_count(count, cells, nc, cell + PM_TALLY_UNKNOWN,
                                 (uint32_t) (c < 0));

            if (nbins > 0) {
                nc = pm_encode_count(count, cells, nc, cell + PM_TALLY_BINS
                                     + (size_t) pm_spec_bin(f, c), 1);
                binned = 1;
            }
        }

        /* else a numeric feature sent as a string or a boolean: nothing */

        cell += PM_TALLY_BINS + (size_t) nbins;
    }

    t->ncells = nc;

    return binned;
}


/*
 * raw[] holds one value per feature, in spec order.  out receives the
 * sorted libsvm nodes (room for s->max_index + 1) and a -1 terminator; oor
 * the positions of numeric features outside their fitted range (room for
 * s->n).  Returns the number of nodes, or an error naming the feature.
 */

int
pm_encode_spec(const pm_spec_t *s, int policy, const pm_value_t *raw,
    pm_node_t *out, int *oor, int *noor, pm_err_t *err)
{
    int                  i, n, pos, c, eff, rejected, first, missing;
    int                  first_missing;
    char                 num[PM_JSON_NUM_SIZE], safe[PM_SAFE_SIZE];
    double               v, t;
    const char          *key;
    const pm_value_t    *r;
    const pm_feature_t  *f;
    char                 nb[3][PM_NUMBER_SIZE];

    n = 0;
    *noor = 0;
    rejected = 0;
    first = 0;
    missing = 0;
    first_missing = 0;

    for (i = 0; i < s->n; i++) {
        pos = s->by_index[i];
        f = &s->f[pos];
        r = &raw[pos];

        if (r->kind == PM_VAL_NULL && f->missing == PM_MISSING_REJECT) {
            if (missing++ == 0) {
                first_missing = pos;
                err->nnames = 0;    /* the names listed are the missing */
            }

            pm_err_add_name(err, f->name);
            continue;
        }

        if (missing) {
            continue;
        }

        if (f->type == PM_FEAT_CATEGORICAL) {
            if (r->kind == PM_VAL_NULL) {
                c = f->fill_cat;

            } else {
                key = pm_encode_key(r, num);
                c = pm_spec_category(f, key);

                if (c < 0 && f->unknown == PM_UNKNOWN_ERROR) {
                    pm_safe_text(key, safe);
                    pm_err_add_name(err, f->name);
                    return pm_err_set(err, PM_ECATEGORY, "feature \"%s\": "
                                      "unknown category \"%s\"", f->name,
                                      safe);
                }
            }

            if (c >= 0) {
                out[n].index = f->index + c;
                out[n].value = 1;
                n++;
            }

            continue;
        }

        if (r->kind == PM_VAL_STRING) {
            pm_err_add_name(err, f->name);
            return pm_err_set(err, PM_EVALUE, "feature \"%s\" is a string; "
                              "expected a number", f->name);
        }

        v = (r->kind == PM_VAL_NULL) ? f->fill : r->num;
        eff = (f->oor == PM_OOR_DEFAULT) ? policy : f->oor;

        if (f->has_range && (v < f->min || v > f->max)) {
            oor[(*noor)++] = pos;

            if (eff == PM_OOR_REJECT) {
                if (rejected++ == 0) {
                    first = pos;
                }

                pm_err_add_name(err, f->name);
                continue;
            }

            if (eff == PM_OOR_CLIP) {
                v = (v < f->min) ? f->min : f->max;
            }
        }

        t = pm_xform_apply(&f->xf, v);

        if (!isfinite(t)) {
            pm_err_add_name(err, f->name);
            return pm_err_set(err, PM_ENONFINITE, "feature \"%s\": value "
                              "%s is not finite once transformed",
                              f->name, pm_num(v, nb[0]));
        }

        if (t != 0) {
            out[n].index = f->index;
            out[n].value = t;
            n++;
        }
    }

    if (missing) {
        if (missing == 1) {
            return pm_err_set(err, PM_EMISSING, "feature \"%s\" is missing",
                              s->f[first_missing].name);
        }

        return pm_err_set(err, PM_EMISSING, "%d features are missing, "
                          "\"%s\" first", missing, s->f[first_missing].name);
    }

    if (rejected) {
        f = &s->f[first];
        v = (raw[first].kind == PM_VAL_NULL) ? f->fill : raw[first].num;

        return pm_err_set(err, PM_ERANGE, "%d feature%s outside the fitted "
                          "range: \"%s\" is %s, fitted [%s, %s]",
                          rejected, rejected > 1 ? "s" : "", f->name,
                          pm_num(v, nb[0]), pm_num(f->min, nb[1]),
                          pm_num(f->max, nb[2]));
    }

    out[n].index = -1;
    out[n].value = 0;

    return n;
}


/*
 * An instance (an object by name, or an array in spec order) as raw
 * values, one per feature; a name given twice is refused.
 */

int
pm_encode_values(const pm_spec_t *s, const pm_instance_t *inst,
    pm_value_t *raw, pm_err_t *err)
{
    int                i, pos;
    size_t             k;
    const pm_value_t  *v;
    char               safe[PM_SAFE_SIZE];

    for (i = 0; i < s->n; i++) {
        raw[i].kind = -1;
    }

    if (inst->is_array && inst->total != (size_t) s->n) {
        return pm_err_set(err, PM_ECOUNT, "expected %d features, got %zu",
                          s->n, inst->total);
    }

    for (k = 0; k < inst->n; k++) {
        v = &inst->v[k];

        if (inst->is_array) {
            pos = (int) k;

        } else {
            pos = pm_spec_find(s, v->key);

            if (pos < 0) {
                pm_safe_text(v->key, safe);
                pm_err_add_name(err, safe);
                return pm_err_set(err, PM_EUNKNOWN, "unknown feature "
                                  "\"%s\"", safe);
            }

            if (raw[pos].kind != -1) {
                return pm_encode_duplicate(inst, 0, v, err);
            }
        }

        if (v->kind == PM_VAL_OTHER) {
            pm_err_add_name(err, s->f[pos].name);
            return pm_err_set(err, PM_EVALUE, "feature \"%s\" is %s%s%s",
                              s->f[pos].name, pm_value_type(v),
                              pm_value_overflows(v) ? "" : "; expected a ",
                              pm_value_overflows(v) ? ""
                              : s->f[pos].type == PM_FEAT_NUMERIC
                              ? "number" : "string");
        }

        raw[pos] = *v;
    }

    /* the names past the parser's cap: more than there are features */

    if (inst->total > (size_t) s->n) {
        return pm_err_set(err, PM_ECOUNT, "%zu feature names for %d "
                          "features", inst->total, s->n);
    }

    for (i = 0; i < s->n; i++) {
        if (raw[i].kind == -1) {
            raw[i].kind = PM_VAL_NULL;
        }
    }

    return PM_OK;
}
