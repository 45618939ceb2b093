
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * A strict JSON (RFC 8259) tokenizer for request bodies, shared by every
 * wire format: it refuses invalid UTF-8, \u0000 and bad escapes, allocates
 * only from the caller's allocator, counts lines and columns only when it
 * reports an error, and never recurses (pm_json_skip() validates nested
 * values with an explicit stack).  The schema belongs to the codecs that
 * call it.  Jansson, which the core uses for config files, is too slow
 * here: a prediction costs less than building its tree.
 */


#ifndef _PM_JSON_H_INCLUDED_
#define _PM_JSON_H_INCLUDED_


#include <stddef.h>

#include "pm_core.h"


#define PM_JSON_MAX_DEPTH  2048


/* one value of one feature, from JSON or from a CSV cell */

#define PM_VAL_NULL        0    /* null, an empty cell: missing */
#define PM_VAL_NUMBER      1
#define PM_VAL_STRING      2
#define PM_VAL_OTHER       3    /* a boolean, an array or an object */

typedef struct {
    const char         *key;    /* the object key, or NULL */
    const char         *str;    /* the string; PM_VAL_OTHER: what it is */
    double              num;
    int                 kind;
    unsigned            at;     /* its key's offset in the document */
} pm_value_t;


/* an array or an object of values: a request's instance */

typedef struct {
    pm_value_t         *v;
    size_t              n;        /* values kept in v */
    size_t              total;    /* values sent: more than n past the cap */
    int                 is_array;
    const char         *type;     /* not an array or object: what it is */
    const char         *doc;      /* the JSON document, for positions */
} pm_instance_t;


typedef struct {
    const char         *start;
    const char         *p;
    const char         *end;
    pm_alloc_t         *a;
    pm_err_t           *err;
} pm_json_t;


void pm_json_init(pm_json_t *j, const char *buf, size_t len, pm_alloc_t *a,
    pm_err_t *err);
int pm_json_error(pm_json_t *j, int code, const char *at, const char *msg);
void pm_json_where(const char *doc, size_t at, long *line, long *column);
int pm_json_body(pm_json_t *j, const char *send, const char *expect,
    int (*members)(pm_json_t *j, void *data), void *data);
void pm_json_ws(pm_json_t *j);
int pm_json_string(pm_json_t *j, const char **out);
int pm_json_number(pm_json_t *j, double *out);
int pm_json_literal(pm_json_t *j, const char *word, size_t len);
int pm_json_skip(pm_json_t *j, const char **type);
int pm_json_key(pm_json_t *j, const char **key);
int pm_json_next(pm_json_t *j, char close);
int pm_json_value(pm_json_t *j, pm_value_t *v);
int pm_json_instance(pm_json_t *j, size_t max_values, pm_instance_t *inst);
int pm_json_end(pm_json_t *j);
void *pm_json_grow(pm_json_t *j, void *old, size_t n, size_t *cap,
    size_t size, size_t limit);

const char *pm_value_type(const pm_value_t *v);
#define pm_value_overflows(v)                                                 \
    ((v)->kind == PM_VAL_OTHER && (v)->str == pm_json_overflow)

extern const char  pm_json_overflow[];


#endif /* _PM_JSON_H_INCLUDED_ */
