#!/usr/bin/perl
# Feature specs and bundles in the module: named features, categorical
# values, missing values, per-feature out-of-range policies, class names,
# scaled-back regression targets, decision values, metadata, and the specs
# nginx -t must refuse.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use PredictTest;

run_blocks();

__DATA__

=== TEST 1: a bundle from predict-train answers named features with class names
--- config
location = /wine {
    predict_model $FIXTURES/wine.bundle;
}
--- request
POST /wine
{"features": {"alcohol": 14.23, "malic_acid": 1.71, "ash": 2.43, "alcalinity_of_ash": 15.6, "magnesium": 127, "total_phenols": 2.8, "flavanoids": 3.06, "nonflavanoid_phenols": 0.28, "proanthocyanins": 2.29, "color_intensity": 5.64, "hue": 1.04, "od280/od315_of_diluted_wines": 3.92, "proline": 1065}}
--- error_code: 200
--- response_body_like: ^\{"label":"class_0","probabilities":\{"class_0":0\.9\d+,"class_1":[^,]+,"class_2":[^}]+\}\}\n$

=== TEST 2: a dense array follows the spec's order
--- config
location = /wine {
    predict_model $FIXTURES/wine.bundle;
}
--- request
POST /wine
{"instances": [[14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065], [12.37, 0.94, 1.36, 10.6, 88, 1.98, 0.57, 0.28, 0.42, 1.95, 1.05, 1.82, 520]]}
--- error_code: 200
--- response_body_like: ^\{"predictions":\[\{"label":"class_0",.*\},\{"label":"class_1",.*\}\]\}\n$

=== TEST 3: features outside the training range are named
--- config
location = /wine {
    predict_model $FIXTURES/wine.bundle;
}
--- request
POST /wine
{"features": {"alcohol": 14.23, "malic_acid": 1.71, "ash": 2.43, "alcalinity_of_ash": 15.6, "magnesium": 127, "total_phenols": 2.8, "flavanoids": 3.06, "nonflavanoid_phenols": 0.28, "proanthocyanins": 2.29, "color_intensity": 5.64, "hue": 1.04, "od280/od315_of_diluted_wines": 3.92, "proline": 3200}}
--- error_code: 200
--- response_body_like: "out_of_range":\["proline"\]\}\n$

=== TEST 4: reject names the feature and its fitted range
--- config
location = /wine {
    predict_model $FIXTURES/wine.bundle;
    predict_out_of_range reject;
}
--- request
POST /wine
{"features": {"alcohol": 14.23, "malic_acid": 1.71, "ash": 2.43, "alcalinity_of_ash": 15.6, "magnesium": 127, "total_phenols": 2.8, "flavanoids": 3.06, "nonflavanoid_phenols": 0.28, "proanthocyanins": 2.29, "color_intensity": 5.64, "hue": 1.04, "od280/od315_of_diluted_wines": 3.92, "proline": 3200}}
--- error_code: 422
--- response_json
{"error": {"code": "out_of_range", "message": "1 feature outside the fitted range: \"proline\" is 3200, fitted [278, 1680]", "feature": "proline", "features": ["proline"]}}

=== TEST 5: an unknown name
--- config
location = /wine {
    predict_model $FIXTURES/wine.bundle;
}
--- request
POST /wine
{"features": {"alcohol": 14.23, "colour": 3}}
--- error_code: 400
--- response_json
{"error": {"code": "unknown_feature", "message": "unknown feature \"colour\"", "feature": "colour", "features": ["colour"]}}

=== TEST 6: missing names, all listed
--- config
location = /wine {
    predict_model $FIXTURES/wine.bundle;
}
--- request
POST /wine
{"features": {"alcohol": 14.23, "malic_acid": 1.71, "ash": 2.43, "alcalinity_of_ash": 15.6, "magnesium": 127, "total_phenols": 2.8, "flavanoids": 3.06, "nonflavanoid_phenols": 0.28, "proanthocyanins": 2.29, "color_intensity": 5.64, "od280/od315_of_diluted_wines": null}}
--- error_code: 400
--- response_json
{"error": {"code": "missing_feature", "message": "3 features are missing, \"hue\" first", "feature": "hue", "features": ["hue", "od280/od315_of_diluted_wines", "proline"]}}

=== TEST 7: a string for a numeric feature
--- config
location = /wine {
    predict_model $FIXTURES/wine.bundle;
}
--- request
POST /wine
{"features": [14.23, "1.71", 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065]}
--- error_code: 400
--- response_body_like: "code":"invalid_value","message":"feature \\"malic_acid\\" is a string; expected a number"

=== TEST 8: a categorical input, and a regression target scaled back
--- config
location = /petal {
    predict_model $FIXTURES/iris-petal.bundle;
}
--- request
POST /petal
{"instances": [{"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "species": "setosa"}, {"sepal length (cm)": 6.3, "sepal width (cm)": 3.3, "petal length (cm)": 6.0, "species": "virginica"}]}
--- error_code: 200
--- response_body_like: ^\{"predictions":\[\{"value":0\.[0-4]\d*\},\{"value":(?:1\.[6-9]|2\.)\d*\}\]\}\n$

=== TEST 9: an unknown category
--- config
location = /petal {
    predict_model $FIXTURES/iris-petal.bundle;
}
--- request
POST /petal
{"features": {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "species": "daisy"}}
--- error_code: 400
--- response_json
{"error": {"code": "unknown_category", "message": "feature \"species\": unknown category \"daisy\"", "feature": "species", "features": ["species"]}}

=== TEST 10: a number where a category goes
--- config
location = /petal {
    predict_model $FIXTURES/iris-petal.bundle;
}
--- request
POST /petal
{"features": {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "species": 3}}
--- error_code: 400
--- response_body_like: "code":"unknown_category","message":"feature \\"species\\": unknown category \\"3\\""

=== TEST 11: decision values, in libsvm's pair order
--- config
location = /wine {
    predict_model $FIXTURES/wine.bundle;
    predict_decision_values on;
    predict_probability off;
}
--- request
POST /wine
{"features": [14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065]}
--- error_code: 200
--- response_body_like: ^\{"label":"class_0","decision_values":\[[-0-9.e]+,[-0-9.e]+,[-0-9.e]+\]\}\n$

=== TEST 12: one-class decision values
--- config
location = /oc {
    predict_model $FIXTURES/cancer-oneclass.bundle;
    predict_decision_values on;
}
--- request
POST /oc
{"features": [17.99, 10.38, 122.8, 1001.0, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589, 153.4, 0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193, 25.38, 17.33, 184.6, 2019.0, 0.1622, 0.6656, 0.7119, 0.2654, 0.4601, 0.1189]}
--- error_code: 200
--- response_body_like: ^\{"label":-?1,"decision_values":\[[-0-9.e]+\]\}\n$

=== TEST 13: the metadata lists features, transforms, ranges, categories, drift references and the target
--- config
location = /petal {
    predict_model $FIXTURES/iris-petal.bundle;
}
--- request
GET /petal
--- error_code: 200
--- response_body_like: "feature_count": 4, "features": \[\{"name": "sepal length \(cm\)", "type": "numeric", "index": 1, "transform": "standard", "mean": [0-9.]+, "std": [0-9.]+, "min": 4.2999999999999998, "max": 7.9000000000000004, "missing": "reject", "reference": \{"edges": \[4.2999999999999998, [^}]*\}\}.*\{"name": "species", "type": "categorical", "index": 4, "categories": \["setosa", "versicolor", "virginica"\], "unknown": "error", "missing": "reject", "reference": \{"shares": \[0.33333333333333331, 0.33333333333333331, 0.33333333333333331\]\}\}\], "target": \{"name": "petal width \(cm\)", "task": "regress", "transform": "standard".*"spec": \{"sha256": "[0-9a-f]{64}"

=== TEST 14: predict_model PATH features=SPEC
--- config
location = /p {
    predict_model $FIXTURES/wine.bundle/model.libsvm features=$FIXTURES/wine.bundle/features.json;
}
--- request
POST /p
{"features": [14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065]}
--- error_code: 200
--- response_body_like: ^\{"label":"class_0"

=== TEST 15: a scikit-learn bundle with a ColumnTransformer
--- config
location = /s {
    predict_model $FIXTURES/sklearn/iris-columns-sigmoid;
}
--- request
POST /s
{"features": {"sepal length (cm)": 5.1, "sepal width (cm)": 3.5, "petal length (cm)": 1.4, "petal width (cm)": 0.2, "size": "small"}}
--- error_code: 200
--- response_body_like: ^\{"label":"setosa"\}\n$

=== TEST 16: a spec that is not JSON fails nginx -t with file and place
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model features=$TDATA/bad/spec-not-json.json; }
--- error_log
predict_model features ".*spec-not-json.json": line 2, column 0: .* in .*nginx.conf

=== TEST 17: std 0
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model features=$TDATA/bad/spec-std-zero.json; }
--- error_log
spec-std-zero.json": features\[0\] "a": "std" must be above 0

=== TEST 18: a spec with fewer indices than the model uses
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model features=$TDATA/bad/spec-short.json; }
--- error_log
predict_model ".*heart.model" with features ".*spec-short.json": the model uses feature index 13, the feature spec produces indices up to 1

=== TEST 19: a regression spec for a classifier
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model features=$TDATA/bad/spec-regress.json; }
--- error_log
the feature spec's target is for another task than this c_svc model

=== TEST 20: classes that do not cover the model's labels
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model features=$TDATA/bad/spec-classes.json; }
--- error_log
model label -1 has no class in the feature spec's 2 classes

=== TEST 21: scaler= and features= together
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model scaler=$FIXTURES/heart.range features=$TDATA/bad/spec-short.json; }
--- error_log
"scaler=" and "features=" exclude each other

=== TEST 22: a bundle directory takes no scaler
--- must_die
--- config
location = /p { predict_model $FIXTURES/wine.bundle scaler=$FIXTURES/wine.range; }
--- error_log
a bundle directory takes no "scaler=" or "features="
