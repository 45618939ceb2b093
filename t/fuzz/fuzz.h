
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * libFuzzer harnesses on src/ entry points.  Each file defines
 * LLVMFuzzerTestOneInput(); make fuzz builds them with ASan and UBSan and
 * runs them bounded in time; t/140-fuzz.t replays t/fuzz/regress/ (every
 * crash found, kept) and the seed corpora, then fuzzes briefly.
 */


#ifndef _PM_FUZZ_H_INCLUDED_
#define _PM_FUZZ_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#ifndef PM_FUZZ_DATA
#define PM_FUZZ_DATA  "t/fuzz/data"
#endif


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


#define PM_FUZZ_CHECK(cond)                                                  \
    do {                                                                     \
        if (!(cond)) {                                                       \
            abort();                                                         \
        }                                                                    \
    } while (0)


#endif /* _PM_FUZZ_H_INCLUDED_ */
