
/*
 * Copyright (C) ngx_http_predict_module authors
 */


#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pm_enum.h"
#include "pm_json.h"
#include "pm_text.h"
#include "tap.h"


static int number(const char *text, double *v);


/* one JSON number through the tokenizer */

static int
number(const char *text, double *v)
{
    int          rc;
    pm_err_t     err;
    pm_json_t    j;
    pm_alloc_t   a;
    pm_arena_t  *arena;

    arena = pm_arena_create();
    pm_arena_allocator(arena, &a);
    pm_err_init(&err);
    pm_json_init(&j, text, strlen(text), &a, &err);

    rc = pm_json_number(&j, v);
    pm_arena_destroy(arena);

    return rc;
}


void
test_text(void)
{
    int               rc;
    char             *buf, *big, out[PM_SAFE_SIZE], *path;
    FILE             *fp;
    double            v;
    size_t            len, i;
    pm_err_t          err;
    pm_text_rules_t   rules;

    /* the sanitizer: bounded, UTF-8 kept whole, controls never */

    pm_safe_text("plain", out);
    ok(strcmp(out, "plain") == 0, "safe text: plain text unchanged");

    pm_safe_text("a\nb\x1b[31m\"\\\x7f", out);
    ok(strcmp(out, "a?b?[31m???") == 0, "safe text: newline, escape, "
       "quote, backslash and DEL become '?' (%s)", out);

    pm_safe_text("caf\xc3\xa9 \xc2\x85 \xff", out);
    ok(strcmp(out, "caf\xc3\xa9 ? ?") == 0, "safe text: UTF-8 kept, a C1 "
       "control and an invalid byte are '?'");

    big = malloc(200);
    for (i = 0; i < 199; i++) {
        big[i] = (i % 2) ? (char) 0xa9 : (char) 0xc3;
    }
    big[199] = '\0';
    big[0] = 'x';
    big[1] = 'y';
    pm_safe_text(big, out);
    len = strlen(out);
    ok(len <= PM_SAFE_TEXT + 3 && strcmp(out + len - 3, "...") == 0,
       "safe text: cut to %d bytes and \"...\" (%zu bytes)", PM_SAFE_TEXT,
       len);
    ok((unsigned char) out[len - 4] == 0xa9, "safe text: cut between two "
       "characters, not inside one");
    free(big);

    /* numbers whose exponent the decoder caps go to strtod() */

    big = malloc(200100);
    (void) snprintf(big, 200100, "0.");
    memset(big + 2, '0', 200000);
    strcpy(big + 200002, "1e1000000000");
    ok(number(big, &v) == PM_OK && isinf(v), "a capped exponent after "
       "200,000 zeros overflows, and is not a small number");
    strcpy(big + 200002, "1e-1000000000");
    ok(number(big, &v) == PM_OK && v == 0, "and a tiny one is 0");
    free(big);
    ok(number("1.5e2", &v) == PM_OK && v == 150, "1.5e2 is 150");
    ok(number("-0", &v) == PM_OK && v == 0 && signbit(v), "-0 is -0.0");

    /* files: regular only, text only, refused at their first bad bytes */

    memset(&rules, 0, sizeof(pm_text_rules_t));
    rules.max = 1 << 20;
    rules.max_line = 16;
    rules.what = "a test file";

    pm_err_init(&err);
    rc = pm_read_file("/dev/zero", &rules, &buf, &len, &err);
    ok(rc == PM_EIO && strstr(err.msg, "not a regular file") != NULL,
       "/dev/zero: not a regular file");

    path = (char *) tap_write("fifo-name", "");
    unlink(path);
    if (mkfifo(path, 0600) == 0) {
        pm_err_init(&err);
        rc = pm_read_file(path, &rules, &buf, &len, &err);
        ok(rc == PM_EIO && strstr(err.msg, "not a regular file") != NULL,
           "a FIFO: refused at once, without blocking");
        unlink(path);
    }

    path = (char *) tap_write("nul.txt", "");
    fp = fopen(path, "w");
    if (fp != NULL) {
        (void) fwrite("ab\0cd\n", 1, 6, fp);
        (void) fclose(fp);
    }
    pm_err_init(&err);
    rc = pm_read_file(path, &rules, &buf, &len, &err);
    ok(rc == PM_EFORMAT && strstr(err.msg, "NUL byte at offset 2") != NULL,
       "a NUL byte: not text, its offset named (%s)", err.msg);

    pm_err_init(&err);
    rc = pm_read_file(tap_write("ok.txt", "ok\n"), &rules, &buf, &len,
                      &err);
    ok(rc == PM_OK && len == 3 && strcmp(buf, "ok\n") == 0, "a text file "
       "reads whole");
    if (rc == PM_OK) {
        free(buf);
    }

    pm_err_init(&err);
    rc = pm_read_file(tap_write("long.txt", "short\n0123456789abcdefXYZ\n"),
                      &rules, &buf, &len, &err);
    ok(rc == PM_EFORMAT && strstr(err.msg, "line 2: longer than 16") != NULL,
       "a line over the limit names its line (%s)", err.msg);

    rules.first = "{";
    pm_err_init(&err);
    rc = pm_read_file(tap_write("start.txt", "  svm_type c_svc\n"), &rules,
                      &buf, &len, &err);
    ok(rc == PM_EFORMAT && strstr(err.msg, "not a test file") != NULL,
       "a wrong first byte is refused (%s)", err.msg);
}
