
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Text: whole files read into memory, a line reader for them, numbers to
 * and from text (one strict reader of a finite number, Grisu2 for output),
 * and client text made safe to echo.
 */


#ifndef _PM_TEXT_H_INCLUDED_
#define _PM_TEXT_H_INCLUDED_


#include <stddef.h>

#include "pm_core.h"


#define PM_JSON_NUM_SIZE   32


/* what a text file must look like, checked while it is read */

#define PM_READ_CHUNK      (64 * 1024)

typedef struct {
    size_t              max;        /* bytes */
    size_t              max_line;   /* bytes a line, 0: any */
    const char         *first;      /* the bytes its text may start with
                                       (after blanks), or NULL: any */
    const char         *what;       /* "a libsvm model", for messages */
} pm_text_rules_t;


int pm_file_open(const char *path, size_t max, size_t *size, pm_err_t *err);
int pm_file_read(int fd, size_t size, const pm_text_rules_t *rules,
    char **buf, size_t *len, pm_err_t *err);
int pm_read_file(const char *path, const pm_text_rules_t *rules, char **buf,
    size_t *len, pm_err_t *err);


/* line reader for model, range and data files held in memory */

typedef struct {
    const char         *p;      /* next unread byte */
    const char         *end;
    long                line;   /* number of the line last returned */
    char               *buf;    /* NUL-terminated copy, trailing blanks
                                   and CR removed */
    size_t              cap;
} pm_lines_t;

void pm_lines_init(pm_lines_t *ls, const char *buf, size_t len);
int pm_lines_next(pm_lines_t *ls, pm_err_t *err);
void pm_lines_free(pm_lines_t *ls);


int pm_number(const char *s, char **end, double *v);
int pm_integer(const char *s, long min, long max, long *v);
size_t pm_format_number(double v, char *buf);
/* a number for a message, in the shortest form that reads back */
#define PM_NUMBER_SIZE     32
const char *pm_num(double v, char *buf);
char *pm_strdup(const char *s);
/* client text in messages: PM_SAFE_TEXT bytes at most, "..." past them */

#define PM_SAFE_TEXT       48
#define PM_SAFE_SIZE       (PM_SAFE_TEXT + 4)

void pm_safe_text(const char *text, char *out);
size_t pm_utf8_seq(const unsigned char *p, const unsigned char *end);


#endif /* _PM_TEXT_H_INCLUDED_ */
