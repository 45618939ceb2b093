
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <string.h>

#include "pm_csv.h"
#include "tap.h"


typedef struct {
    const char  *name;
    const char  *text;
    const char  *error;
} bad_csv_t;


static const bad_csv_t  bad_csvs[] = {
    { "empty", "", "empty file: no header line" },
    { "blank lines only", "\n\r\n\n", "empty file" },
    { "an unnamed column", "a,,c\n", "line 1: header column 2 has no name" },
    { "duplicate columns", "a,b,a\n", "line 1: duplicate column \"a\"" },
    { "a long row", "a,b\n1,2\n3,4,5\n", "line 3: 3 fields, the header has 2" },
    { "a short row", "a,b\n1,2\n3\n", "line 3: 1 field, the header has 2" },
    { "an unclosed quote", "a,b\n1,\"2\n3,4\n", "line 2: a quoted field is "
      "not closed" },
    { "text after a quote", "a,b\n1,\"2\"x\n", "line 2: text after a "
      "closing quote" },
    { "a stray quote", "a,b\n1,2\"2\n", "line 2: a quote inside an unquoted "
      "field" },
    { "a NUL byte", "a,b\n1,\0\n", "line 2: NUL byte" },
    { NULL, NULL, NULL }
};


void
test_csv(void)
{
    int               rc;
    size_t            len;
    pm_err_t          err;
    pm_csv_t         *c;
    const char       *text;
    const bad_csv_t  *b;

    text = "\xef\xbb\xbf" "id,\"name, full\",note\r\n"
           "1,\"Smith, \"\"J\"\"\",\"two\nlines\"\r\n"
           "\r\n"
           "2,,last";

    pm_err_init(&err);
    rc = pm_csv_parse(text, strlen(text), &c, &err);
    is_int(rc, PM_OK, "quotes, escaped quotes, CRLF, a BOM, a blank line");

    if (rc != PM_OK) {
        tap_diag("%s", err.msg);
        return;
    }

    ok(c->ncols == 3 && strcmp(c->header[0], "id") == 0
       && strcmp(c->header[1], "name, full") == 0, "header names");
    is_int(c->nrows, 2, "two rows");
    ok(strcmp(pm_csv_cell(c, 0, 1), "Smith, \"J\"") == 0,
       "a comma and doubled quotes inside quotes");
    ok(strcmp(pm_csv_cell(c, 0, 2), "two\nlines") == 0,
       "a line break inside quotes");
    ok(strcmp(pm_csv_cell(c, 1, 1), "") == 0
       && strcmp(pm_csv_cell(c, 1, 2), "last") == 0,
       "an empty cell; the last line without a newline");
    ok(c->lines[0] == 2 && c->lines[1] == 5, "rows know their lines");
    is_int(pm_csv_column(c, "note"), 2, "column lookup");
    is_int(pm_csv_column(c, "nope"), -1, "unknown column");
    pm_csv_free(c);

    for (b = bad_csvs; b->name != NULL; b++) {
        pm_err_init(&err);
        len = strlen(b->text);
        if (strcmp(b->name, "a NUL byte") == 0) {
            len = 8;
        }
        rc = pm_csv_parse(b->text, len, &c, &err);
        is_int(rc, PM_EFORMAT, "refused: %s", b->name);
        like(err.msg, b->error, "message: %s", b->name);
    }
}
