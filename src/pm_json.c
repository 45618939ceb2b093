
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_json.h"
#include "pm_text.h"


static int pm_json_hex4(const char *p, unsigned *v);


static const double  pm_pow10[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
    1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};


/* errors name the line and column, counted only when one happens */

int
pm_json_error(pm_json_t *j, int code, const char *at, const char *msg)
{
    long  line, column;

    if (at > j->end) {
        at = j->end;
    }

    pm_json_where(j->start, (size_t) (at - j->start), &line, &column);

    j->err->line = line;
    j->err->column = column;

    return pm_err_set(j->err, code, "invalid JSON at line %ld, column %ld: "
                      "%s", line, column, msg);
}


void
pm_json_ws(pm_json_t *j)
{
    while (j->p < j->end
           && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n'
               || *j->p == '\r'))
    {
        j->p++;
    }
}


/* room for element n; never more than limit elements (0: no limit) */

void *
pm_json_grow(pm_json_t *j, void *old, size_t n, size_t *cap, size_t size,
    size_t limit)
{
    void    *p;
    size_t   c;

    if (n < *cap) {
        return old;
    }

    c = *cap ? *cap * 2 : 16;

    if (limit != 0 && c > limit) {
        c = limit;
    }

    p = pm_alloc(j->a, c * size);
    if (p == NULL) {
        return NULL;
    }

    if (old != NULL) {
        memcpy(p, old, n * size);
    }

    *cap = c;

    return p;
}


static int
pm_json_hex4(const char *p, unsigned *v)
{
    int       i;
    unsigned  c;

    *v = 0;

    for (i = 0; i < 4; i++) {
        c = (unsigned char) p[i];

        if (c >= '0' && c <= '9') {
            c -= '0';
        } else if (c >= 'a' && c <= 'f') {
            c -= 'a' - 10;
        } else if (c >= 'A' && c <= 'F') {
            c -= 'A' - 10;
        } else {
            return -1;
        }

        *v = *v * 16 + c;
    }

    return 0;
}


int
pm_json_string(pm_json_t *j, const char **out)
{
    char                 *o, *buf;
    size_t                n;
    unsigned              cp, lo;
    const char           *at;
    const unsigned char  *p, *end, *q;

    at = j->p;
    p = (const unsigned char *) j->p + 1;
    end = (const unsigned char *) j->end;

    /* the unescaped text is never longer than the escaped one */

    for (q = p; q < end && *q != '"'; q++) {
        if (*q == '\\' && q + 1 < end) {
            q++;
        }
    }

    if (q >= end) {
        return pm_json_error(j, PM_EJSON, at, "unterminated string");
    }

    buf = (out != NULL) ? pm_alloc(j->a, (size_t) (q - p) + 1) : NULL;
    if (out != NULL && buf == NULL) {
        return pm_err_set(j->err, PM_ENOMEM, "out of memory");
    }

    o = buf;

    while (*p != '"') {
        if (*p < 0x20) {
            return pm_json_error(j, PM_EJSON, (const char *) p,
                                 "control character in a string");
        }

        if (*p >= 0x80) {
            n = pm_utf8_seq(p, end);
            if (n == 0) {
                return pm_json_error(j, PM_EJSON, (const char *) p,
                                     "invalid UTF-8 in a string");
            }

            if (o != NULL) {
                memcpy(o, p, n);
                o += n;
            }

            p += n;
            continue;
        }

        if (*p != '\\') {
            if (o != NULL) {
                *o++ = (char) *p;
            }

            p++;
            continue;
        }

        p++;

        switch (*p) {
        case '"':  cp = '"'; break;
        case '\\': cp = '\\'; break;
        case '/':  cp = '/'; break;
        case 'b':  cp = '\b'; break;
        case 'f':  cp = '\f'; break;
        case 'n':  cp = '\n'; break;
        case 'r':  cp = '\r'; break;
        case 't':  cp = '\t'; break;

        case 'u':
            if (end - p < 5 || pm_json_hex4((const char *) p + 1, &cp) != 0) {
                return pm_json_error(j, PM_EJSON, (const char *) p - 1,
                                     "invalid \\u escape");
            }

            p += 4;

            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return pm_json_error(j, PM_EJSON, (const char *) p - 5,
                                     "a lone low surrogate");
            }

            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (end - p < 7 || p[1] != '\\' || p[2] != 'u'
                    || pm_json_hex4((const char *) p + 3, &lo) != 0
                    || lo < 0xdc00 || lo > 0xdfff)
                {
                    return pm_json_error(j, PM_EJSON, (const char *) p - 5,
                                         "a high surrogate without its low "
                                         "half");
                }

                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                p += 6;
            }

            if (cp == 0) {
                return pm_json_error(j, PM_EJSON, (const char *) p - 5,
                                     "\\u0000 is not allowed");
            }

            break;

        default:
            return pm_json_error(j, PM_EJSON, (const char *) p - 1,
                                 "invalid escape");
        }

        p++;

        if (o == NULL) {
            continue;
        }

        if (cp < 0x80) {
            *o++ = (char) cp;
        } else if (cp < 0x800) {
            *o++ = (char) (0xc0 | (cp >> 6));
            *o++ = (char) (0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            *o++ = (char) (0xe0 | (cp >> 12));
            *o++ = (char) (0x80 | ((cp >> 6) & 0x3f));
            *o++ = (char) (0x80 | (cp & 0x3f));
        } else {
            *o++ = (char) (0xf0 | (cp >> 18));
            *o++ = (char) (0x80 | ((cp >> 12) & 0x3f));
            *o++ = (char) (0x80 | ((cp >> 6) & 0x3f));
            *o++ = (char) (0x80 | (cp & 0x3f));
        }
    }

    if (o != NULL) {
        *o = '\0';
        *out = buf;
    }

    j->p = (const char *) p + 1;

    return PM_OK;
}


/*
 * RFC 8259 numbers.  Up to 15 significant digits and a decimal exponent
 * within 22, one exact IEEE operation gives the correctly rounded double
 * (Clinger's fast path); anything longer goes to strtod().
 */

int
pm_json_number(pm_json_t *j, double *out)
{
    int          neg, digits, frac, e, esign, exp10, capped;
    char         tmp[64], *copy, *endp;
    double       v;
    size_t       len;
    uint64_t     m;
    const char  *p, *start, *end;

    start = j->p;
    p = start;
    end = j->end;
    neg = 0;
    m = 0;
    digits = 0;
    frac = 0;
    e = 0;
    capped = 0;

    if (p < end && *p == '-') {
        neg = 1;
        p++;
    }

    if (p >= end || *p < '0' || *p > '9') {
        return pm_json_error(j, PM_EJSON, start, "invalid number");
    }

    if (*p == '0') {
        p++;

    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            if (digits < 19) {
                m = m * 10 + (uint64_t) (*p - '0');
                if (m != 0) {
                    digits++;
                }
            } else if (digits < 100000) {
                digits++;
            }
            p++;
        }
    }

    if (p < end && *p == '.') {
        p++;

        if (p >= end || *p < '0' || *p > '9') {
            return pm_json_error(j, PM_EJSON, start, "invalid number");
        }

        while (p < end && *p >= '0' && *p <= '9') {
            if (digits < 19 && frac < 100000) {
                m = m * 10 + (uint64_t) (*p - '0');
                frac++;
                if (m != 0) {
                    digits++;
                }
            } else if (digits < 100000) {
                digits++;
            }
            p++;
        }
    }

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        esign = 1;

        if (p < end && (*p == '+' || *p == '-')) {
            esign = (*p == '-') ? -1 : 1;
            p++;
        }

        if (p >= end || *p < '0' || *p > '9') {
            return pm_json_error(j, PM_EJSON, start, "invalid number");
        }

        while (p < end && *p >= '0' && *p <= '9') {
            if (e < 100000) {
                e = e * 10 + (*p - '0');
            } else {
                capped = 1;
            }
            p++;
        }

        e *= esign;
    }

    j->p = p;
    exp10 = e - frac;

    /*
     * The fast path trusts exp10 only when the exponent was read whole: a
     * capped one (with a fraction of many zeros) is strtod()'s to judge,
     * so that a non-finite number never comes out finite.
     */

    if (digits <= 15 && !capped && exp10 >= -22 && exp10 <= 22) {
        v = (double) m;
        v = (exp10 < 0) ? v / pm_pow10[-exp10] : v * pm_pow10[exp10];
        *out = neg ? -v : v;
        return PM_OK;
    }

    len = (size_t) (p - start);
    copy = (len < sizeof(tmp)) ? tmp : pm_alloc(j->a, len + 1);
    if (copy == NULL) {
        return pm_err_set(j->err, PM_ENOMEM, "out of memory");
    }

    memcpy(copy, start, len);
    copy[len] = '\0';

    /* strtod() follows LC_NUMERIC; nginx and our tools never change it */

    errno = 0;
    v = strtod(copy, &endp);

    /* past a double's range, strtod() gives HUGE_VAL: the reader names it */

    *out = v;

    return PM_OK;
}


int
pm_json_literal(pm_json_t *j, const char *word, size_t len)
{
    if ((size_t) (j->end - j->p) < len || memcmp(j->p, word, len) != 0) {
        return pm_json_error(j, PM_EJSON, j->p, "invalid literal");
    }

    j->p += len;

    return PM_OK;
}


/*
 * Validates any value, however nested, with an explicit stack; *type
 * names what it was.
 */

int
pm_json_skip(pm_json_t *j, const char **type)
{
    int            rc, depth;
    double         v;
    unsigned char  stack[PM_JSON_MAX_DEPTH];

    depth = 0;

    for ( ;; ) {
        pm_json_ws(j);

        if (j->p >= j->end) {
            return pm_json_error(j, PM_EJSON, j->p, "unexpected end of "
                                 "input");
        }

        /* a value */

        switch (*j->p) {

        case '{':
        case '[':
            if (depth == 0) {
                *type = (*j->p == '{') ? "an object" : "an array";
            }

            if (depth == PM_JSON_MAX_DEPTH) {
                return pm_json_error(j, PM_EJSON, j->p, "nesting deeper "
                                     "than 2048 levels");
            }

            stack[depth++] = (unsigned char) *j->p;
            j->p++;
            pm_json_ws(j);

            if (j->p < j->end && *j->p == (stack[depth - 1] == '{' ? '}'
                                                                  : ']'))
            {
                j->p++;
                depth--;
                goto close;
            }

            if (stack[depth - 1] == '{') {
                goto key;
            }

            continue;

        case '"':
            rc = pm_json_string(j, NULL);
            if (depth == 0) {
                *type = "a string";
            }
            break;

        case 't':
            rc = pm_json_literal(j, "true", 4);
            if (depth == 0) {
                *type = "a boolean";
            }
            break;

        case 'f':
            rc = pm_json_literal(j, "false", 5);
            if (depth == 0) {
                *type = "a boolean";
            }
            break;

        case 'n':
            rc = pm_json_literal(j, "null", 4);
            if (depth == 0) {
                *type = "null";
            }
            break;

        default:
            rc = pm_json_number(j, &v);
            if (depth == 0) {
                *type = "a number";
            }
            break;
        }

        if (rc != PM_OK) {
            return rc;
        }

    close:

        /* after a value: the end, a comma, or closings */

        for ( ;; ) {
            if (depth == 0) {
                return PM_OK;
            }

            pm_json_ws(j);

            if (j->p >= j->end) {
                return pm_json_error(j, PM_EJSON, j->p, "unexpected end of "
                                     "input");
            }

            if (*j->p == ',') {
                j->p++;

                if (stack[depth - 1] == '{') {
                    goto key;
                }

                break;
            }

            if (*j->p != (stack[depth - 1] == '{' ? '}' : ']')) {
                return pm_json_error(j, PM_EJSON, j->p, "',' or a closing "
                                     "bracket expected");
            }

            j->p++;
            depth--;
        }

        continue;

    key:

        rc = pm_json_key(j, NULL);
        if (rc != PM_OK) {
            return rc;
        }
    }
}


/* an object's key and its colon; the key's text to *key unless NULL */

int
pm_json_key(pm_json_t *j, const char **key)
{
    int  rc;

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '"') {
        return pm_json_error(j, PM_EJSON, j->p, "a string key expected");
    }

    rc = pm_json_string(j, key);
    if (rc != PM_OK) {
        return rc;
    }

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != ':') {
        return pm_json_error(j, PM_EJSON, j->p, "':' expected");
    }

    j->p++;

    return PM_OK;
}


/*
 * After a value in an array or object that close ends: 1 past a comma
 * (a value follows), 0 past the closing bracket, or an error code.
 */

int
pm_json_next(pm_json_t *j, char close)
{
    pm_json_ws(j);

    if (j->p < j->end && *j->p == ',') {
        j->p++;
        return 1;
    }

    if (j->p < j->end && *j->p == close) {
        j->p++;
        return 0;
    }

    return pm_json_error(j, PM_EJSON, j->p, (close == '}')
                         ? "',' or '}' expected" : "',' or ']' expected");
}


/*
 * An instance: an array of values or an object of them, else its type.
 * Past max_values (0: no limit) values are checked and counted, not kept.
 */

int
pm_json_instance(pm_json_t *j, size_t max_values, pm_instance_t *inst)
{
    int            rc, object;
    size_t         cap;
    const char    *key, *at;
    pm_value_t    *v, spare;

    memset(inst, 0, sizeof(pm_instance_t));
    inst->doc = j->start;
    pm_json_ws(j);

    if (j->p >= j->end || (*j->p != '[' && *j->p != '{')) {
        return pm_json_skip(j, &inst->type);
    }

    object = (*j->p == '{');
    inst->is_array = !object;
    j->p++;
    cap = 0;

    pm_json_ws(j);

    if (j->p < j->end && *j->p == (object ? '}' : ']')) {
        j->p++;
        return PM_OK;
    }

    for ( ;; ) {
        key = NULL;
        pm_json_ws(j);
        at = j->p;

        if (object) {
            rc = pm_json_key(j, &key);
            if (rc != PM_OK) {
                return rc;
            }
        }

        if (max_values != 0 && inst->n >= max_values) {

            /* more values than features: an error; checked, not kept */

            v = &spare;

        } else {
            inst->v = pm_json_grow(j, inst->v, inst->n, &cap,
                                   sizeof(pm_value_t), max_values);
            if (inst->v == NULL) {
                return pm_err_set(j->err, PM_ENOMEM, "out of memory");
            }

            v = &inst->v[inst->n++];
        }

        inst->total++;
        v->key = key;
        v->at = (unsigned) (at - j->start);

        rc = pm_json_value(j, v);
        if (rc != PM_OK) {
            return rc;
        }

        rc = pm_json_next(j, object ? '}' : ']');
        if (rc <= 0) {
            return rc;
        }
    }
}



/* a value; arrays, objects and booleans are validated and named only */

int
pm_json_value(pm_json_t *j, pm_value_t *v)
{
    pm_json_ws(j);

    if (j->p >= j->end) {
        return pm_json_error(j, PM_EJSON, j->p, "unexpected end of input");
    }

    switch (*j->p) {

    case '"':
        v->kind = PM_VAL_STRING;
        return pm_json_string(j, &v->str);

    case 'n':
        v->kind = PM_VAL_NULL;
        return pm_json_literal(j, "null", 4);

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        v->kind = PM_VAL_NUMBER;

        if (pm_json_number(j, &v->num) != PM_OK) {
            return j->err->code;
        }

        if (!isfinite(v->num)) {
            v->kind = PM_VAL_OTHER;     /* named by whoever reads it */
            v->str = pm_json_overflow;
        }

        return PM_OK;

    default:
        v->kind = PM_VAL_OTHER;
        return pm_json_skip(j, &v->str);
    }
}


/*
 * A request body that must be one object: an empty one is refused saying
 * what to send, another value saying what it is and what the object
 * holds; members(j, data) reads the object's members after its '{', and
 * nothing may follow it.
 */

int
pm_json_body(pm_json_t *j, const char *send, const char *expect,
    int (*members)(pm_json_t *j, void *data), void *data)
{
    int          rc;
    const char  *type;

    pm_json_ws(j);

    if (j->p == j->end) {
        return pm_err_set(j->err, PM_EEMPTY, "empty request body: send %s",
                          send);
    }

    if (*j->p != '{') {
        rc = pm_json_skip(j, &type);
        if (rc == PM_OK) {
            rc = pm_json_end(j);
        }

        return (rc != PM_OK) ? rc
               : pm_err_set(j->err, PM_ESHAPE, "the body is %s; expected an "
                            "object with %s", type, expect);
    }

    j->p++;

    rc = members(j, data);

    return (rc == PM_OK) ? pm_json_end(j) : rc;
}


/* the line and column of the byte at offset at of a document */

void
pm_json_where(const char *doc, size_t at, long *line, long *column)
{
    const char  *p;

    *line = 1;
    *column = 1;

    for (p = doc; p < doc + at; p++) {
        if (*p == '\n') {
            (*line)++;
            *column = 1;
        } else {
            (*column)++;
        }
    }
}


/* a number past a double's range, as pm_json_value() reads it */

const char  pm_json_overflow[] = "a number that overflows a double";


/* what a value is, for messages: "a number", "an array"... */

const char *
pm_value_type(const pm_value_t *v)
{
    switch (v->kind) {

    case PM_VAL_NULL:
        return "null";

    case PM_VAL_NUMBER:
        return "a number";

    case PM_VAL_STRING:
        return "a string";

    default:
        return v->str;
    }
}


void
pm_json_init(pm_json_t *j, const char *buf, size_t len, pm_alloc_t *a,
    pm_err_t *err)
{
    if (buf == NULL) {
        buf = "";       /* no body at all: no pointer arithmetic on NULL */
        len = 0;
    }

    j->start = buf;
    j->p = buf;
    j->end = buf + len;
    j->a = a;
    j->err = err;
}


/* only blanks left: 0, else an error at the first byte past the value */

int
pm_json_end(pm_json_t *j)
{
    pm_json_ws(j);

    if (j->p != j->end) {
        return pm_json_error(j, PM_EJSON, j->p, "end of input expected");
    }

    return PM_OK;
}
