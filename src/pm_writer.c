
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <stdio.h>
#include <string.h>

#include "pm_text.h"
#include "pm_writer.h"


void
pm_writer_init(pm_writer_t *w, char *buf, size_t cap)
{
    w->p = buf;
    w->len = 0;
    w->cap = cap;
}


void
pm_put(pm_writer_t *w, const char *s, size_t n)
{
    size_t  room;

    if (w->len < w->cap) {
        room = w->cap - w->len;
        memcpy(w->p + w->len, s, n < room ? n : room);
    }

    w->len += n;
}


void
pm_puts(pm_writer_t *w, const char *s)
{
    pm_put(w, s, strlen(s));
}


void
pm_put_double(pm_writer_t *w, double v)
{
    size_t  n;
    char    buf[PM_JSON_NUM_SIZE];

    n = pm_format_number(v, buf);
    pm_put(w, buf, n);
}


void
pm_put_int(pm_writer_t *w, long v)
{
    char           buf[24], *p;
    unsigned long  u;

    p = buf + sizeof(buf);
    u = (v < 0) ? 0UL - (unsigned long) v : (unsigned long) v;

    do {
        *--p = (char) ('0' + u % 10);
        u /= 10;
    } while (u != 0);

    if (v < 0) {
        *--p = '-';
    }

    pm_put(w, p, (size_t) (buf + sizeof(buf) - p));
}


void
pm_put_string(pm_writer_t *w, const char *s)
{
    size_t                n;
    char                  esc[8];
    const unsigned char  *c;

    pm_put(w, "\"", 1);

    for (c = (const unsigned char *) s; *c != '\0'; c += n) {
        n = (*c < 0x80) ? 1 : pm_utf8_seq(c, c + 4);

        if (*c == '"' || *c == '\\') {
            esc[0] = '\\';
            esc[1] = (char) *c;
            pm_put(w, esc, 2);

        } else if (*c < 0x20 || *c == 0x7f) {
            (void) snprintf(esc, sizeof(esc), "\\u%04x", *c);
            pm_put(w, esc, 6);

        } else if (n == 0) {
            /* a truncated or invalid sequence is not passed on */
            pm_put(w, "?", 1);
            n = 1;

        } else {
            pm_put(w, (const char *) c, n);
        }
    }

    pm_put(w, "\"", 1);
}
