
/*
 * Copyright (C) ngx_http_predict_module authors
 *
 * Every enumeration the module, the tools, the files and the metadata
 * share, with its one table of names: directives, spec files, command
 * lines and documents all spell a value through these.
 */


#ifndef _PM_ENUM_H_INCLUDED_
#define _PM_ENUM_H_INCLUDED_


#include <stddef.h>


typedef struct {
    const char         *name;
    int                 value;
} pm_enum_t;


/* what to do with a raw value outside the range fitted in training */

#define PM_OOR_DEFAULT       -1  /* a spec feature: the caller's policy */
#define PM_OOR_EXTRAPOLATE   0   /* svm-scale's own behaviour */
#define PM_OOR_CLIP          1   /* clamp to the fitted [min, max] */
#define PM_OOR_REJECT        2   /* refuse the instance */

extern const pm_enum_t  pm_oor_names[];

#define PM_ENGINE_FAST       0   /* pm_fast where the model has one */
#define PM_ENGINE_LIBSVM     1   /* svm_predict_values() always */

extern const pm_enum_t  pm_engine_names[];

#define PM_XF_NONE           0
#define PM_XF_MINMAX         1   /* svm-scale's formula to [lower, upper] */
#define PM_XF_LINEAR         2   /* x * scale + offset (MinMaxScaler) */
#define PM_XF_STANDARD       3   /* (x - mean) / std */
#define PM_XF_MAXABS         4   /* x / maxabs */

extern const pm_enum_t  pm_transform_names[];

#define PM_TASK_NONE         0
#define PM_TASK_CLASSIFY     1
#define PM_TASK_REGRESS      2
#define PM_TASK_ONE_CLASS    3

extern const pm_enum_t  pm_task_names[];

#define PM_LABEL_DEFAULT     0   /* options: the spec's, else probability */
#define PM_LABEL_PROBABILITY 1   /* libsvm -b 1: the most probable class */
#define PM_LABEL_VOTE        2   /* libsvm's vote, scikit-learn's predict */

extern const pm_enum_t  pm_label_rule_names[];

#define PM_FEAT_NUMERIC      0
#define PM_FEAT_CATEGORICAL  1

extern const pm_enum_t  pm_feature_type_names[];

#define PM_MISSING_REJECT    0
#define PM_MISSING_FILL      1

extern const pm_enum_t  pm_missing_names[];

#define PM_UNKNOWN_ERROR     0
#define PM_UNKNOWN_ZERO      1

extern const pm_enum_t  pm_unknown_names[];


/* the files a pipeline is made of */

#define PM_FILE_MODEL        0
#define PM_FILE_SCALER       1
#define PM_FILE_SPEC         2

extern const pm_enum_t  pm_file_names[];


/* pm_enum_list() styles */

#define PM_ENUM_QUOTED       1   /* "a", "b" */
#define PM_ENUM_OR           2   /* a, b or c */


const char *pm_enum_name(const pm_enum_t *e, int value);
int pm_enum_value(const pm_enum_t *e, const char *name, size_t len,
    int *value);
const char *pm_enum_list(const pm_enum_t *e, int style, char *buf,
    size_t size);


#endif /* _PM_ENUM_H_INCLUDED_ */
