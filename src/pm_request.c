
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pm_request.h"


typedef struct {
    const char         *start;
    const char         *p;
    const char         *end;
    pm_alloc_t         *a;
    pm_err_t           *err;
    size_t              max_values;   /* stored per instance; 0: all */
} pm_json_t;


static int pm_json_error(pm_json_t *j, int code, const char *at,
    const char *msg);
static void pm_json_ws(pm_json_t *j);
static int pm_json_string(pm_json_t *j, const char **out);
static int pm_json_number(pm_json_t *j, double *out);
static int pm_json_literal(pm_json_t *j, const char *word, size_t len);
static int pm_json_skip(pm_json_t *j, const char **type);
static int pm_json_key(pm_json_t *j, const char **key);
static int pm_json_next(pm_json_t *j, char close);
static int pm_json_batch(pm_json_t *j, pm_request_t *req,
    size_t max_instances, size_t *count, const char **type);
static int pm_json_scalar(pm_json_t *j, pm_jvalue_t *v);
static int pm_json_instance(pm_json_t *j, pm_jinst_t *inst);
static void *pm_json_grow(pm_json_t *j, void *old, size_t n, size_t *cap,
    size_t size, size_t limit);
static int pm_node_cmp(const void *a, const void *b);


static const double  pm_pow10[] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
    1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};


/* errors name the line and column, counted only when one happens */

static int
pm_json_error(pm_json_t *j, int code, const char *at, const char *msg)
{
    long         line, column;
    const char  *p;

    line = 1;
    column = 1;

    for (p = j->start; p < at && p < j->end; p++) {
        if (*p == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
    }

    j->err->line = line;
    j->err->column = column;

    if (code == PM_EVALUE) {
        return pm_err_set(j->err, code, "number out of range at line %ld, "
                          "column %ld", line, column);
    }

    return pm_err_set(j->err, code, "invalid JSON at line %ld, column %ld: "
                      "%s", line, column, msg);
}


static void
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

static void *
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


/* the length of a valid UTF-8 sequence at p (RFC 3629), or 0 */

static size_t
pm_utf8_seq(const unsigned char *p, const unsigned char *end)
{
    size_t         n, i;
    unsigned char  lo, hi;

    lo = 0x80;
    hi = 0xbf;

    if (*p >= 0xc2 && *p <= 0xdf) {
        n = 2;
    } else if (*p == 0xe0) {
        n = 3;
        lo = 0xa0;
    } else if (*p == 0xed) {
        n = 3;
        hi = 0x9f;          /* no surrogates */
    } else if (*p >= 0xe1 && *p <= 0xef) {
        n = 3;
    } else if (*p == 0xf0) {
        n = 4;
        lo = 0x90;
    } else if (*p >= 0xf1 && *p <= 0xf3) {
        n = 4;
    } else if (*p == 0xf4) {
        n = 4;
        hi = 0x8f;          /* nothing past U+10FFFF */
    } else {
        return 0;
    }

    if ((size_t) (end - p) < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    return n;
}


static int
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

static int
pm_json_number(pm_json_t *j, double *out)
{
    int          neg, digits, frac, e, esign, exp10;
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
            } else {
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
            if (digits < 19) {
                m = m * 10 + (uint64_t) (*p - '0');
                frac++;
                if (m != 0) {
                    digits++;
                }
            } else {
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
            }
            p++;
        }

        e *= esign;
    }

    j->p = p;
    exp10 = e - frac;

    if (digits <= 15 && exp10 >= -22 && exp10 <= 22) {
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

    if (errno == ERANGE && fabs(v) > 1) {
        return pm_json_error(j, PM_EVALUE, start, NULL);
    }

    *out = v;

    return PM_OK;
}


static int
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

static int
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

static int
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

static int
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


static int
pm_json_scalar(pm_json_t *j, pm_jvalue_t *v)
{
    pm_json_ws(j);

    if (j->p >= j->end) {
        return pm_json_error(j, PM_EJSON, j->p, "unexpected end of input");
    }

    switch (*j->p) {

    case '"':
        v->kind = PM_JV_STRING;
        v->type = "a string";
        return pm_json_string(j, &v->str);

    case 'n':
        v->kind = PM_JV_NULL;
        v->type = "null";
        return pm_json_literal(j, "null", 4);

    case '-':
    case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
        v->kind = PM_JV_NUMBER;
        v->type = "a number";
        return pm_json_number(j, &v->num);

    default:
        v->kind = PM_JV_OTHER;
        return pm_json_skip(j, &v->type);
    }
}


/* an instance: an array of values or an object of them, else its type */

static int
pm_json_instance(pm_json_t *j, pm_jinst_t *inst)
{
    int           rc, object;
    size_t        cap;
    const char   *key;
    pm_jvalue_t  *v, spare;

    memset(inst, 0, sizeof(pm_jinst_t));
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

        if (object) {
            rc = pm_json_key(j, &key);
            if (rc != PM_OK) {
                return rc;
            }
        }

        if (j->max_values != 0 && inst->n >= j->max_values) {

            /* more values than features: an error; checked, not kept */

            v = &spare;

        } else {
            inst->v = pm_json_grow(j, inst->v, inst->n, &cap,
                                   sizeof(pm_jvalue_t), j->max_values);
            if (inst->v == NULL) {
                return pm_err_set(j->err, PM_ENOMEM, "out of memory");
            }

            v = &inst->v[inst->n++];
        }

        inst->total++;
        v->key = key;

        rc = pm_json_scalar(j, v);
        if (rc != PM_OK) {
            return rc;
        }

        rc = pm_json_next(j, object ? '}' : ']');
        if (rc <= 0) {
            return rc;
        }
    }
}


/*
 * "instances": an array of instances, the first max_instances kept, all
 * checked and counted in *count; *type names anything but an array.
 */

static int
pm_json_batch(pm_json_t *j, pm_request_t *req, size_t max_instances,
    size_t *count, const char **type)
{
    int          rc;
    size_t       cap;
    const char  *skipped;

    pm_json_ws(j);

    if (j->p >= j->end || *j->p != '[') {
        return pm_json_skip(j, type);
    }

    j->p++;
    pm_json_ws(j);

    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return PM_OK;
    }

    cap = 0;

    do {
        if (++*count > max_instances) {

            /* past the limit: checked, not kept */

            rc = pm_json_skip(j, &skipped);

        } else {
            req->inst = pm_json_grow(j, req->inst, req->n, &cap,
                                     sizeof(pm_jinst_t), max_instances);
            if (req->inst == NULL) {
                return pm_err_set(j->err, PM_ENOMEM, "out of memory");
            }

            rc = pm_json_instance(j, &req->inst[req->n++]);
        }

        if (rc != PM_OK) {
            return rc;
        }

        rc = pm_json_next(j, ']');

    } while (rc > 0);

    return rc;
}


int
pm_request_parse(const char *buf, size_t len, size_t max_instances,
    size_t max_values, pm_alloc_t *a, pm_request_t *req, pm_err_t *err)
{
    int           rc, have_features, have_instances, have_unknown;
    size_t        i, count;
    const char   *key, *type, *instances_type, *at;
    pm_json_t     j;
    pm_jinst_t    single;
    char          unknown[48];

    memset(req, 0, sizeof(pm_request_t));

    if (buf == NULL) {
        buf = "";       /* no body at all: no pointer arithmetic on NULL */
        len = 0;
    }

    j.start = buf;
    j.p = buf;
    j.end = buf + len;
    j.a = a;
    j.err = err;
    j.max_values = max_values;
    count = 0;

    pm_json_ws(&j);

    if (j.p == j.end) {
        return pm_err_set(err, PM_EEMPTY, "empty request body: send "
                          "{\"features\": [...]} or {\"instances\": [...]}");
    }

    if (*j.p != '{') {
        rc = pm_json_skip(&j, &type);
        if (rc != PM_OK) {
            return rc;
        }

        pm_json_ws(&j);

        if (j.p != j.end) {
            return pm_json_error(&j, PM_EJSON, j.p, "end of input "
                                 "expected");
        }

        return pm_err_set(err, PM_ESHAPE, "the body is %s; expected an "
                          "object with \"features\" or \"instances\"", type);
    }

    j.p++;
    have_features = 0;
    have_instances = 0;
    instances_type = NULL;
    have_unknown = 0;
    unknown[0] = '\0';

    pm_json_ws(&j);

    if (j.p < j.end && *j.p == '}') {
        j.p++;
        goto done;
    }

    for ( ;; ) {
        pm_json_ws(&j);
        at = j.p;

        rc = pm_json_key(&j, &key);
        if (rc != PM_OK) {
            return rc;
        }

        if ((strcmp(key, "features") == 0 && have_features)
            || (strcmp(key, "instances") == 0 && have_instances))
        {
            return pm_json_error(&j, PM_EJSON, at, "duplicate object key");
        }

        if (strcmp(key, "features") == 0) {
            have_features = 1;
            rc = pm_json_instance(&j, &single);

        } else if (strcmp(key, "instances") == 0) {
            have_instances = 1;
            rc = pm_json_batch(&j, req, max_instances, &count,
                               &instances_type);

        } else {
            if (!have_unknown) {
                have_unknown = 1;
                pm_safe_text(key, unknown, sizeof(unknown));
            }

            rc = pm_json_skip(&j, &type);
        }

        if (rc != PM_OK) {
            return rc;
        }

        rc = pm_json_next(&j, '}');
        if (rc < 0) {
            return rc;
        }

        if (rc == 0) {
            break;
        }
    }

done:

    pm_json_ws(&j);

    if (j.p != j.end) {
        return pm_json_error(&j, PM_EJSON, j.p, "end of input expected");
    }

    /* valid JSON: now the shape */

    if (have_unknown) {
        return pm_err_set(err, PM_ESHAPE, "unknown key \"%s\"; expected "
                          "\"features\" or \"instances\"", unknown);
    }

    if (have_features && have_instances) {
        return pm_err_set(err, PM_ESHAPE, "send either \"features\" or "
                          "\"instances\", not both");
    }

    if (have_features) {
        if (single.type != NULL) {
            return pm_err_set(err, PM_ESHAPE, "\"features\" is %s; expected "
                              "an array or an object", single.type);
        }

        req->inst = pm_alloc(a, sizeof(pm_jinst_t));
        if (req->inst == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        req->inst[0] = single;
        req->n = 1;

        return PM_OK;
    }

    if (!have_instances) {
        return pm_err_set(err, PM_ESHAPE, "the body has neither "
                          "\"features\" nor \"instances\"");
    }

    if (instances_type != NULL) {
        return pm_err_set(err, PM_ESHAPE, "\"instances\" is %s; expected an "
                          "array", instances_type);
    }

    req->batch = 1;

    if (count > max_instances) {
        return pm_err_set(err, PM_ETOOMANY, "%zu instances, more than the "
                          "limit of %zu", count, max_instances);
    }

    for (i = 0; i < req->n; i++) {
        if (req->inst[i].type != NULL) {
            err->instance = (long) i;
            return pm_err_set(err, PM_ESHAPE, "instances[%zu] is %s; "
                              "expected an array or an object", i,
                              req->inst[i].type);
        }
    }

    return PM_OK;
}


static int
pm_node_cmp(const void *a, const void *b)
{
    const struct svm_node  *x = a, *y = b;

    return (x->index > y->index) - (x->index < y->index);
}


/*
 * An instance by libsvm index: raw (room for inst->n nodes) receives its
 * non-zero features in ascending order; returns how many.
 */

int
pm_request_features(const pm_jinst_t *inst, int nfeatures,
    struct svm_node *raw, pm_err_t *err)
{
    int                 n, k;
    long                index;
    size_t              i;
    char               *end;
    const pm_jvalue_t  *v;
    char                safe[48];

    if (inst->is_array && inst->total != (size_t) nfeatures) {
        return pm_err_set(err, PM_ECOUNT, "expected %d features, got %zu",
                          nfeatures, inst->total);
    }

    n = 0;

    for (i = 0; i < inst->n; i++) {
        v = &inst->v[i];

        if (inst->is_array) {
            index = (long) i + 1;

        } else {

            /* canonical decimal only, so each index has one key */

            index = 0;
            end = (char *) v->key;

            if (*v->key >= '1' && *v->key <= '9' && strlen(v->key) <= 9) {
                index = strtol(v->key, &end, 10);
            }

            if (*end != '\0' || index < 1 || index > nfeatures) {
                pm_safe_text(v->key, safe, sizeof(safe));
                return pm_err_set(err, PM_EINDEX, "feature key \"%s\" is not "
                                  "a feature index in 1..%d", safe,
                                  nfeatures);
            }
        }

        if (v->kind != PM_JV_NUMBER) {
            err->feature = (int) index;
            return pm_err_set(err, PM_EVALUE, "feature %ld is %s; expected "
                              "a number", index, v->type);
        }

        raw[n].index = (int) index;
        raw[n].value = v->num;
        n++;
    }

    if (!inst->is_array) {
        qsort(raw, (size_t) n, sizeof(struct svm_node), pm_node_cmp);

        for (k = 1; k < n; k++) {
            if (raw[k].index == raw[k - 1].index) {
                return pm_err_set(err, PM_EJSON, "invalid JSON: duplicate "
                                  "object key \"%d\"", raw[k].index);
            }
        }

        /* the keys past the parser's cap: more than there are features */

        if (inst->total > (size_t) nfeatures) {
            return pm_err_set(err, PM_ECOUNT, "%zu feature keys for %d "
                              "features", inst->total, nfeatures);
        }
    }

    /* zeros are absent in libsvm's sparse vectors */

    for (i = 0, k = 0; (int) i < n; i++) {
        if (raw[i].value != 0) {
            raw[k++] = raw[i];
        }
    }

    return k;
}
