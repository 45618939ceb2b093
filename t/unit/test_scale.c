
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <string.h>

#include "pm_encode.h"
#include "pm_scale.h"
#include "pm_xform.h"
#include "tap.h"


/* svm-scale's formula for the range file's first entry */

static double
entry0(const pm_scaler_t *s, double v)
{
    return pm_minmax(v, s->min[0], s->max[0], s->lower, s->upper);
}


typedef struct {
    const char  *name;
    const char  *text;
    const char  *error;
} bad_range_t;


static const bad_range_t  bad_ranges[] = {
    { "empty file", "", "empty range file" },
    { "no x line", "-1 1\n1 0 1\n", "line 1: expected \"x\" or \"y\"" },
    { "lower above upper", "x\n1 -1\n", "line 2: lower 1 is not below" },
    { "lower equal upper", "x\n0 0\n", "is not below upper" },
    { "truncated after x", "x\n", "line 1: unexpected end of file" },
    { "min above max", "x\n-1 1\n1 5 2\n", "line 3: feature 1 has min 5" },
    { "descending index", "x\n-1 1\n2 0 1\n1 0 1\n",
      "line 4: feature index 1 after 2" },
    { "repeated index", "x\n-1 1\n2 0 1\n2 0 1\n", "indices must ascend" },
    { "index 0", "x\n-1 1\n0 0 1\n", "feature index must be an integer" },
    { "fractional index", "x\n-1 1\n1.5 0 1\n",
      "feature index must be an integer" },
    { "index beyond the limit", "x\n-1 1\n20000000 0 1\n",
      "feature index must be an integer in 1..10000000" },
    { "non-finite bound", "x\n-1 1\n1 -inf 1\n", "expected 3 finite numbers" },
    { "missing number", "x\n-1 1\n1 0\n", "expected 3 finite numbers" },
    { "extra number", "x\n-1 1\n1 0 1 2\n", "found more" },
    { "garbage line", "x\n-1 1\nhello world\n", "line 3" },
    { "bad y limits", "y\n1 0\n0 10\nx\n-1 1\n", "y lower 1 is not below" },
    { "bad y range", "y\n0 1\n10 0\nx\n-1 1\n", "y min 10 is above y max" },
    { "y without x", "y\n0 1\n0 10\n-1 1\n", "line 4: expected \"x\"" },
    { "overflowing number", "x\n-1 1\n1 0 1e999\n", "finite numbers" },
    { NULL, NULL, NULL }
};


void
test_scale(void)
{
    int                 n, noor, oor[8], rc;
    char                buf[64];
    pm_err_t            err;
    pm_scaler_t        *s;
    pm_node_t           raw[8], out[8];
    const bad_range_t  *b;
    const char         *text;

    text = "x\n-1 1\n1 0 10\n2 5 5\n4 -2 2\n";

    pm_err_init(&err);
    rc = pm_scaler_parse(text, strlen(text), &s, &err);
    is_int(rc, PM_OK, "svm-scale range file parses");

    if (rc != PM_OK) {
        tap_diag("%s", err.msg);
        return;
    }

    is_int(s->n, 3, "three listed features");
    is_int(s->max_index, 4, "max index");
    ok(s->lower == -1 && s->upper == 1 && !s->has_y, "limits, no y");

    /* svm-scale's special cases and formula */

    ok(entry0(s, 0) == -1, "v == min maps to lower exactly");
    ok(entry0(s, 10) == 1, "v == max maps to upper exactly");
    ok(entry0(s, 2.5) == -1 + 2 * (2.5 - 0) / (10 - 0),
       "in between: lower + (upper-lower)*(v-min)/(max-min)");
    ok(entry0(s, 20) == 3, "extrapolates, unclipped");

    /* raw {1: 20, 3: 7}, feature 4 absent (0 raw -> 0 scaled) */

    raw[0].index = 1;
    raw[0].value = 20;
    raw[1].index = 3;
    raw[1].value = 7;

    pm_err_init(&err);
    n = pm_encode_range(s, PM_OOR_EXTRAPOLATE, raw, 2, out, oor, &noor, &err);
    is_int(n, 1, "extrapolate: one non-zero node (constant, unlisted and "
           "zero-valued features dropped)");
    ok(out[0].index == 1 && out[0].value == 3 && out[1].index == -1,
       "extrapolate: feature 1 scales to 3, list terminated");
    ok(noor == 2 && oor[0] == 1 && oor[1] == 2,
       "feature 1 (above max) and constant feature 2 (0 != 5) are out of "
       "range");

    pm_err_init(&err);
    n = pm_encode_range(s, PM_OOR_CLIP, raw, 2, out, oor, &noor, &err);
    ok(n == 1 && out[0].value == 1 && noor == 2,
       "clip: feature 1 clamps to upper, still reported");

    raw[0].value = -5;
    raw[1].index = 4;
    raw[1].value = 1;
    pm_err_init(&err);
    n = pm_encode_range(s, PM_OOR_CLIP, raw, 2, out, oor, &noor, &err);
    ok(n == 2 && out[0].index == 1 && out[0].value == -1
       && out[1].index == 4 && out[1].value == 0.5,
       "clip below min gives lower; in-range feature 4 untouched");

    /* absent features count as raw 0, as in svm-scale -r */

    pm_err_init(&err);
    n = pm_encode_range(s, PM_OOR_EXTRAPOLATE, raw, 0, out, oor, &noor, &err);
    ok(n == 1 && out[0].index == 1 && out[0].value == -1,
       "an empty instance scales feature 1 (min 0) to lower");

    raw[0].index = 1;
    raw[0].value = 1e308;
    pm_err_init(&err);
    n = pm_encode_range(s, PM_OOR_EXTRAPOLATE, raw, 1, out, oor, &noor, &err);
    is_int(n, PM_ENONFINITE, "a value overflowing when scaled is refused");
    is_int(err.feature, 1, "and the feature is named");

    pm_scaler_free(s);

    /* y scaling both ways */

    text = "y\n0 1\n25 346\nx\n-1 1\n1 0 1\n";
    pm_err_init(&err);
    rc = pm_scaler_parse(text, strlen(text), &s, &err);
    ok(rc == PM_OK && s->has_y, "range file with a y block");

    if (rc == PM_OK) {
        ok(pm_scaler_y(s, 25) == 0 && pm_scaler_y(s, 346) == 1,
           "y min and max map to the y limits");
        ok(fabs(pm_scaler_y_inverse(s, pm_scaler_y(s, 151)) - 151) < 1e-12,
           "y unscales back");
        pm_scaler_free(s);
    }

    text = "x\r\n0 1\r\n1 0 1\r\n\r\n3 -1 1\r\n";
    pm_err_init(&err);
    rc = pm_scaler_parse(text, strlen(text), &s, &err);
    ok(rc == PM_OK && s->n == 2 && s->lower == 0,
       "CRLF and blank lines accepted");
    if (rc == PM_OK) {
        pm_scaler_free(s);
    }

    for (b = bad_ranges; b->name != NULL; b++) {
        pm_err_init(&err);
        rc = pm_scaler_parse(b->text, strlen(b->text), &s, &err);
        is_int(rc, PM_EFORMAT, "refused: %s", b->name);
        like(err.msg, b->error, "message names it: %s", b->name);
    }

    pm_err_init(&err);
    (void) snprintf(buf, sizeof(buf), "x\n-1 1\n1 0 1\n");
    buf[8] = '\0';
    rc = pm_scaler_parse(buf, 13, &s, &err);
    is_int(rc, PM_EFORMAT, "NUL byte refused");
}
