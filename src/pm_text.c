
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm_text.h"


static int pm_file_check(const pm_text_rules_t *rules, const char *buf,
    size_t from, size_t to, size_t *line_start, long *lines, pm_err_t *err);


/*
 * A file to read: opened without blocking (a FIFO or a device must never
 * hang the master, which loads files with its signals pending), then
 * refused at once unless it is a regular file of at most max bytes.
 * Returns the descriptor, or a negative PM_E*.
 */

int
pm_file_open(const char *path, size_t max, size_t *size, pm_err_t *err)
{
    int          fd;
    struct stat  st;

    fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        return pm_err_set(err, PM_EIO, "cannot open: %s", strerror(errno));
    }

    if (fstat(fd, &st) != 0) {
        (void) pm_err_set(err, PM_EIO, "cannot stat: %s", strerror(errno));
        (void) close(fd);
        return PM_EIO;
    }

    if (!S_ISREG(st.st_mode)) {
        (void) close(fd);
        return pm_err_set(err, PM_EIO, "not a regular file");
    }

    if ((unsigned long long) st.st_size > max) {
        (void) close(fd);
        return pm_err_set(err, PM_EFORMAT, "file too large: %lld bytes, "
                          "limit %zu", (long long) st.st_size, max);
    }

    *size = (size_t) st.st_size;

    return fd;
}


/* the text so far breaks a rule: a NUL, a line too long, a wrong start */

static int
pm_file_check(const pm_text_rules_t *rules, const char *buf, size_t from,
    size_t to, size_t *line_start, long *lines, pm_err_t *err)
{
    size_t       i, first;
    const char  *nul;

    nul = memchr(buf + from, '\0', to - from);
    if (nul != NULL) {
        return pm_err_set(err, PM_EFORMAT, "a NUL byte at offset %zu: not "
                          "a text file", (size_t) (nul - buf));
    }

    if (from == 0 && rules->first != NULL) {
        first = strspn(buf, " \t\r\n");

        if (first < to && strchr(rules->first, buf[first]) == NULL) {
            return pm_err_set(err, PM_EFORMAT, "not %s: it starts with "
                              "byte 0x%02x%s", rules->what,
                              (unsigned char) buf[first],
                              (buf[first] >= 'a' && buf[first] <= 'z')
                              ? ", as a libsvm model or range file does"
                              : "");
        }
    }

    for (i = from; rules->max_line != 0 && i < to; i++) {
        if (buf[i] == '\n') {
            *line_start = i + 1;
            (*lines)++;

        } else if (i - *line_start >= rules->max_line) {
            return pm_err_set(err, PM_EFORMAT, "line %ld: longer than %zu "
                              "bytes", *lines + 1, rules->max_line);
        }
    }

    return PM_OK;
}


/*
 * The whole file, NUL-terminated, checked against rules chunk by chunk as
 * it is read, so that a wrong file is refused after its first bytes, not
 * after all of them.
 */

int
pm_file_read(int fd, size_t size, const pm_text_rules_t *rules, char **buf,
    size_t *len, pm_err_t *err)
{
    int       rc;
    char     *p, *np;
    long      lines;
    size_t    got, want, cap, line_start;
    ssize_t   n;

    /* memory grows with what was read and checked, not with st_size */

    cap = (size < PM_READ_CHUNK) ? size : PM_READ_CHUNK;

    p = malloc(cap + 1);
    if (p == NULL) {
        return pm_err_set(err, PM_ENOMEM, "out of memory");
    }

    got = 0;
    lines = 0;
    line_start = 0;

    while (got < size) {
        if (got == cap) {
            cap = (cap > size / 2) ? size : cap * 2;

            np = realloc(p, cap + 1);
            if (np == NULL) {
                free(p);
                return pm_err_set(err, PM_ENOMEM, "out of memory");
            }

            p = np;
        }

        want = cap - got;
        want = (want > PM_READ_CHUNK) ? PM_READ_CHUNK : want;

        n = read(fd, p + got, want);

        if (n < 0 && errno == EINTR) {
            continue;
        }

        if (n <= 0) {
            free(p);
            return pm_err_set(err, PM_EIO, "read failed or file changed "
                              "size");
        }

        rc = pm_file_check(rules, p, got, got + (size_t) n, &line_start,
                           &lines, err);
        if (rc != PM_OK) {
            free(p);
            return rc;
        }

        got += (size_t) n;
    }

    p[size] = '\0';
    *buf = p;
    *len = size;

    return PM_OK;
}


int
pm_read_file(const char *path, const pm_text_rules_t *rules, char **buf,
    size_t *len, pm_err_t *err)
{
    int     fd, rc;
    size_t  size;

    fd = pm_file_open(path, rules->max, &size, err);
    if (fd < 0) {
        return fd;
    }

    rc = pm_file_read(fd, size, rules, buf, len, err);
    (void) close(fd);

    return rc;
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


/*
 * The one sanitizer of client text that reaches a message, and with it
 * the error log and the answer: at most PM_SAFE_TEXT bytes of valid UTF-8,
 * cut on a character boundary (then "..."), with control characters (C0,
 * DEL, C1), quotes and backslashes as '?', and invalid bytes as '?'.
 * out holds PM_SAFE_SIZE bytes; out and text may be the same.
 */

void
pm_safe_text(const char *text, char *out)
{
    char                 buf[PM_SAFE_SIZE];
    size_t               i, n;
    const unsigned char  *c;

    i = 0;

    for (c = (const unsigned char *) text; *c != '\0'; c += n) {
        n = (*c < 0x80) ? 1 : pm_utf8_seq(c, c + 4);

        if (i + (n ? n : 1) > PM_SAFE_TEXT) {
            memcpy(buf + i, "...", 3);
            i += 3;
            break;
        }

        if (n == 0 || *c < 0x20 || *c == 0x7f || *c == '"' || *c == '\\'
            || (*c == 0xc2 && c[1] < 0xa0))
        {
            buf[i++] = '?';
            n = (n == 0) ? 1 : n;
            continue;
        }

        memcpy(buf + i, c, n);
        i += n;
    }

    buf[i] = '\0';
    memcpy(out, buf, i + 1);
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
