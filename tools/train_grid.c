
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * predict-train's model selection: the reproducible split into training
 * and test rows and into folds, a spec fitted on given rows (pm_fit),
 * rows encoded as the module encodes them (pm_encode_spec), the grid
 * scored on every core, the final model, and the one scoring loop that
 * cross-validation and the test split share.
 */


#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <svm.h>

#include "pm_encode.h"
#include "pm_fit.h"
#include "pm_spec.h"
#include "pm_text.h"
#include "pm_xform.h"
#include "train.h"


static unsigned long train_rng(unsigned long *s);
static void train_shuffle(size_t *a, size_t n, unsigned long *seed);
static void train_assign_folds(const train_opts_t *o, const train_table_t *t,
    train_split_t *sp, unsigned long *seed);
static pm_spec_t *train_fit_spec(const train_opts_t *o,
    const train_table_t *t, const size_t *rows, size_t n, int for_cv);
static int train_fit_reference(pm_feature_t *f, double *num,
    const char **str, size_t n, pm_err_t *err);
static void train_set_alloc(train_set_t *set, size_t n);
static pm_node_t *train_space(const pm_spec_t *s, size_t n);
static void train_set_free(train_set_t *set);
static pm_node_t *train_encode(pm_spec_t *s, const train_table_t *t,
    const size_t *rows, train_set_t *set, pm_node_t *space);
static void train_scale_target(pm_target_t *target, train_set_t *set);
static void train_make_fold(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, int f, train_fold_t *fd);
static void train_param(const train_opts_t *o, struct svm_parameter *p,
    double log2c, double log2g, int nfeatures);
static struct svm_model *train_svm(const train_set_t *set,
    const struct svm_parameter *param);
static void train_score(const train_opts_t *o, const struct svm_model *m,
    const pm_xform_t *yxf, const train_set_t *set, double *sum,
    size_t *count);
static double train_metric(const train_opts_t *o, double sum, size_t count);
static void train_grid_points(const train_opts_t *o, train_grid_t *g);
static void train_grid_run(train_grid_t *g);
static void *train_grid_worker(void *data);


static unsigned long
train_rng(unsigned long *s)
{
    /* xorshift64*: the shuffles are reproducible from --seed */

    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;

    return (*s * 2685821657736338717UL) >> 11;
}


/* a[] = 0 .. n-1, shuffled (Fisher-Yates from the end) */

static void
train_shuffle(size_t *a, size_t n, unsigned long *seed)
{
    size_t  i, k, v;

    for (i = 0; i < n; i++) {
        a[i] = i;
    }

    for (i = n; i > 1; i--) {
        k = train_rng(seed) % i;
        v = a[i - 1];
        a[i - 1] = a[k];
        a[k] = v;
    }
}


/*
 * One seed, two shuffles in turn: all rows (the test split is the tail),
 * then the training rows, dealt to the folds class by class.
 */

void
train_split(const train_opts_t *o, const train_table_t *t,
    train_split_t *sp)
{
    char           *held;
    size_t          r, n, *perm;
    unsigned long   seed;

    if (t->nrows < (size_t) o->folds + 1) {
        train_die("%zu rows: too few for %d-fold cross-validation",
                  t->nrows, o->folds);
    }

    seed = o->seed;
    perm = malloc(sizeof(size_t) * t->nrows);
    held = calloc(t->nrows, 1);
    sp->train = malloc(sizeof(size_t) * t->nrows);
    sp->test = malloc(sizeof(size_t) * t->nrows);
    sp->fold = malloc(sizeof(int) * t->nrows);

    if (perm == NULL || held == NULL || sp->train == NULL
        || sp->test == NULL || sp->fold == NULL)
    {
        train_die("out of memory");
    }

    train_shuffle(perm, t->nrows, &seed);

    sp->ntest = (size_t) floor(o->test_split * (double) t->nrows + 0.5);
    sp->ntrain = t->nrows - sp->ntest;

    if (sp->ntrain < (size_t) o->folds + 1) {
        train_die("--test-split leaves %zu training rows", sp->ntrain);
    }

    for (r = 0; r < sp->ntest; r++) {
        sp->test[r] = perm[sp->ntrain + r];
        held[sp->test[r]] = 1;
    }

    /* training rows in file order */

    n = 0;

    for (r = 0; r < t->nrows; r++) {
        if (!held[r]) {
            sp->train[n++] = r;
        }
    }

    free(perm);
    free(held);

    train_assign_folds(o, t, sp, &seed);
}


/* folds stratified by class */

static void
train_assign_folds(const train_opts_t *o, const train_table_t *t,
    train_split_t *sp, unsigned long *seed)
{
    int      c, nc, next;
    size_t   r, *order;

    order = malloc(sizeof(size_t) * (sp->ntrain + 1));
    if (order == NULL) {
        train_die("out of memory");
    }

    train_shuffle(order, sp->ntrain, seed);

    nc = (o->task == PM_TASK_CLASSIFY) ? t->nclasses : 1;
    next = 0;

    for (c = 0; c < nc; c++) {
        for (r = 0; r < sp->ntrain; r++) {
            if (o->task == PM_TASK_CLASSIFY
                && t->y[sp->train[order[r]]] != c)
            {
                continue;
            }

            sp->fold[order[r]] = next++ % o->folds;
        }
    }

    free(order);
}


/*
 * Fits the spec on the given rows.  For cross-validation every feature
 * gets a fill and unknown categories count as zero, so no held-out row is
 * refused; the final spec carries the policies the user asked for.
 */

static pm_spec_t *
train_fit_spec(const train_opts_t *o, const train_table_t *t,
    const size_t *rows, size_t n, int for_cv)
{
    int                j, next, had_missing, rc;
    size_t             i, m;
    double            *num;
    pm_err_t           err;
    pm_spec_t         *s;
    const char       **str;
    pm_feature_t      *f;
    const pm_value_t  *x;

    s = calloc(1, sizeof(pm_spec_t));
    num = malloc(sizeof(double) * (n + 1));
    str = malloc(sizeof(char *) * (n + 1));

    if (s == NULL || num == NULL || str == NULL) {
        train_die("out of memory");
    }

    s->n = t->ncols;
    s->f = calloc((size_t) s->n + 1, sizeof(pm_feature_t));
    if (s->f == NULL) {
        train_die("out of memory");
    }

    next = 1;
    pm_err_init(&err);

    for (j = 0; j < t->ncols; j++) {
        f = &s->f[j];
        f->name = pm_strdup(t->names[j]);
        if (f->name == NULL) {
            train_die("out of memory");
        }

        m = 0;
        had_missing = 0;

        for (i = 0; i < n; i++) {
            x = &t->raw[rows[i] * t->stride + (size_t) j];

            if (x->kind == PM_VAL_NULL) {
                had_missing = 1;
            } else if (t->types[j] == PM_FEAT_NUMERIC) {
                num[m++] = x->num;
            } else {
                str[m++] = x->str;
            }
        }

        if (m == 0) {
            train_die("column \"%s\" is empty in the training rows: "
                      "exclude it (--exclude %s)", f->name, f->name);
        }

        if (t->types[j] == PM_FEAT_NUMERIC) {
            rc = pm_fit_numeric(f, num, m, o->transform,
                                train_in_list(o->log1p, f->name), &err);

            if (o->transform == PM_XF_MINMAX) {
                f->xf.lower = -1;
                f->xf.upper = 1;
            }

            f->oor = o->oor;

        } else {
            rc = pm_fit_categorical(f, str, m, &err);
            f->unknown = for_cv ? PM_UNKNOWN_ZERO : o->unknown;
            f->oor = PM_OOR_DEFAULT;
        }

        if (rc == PM_OK && !for_cv) {
            rc = train_fit_reference(f, num, str, m, &err);
        }

        if (rc != PM_OK) {
            train_die("%s", err.msg);
        }

        f->missing = (for_cv || o->missing == PM_MISSING_FILL
                      || (o->missing == TRAIN_MISSING_AUTO && had_missing))
                     ? PM_MISSING_FILL : PM_MISSING_REJECT;
        f->index = next;
        next += (f->width > 0) ? f->width : 1;
    }

    free(num);
    free(str);

    if (pm_spec_index(s, &err) != PM_OK) {
        train_die("%s", err.msg);
    }

    return s;
}


/*
 * The final spec's drift reference, on the same training values as the
 * fit (missing ones left out): a categorical feature's values become
 * category positions, in num, whose numbers it does not use.
 */

static int
train_fit_reference(pm_feature_t *f, double *num, const char **str,
    size_t n, pm_err_t *err)
{
    size_t  i;

    if (f->type == PM_FEAT_CATEGORICAL) {
        for (i = 0; i < n; i++) {
            num[i] = pm_spec_category(f, str[i]);
        }
    }

    return pm_fit_reference(f, num, n, err);
}


static void
train_set_alloc(train_set_t *set, size_t n)
{
    set->n = n;
    set->x = malloc(sizeof(pm_node_t *) * (n + 1));
    set->y = malloc(sizeof(double) * (n + 1));

    if (set->x == NULL || set->y == NULL) {
        train_die("out of memory");
    }
}


/* the nodes of n rows encoded by s, at most one a feature and the end */

static pm_node_t *
train_space(const pm_spec_t *s, size_t n)
{
    pm_node_t  *space;

    space = malloc(sizeof(pm_node_t) * (n + 1)
                   * ((size_t) s->max_index + 1));
    if (space == NULL) {
        train_die("out of memory");
    }

    return space;
}


static void
train_set_free(train_set_t *set)
{
    free(set->x);
    free(set->y);
}


/*
 * Encodes set->n rows from space on, their targets as y; returns the
 * first node after them.  Rows encoded for training and scoring never
 * fail: an empty cell takes the fitted fill, an unseen category encodes
 * as all zero, and a held-out row outside the range fitted on the other
 * rows is extrapolated where the policy is reject (clip still clips, as
 * it will when serving).  The spec keeps the user's policies for
 * serving: they are set back afterwards.
 */

static pm_node_t *
train_encode(pm_spec_t *s, const train_table_t *t, const size_t *rows,
    train_set_t *set, pm_node_t *space)
{
    int        i, nodes, noor, *oor, *saved;
    size_t     r;
    pm_err_t   err;

    oor = malloc(sizeof(int) * ((size_t) s->n + 1));
    saved = malloc(sizeof(int) * 3 * ((size_t) s->n + 1));
    if (oor == NULL || saved == NULL) {
        train_die("out of memory");
    }

    for (i = 0; i < s->n; i++) {
        saved[3 * i] = s->f[i].missing;
        saved[3 * i + 1] = s->f[i].unknown;
        saved[3 * i + 2] = s->f[i].oor;
        s->f[i].missing = PM_MISSING_FILL;
        s->f[i].unknown = PM_UNKNOWN_ZERO;

        if (s->f[i].oor == PM_OOR_REJECT) {
            s->f[i].oor = PM_OOR_EXTRAPOLATE;
        }
    }

    for (r = 0; r < set->n; r++) {
        pm_err_init(&err);
        set->x[r] = space;
        set->y[r] = t->y[rows[r]];

        nodes = pm_encode_spec(s, PM_OOR_EXTRAPOLATE,
                               &t->raw[rows[r] * t->stride], space, oor,
                               &noor, &err);
        if (nodes < 0) {
            train_die("line %ld: %s", t->lines[rows[r]], err.msg);
        }

        space += nodes + 1;
    }

    for (i = 0; i < s->n; i++) {
        s->f[i].missing = saved[3 * i];
        s->f[i].unknown = saved[3 * i + 1];
        s->f[i].oor = saved[3 * i + 2];
    }

    free(oor);
    free(saved);

    return space;
}


/* SVR learns (y - mean) / std; scores invert it */

static void
train_scale_target(pm_target_t *target, train_set_t *set)
{
    size_t  i;

    pm_fit_target_standard(target, set->y, set->n);

    for (i = 0; i < set->n; i++) {
        set->y[i] = pm_xform_apply(&target->xf, set->y[i]);
    }
}


static void
train_make_fold(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, int f, train_fold_t *fd)
{
    size_t      i, nt, nv, *trows, *vrows;
    pm_node_t  *next;
    pm_spec_t  *s;

    trows = malloc(sizeof(size_t) * (sp->ntrain + 1));
    vrows = malloc(sizeof(size_t) * (sp->ntrain + 1));
    if (trows == NULL || vrows == NULL) {
        train_die("out of memory");
    }

    nt = 0;
    nv = 0;

    for (i = 0; i < sp->ntrain; i++) {
        if (sp->fold[i] == f) {
            vrows[nv++] = sp->train[i];
        } else {
            trows[nt++] = sp->train[i];
        }
    }

    s = train_fit_spec(o, t, trows, nt, 1);

    train_set_alloc(&fd->train, nt);
    train_set_alloc(&fd->val, nv);
    fd->space = train_space(s, sp->ntrain);

    next = train_encode(s, t, trows, &fd->train, fd->space);
    (void) train_encode(s, t, vrows, &fd->val, next);

    memset(&fd->target, 0, sizeof(pm_target_t));

    if (o->task == PM_TASK_REGRESS) {
        train_scale_target(&fd->target, &fd->train);
    }

    free(trows);
    free(vrows);
    pm_spec_free(s);
}


static void
train_param(const train_opts_t *o, struct svm_parameter *p, double log2c,
    double log2g, int nfeatures)
{
    memset(p, 0, sizeof(struct svm_parameter));

    p->svm_type = (o->task == PM_TASK_CLASSIFY) ? C_SVC
                  : (o->task == PM_TASK_REGRESS) ? EPSILON_SVR : ONE_CLASS;
    p->kernel_type = o->kernel;
    p->degree = 3;
    p->gamma = o->fixed_g ? o->gamma
               : (o->task == PM_TASK_ONE_CLASS || o->kernel == LINEAR)
                 ? 1.0 / (nfeatures > 0 ? nfeatures : 1) : pow(2, log2g);
    p->C = o->fixed_c ? o->c : pow(2, log2c);
    p->cache_size = 100;
    p->eps = 1e-3;
    p->nu = o->nu;
    p->p = o->epsilon;
    p->shrinking = 1;
    p->probability = 0;
}


/* pm_node_t is laid out as libsvm's struct svm_node */

static struct svm_model *
train_svm(const train_set_t *set, const struct svm_parameter *param)
{
    const char          *msg;
    struct svm_problem   prob;

    prob.l = (int) set->n;
    prob.x = (struct svm_node **) set->x;
    prob.y = set->y;

    msg = svm_check_parameter(&prob, param);
    if (msg != NULL) {
        train_die("libsvm refuses the parameters: %s", msg);
    }

    return svm_train(&prob, param);
}


/*
 * The one scoring loop, for folds and for the test split: right answers,
 * inliers, or squared errors in target units, added to *sum.
 */

static void
train_score(const train_opts_t *o, const struct svm_model *m,
    const pm_xform_t *yxf, const train_set_t *set, double *sum,
    size_t *count)
{
    size_t  i;
    double  v, d;

    for (i = 0; i < set->n; i++) {
        v = svm_predict(m, (const struct svm_node *) set->x[i]);

        if (o->task == PM_TASK_REGRESS) {
            d = pm_xform_inverse(yxf, v) - set->y[i];
            *sum += d * d;
        } else if (o->task == PM_TASK_CLASSIFY) {
            *sum += (v == set->y[i]) ? 1 : 0;
        } else {
            *sum += (v > 0) ? 1 : 0;
        }
    }

    *count += set->n;
}


/* accuracy in percent, or the mean squared error in target units */

static double
train_metric(const train_opts_t *o, double sum, size_t count)
{
    double  n;

    n = (double) (count ? count : 1);

    return (o->task == PM_TASK_REGRESS) ? sum / n : 100.0 * sum / n;
}


static void
train_grid_points(const train_opts_t *o, train_grid_t *g)
{
    int             ci, gi, nc, ng;
    train_point_t  *pt;

    nc = o->fixed_c ? 1
         : (int) floor((o->c_range[1] - o->c_range[0]) / o->c_range[2]
                       + 1e-9) + 1;
    ng = (o->fixed_g || o->kernel == LINEAR) ? 1
         : (int) floor((o->g_range[1] - o->g_range[0]) / o->g_range[2]
                       + 1e-9) + 1;

    g->npoints = (o->task == PM_TASK_ONE_CLASS) ? 0 : nc * ng;
    g->points = calloc((size_t) nc * (size_t) ng + 1, sizeof(train_point_t));
    if (g->points == NULL) {
        train_die("out of memory");
    }

    for (ci = 0; ci < nc; ci++) {
        for (gi = 0; gi < ng; gi++) {
            pt = &g->points[ci * ng + gi];
            pt->log2c = o->fixed_c ? log2(o->c)
                        : o->c_range[0] + ci * o->c_range[2];
            pt->log2g = o->fixed_g ? log2(o->gamma)
                        : o->g_range[0] + gi * o->g_range[2];
        }
    }
}


void
train_grid_search(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, train_grid_t *g)
{
    int              f, i;
    train_point_t   *p;

    memset(g, 0, sizeof(train_grid_t));
    g->o = o;

    train_grid_points(o, g);

    if (g->npoints > 0) {
        g->folds = calloc((size_t) o->folds, sizeof(train_fold_t));
        if (g->folds == NULL) {
            train_die("out of memory");
        }

        for (f = 0; f < o->folds; f++) {
            train_make_fold(o, t, sp, f, &g->folds[f]);
        }

        train_grid_run(g);
    }

    p = g->points;
    g->best = 0;

    for (i = 1; i < g->npoints; i++) {
        if (o->task == PM_TASK_REGRESS ? p[i].score < p[g->best].score
                                       : p[i].score > p[g->best].score)
        {
            g->best = i;
        }
    }
}


static void
train_grid_run(train_grid_t *g)
{
    int         i, n;
    pthread_t  *threads;

    n = (g->o->jobs < g->npoints) ? g->o->jobs : g->npoints;

    threads = malloc(sizeof(pthread_t) * (size_t) n);
    if (threads == NULL) {
        train_die("out of memory");
    }

    (void) pthread_mutex_init(&g->lock, NULL);

    for (i = 0; i < n; i++) {
        if (pthread_create(&threads[i], NULL, train_grid_worker, g) != 0) {
            train_die("cannot start a thread");
        }
    }

    for (i = 0; i < n; i++) {
        (void) pthread_join(threads[i], NULL);
    }

    (void) pthread_mutex_destroy(&g->lock);

    if (!g->o->quiet && isatty(2)) {
        fprintf(stderr, "\n");
    }

    free(threads);
}


static void *
train_grid_worker(void *data)
{
    int                    i, f;
    size_t                 count;
    double                 sum;
    train_fold_t          *fd;
    train_grid_t          *g;
    train_point_t         *pt;
    struct svm_model      *m;
    const train_opts_t    *o;
    struct svm_parameter   param;

    g = data;
    o = g->o;

    for ( ;; ) {
        (void) pthread_mutex_lock(&g->lock);
        i = g->next++;
        (void) pthread_mutex_unlock(&g->lock);

        if (i >= g->npoints) {
            return NULL;
        }

        pt = &g->points[i];
        sum = 0;
        count = 0;

        for (f = 0; f < o->folds; f++) {
            fd = &g->folds[f];

            if (fd->val.n == 0) {
                continue;
            }

            train_param(o, &param, pt->log2c, pt->log2g, 1);
            m = train_svm(&fd->train, &param);
            train_score(o, m, &fd->target.xf, &fd->val, &sum, &count);
            svm_free_and_destroy_model(&m);
        }

        pt->score = train_metric(o, sum, count);

        (void) pthread_mutex_lock(&g->lock);
        g->done++;

        if (!g->have_best
            || (o->task == PM_TASK_REGRESS ? pt->score < g->best_score
                                           : pt->score > g->best_score))
        {
            g->best_score = pt->score;
            g->have_best = 1;
        }

        if (!o->quiet && isatty(2)) {
            fprintf(stderr, "\r%s: grid %d/%d, best %s %.6g   ", TRAIN_PROG,
                    g->done, g->npoints,
                    o->task == PM_TASK_REGRESS ? "MSE" : "accuracy",
                    g->best_score);
        }

        (void) pthread_mutex_unlock(&g->lock);
    }
}


void
train_fit_final(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, const train_grid_t *g, train_final_t *m)
{
    pm_spec_t            *s;
    const train_point_t  *best;

    memset(m, 0, sizeof(train_final_t));

    s = train_fit_spec(o, t, sp->train, sp->ntrain, 0);
    m->spec = s;

    train_set_alloc(&m->rows, sp->ntrain);
    m->space = train_space(s, sp->ntrain);
    (void) train_encode(s, t, sp->train, &m->rows, m->space);

    s->target.task = o->task;

    if (o->target != NULL) {
        s->target.name = pm_strdup(o->target);
        if (s->target.name == NULL) {
            train_die("out of memory");
        }
    }

    if (o->task == PM_TASK_CLASSIFY) {
        s->target.label_rule = PM_LABEL_VOTE;
        train_class_names(t, &s->target);
    }

    if (o->task == PM_TASK_REGRESS) {
        train_scale_target(&s->target, &m->rows);
    }

    best = &g->points[g->best];

    train_param(o, &m->param, best->log2c, best->log2g, s->max_index);
    m->param.probability = (o->task == PM_TASK_CLASSIFY) && o->probability;

    m->model = train_svm(&m->rows, &m->param);
}


/* the test split, scored through the final spec and model */

void
train_score_test(const train_opts_t *o, const train_table_t *t,
    const train_split_t *sp, train_final_t *m)
{
    size_t        count;
    double        sum;
    pm_node_t    *space;
    train_set_t   test;

    m->test_score = 0;

    if (sp->ntest == 0) {
        return;
    }

    train_set_alloc(&test, sp->ntest);
    space = train_space(m->spec, sp->ntest);
    (void) train_encode(m->spec, t, sp->test, &test, space);

    sum = 0;
    count = 0;

    train_score(o, m->model, &m->spec->target.xf, &test, &sum, &count);
    m->test_score = train_metric(o, sum, count);

    train_set_free(&test);
    free(space);
}


void
train_split_free(train_split_t *sp)
{
    free(sp->train);
    free(sp->test);
    free(sp->fold);
}


void
train_grid_free(train_grid_t *g)
{
    int  f;

    for (f = 0; g->folds != NULL && f < g->o->folds; f++) {
        train_set_free(&g->folds[f].train);
        train_set_free(&g->folds[f].val);
        free(g->folds[f].space);
    }

    free(g->folds);
    free(g->points);
}


/* the model's support vectors point into m->space: the model goes first */

void
train_final_free(train_final_t *m)
{
    svm_free_and_destroy_model(&m->model);
    train_set_free(&m->rows);
    free(m->space);
    pm_spec_free(m->spec);
}
