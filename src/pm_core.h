
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The bottom of the core: return codes and their one table (name and HTTP
 * status), error detail, the allocator through which request-time memory
 * is obtained, and a malloc arena for tools and tests.  The core never
 * includes nginx headers; the module, the tools, the unit tests and the
 * fuzzers all link the same code.
 */


#ifndef _PM_CORE_H_INCLUDED_
#define _PM_CORE_H_INCLUDED_


#include <stddef.h>
#include <stdarg.h>


/* return codes: PM_OK or a negative PM_E*; pm_err_name() names each */

#define PM_OK              0
#define PM_ERROR          -1   /* our fault: internal error */
#define PM_ENOMEM         -2   /* allocation failed */
#define PM_EIO            -3   /* a file could not be opened or read */
#define PM_EFORMAT        -4   /* a model, range or spec file is malformed */
#define PM_EMODEL         -5   /* a model parses but is unusable */
#define PM_EJSON          -6   /* the request body is not valid JSON */
#define PM_ESHAPE         -7   /* valid JSON of the wrong shape */
#define PM_EVALUE         -8   /* a feature value is not a finite number */
#define PM_ECOUNT         -9   /* wrong number of dense features */
#define PM_EINDEX         -10  /* bad sparse feature index */
#define PM_ETOOMANY       -11  /* batch larger than the configured limit */
#define PM_ERANGE         -12  /* rejected out-of-range feature */
#define PM_EEMPTY         -13  /* empty request body */
#define PM_ENONFINITE     -15  /* input that scales or predicts to inf/nan */
#define PM_EMISSING       -16  /* a required named feature is absent */
#define PM_ECATEGORY      -17  /* an unknown category, refused */
#define PM_EUNKNOWN       -18  /* a feature name the spec does not have */

/* refusals of the HTTP layer, answered in the same JSON */

#define PM_EMETHOD        -30  /* a method the location does not take */
#define PM_EBODY          -31  /* a body over a configured size */
#define PM_EBADREQ        -32  /* nginx's own 400: malformed HTTP */
#define PM_ETIMEOUT       -33  /* nginx's own 408 */
#define PM_ELENGTH        -34  /* nginx's own 411 */
#define PM_EHTTP          -35  /* another status nginx answered itself */
#define PM_EFORBIDDEN     -36  /* nginx's own 403: allow/deny, auth */
#define PM_ERATE          -37  /* limit_req refused it (503, 429, ...) */
#define PM_ENOTFOUND      -38  /* no such route, model or version */


#define PM_ERR_MSG_SIZE    512

/* limits on what a trusted but possibly broken file may declare */

#define PM_MAX_LINE        (64 * 1024 * 1024)

#define PM_MAX_CLASSES     1024
#define PM_MAX_INDEX       10000000


typedef struct {
    int                 code;
    long                line;       /* file or JSON line, 0 if unknown */
    long                column;     /* JSON column, 0 if unknown */
    long                instance;   /* batch element, -1 if n/a */
    int                 feature;    /* libsvm index, 0 if n/a */
    int                 nfeatures;  /* entries used in features[] */
    int                 features[64];   /* the first 64 at fault */
    int                 nnames;     /* named features at fault */
    char                names[8][64];
    char                msg[PM_ERR_MSG_SIZE];
} pm_err_t;


/*
 * Request-time memory: the module passes the request pool, tools and tests
 * a malloc arena.  Memory is released all at once by the owner; the core
 * never frees what it obtained through an allocator.
 */

typedef struct {
    void             *(*alloc)(void *data, size_t size);
    void               *data;
} pm_alloc_t;


/* a sparse feature vector entry: ascending index, ended by index -1 */

typedef struct {
    int                 index;
    double              value;
} pm_node_t;


void pm_err_init(pm_err_t *err);
int pm_err_set(pm_err_t *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int pm_err_vset(pm_err_t *err, int code, const char *fmt, va_list args);
void pm_err_add_feature(pm_err_t *err, int index);
void pm_err_add_name(pm_err_t *err, const char *name);
void pm_err_prefix(pm_err_t *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
const char *pm_err_name(int code);
int pm_err_status(int code);

void *pm_alloc(pm_alloc_t *a, size_t size);


/* malloc-backed arena for tools, tests and fuzzers */

typedef struct pm_arena_s  pm_arena_t;

pm_arena_t *pm_arena_create(void);
void pm_arena_reset(pm_arena_t *arena);
void pm_arena_destroy(pm_arena_t *arena);
void pm_arena_allocator(pm_arena_t *arena, pm_alloc_t *a);


#endif /* _PM_CORE_H_INCLUDED_ */
