#!/usr/bin/perl
# Request shapes, response types and every error, through nginx.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use PredictTest;

run_blocks();

__DATA__

=== TEST 1: dense features
--- config
location = /p {
    predict_model $FIXTURES/heart.model scaler=$FIXTURES/heart.range;
}
--- request
POST /p
{"features": [0.458333, 1, 1, -0.358491, -0.374429, -1, -1, -0.480916, 1, -0.935484, -1, -0.333333, 1]}
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like: ^\{"label":(?:1|-1),"probabilities":\{"1":0\.\d+(?:e-\d+)?,"-1":0\.\d+(?:e-\d+)?\}\}\n$

=== TEST 2: sparse features, absent ones 0
--- config
location = /p {
    predict_model $FIXTURES/heart.model scaler=$FIXTURES/heart.range;
}
--- request
POST /p
{"features": {"1": 0.458333, "3": 1, "13": 1}}
--- error_code: 200
--- response_body_like: ^\{"label":(?:1|-1),"probabilities":\{"1":[^,]+,"-1":[^}]+\}\}\n$

=== TEST 3: a batch of dense and sparse instances, answered in order
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"instances": [[0.458333, 1, 1, -0.358491, -0.374429, -1, -1, -0.480916, 1, -0.935484, -1, -0.333333, 1], {"2": -1}, {}]}
--- error_code: 200
--- response_body_like: ^\{"predictions":\[\{"label":-?1,"probabilities":\{[^}]+\}\},\{"label":-?1,"probabilities":\{[^}]+\}\},\{"label":-?1,"probabilities":\{[^}]+\}\}\]\}\n$

=== TEST 4: an empty batch
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"instances": []}
--- error_code: 200
--- response_body eval
"{\"predictions\":[]}\n"

=== TEST 5: whatever the Content-Type (curl -d sends form-urlencoded)
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- more_headers
Content-Type: application/x-www-form-urlencoded
--- request
POST /p
{"features": {"1": 0.5}}
--- error_code: 200
--- response_body_like: ^\{"label"

=== TEST 6: raw features far outside the fitted range are listed (extrapolate)
--- config
location = /p {
    predict_model $FIXTURES/wine.model scaler=$FIXTURES/wine.range;
}
--- request
POST /p
{"features": [14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 4000]}
--- error_code: 200
--- response_body_like: ^\{"label":[012],"probabilities":\{"0":[^,]+,"1":[^,]+,"2":[^}]+\},"out_of_range":\[13\]\}\n$

=== TEST 7: reject answers 422 naming the features
--- config
location = /p {
    predict_model $FIXTURES/wine.model scaler=$FIXTURES/wine.range;
    predict_out_of_range reject;
}
--- request
POST /p
{"features": [14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, -3.92, 4000]}
--- error_code: 422
--- response_headers
Content-Type: application/json
--- response_json
{"error": {"code": "out_of_range", "message": "2 features outside the fitted range: feature 12 is -3.92, fitted [1.27, 4]", "feature": 12, "features": [12, 13]}}

=== TEST 7b: a sparse request's absent features are raw 0, and say so
--- config
location = /p {
    predict_model $FIXTURES/wine.model scaler=$FIXTURES/wine.range;
    predict_out_of_range reject;
}
--- request
POST /p
{"features": {"1": 13, "2": 2, "3": 2.4, "4": 19, "5": 100, "6": 2.3, "7": 2, "8": 0.36, "9": 1.6, "10": 5, "11": 1, "13": 750}}
--- error_code: 422
--- response_json
{"error": {"code": "out_of_range", "message": "1 feature outside the fitted range: feature 12 is 0 (absent, counted as 0), fitted [1.27, 4]", "feature": 12, "features": [12]}}

=== TEST 8: reject in a batch names the instance
--- config
location = /p {
    predict_model $FIXTURES/wine.model scaler=$FIXTURES/wine.range;
    predict_out_of_range reject;
}
--- request
POST /p
{"instances": [[14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065], [14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 4000]]}
--- error_code: 422
--- response_body_like: "code":"out_of_range","message":"instances\[1\]: 1 feature outside the fitted range: feature 13 is 4000, fitted \[278, 1680\]","instance":1,"feature":13,"features":\[13\]

=== TEST 9: clip answers and still lists the features
--- config
location = /p {
    predict_model $FIXTURES/wine.model scaler=$FIXTURES/wine.range;
    predict_out_of_range clip;
}
--- request
POST /p
{"features": [14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 4000]}
--- error_code: 200
--- response_body_like: "out_of_range":\[13\]\}\n$

=== TEST 10: wrong dense feature count
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": [1, 2]}
--- error_code: 400
--- response_json
{"error": {"code": "wrong_feature_count", "message": "expected 13 features, got 2"}}

=== TEST 11: malformed JSON, with line and column
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": [1, 2
--- error_code: 400
--- response_body_like: ^\{"error":\{"code":"invalid_json","message":"invalid JSON at line 1, column \d+: [^"]+","line":1,"column":\d+\}\}\n$

=== TEST 12: a string feature
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": {"2": "male"}}
--- error_code: 400
--- response_json
{"error": {"code": "invalid_value", "message": "feature 2 is a string; expected a number", "feature": 2}}

=== TEST 13: a string feature in a batch names the instance
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"instances": [{"1": 1}, {"1": 2}, {"5": null}]}
--- error_code: 400
--- response_json
{"error": {"code": "invalid_value", "message": "instances[2]: feature 5 is null; expected a number", "instance": 2, "feature": 5}}

=== TEST 14: NaN is not JSON, 1e400 is not finite
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": {"1": 1e400}}
--- error_code: 400
--- response_body_like: "code":"invalid_value","message":"feature 1 is a number that overflows a double"

=== TEST 15: NaN literal
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": {"1": NaN}}
--- error_code: 400
--- response_body_like: "code":"invalid_json"

=== TEST 16: an unknown top-level key
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"inputs": [[1]]}
--- error_code: 400
--- response_json
{"error": {"code": "invalid_request", "message": "unknown key \"inputs\"; expected \"features\" or \"instances\""}}

=== TEST 17: a batch over predict_max_instances
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_max_instances 2;
}
--- request
POST /p
{"instances": [{}, {}, {}]}
--- error_code: 413
--- response_json
{"error": {"code": "too_many_instances", "message": "3 instances, more than the limit of 2"}}

=== TEST 18: an empty body
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
--- error_code: 400
--- response_body_like: "code":"empty_body"

=== TEST 19: PUT is 405 with Allow
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
PUT /p
{"features": {}}
--- error_code: 405
--- response_headers
Allow: GET, HEAD, POST
Content-Type: application/json
--- response_json
{"error": {"code": "method_not_allowed", "message": "method PUT is not allowed; use POST to predict, GET for metadata"}}

=== TEST 20: DELETE and OPTIONS are 405 too
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
OPTIONS /p
--- error_code: 405
--- response_headers
Allow: GET, HEAD, POST

=== TEST 21: sparse key 0 is not a libsvm index
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": {"0": 1}}
--- error_code: 400
--- response_json
{"error": {"code": "invalid_feature_index", "message": "feature key \"0\" is not a feature index in 1..13"}}

=== TEST 22: sparse index past the feature count
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": {"14": 1}}
--- error_code: 400
--- response_body_like: "code":"invalid_feature_index"

=== TEST 23: regression answers a value, unscaled by the y range
--- config
location = /p {
    predict_model $FIXTURES/diabetes-eps.model scaler=$FIXTURES/diabetes.range;
}
--- request
POST /p
{"features": [59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]}
--- error_code: 200
--- response_body_like: ^\{"value":\d+(?:\.\d+)?\}\n$

=== TEST 24: nu-SVR
--- config
location = /p {
    predict_model $FIXTURES/diabetes-nu.model scaler=$FIXTURES/diabetes.range;
}
--- request
POST /p
{"instances": [[59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87]]}
--- error_code: 200
--- response_body_like: ^\{"predictions":\[\{"value":\d+(?:\.\d+)?\}\]\}\n$

=== TEST 25: one-class answers 1 or -1
--- config
location = /p {
    predict_model $FIXTURES/heart-oneclass.model;
}
--- request
POST /p
{"instances": [{"1": 0.458333, "2": 1, "3": 1}, {"1": 900, "2": -900}]}
--- error_code: 200
--- response_body_like: ^\{"predictions":\[\{"label":(?:1|-1)\},\{"label":-1\}\]\}\n$

=== TEST 26: predict_probability off
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_probability off;
}
--- request
POST /p
{"features": {"1": 0.5}}
--- error_code: 200
--- response_body_like: ^\{"label":-?1\}\n$

=== TEST 27: a model trained without probabilities
--- config
location = /p {
    predict_model $FIXTURES/heart-noprob.model;
}
--- request
POST /p
{"features": {"1": 0.5}}
--- error_code: 200
--- response_body_like: ^\{"label":-?1\}\n$

=== TEST 28: client errors reach the log at info, never above
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": [true]}
--- error_code: 400
--- error_log
\[info\].*predict: 400 wrong_feature_count: expected 13 features, got 1
--- no_error_log
\[error\]
\[warn\]

=== TEST 29: variables for the access log and headers
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    add_header X-Label $predict_label always;
    add_header X-Instances $predict_instances always;
    add_header X-Error $predict_error always;
}
--- request
POST /p
{"features": {"1": 0.5}}
--- error_code: 200
--- response_body_like: ^\{"label":-?1,
--- response_headers
X-Instances: 1
X-Error:

=== TEST 30: $predict_error on a failure
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    add_header X-Error $predict_error always;
    add_header X-Label $predict_label always;
}
--- request
POST /p
{"features": [1]}
--- error_code: 400
--- response_headers
X-Error: wrong_feature_count
X-Label:

=== TEST 31: duplicate keys are refused
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": {"1": 1, "1": 2}}
--- error_code: 400
--- response_body_like: "code":"invalid_json","message":"invalid JSON at line 1, column 23: duplicate object key \\"1\\"","line":1,"column":23

=== TEST 32: nesting thousands deep
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request eval
"POST /p\n{\"features\": " . ("[" x 5000) . ("]" x 5000) . "}"
--- error_code: 400
--- response_body_like: "code":"invalid_(?:json|value)"

=== TEST 33: huge integers and -0 are numbers
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": {"1": 123456789012345678901234567890, "2": -0, "3": -0.0}}
--- error_code: 200
--- response_body_like: ^\{"label":-?1,

=== TEST 34: \u0000 in a key
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
POST /p
{"features": {"1\u0000": 1}}
--- error_code: 400
--- response_body_like: "code":"invalid_json"

=== TEST 35: invalid UTF-8
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request eval
"POST /p\n{\"features\": {\"\xff\xfe\": 1}}"
--- error_code: 400
--- response_body_like: "code":"invalid_json"

=== TEST 36: a megabyte string is refused by size first
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request eval
"POST /p\n{\"features\": {\"1\": \"" . ("x" x (1024 * 1024)) . "\"}}"
--- error_code: 413
--- response_body_like: "code":"body_too_large"
--- error_log
client intended to send too large body

=== TEST 37: a half-megabyte string inside the limits
--- config
client_max_body_size 2m;
client_body_buffer_size 2m;
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request eval
"POST /p\n{\"features\": {\"1\": \"" . ("x" x (512 * 1024)) . "\"}}"
--- error_code: 400
--- response_body_like: "code":"invalid_value","message":"feature 1 is a string
