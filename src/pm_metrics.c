
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "pm_metrics.h"
#include "pm_scale.h"
#include "pm_spec.h"
#include "pm_text.h"
#include "pm_writer.h"


/*
 * The region in the zone: a header, a directory of the blocks laid out
 * so far (found again after a reload by the hash of the model's name and
 * version and of the block's layout), then the slots.
 */

#define PM_METRICS_MAGIC     0x32697274656d6d70ULL   /* "pmmetri2" */

typedef struct {
    uint64_t            magic;
    uint64_t            capdir;     /* directory entries */
    uint64_t            ndir;
    uint64_t            capacity;   /* slots after the directory */
    uint64_t            used;
    uint64_t            resets;
} pm_mzone_t;


typedef struct {
    uint64_t            key;        /* hash of name and version */
    uint64_t            signature;  /* hash of the layout */
    uint64_t            offset;     /* in slots */
    uint64_t            nslots;
} pm_mdir_t;


struct pm_metrics_s {
    pm_mblock_t       **b;
    size_t              n;
    size_t              cap;
    size_t              half;       /* predict_drift_window / 2 */
    pm_mzone_t         *zone;
};


/* the HTTP statuses counted one by one; the others are "other" */

static const int  pm_m_statuses[] = {
    200, 400, 401, 403, 404, 405, 408, 411, 413, 414, 415, 422, 429, 431,
    494, 499, 500, 502, 503, 504
};

#define PM_M_NSTATUS  (sizeof(pm_m_statuses) / sizeof(pm_m_statuses[0]) + 1)


/* histogram bounds: the module's time (10 us to 1 s), the batch size */

static const double  pm_m_duration[] = {
    1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2,
    2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1
};

#define PM_M_NDUR  (sizeof(pm_m_duration) / sizeof(pm_m_duration[0]))

static const double  pm_m_batch[] = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000
};

#define PM_M_NBATCH  (sizeof(pm_m_batch) / sizeof(pm_m_batch[0]))


/* a block's slots: fixed ones, then the histograms, then the features */

#define PM_M_SEEN            0      /* instances binned, for the window */
#define PM_M_INSTANCES       1      /* the batch sizes' sum too */
#define PM_M_DUR_SUM         2      /* nanoseconds */
#define PM_M_VALUE_SUM       3      /* a double's bits */
#define PM_M_STATUS          4
#define PM_M_CODES           (PM_M_STATUS + PM_M_NSTATUS)
#define PM_M_DUR             (PM_M_CODES + PM_M_NCODES)
#define PM_M_BATCH           (PM_M_DUR + PM_M_NDUR + 1)
#define PM_M_PRED            (PM_M_BATCH + PM_M_NBATCH + 1)

#define PM_M_NCODES          pm_err_count()

/*
 * a feature's: its tally's cells (pm_encode.h: low, high, missing, unknown,
 * bins), then two snapshots of the bins
 */


#define pm_m_add(p, v)       (void) __atomic_fetch_add(p, v, __ATOMIC_RELAXED)
#define pm_m_load(p)         __atomic_load_n(p, __ATOMIC_RELAXED)
#define pm_m_store(p, v)     __atomic_store_n(p, v, __ATOMIC_RELAXED)


static void pm_m_add_double(uint64_t *slot, double v);
static double pm_m_double(uint64_t bits);
static uint64_t pm_m_hash(uint64_t h, const void *data, size_t len);
static int pm_m_block(pm_mblock_t *b, pm_pipeline_t *p, pm_err_t *err);
static int pm_m_classes(pm_mblock_t *b, const pm_pipeline_t *p,
    pm_err_t *err);
static int pm_m_features(pm_mblock_t *b, const pm_pipeline_t *p,
    pm_err_t *err);
static void pm_m_signature(pm_mblock_t *b);
static void pm_m_free_block(pm_mblock_t *b);
static uint64_t pm_m_key(const pm_mblock_t *b);
static void pm_m_zone_init(pm_metrics_t *m, pm_mzone_t *z, size_t size);
static int pm_m_place(pm_metrics_t *m, pm_mzone_t *z);
static size_t pm_m_bucket(const double *le, size_t n, double v);
static void pm_m_predictions(pm_mblock_t *b, const pm_results_t *res,
    double *sum);
static void pm_m_tally(pm_mblock_t *b, const pm_results_t *res);
static void pm_m_snapshot(pm_mblock_t *b, int k);
static void pm_m_window(const pm_mblock_t *b, const uint64_t *s,
    const pm_mfeature_t *f, uint64_t *w);
static double pm_m_psi(const pm_mfeature_t *f, const uint64_t *w,
    uint64_t *total);
static double pm_m_expected(const pm_mfeature_t *f, int bin);
static size_t pm_m_write(const void *data, char *buf, size_t cap);
static void pm_m_labels(pm_writer_t *w, const pm_mblock_t *b);
static void pm_m_label(pm_writer_t *w, const char *s);
static void pm_m_family(pm_writer_t *w, const char *name, const char *type,
    const char *help);
static void pm_m_value(pm_writer_t *w, uint64_t v);
static void pm_m_histogram(pm_writer_t *w, const char *name,
    const pm_mblock_t *b, const uint64_t *s, size_t off, const double *le,
    size_t n, double sum);
static const char *pm_m_bin_name(const pm_mfeature_t *f, int bin,
    char *buf);


/* --- configuration --------------------------------------------------- */

int
pm_metrics_create(size_t window, pm_metrics_t **out, pm_err_t *err)
{
    pm_metrics_t  *m;

    m = calloc(1, sizeof(pm_metrics_t));
    if (m == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    m->half = (window < 2) ? 1 : window / 2;
    *out = m;

    return PM_OK;
}


void
pm_metrics_free(pm_metrics_t *m)
{
    size_t  i;

    if (m == NULL) {
        return;
    }

    for (i = 0; i < m->n; i++) {
        pm_m_free_block(m->b[i]);
    }

    free(m->b);
    free(m);
}


static void
pm_m_free_block(pm_mblock_t *b)
{
    int  i;

    for (i = 0; i < b->nfeat; i++) {
        free(b->feat[i].label);
    }

    for (i = 0; b->class_text != NULL && i < b->nclasses; i++) {
        free(b->class_text[i]);
    }

    free(b->feat);
    free(b->tally_slot);
    free(b->class_label);
    free(b->class_slot);
    free(b->class_text);
    free(b->value_le);
    free(b->name);
    free(b->kind);
    free(b);
}


/*
 * A model's block, by name and version (a location's model without a name
 * is named after its location; p NULL: the requests a model-server
 * location answered without a model).  The same name and version counted
 * twice share a block, if their layouts agree.
 */

int
pm_metrics_model(pm_metrics_t *m, const char *name, long version,
    pm_pipeline_t *p, pm_mblock_t **out, pm_err_t *err)
{
    int           rc;
    size_t        i;
    void         *q;
    pm_mblock_t  *b;

    b = calloc(1, sizeof(pm_mblock_t));
    if (b == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    b->m = m;
    b->version = version;
    b->name = pm_strdup(name);

    rc = (b->name == NULL) ? pm_err_set(err, PM_ENOMEM, "out of memory")
                           : pm_m_block(b, p, err);
    if (rc != PM_OK) {
        pm_m_free_block(b);
        return rc;
    }

    for (i = 0; i < m->n; i++) {
        if (m->b[i]->version != version || strcmp(m->b[i]->name, name) != 0) {
            continue;
        }

        if (m->b[i]->signature != b->signature) {
            pm_m_free_block(b);
            return pm_err_set(err, PM_EMODEL, "model \"%s\" version %ld is "
                              "counted twice, with different features or "
                              "classes", name, version);
        }

        pm_m_free_block(b);
        b = m->b[i];
        goto done;
    }

    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;

        q = realloc(m->b, sizeof(pm_mblock_t *) * m->cap);
        if (q == NULL) {
            pm_m_free_block(b);
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        m->b = q;
    }

    m->b[m->n++] = b;

done:

    if (p != NULL) {
        p->metrics = b;
        p->ntally = b->ntally;
    }

    if (out != NULL) {
        *out = b;
    }

    return PM_OK;
}


/* a location's model: its name (or its location's) and version */

int
pm_metrics_pipeline(pm_metrics_t *m, const char *name, long version,
    pm_pipeline_t *p, pm_err_t *err)
{
    return pm_metrics_model(m, name, version, p, NULL, err);
}


/* every model of a registry, and its requests no model answered */

int
pm_metrics_registry(pm_metrics_t *m, pm_registry_t *r, pm_err_t *err)
{
    int     rc;
    size_t  i;

    for (i = 0; i < r->n; i++) {
        rc = pm_metrics_model(m, r->e[i].name, r->e[i].version,
                              &r->e[i].pipeline, NULL, err);
        if (rc != PM_OK) {
            return rc;
        }
    }

    return pm_metrics_model(m, "", 0, NULL, &r->metrics, err);
}


static int
pm_m_block(pm_mblock_t *b, pm_pipeline_t *p, pm_err_t *err)
{
    int                rc, i, j;
    size_t             off, k;
    const pm_source_t  *src;

    b->p = p;

    if (p != NULL) {
        src = &p->model->source;
        memcpy(b->sha256, src->sha256, sizeof(b->sha256));
        b->loaded_at = (double) src->loaded_at;
        b->kind = pm_strdup(p->model->type);

        if (b->kind == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        rc = pm_m_classes(b, p, err);
        if (rc == PM_OK) {
            rc = pm_m_features(b, p, err);
        }

        if (rc != PM_OK) {
            return rc;
        }
    }

    off = PM_M_PRED + (size_t) (b->regression ? b->nvalue + 1 : b->nclasses);

    /* a request's tally's cells, in order, and the slot each adds to */

    b->ntally = (p != NULL) ? pm_encode_tally_cells(p->spec, p->scaler) : 0;
    b->tally_slot = calloc(b->ntally + 1, sizeof(uint32_t));

    if (b->tally_slot == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    k = 0;

    for (i = 0; i < b->nfeat; i++) {
        b->feat[i].off = off;

        if (k + PM_TALLY_BINS + (size_t) b->feat[i].nbins > b->ntally
            || off + PM_TALLY_BINS + (size_t) b->feat[i].nbins > UINT32_MAX)
        {
            return pm_err_set(err, PM_ERROR, "the tally of model \"%s\" "
                              "does not match its counters", b->name);
        }

        for (j = 0; j < PM_TALLY_BINS + b->feat[i].nbins; j++) {
            b->tally_slot[k++] = (uint32_t) (off + (size_t) j);
        }

        off += PM_TALLY_BINS + 3 * (size_t) b->feat[i].nbins;
        b->drift |= (b->feat[i].nbins > 0);
    }

    b->nslots = off;
    pm_m_signature(b);

    return PM_OK;
}


/* predictions counted by class (their text as answers show it), or by
 * value for a regression, in buckets around the fitted target */

static int
pm_m_classes(pm_mblock_t *b, const pm_pipeline_t *p, pm_err_t *err)
{
    int                  i, j, n, t;
    char                 buf[PM_JSON_NUM_SIZE];
    const pm_xform_t    *xf;
    const pm_scaler_t   *s;

    static const double  decades[] = {
        -1e6, -1e5, -1e4, -1e3, -100, -10, -1, -0.1, -0.01, 0, 0.01, 0.1,
        1, 10, 100, 1e3, 1e4, 1e5, 1e6
    };

    static const double  spread[] = {
        -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3
    };

    if (pm_model_is_regression(p->model)) {
        b->regression = 1;
        s = p->scaler;
        xf = (p->spec != NULL) ? &p->spec->target.xf : NULL;

        if (s != NULL && s->has_y) {
            n = 11;
        } else if (xf != NULL && xf->kind == PM_XF_STANDARD) {
            n = (int) (sizeof(spread) / sizeof(spread[0]));
        } else {
            n = (int) (sizeof(decades) / sizeof(decades[0]));
        }

        b->value_le = calloc((size_t) n, sizeof(double));
        if (b->value_le == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        for (i = 0; i < n; i++) {
            b->value_le[i] = (s != NULL && s->has_y)
                ? s->y_min + (s->y_max - s->y_min) * i / 10.0
                : (xf != NULL && xf->kind == PM_XF_STANDARD)
                ? pm_xform_inverse(xf, spread[i]) : decades[i];
        }

        /* strictly ascending: a constant target leaves one bucket */

        for (i = 1, j = 1; i < n; i++) {
            if (b->value_le[i] > b->value_le[j - 1]) {
                b->value_le[j++] = b->value_le[i];
            }
        }

        b->nvalue = j;

        return PM_OK;
    }

    n = pm_pipeline_nclasses(p);

    /* one-class: 1 (inlier) and -1 */

    b->nclasses = (n > 0) ? n : 2;
    b->class_label = calloc((size_t) b->nclasses, sizeof(int));
    b->class_slot = calloc((size_t) b->nclasses, sizeof(int));
    b->class_text = calloc((size_t) b->nclasses, sizeof(char *));

    if (b->class_label == NULL || b->class_slot == NULL
        || b->class_text == NULL)
    {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    for (i = 0; i < b->nclasses; i++) {
        b->class_label[i] = (n > 0) ? pm_pipeline_class_label(p, i)
                                    : (i == 0 ? -1 : 1);
        b->class_slot[i] = i;
    }

    /* sorted by label, for a binary search per prediction */

    for (i = 1; i < b->nclasses; i++) {
        for (j = i; j > 0 && b->class_label[j - 1] > b->class_label[j]; j--) {
            t = b->class_label[j];
            b->class_label[j] = b->class_label[j - 1];
            b->class_label[j - 1] = t;
            t = b->class_slot[j];
            b->class_slot[j] = b->class_slot[j - 1];
            b->class_slot[j - 1] = t;
        }
    }

    for (i = 0; i < b->nclasses; i++) {
        b->class_text[b->class_slot[i]] =
            pm_strdup(pm_pipeline_class(p, b->class_label[i], 1, buf));

        if (b->class_text[b->class_slot[i]] == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }
    }

    return PM_OK;
}


/* the features observed: a spec's, by name, or a range file's, by index */

static int
pm_m_features(pm_mblock_t *b, const pm_pipeline_t *p, pm_err_t *err)
{
    int                  i;
    char                 buf[16];
    const pm_feature_t  *f;

    b->nfeat = (p->spec != NULL) ? p->spec->n
               : (p->scaler != NULL) ? p->scaler->n : 0;

    if (b->nfeat == 0) {
        return PM_OK;
    }

    b->feat = calloc((size_t) b->nfeat, sizeof(pm_mfeature_t));
    if (b->feat == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    for (i = 0; i < b->nfeat; i++) {
        if (p->spec != NULL) {
            f = &p->spec->f[i];
            b->feat[i].f = f;
            b->feat[i].label = pm_strdup(f->name);
            b->feat[i].categorical = (f->type == PM_FEAT_CATEGORICAL);
            b->feat[i].range = f->has_range && !b->feat[i].categorical;
            b->feat[i].nbins = pm_spec_nbins(f);

        } else {
            f = NULL;
            (void) snprintf(buf, sizeof(buf), "%d", p->scaler->index[i]);
            b->feat[i].label = pm_strdup(buf);
            b->feat[i].range = 1;
        }

        b->feat[i].side[0] = pm_encode_tally_side(f, 0);
        b->feat[i].side[1] = pm_encode_tally_side(f, 1);

        if (b->feat[i].label == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }
    }

    return PM_OK;
}


/* FNV-1a, over what decides a block's layout */

static uint64_t
pm_m_hash(uint64_t h, const void *data, size_t len)
{
    size_t               i;
    const unsigned char  *p = data;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }

    return h;
}


static void
pm_m_signature(pm_mblock_t *b)
{
    int       i;
    uint64_t  h, v;

    h = 0xcbf29ce484222325ULL;
    v = b->nslots;
    h = pm_m_hash(h, &v, sizeof(v));
    v = PM_M_NCODES;
    h = pm_m_hash(h, &v, sizeof(v));

    for (i = 0; i < b->nclasses; i++) {
        h = pm_m_hash(h, b->class_text[i], strlen(b->class_text[i]) + 1);
    }

    for (i = 0; i < b->nfeat; i++) {
        h = pm_m_hash(h, b->feat[i].label, strlen(b->feat[i].label) + 1);
        v = (uint64_t) b->feat[i].nbins;
        h = pm_m_hash(h, &v, sizeof(v));
        v = (uint64_t) b->feat[i].side[0] << 32 | (uint64_t) b->feat[i].side[1];
        h = pm_m_hash(h, &v, sizeof(v));
    }

    b->signature = h;
}


static uint64_t
pm_m_key(const pm_mblock_t *b)
{
    uint64_t  h, v;

    h = pm_m_hash(0xcbf29ce484222325ULL, b->name, strlen(b->name) + 1);
    v = (uint64_t) b->version;

    return pm_m_hash(h, &v, sizeof(v));
}


/* --- the zone -------------------------------------------------------- */

/* bytes the region needs for these models, directory included */

size_t
pm_metrics_size(const pm_metrics_t *m)
{
    size_t  i, slots, capdir;

    capdir = (4 * m->n < 64) ? 64 : 4 * m->n;
    slots = 0;

    for (i = 0; i < m->n; i++) {
        slots += m->b[i]->nslots;
    }

    return sizeof(pm_mzone_t) + capdir * sizeof(pm_mdir_t)
           + slots * sizeof(uint64_t);
}


static void
pm_m_zone_init(pm_metrics_t *m, pm_mzone_t *z, size_t size)
{
    size_t  capdir;

    capdir = (4 * m->n < 64) ? 64 : 4 * m->n;

    memset(z, 0, size);
    z->capdir = capdir;
    z->capacity = (size - sizeof(pm_mzone_t) - capdir * sizeof(pm_mdir_t))
                  / sizeof(uint64_t);
    z->magic = PM_METRICS_MAGIC;
}


/* each block at its directory entry, found or added; -1: no room */

static int
pm_m_place(pm_metrics_t *m, pm_mzone_t *z)
{
    size_t        i, k;
    uint64_t      key, *slots;
    pm_mdir_t    *dir;
    pm_mblock_t  *b;

    dir = (pm_mdir_t *) (z + 1);
    slots = (uint64_t *) (dir + z->capdir);

    for (i = 0; i < m->n; i++) {
        b = m->b[i];
        key = pm_m_key(b);

        for (k = 0; k < z->ndir; k++) {
            if (dir[k].key == key && dir[k].signature == b->signature
                && dir[k].nslots == b->nslots)
            {
                break;
            }
        }

        if (k == z->ndir) {
            if (z->ndir == z->capdir || z->capacity - z->used < b->nslots) {
                return -1;
            }

            dir[k].key = key;
            dir[k].signature = b->signature;
            dir[k].offset = z->used;
            dir[k].nslots = b->nslots;
            memset(slots + z->used, 0, b->nslots * sizeof(uint64_t));
            z->used += b->nslots;
            z->ndir++;
        }

        b->slots = slots + dir[k].offset;
    }

    return 0;
}


/*
 * The blocks in a zone's region: the counters of a model's name and
 * version with the same layout continue (a reload), others start at 0.
 * A region too full for new blocks is cleared, and *reset says so.
 */

int
pm_metrics_attach(pm_metrics_t *m, void *region, size_t size, int *reset,
    pm_err_t *err)
{
    pm_mzone_t  *z;

    *reset = 0;
    z = region;

    if (size < pm_metrics_size(m)) {
        return pm_err_set(err, PM_ENOMEM, "%zu models need %zu bytes, the "
                          "zone has %zu", m->n, pm_metrics_size(m), size);
    }

    if (z->magic != PM_METRICS_MAGIC) {
        pm_m_zone_init(m, z, size);
    }

    if (pm_m_place(m, z) == 0) {
        m->zone = z;
        return PM_OK;
    }

    pm_m_zone_init(m, z, size);
    *reset = 1;

    if (pm_m_place(m, z) != 0) {
        return pm_err_set(err, PM_ENOMEM, "%zu models need %zu bytes",
                          m->n, pm_metrics_size(m));
    }

    z->resets++;
    m->zone = z;

    return PM_OK;
}


/* --- the request path ------------------------------------------------ */

static void
pm_m_add_double(uint64_t *slot, double v)
{
    double    d;
    uint64_t  old, new;

    old = pm_m_load(slot);

    do {
        memcpy(&d, &old, sizeof(d));
        d += v;
        memcpy(&new, &d, sizeof(new));

    } while (!__atomic_compare_exchange_n(slot, &old, new, 1,
                                          __ATOMIC_RELAXED,
                                          __ATOMIC_RELAXED));
}


static double
pm_m_double(uint64_t bits)
{
    double  d;

    memcpy(&d, &bits, sizeof(d));

    return d;
}


/* the first bucket whose bound is at or above v; n: +Inf */

static size_t
pm_m_bucket(const double *le, size_t n, double v)
{
    size_t  i;

    for (i = 0; i < n && v > le[i]; i++) {
        /* void */
    }

    return i;
}


/*
 * One answer: its status and code, the module's time (ns; UINT64_MAX when
 * nginx answered itself), and with results, the instances, predictions
 * and the tally of what the instances showed of each feature.
 */

void
pm_metrics_count(pm_mblock_t *b, const pm_answer_t *ans,
    const pm_results_t *res, uint64_t ns)
{
    size_t     k;
    double     v, sum;
    uint64_t  *s, seen, half, q;

    if (b == NULL || b->slots == NULL) {
        return;
    }

    s = b->slots;

    for (k = 0; k < PM_M_NSTATUS - 1; k++) {
        if (pm_m_statuses[k] == ans->status) {
            break;
        }
    }

    pm_m_add(&s[PM_M_STATUS + k], 1);

    if (ans->code != PM_OK) {
        pm_m_add(&s[PM_M_CODES + pm_err_slot(ans->code)], 1);
    }

    if (ns != UINT64_MAX) {
        v = (double) ns / 1e9;
        pm_m_add(&s[PM_M_DUR + pm_m_bucket(pm_m_duration, PM_M_NDUR, v)], 1);
        pm_m_add(&s[PM_M_DUR_SUM], ns);
    }

    if (res == NULL) {
        return;
    }

    pm_m_tally(b, res);

    if (ans->code == PM_OK) {
        pm_m_predictions(b, res, &sum);

        pm_m_add(&s[PM_M_INSTANCES], res->n);
        pm_m_add(&s[PM_M_BATCH + pm_m_bucket(pm_m_batch, PM_M_NBATCH,
                                             (double) res->n)], 1);

        if (b->regression && res->n > 0) {
            pm_m_add_double(&s[PM_M_VALUE_SUM], sum);
        }
    }

    /*
     * The drift window: every half window (N/2 instances binned), the
     * request that completes it copies the bins to the snapshot of that
     * boundary, so that the live bins minus the older of the two snapshots
     * are the last N/2 to N instances (to within a request's instances).
     */

    if (res->binned == 0 || res->tally.n != b->ntally) {
        return;
    }

    half = b->m->half;
    seen = __atomic_add_fetch(&s[PM_M_SEEN], res->binned, __ATOMIC_RELAXED);
    q = seen / half;

    /* the count before this request was below the boundary q * half */

    if (seen - res->binned < q * half) {
        pm_m_snapshot(b, (int) (q % 2));
    }
}


/*
 * The request's tally into the features' counters: one atomic add per
 * cell that counted something, however many instances a batch had (two
 * workers adding into the same cache lines once per instance would trade
 * them a thousand times a request); a single instance's lists its cells.
 */

static void
pm_m_tally(pm_mblock_t *b, const pm_results_t *res)
{
    size_t             i, k;
    const pm_tally_t  *t;

    t = &res->tally;

    if (t->n != b->ntally) {
        return;
    }

    for (i = 0; t->cells != NULL && i < t->ncells; i++) {
        pm_m_add(&b->slots[b->tally_slot[t->cells[i]]], 1);
    }

    for (k = 0; t->count != NULL && k < t->n; k++) {
        if (t->count[k] != 0) {
            pm_m_add(&b->slots[b->tally_slot[k]], t->count[k]);
        }
    }
}


/*
 * The predictions by class, or by value bucket for a regression (and the
 * values' sum), a batch's counted in the request before they are added to
 * the zone
 */

#define PM_M_AGG             1024

static void
pm_m_predictions(pm_mblock_t *b, const pm_results_t *res, double *sum)
{
    int        c, lo, hi, mid, agg;
    size_t     i, k, slot, npred;
    double     v;
    uint32_t   count[PM_M_AGG];
    uint64_t  *s;

    s = b->slots;
    npred = b->regression ? (size_t) b->nvalue + 1 : (size_t) b->nclasses;
    agg = (res->n > 1 && npred <= PM_M_AGG);
    *sum = 0;

    if (agg) {
        memset(count, 0, npred * sizeof(uint32_t));
    }

    for (i = 0; i < res->n; i++) {
        v = res->r[i].value;

        if (b->regression) {
            slot = pm_m_bucket(b->value_le, (size_t) b->nvalue, v);
            *sum += v;

        } else {
            c = (int) v;
            lo = 0;
            hi = b->nclasses - 1;

            while (lo < hi) {
                mid = (lo + hi) / 2;

                if (b->class_label[mid] < c) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }

            if (b->nclasses == 0 || b->class_label[lo] != c) {
                continue;
            }

            slot = (size_t) b->class_slot[lo];
        }

        if (agg) {
            count[slot]++;
        } else {
            pm_m_add(&s[PM_M_PRED + slot], 1);
        }
    }

    for (k = 0; agg && k < npred; k++) {
        if (count[k] != 0) {
            pm_m_add(&s[PM_M_PRED + k], count[k]);
        }
    }
}


/* the live bins of every feature into snapshot k (0 or 1) */

static void
pm_m_snapshot(pm_mblock_t *b, int k)
{
    int             i, j;
    uint64_t       *fs;
    pm_mfeature_t  *f;

    for (i = 0; i < b->nfeat; i++) {
        f = &b->feat[i];
        fs = b->slots + f->off + PM_TALLY_BINS;

        for (j = 0; j < f->nbins; j++) {
            pm_m_store(&fs[f->nbins * (1 + k) + j], pm_m_load(&fs[j]));
        }
    }
}


/* --- reading: a snapshot, then the text ------------------------------ */

/* a feature's window counts (its nbins) from a block's copied slots */

static void
pm_m_window(const pm_mblock_t *b, const uint64_t *s, const pm_mfeature_t *f,
    uint64_t *w)
{
    int              j;
    uint64_t         g;
    const uint64_t  *bins, *older;

    bins = s + f->off + PM_TALLY_BINS;
    g = s[PM_M_SEEN] / b->m->half;
    older = (g >= 2) ? bins + f->nbins * (1 + (int) ((g - 1) % 2)) : NULL;

    for (j = 0; j < f->nbins; j++) {
        w[j] = bins[j] - ((older != NULL && older[j] <= bins[j]) ? older[j]
                                                                 : 0);
    }
}


/* the training share of a drift bin: 0 outside the fitted range */

static double
pm_m_expected(const pm_mfeature_t *f, int bin)
{
    if (f->categorical) {
        return (bin < f->f->ncat) ? f->f->ref.shares[bin] : 0;
    }

    return (bin == 0 || bin > PM_REF_BINS) ? 0 : f->f->ref.shares[bin - 1];
}


/* PSI = sum over bins of (a - e) ln(a / e), shares floored at epsilon */

static double
pm_m_psi(const pm_mfeature_t *f, const uint64_t *w, uint64_t *total)
{
    int     j;
    double  a, e, psi;

    *total = 0;

    for (j = 0; j < f->nbins; j++) {
        *total += w[j];
    }

    if (*total == 0) {
        return NAN;
    }

    psi = 0;

    for (j = 0; j < f->nbins; j++) {
        a = (double) w[j] / (double) *total;
        e = pm_m_expected(f, j);
        a = (a < PM_DRIFT_EPSILON) ? PM_DRIFT_EPSILON : a;
        e = (e < PM_DRIFT_EPSILON) ? PM_DRIFT_EPSILON : e;
        psi += (a - e) * log(a / e);
    }

    return psi;
}


typedef struct {
    const pm_metrics_t  *m;
    const uint64_t      *snap;      /* every block's slots, in order */
    uint64_t            *window;    /* room for the most bins */
} pm_m_text_t;


/* the Prometheus text of every block, from one copy of the counters */

int
pm_metrics_serve(const pm_metrics_t *m, pm_alloc_t *a, char **out,
    size_t *len, pm_err_t *err)
{
    int           j;
    char         *buf;
    size_t        i, k, total, most, cap, need;
    uint64_t     *snap;
    pm_m_text_t   t;

    total = 0;
    most = 1;

    for (i = 0; i < m->n; i++) {
        total += m->b[i]->nslots;

        for (j = 0; j < m->b[i]->nfeat; j++) {
            if ((size_t) m->b[i]->feat[j].nbins > most) {
                most = (size_t) m->b[i]->feat[j].nbins;
            }
        }
    }

    snap = pm_alloc(a, sizeof(uint64_t) * (total + most));
    if (snap == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    for (i = 0, total = 0; i < m->n; i++) {
        for (k = 0; k < m->b[i]->nslots; k++) {
            snap[total + k] = (m->b[i]->slots != NULL)
                              ? pm_m_load(&m->b[i]->slots[k]) : 0;
        }

        total += m->b[i]->nslots;
    }

    t.m = m;
    t.snap = snap;
    t.window = snap + total;

    cap = 4096 + total * 96;

    for ( ;; ) {
        buf = pm_alloc(a, cap);
        if (buf == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        need = pm_m_write(&t, buf, cap);

        if (need <= cap) {
            break;
        }

        cap = need;
    }

    *out = buf;
    *len = need;

    return PM_OK;
}


static void
pm_m_family(pm_writer_t *w, const char *name, const char *type,
    const char *help)
{
    pm_puts(w, "# HELP ");
    pm_puts(w, name);
    pm_puts(w, " ");
    pm_puts(w, help);
    pm_puts(w, "\n# TYPE ");
    pm_puts(w, name);
    pm_puts(w, " ");
    pm_puts(w, type);
    pm_puts(w, "\n");
}


/* a label value: backslash, double quote and newline escaped */

static void
pm_m_label(pm_writer_t *w, const char *s)
{
    const char  *p;

    pm_puts(w, "\"");

    for (p = s; *p != '\0'; p++) {
        if (*p == '\\' || *p == '"') {
            pm_put(w, "\\", 1);
            pm_put(w, p, 1);

        } else if (*p == '\n') {
            pm_puts(w, "\\n");

        } else {
            pm_put(w, p, 1);
        }
    }

    pm_puts(w, "\"");
}


static void
pm_m_labels(pm_writer_t *w, const pm_mblock_t *b)
{
    pm_puts(w, "model=");
    pm_m_label(w, b->name);
    pm_puts(w, ",version=\"");

    if (b->version > 0) {
        pm_put_int(w, b->version);
    }

    pm_puts(w, "\"");
}


static void
pm_m_value(pm_writer_t *w, uint64_t v)
{
    char  buf[24];
    int   n;

    n = snprintf(buf, sizeof(buf), " %llu\n", (unsigned long long) v);
    pm_put(w, buf, (size_t) n);
}


static void
pm_m_histogram(pm_writer_t *w, const char *name, const pm_mblock_t *b,
    const uint64_t *s, size_t off, const double *le, size_t n, double sum)
{
    size_t    i;
    uint64_t  cum;

    cum = 0;

    for (i = 0; i <= n; i++) {
        cum += s[off + i];
        pm_puts(w, name);
        pm_puts(w, "_bucket{");
        pm_m_labels(w, b);
        pm_puts(w, ",le=\"");

        if (i < n) {
            pm_put_double(w, le[i]);
        } else {
            pm_puts(w, "+Inf");
        }

        pm_puts(w, "\"}");
        pm_m_value(w, cum);
    }

    pm_puts(w, name);
    pm_puts(w, "_sum{");
    pm_m_labels(w, b);
    pm_puts(w, "} ");
    pm_put_double(w, sum);
    pm_puts(w, "\n");
    pm_puts(w, name);
    pm_puts(w, "_count{");
    pm_m_labels(w, b);
    pm_puts(w, "}");
    pm_m_value(w, cum);
}


static const char *
pm_m_bin_name(const pm_mfeature_t *f, int bin, char *buf)
{
    if (f->categorical) {
        return (bin < f->f->ncat) ? f->f->categories[bin] : "__unseen__";
    }

    if (bin == 0) {
        return "below_min";
    }

    if (bin > PM_REF_BINS) {
        return "above_max";
    }

    (void) snprintf(buf, 16, "q%d", bin);

    return buf;
}


/* the series of every family, families one after another */

static size_t
pm_m_write(const void *data, char *buf, size_t cap)
{
    int                  j, bin, side;
    char                 name[16];
    double               psi;
    size_t               i, k, base;
    uint64_t             total;
    pm_writer_t          w;
    const uint64_t      *s, *fs;
    const pm_mblock_t   *b;
    const pm_m_text_t   *t = data;
    const pm_mfeature_t *f;

    enum {
        F_REQUESTS, F_ERRORS, F_INSTANCES, F_DURATION, F_BATCH, F_PRED,
        F_VALUE, F_OOR, F_MISSING, F_UNKNOWN, F_BIN, F_PSI, F_WINDOW,
        F_INFO, F_LOADED, F_END
    };

    static const char *const  families[][3] = {
        { "nginx_predict_requests_total", "counter",
          "Requests answered, by HTTP status." },
        { "nginx_predict_errors_total", "counter",
          "Requests answered with an error, by error code." },
        { "nginx_predict_instances_total", "counter",
          "Instances predicted." },
        { "nginx_predict_request_duration_seconds", "histogram",
          "The module's time from the request body to the answer." },
        { "nginx_predict_batch_size", "histogram",
          "Instances per answered request." },
        { "nginx_predict_predictions_total", "counter",
          "Predictions, by class." },
        { "nginx_predict_prediction_value", "histogram",
          "Predicted values of a regression." },
        { "nginx_predict_feature_out_of_range_total", "counter",
          "Raw values outside the range fitted in training." },
        { "nginx_predict_feature_missing_total", "counter",
          "Values missing (null or absent)." },
        { "nginx_predict_feature_unknown_total", "counter",
          "Categories not seen in training." },
        { "nginx_predict_feature_bin_total", "counter",
          "Raw values by bin of the training distribution." },
        { "nginx_predict_feature_psi", "gauge",
          "Population stability index of the drift window against "
          "training." },
        { "nginx_predict_drift_window_instances", "gauge",
          "Instances in the drift window." },
        { "nginx_predict_model_info", "gauge",
          "The model served: its kind and the SHA-256 of its file." },
        { "nginx_predict_model_load_timestamp_seconds", "gauge",
          "When the model's file was loaded." },
    };

    pm_writer_init(&w, buf, cap);

    for (j = 0; j < F_END; j++) {
        pm_m_family(&w, families[j][0], families[j][1], families[j][2]);

        for (i = 0, base = 0; i < t->m->n; base += t->m->b[i]->nslots, i++) {
            b = t->m->b[i];
            s = t->snap + base;

            if (b->p == NULL && j > F_ERRORS) {
                continue;
            }

            switch (j) {

            case F_REQUESTS:
                for (k = 0; k < PM_M_NSTATUS; k++) {
                    if (s[PM_M_STATUS + k] == 0) {
                        continue;
                    }

                    pm_puts(&w, "nginx_predict_requests_total{");
                    pm_m_labels(&w, b);
                    pm_puts(&w, ",status=\"");

                    if (k < PM_M_NSTATUS - 1) {
                        pm_put_int(&w, pm_m_statuses[k]);
                    } else {
                        pm_puts(&w, "other");
                    }

                    pm_puts(&w, "\"}");
                    pm_m_value(&w, s[PM_M_STATUS + k]);
                }

                break;

            case F_ERRORS:
                for (k = 1; k < PM_M_NCODES; k++) {
                    if (s[PM_M_CODES + k] == 0) {
                        continue;
                    }

                    pm_puts(&w, "nginx_predict_errors_total{");
                    pm_m_labels(&w, b);
                    pm_puts(&w, ",code=\"");
                    pm_puts(&w, pm_err_slot_name(k));
                    pm_puts(&w, "\"}");
                    pm_m_value(&w, s[PM_M_CODES + k]);
                }

                break;

            case F_INSTANCES:
                pm_puts(&w, "nginx_predict_instances_total{");
                pm_m_labels(&w, b);
                pm_puts(&w, "}");
                pm_m_value(&w, s[PM_M_INSTANCES]);
                break;

            case F_DURATION:
                pm_m_histogram(&w, families[j][0], b, s, PM_M_DUR,
                               pm_m_duration, PM_M_NDUR,
                               (double) s[PM_M_DUR_SUM] / 1e9);
                break;

            case F_BATCH:
                pm_m_histogram(&w, families[j][0], b, s, PM_M_BATCH,
                               pm_m_batch, PM_M_NBATCH,
                               (double) s[PM_M_INSTANCES]);
                break;

            case F_PRED:
                for (k = 0; k < (size_t) b->nclasses; k++) {
                    pm_puts(&w, "nginx_predict_predictions_total{");
                    pm_m_labels(&w, b);
                    pm_puts(&w, ",label=");
                    pm_m_label(&w, b->class_text[k]);
                    pm_puts(&w, "}");
                    pm_m_value(&w, s[PM_M_PRED + k]);
                }

                break;

            case F_VALUE:
                if (b->regression) {
                    pm_m_histogram(&w, families[j][0], b, s, PM_M_PRED,
                                   b->value_le, (size_t) b->nvalue,
                                   pm_m_double(s[PM_M_VALUE_SUM]));
                }

                break;

            case F_OOR:
            case F_MISSING:
            case F_UNKNOWN:
                for (k = 0; k < (size_t) b->nfeat; k++) {
                    f = &b->feat[k];
                    fs = s + f->off;

                    if ((j == F_OOR && !f->range)
                        || (j == F_MISSING && f->f == NULL)
                        || (j == F_UNKNOWN && !f->categorical))
                    {
                        continue;
                    }

                    for (side = 0; side < (j == F_OOR ? 2 : 1); side++) {
                        pm_puts(&w, families[j][0]);
                        pm_puts(&w, "{");
                        pm_m_labels(&w, b);
                        pm_puts(&w, ",feature=");
                        pm_m_label(&w, f->label);

                        if (j == F_OOR) {
                            pm_puts(&w, side ? ",side=\"high\""
                                             : ",side=\"low\"");
                        }

                        pm_puts(&w, "}");
                        pm_m_value(&w, fs[j == F_OOR ? f->side[side]
                                          : j == F_MISSING ? PM_TALLY_MISSING
                                          : PM_TALLY_UNKNOWN]);
                    }
                }

                break;

            case F_BIN:
                for (k = 0; k < (size_t) b->nfeat; k++) {
                    f = &b->feat[k];
                    fs = s + f->off + PM_TALLY_BINS;

                    for (bin = 0; bin < f->nbins; bin++) {
                        pm_puts(&w, "nginx_predict_feature_bin_total{");
                        pm_m_labels(&w, b);
                        pm_puts(&w, ",feature=");
                        pm_m_label(&w, f->label);
                        pm_puts(&w, ",bin=");
                        pm_m_label(&w, pm_m_bin_name(f, bin, name));
                        pm_puts(&w, "}");
                        pm_m_value(&w, fs[bin]);
                    }
                }

                break;

            case F_PSI:
                for (k = 0; k < (size_t) b->nfeat; k++) {
                    f = &b->feat[k];

                    if (f->nbins == 0) {
                        continue;
                    }

                    pm_m_window(b, s, f, t->window);
                    psi = pm_m_psi(f, t->window, &total);

                    if (total == 0) {
                        continue;
                    }

                    pm_puts(&w, "nginx_predict_feature_psi{");
                    pm_m_labels(&w, b);
                    pm_puts(&w, ",feature=");
                    pm_m_label(&w, f->label);
                    pm_puts(&w, "} ");
                    pm_put_double(&w, psi);
                    pm_puts(&w, "\n");
                }

                break;

            case F_WINDOW:
                if (b->drift) {
                    total = s[PM_M_SEEN];
                    total = (total / b->m->half >= 2)
                            ? b->m->half + total % b->m->half : total;
                    pm_puts(&w, "nginx_predict_drift_window_instances{");
                    pm_m_labels(&w, b);
                    pm_puts(&w, "}");
                    pm_m_value(&w, total);
                }

                break;

            case F_INFO:
                pm_puts(&w, "nginx_predict_model_info{");
                pm_m_labels(&w, b);
                pm_puts(&w, ",kind=");
                pm_m_label(&w, b->kind);
                pm_puts(&w, ",sha256=\"");
                pm_puts(&w, b->sha256);
                pm_puts(&w, "\"} 1\n");
                break;

            case F_LOADED:
                pm_puts(&w, "nginx_predict_model_load_timestamp_seconds{");
                pm_m_labels(&w, b);
                pm_puts(&w, "} ");
                pm_put_double(&w, b->loaded_at);
                pm_puts(&w, "\n");
                break;
            }
        }
    }

    return w.len;
}


/* --- the metadata's "drift" ------------------------------------------ */

typedef struct {
    const pm_mblock_t   *b;
    const uint64_t      *s;
    uint64_t            *window;
    const char          *doc;
    size_t               len;
    double              *psi;
    int                 *order;
} pm_m_drift_t;


static size_t
pm_m_drift_write(const void *data, char *buf, size_t cap)
{
    int                   i, k;
    uint64_t              total;
    pm_writer_t           w;
    const uint64_t       *fs;
    const pm_mfeature_t  *f;
    const pm_m_drift_t   *d = data;

    pm_writer_init(&w, buf, cap);

    /* the document without its closing brace (and newline) */

    pm_put(&w, d->doc, d->len);
    pm_puts(&w, ", \"drift\": {\"window\": ");
    pm_put_int(&w, (long) (2 * d->b->m->half));
    pm_puts(&w, ", \"features\": [");

    for (i = 0; i < d->b->nfeat; i++) {
        k = d->order[i];
        f = &d->b->feat[k];
        fs = d->s + f->off;

        pm_puts(&w, i ? ", {\"feature\": " : "{\"feature\": ");
        pm_put_string(&w, f->label);
        pm_puts(&w, ", \"psi\": ");

        total = 0;

        if (f->nbins > 0) {
            pm_m_window(d->b, d->s, f, d->window);
            (void) pm_m_psi(f, d->window, &total);
        }

        if (total > 0) {
            pm_put_double(&w, d->psi[k]);
        } else {
            pm_puts(&w, "null");
        }

        pm_puts(&w, ", \"observations\": ");
        pm_put_int(&w, (long) total);

        if (f->range) {
            pm_puts(&w, ", \"out_of_range\": {\"low\": ");
            pm_put_int(&w, (long) fs[f->side[0]]);
            pm_puts(&w, ", \"high\": ");
            pm_put_int(&w, (long) fs[f->side[1]]);
            pm_puts(&w, "}");
        }

        if (f->f != NULL) {
            pm_puts(&w, ", \"missing\": ");
            pm_put_int(&w, (long) fs[PM_TALLY_MISSING]);
        }

        if (f->categorical) {
            pm_puts(&w, ", \"unknown\": ");
            pm_put_int(&w, (long) fs[PM_TALLY_UNKNOWN]);
        }

        pm_puts(&w, "}");
    }

    pm_puts(&w, "]}}\n");

    return w.len;
}


/*
 * The metadata document doc (an object, then a newline) with a "drift"
 * object: per feature, most drifted first, the PSI over the window (null
 * before any observation), the values observed in it, and the lifetime
 * out-of-range, missing and unknown counts
 */

int
pm_metrics_drift(const pm_mblock_t *b, const char *doc, size_t len,
    pm_alloc_t *a, char **out, size_t *outlen, pm_err_t *err)
{
    int           i, j, t, most;
    char         *buf;
    size_t        k, cap, need;
    uint64_t     *snap, total;
    pm_m_drift_t  d;

    *out = (char *) doc;
    *outlen = len;

    while (len > 0 && (doc[len - 1] == '\n' || doc[len - 1] == ' ')) {
        len--;
    }

    if (b == NULL || b->slots == NULL || b->nfeat == 0 || len == 0
        || doc[len - 1] != '}')
    {
        return PM_OK;
    }

    most = 1;

    for (i = 0; i < b->nfeat; i++) {
        most = (b->feat[i].nbins > most) ? b->feat[i].nbins : most;
    }

    snap = pm_alloc(a, sizeof(uint64_t) * (b->nslots + (size_t) most));
    d.psi = pm_alloc(a, sizeof(double) * (size_t) b->nfeat);
    d.order = pm_alloc(a, sizeof(int) * (size_t) b->nfeat);

    if (snap == NULL || d.psi == NULL || d.order == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    for (k = 0; k < b->nslots; k++) {
        snap[k] = pm_m_load(&b->slots[k]);
    }

    d.b = b;
    d.s = snap;
    d.window = snap + b->nslots;
    d.doc = doc;
    d.len = len - 1;

    for (i = 0; i < b->nfeat; i++) {
        d.psi[i] = -1;

        if (b->feat[i].nbins > 0) {
            pm_m_window(b, snap, &b->feat[i], d.window);
            d.psi[i] = pm_m_psi(&b->feat[i], d.window, &total);
            d.psi[i] = (total > 0) ? d.psi[i] : -1;
        }

        d.order[i] = i;
    }

    /* most drifted first; no PSI last, in spec order */

    for (i = 1; i < b->nfeat; i++) {
        for (j = i; j > 0 && d.psi[d.order[j - 1]] < d.psi[d.order[j]]; j--) {
            t = d.order[j];
            d.order[j] = d.order[j - 1];
            d.order[j - 1] = t;
        }
    }

    cap = len + 256 + (size_t) b->nfeat * 200;

    for ( ;; ) {
        buf = pm_alloc(a, cap);
        if (buf == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        need = pm_m_drift_write(&d, buf, cap);

        if (need <= cap) {
            break;
        }

        cap = need;
    }

    *out = buf;
    *outlen = need;

    return PM_OK;
}
