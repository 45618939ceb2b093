
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * libsvm data files ("label index:value ..." a line, indices ascending,
 * absent features 0), the one reader the tools share.  Every error names
 * its line.
 */


#ifndef _PM_DATA_H_INCLUDED_
#define _PM_DATA_H_INCLUDED_


#include "pm_core.h"


#define PM_DATA_MAX_SIZE   (1024L * 1024 * 1024)


typedef struct {
    size_t              n;          /* rows: the non-blank lines */
    int                 max_index;  /* the highest index of any row */
    char              **label;      /* per row: the label's text */
    long               *line;       /* per row: its line in the file */
    pm_node_t         **x;          /* per row: ended by index -1 */
    int                *nx;         /* per row: nodes before the -1 */
    char               *text;       /* storage of the labels */
    pm_node_t          *nodes;      /* storage of the rows */
} pm_data_t;


int pm_data_parse(const char *buf, size_t len, pm_data_t **out,
    pm_err_t *err);
int pm_data_load(const char *path, pm_data_t **out, pm_err_t *err);
void pm_data_free(pm_data_t *d);


#endif /* _PM_DATA_H_INCLUDED_ */
