
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * The writer every wire format uses: snprintf() semantics (it counts the
 * full length and never writes past cap), so one function both sizes and
 * fills; JSON strings escaped, invalid UTF-8 never passed on, numbers in
 * their shortest round-trip form.
 */


#ifndef _PM_WRITER_H_INCLUDED_
#define _PM_WRITER_H_INCLUDED_


#include <stddef.h>


typedef struct {
    char               *p;
    size_t              len;    /* bytes the full output needs */
    size_t              cap;
} pm_writer_t;


void pm_writer_init(pm_writer_t *w, char *buf, size_t cap);
void pm_put(pm_writer_t *w, const char *s, size_t n);
void pm_puts(pm_writer_t *w, const char *s);
void pm_put_double(pm_writer_t *w, double v);
void pm_put_int(pm_writer_t *w, long v);
void pm_put_string(pm_writer_t *w, const char *s);


#endif /* _PM_WRITER_H_INCLUDED_ */
