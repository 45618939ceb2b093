
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * CSV with a header row (RFC 4180: quoted fields, "" inside quotes, line
 * breaks inside quotes, CRLF), for the trainer and the offline predictor.
 * Every error names its line.
 */


#ifndef _PM_CSV_H_INCLUDED_
#define _PM_CSV_H_INCLUDED_


#include "pm_core.h"
#include "pm_text.h"


#define PM_CSV_MAX_SIZE  (1024L * 1024 * 1024)


typedef struct {
    int                 ncols;
    char              **header;
    size_t              nrows;
    char              **cells;   /* nrows * ncols; "" is an empty cell */
    long               *lines;   /* the line each row starts on */
    char               *text;    /* storage for all the strings */
} pm_csv_t;


extern const pm_text_rules_t  pm_csv_rules;

int pm_csv_parse(const char *buf, size_t len, pm_csv_t **out, pm_err_t *err);
void pm_csv_free(pm_csv_t *c);
int pm_csv_column(const pm_csv_t *c, const char *name);

#define pm_csv_cell(c, row, col)  ((c)->cells[(row) * (c)->ncols + (col)])


#endif /* _PM_CSV_H_INCLUDED_ */
