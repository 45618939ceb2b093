
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * What every part of predict-train shares: its usage text, its one way
 * to fail, and small lookups.
 */


#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <svm.h>

#include "pm_enum.h"
#include "train.h"


const pm_enum_t  train_kernel_names[] = {
    { "rbf", RBF },
    { "linear", LINEAR },
    { NULL, 0 }
};

static const char  train_usage_text[] =
"usage: predict-train --data FILE --target COLUMN\n"
"           --task classify|regress|one-class --out DIR [options]\n"
"       predict-train --help\n"
"\n"
"Fits a feature spec and an SVM on a CSV file (or libsvm data), chooses C\n"
"and gamma by cross-validation, and writes DIR/model.libsvm,\n"
"DIR/features.json and DIR/report.json.  DIR (and its parents) is created\n"
"before anything is read.\n"
"\n"
"input:\n"
"  --format csv|libsvm     input format (default: by content)\n"
"  --exclude A,B           columns left out (\\, is a comma in a name)\n"
"  --categorical A,B       columns one-hot encoded (default: inferred)\n"
"  --numeric A,B           columns that must be numbers\n"
"feature spec:\n"
"  --log1p A,B             log1p before scaling\n"
"  --scale minmax|standard|maxabs|none   (default minmax to [-1, 1])\n"
"  --missing reject|fill   empty cells at serving time (default: fill\n"
"                          where training had empty cells, else reject)\n"
"  --unknown error|zero    unknown categories at serving (default error)\n"
"  --out-of-range extrapolate|clip|reject   recorded per feature\n"
"                          (default: left to predict_out_of_range)\n"
"model selection:\n"
"  --kernel rbf|linear     (default rbf)\n"
"  --folds K               cross-validation folds (default 5)\n"
"  --log2c BEGIN,END,STEP  (default -5,15,2)\n"
"  --log2g BEGIN,END,STEP  (default 3,-15,-2)\n"
"  --c C --gamma G         fixed parameters instead of the grid\n"
"  --nu NU                 one-class nu (default 0.5)\n"
"  --epsilon E             SVR epsilon on the scaled target (default 0.1)\n"
"  --test-split FRACTION   hold out rows and report their score\n"
"  --seed N                row shuffling (default 1)\n"
"  --jobs N                threads (default: all cores)\n"
"  --no-probability        no probability estimates\n"
"other:\n"
"  --quiet                 no progress or summary on stderr\n"
"  --help                  this text, on standard output\n"
"\n"
"Exit status: 0 when the bundle is written, 1 on an error (named on\n"
"stderr, with the line of the file at fault), 2 on a usage error.\n";


/* a usage error: the reason and the usage on stderr, status 2 */

void
train_usage(const char *msg)
{
    if (msg != NULL) {
        fprintf(stderr, "%s: %s\n", TRAIN_PROG, msg);
    }

    fputs(train_usage_text, stderr);

    exit(2);
}


void
train_help(void)
{
    fputs(train_usage_text, stdout);

    exit(fflush(stdout) == 0 ? 0 : 1);
}


void
train_die(const char *fmt, ...)
{
    va_list  args;

    fprintf(stderr, "%s: ", TRAIN_PROG);
    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);
    fprintf(stderr, "\n");

    exit(1);
}


int
train_in_list(const char *const *list, const char *name)
{
    int  i;

    for (i = 0; list[i] != NULL; i++) {
        if (strcmp(list[i], name) == 0) {
            return 1;
        }
    }

    return 0;
}
