
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * A minimal TAP producer for the unit tests, read by prove via
 * t/010-unit.t.
 */


#ifndef _PM_TAP_H_INCLUDED_
#define _PM_TAP_H_INCLUDED_


#include <stdio.h>


void tap_ok(int pass, const char *file, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void tap_diag(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
int tap_done(void);
const char *tap_tmpdir(void);
const char *tap_write(const char *name, const char *text);


#define ok(cond, ...)  tap_ok((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                               \
    do {                                                                     \
        long long  g_ = (long long) (got), w_ = (long long) (want);          \
        tap_ok(g_ == w_, __FILE__, __LINE__, __VA_ARGS__);                   \
        if (g_ != w_) {                                                      \
            tap_diag("got %lld, expected %lld", g_, w_);                     \
        }                                                                    \
    } while (0)

#define like(got, needle, ...)                                               \
    do {                                                                     \
        const char  *g_ = (got);                                             \
        int          m_ = g_ != NULL && strstr(g_, (needle)) != NULL;        \
        tap_ok(m_, __FILE__, __LINE__, __VA_ARGS__);                         \
        if (!m_) {                                                           \
            tap_diag("\"%s\" lacks \"%s\"", g_ ? g_ : "(null)", (needle));   \
        }                                                                    \
    } while (0)


/* util.c: real models trained here with libsvm's own svm_train() */

#define UT_CLASSES  3
#define UT_FEATURES 4

const char *ut_train(const char *name, int svm_type, int kernel,
    int probability);
const char *ut_train_classes(const char *name, int svm_type, int kernel,
    int probability, int classes);
void ut_row(int i, double *x, double *y);
char *ut_slurp(const char *path, size_t *len);
int ut_fd_count(void);


void test_sha256(void);
void test_model(void);
void test_scale(void);
void test_features(void);
void test_fit(void);
void test_csv(void);
void test_request(void);
void test_predict(void);
void test_response(void);
void test_text(void);
void test_metrics(void);


#endif /* _PM_TAP_H_INCLUDED_ */
