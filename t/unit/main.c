
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Unit tests of src/ (pm_*): one TAP stream, suites in t/unit/test_*.c.
 */


#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"


static int    tap_n;
static int    tap_failed;
static char   tap_dir[] = "/tmp/pm-unit-XXXXXX";
static int    tap_dir_made;


void
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
    char     name[512], *p;
    va_list  args;

    tap_n++;

    va_start(args, fmt);
    (void) vsnprintf(name, sizeof(name), fmt, args);
    va_end(args);

    /* a name must stay on its TAP line */

    for (p = name; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r' || *p == '#') {
            *p = ' ';
        }
    }

    printf("%sok %d - %s\n", pass ? "" : "not ", tap_n, name);

    if (!pass) {
        tap_failed++;
        printf("#   failed at %s line %d\n", file, line);
    }

    fflush(stdout);
}


void
tap_diag(const char *fmt, ...)
{
    va_list  args;

    printf("#   ");
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    printf("\n");
}


const char *
tap_tmpdir(void)
{
    if (!tap_dir_made) {
        if (mkdtemp(tap_dir) == NULL) {
            perror("mkdtemp");
            exit(1);
        }

        tap_dir_made = 1;
    }

    return tap_dir;
}


/* writes text to a file in the test directory; returns its path */

const char *
tap_write(const char *name, const char *text)
{
    FILE         *fp;
    static char   path[4][512];
    static int    slot;
    char         *p;

    p = path[slot++ % 4];
    (void) snprintf(p, sizeof(path[0]), "%s/%s", tap_tmpdir(), name);

    fp = fopen(p, "w");
    if (fp == NULL || fputs(text, fp) == EOF || fclose(fp) != 0) {
        perror(p);
        exit(1);
    }

    return p;
}


int
tap_done(void)
{
    char  cmd[600];

    printf("1..%d\n", tap_n);

    if (tap_dir_made) {
        (void) snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tap_dir);
        if (system(cmd) != 0) {
            fprintf(stderr, "cannot remove %s\n", tap_dir);
        }
    }

    return tap_failed ? 1 : 0;
}


int
main(int argc, char **argv)
{
    const char  *only;

    only = argc > 1 ? argv[1] : NULL;

#define SUITE(name)                                                          \
    if (only == NULL || strcmp(only, #name) == 0) {                          \
        printf("# %s\n", #name);                                             \
        test_##name();                                                       \
    }

    SUITE(sha256)
    SUITE(model)
    SUITE(scale)
    SUITE(features)
    SUITE(fit)
    SUITE(csv)
    SUITE(request)
    SUITE(predict)
    SUITE(response)
    SUITE(text)
    SUITE(metrics)

    return tap_done();
}
