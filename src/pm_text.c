
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pm_text.h"


int
pm_read_file(const char *path, size_t max, char **buf, size_t *len,
    pm_err_t *err)
{
    char         *p;
    FILE         *fp;
    size_t        n, size;
    struct stat   st;

    fp = fopen(path, "rb");
    if (fp == NULL) {
        return pm_err_set(err, PM_EIO, "cannot open: %s", strerror(errno));
    }

    if (fstat(fileno(fp), &st) != 0) {
        (void) fclose(fp);
        return pm_err_set(err, PM_EIO, "cannot stat: %s", strerror(errno));
    }

    if (!S_ISREG(st.st_mode)) {
        (void) fclose(fp);
        return pm_err_set(err, PM_EIO, "not a regular file");
    }

    if ((unsigned long long) st.st_size > max) {
        (void) fclose(fp);
        return pm_err_set(err, PM_EFORMAT, "file too large: %lld bytes, "
                          "limit %zu", (long long) st.st_size, max);
    }

    size = (size_t) st.st_size;

    p = malloc(size + 1);
    if (p == NULL) {
        (void) fclose(fp);
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    n = fread(p, 1, size, fp);

    if (ferror(fp) || n != size) {
        free(p);
        (void) fclose(fp);
        return pm_err_set(err, PM_EIO, "read failed or file changed size");
    }

    (void) fclose(fp);

    p[size] = '\0';
    *buf = p;
    *len = size;

    return PM_OK;
}


/*
 * The one reader of a number in text files, CSV cells and arguments: a
 * finite double, nothing past it but the end of the string, or, with end,
 * a blank.  strtod() follows LC_NUMERIC; nginx and our tools never change
 * it.  Returns 0, or -1 if s is not such a number.
 */

int
pm_number(const char *s, char **end, double *v)
{
    char  *e;

    errno = 0;
    *v = strtod(s, &e);

    if (e == s || errno == ERANGE || !isfinite(*v)) {
        return -1;
    }

    if (end != NULL) {
        if (*e != '\0' && *e != ' ' && *e != '\t') {
            return -1;
        }

        *end = e;

    } else if (*e != '\0') {
        return -1;
    }

    return 0;
}


int
pm_integer(const char *s, long min, long max, long *v)
{
    long   n;
    char  *end;

    errno = 0;
    n = strtol(s, &end, 10);

    if (end == s || *end != '\0' || errno == ERANGE || n < min || n > max) {
        return -1;
    }

    *v = n;

    return 0;
}


char *
pm_strdup(const char *s)
{
    size_t  n;
    char   *p;

    n = strlen(s) + 1;
    p = malloc(n);

    if (p != NULL) {
        memcpy(p, s, n);
    }

    return p;
}


void
pm_lines_init(pm_lines_t *ls, const char *buf, size_t len)
{
    memset(ls, 0, sizeof(pm_lines_t));
    ls->p = buf;
    ls->end = buf + len;
}


/*
 * The next line of a text file held in memory, NUL-terminated in ls->buf.
 * Returns 1, 0 at the end, or a PM_E* code.
 */

int
pm_lines_next(pm_lines_t *ls, pm_err_t *err)
{
    size_t       n;
    const char  *nl, *start;
    char        *nb;

    if (ls->p >= ls->end) {
        return 0;
    }

    start = ls->p;
    nl = memchr(start, '\n', (size_t) (ls->end - start));

    if (nl == NULL) {
        n = (size_t) (ls->end - start);
        ls->p = ls->end;

    } else {
        n = (size_t) (nl - start);
        ls->p = nl + 1;
    }

    ls->line++;

    if (n > PM_MAX_LINE) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: longer than %d bytes",
                          ls->line, PM_MAX_LINE);
    }

    if (memchr(start, '\0', n) != NULL) {
        return pm_err_set(err, PM_EFORMAT, "line %ld: NUL byte", ls->line);
    }

    if (n + 1 > ls->cap) {
        nb = realloc(ls->buf, n + 1);
        if (nb == NULL) {
            return pm_err_set(err, PM_ENOMEM, "out of memory");
        }

        ls->buf = nb;
        ls->cap = n + 1;
    }

    memcpy(ls->buf, start, n);

    /* as libsvm's own tokenizer: trailing CR and blanks are not data */

    while (n > 0
           && (ls->buf[n - 1] == '\r' || ls->buf[n - 1] == ' '
               || ls->buf[n - 1] == '\t'))
    {
        n--;
    }

    ls->buf[n] = '\0';

    return 1;
}


void
pm_lines_free(pm_lines_t *ls)
{
    free(ls->buf);
    ls->buf = NULL;
    ls->cap = 0;
}


/* client text echoed in a message: printable ASCII only, bounded */

void
pm_safe_text(const char *text, char *out, size_t size)
{
    size_t  i;

    for (i = 0; text[i] != '\0' && i + 1 < size; i++) {
        out[i] = (text[i] >= 0x20 && text[i] < 0x7f && text[i] != '"')
                 ? text[i] : '?';
    }

    if (text[i] != '\0' && i >= 3) {
        memcpy(out + i - 3, "...", 3);
    }

    out[i] = '\0';
}


/*
 * The one UTF-8 validator: the length of the valid sequence at p (RFC
 * 3629: no overlongs, no surrogates, nothing past U+10FFFF), or 0.  On a
 * NUL-terminated string end may lie past the NUL: a NUL is never a
 * continuation byte, so nothing past it is read.
 */

size_t
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
