#!/usr/bin/perl
# Directives, and the configurations nginx -t must refuse: every loader
# defect of libsvm, bad range files, bad parameters.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use PredictTest;

run_blocks();

__DATA__

=== TEST 1: predict_model with scaler=: metadata on GET
--- config
location = /p {
    predict_model $FIXTURES/heart.model scaler=$FIXTURES/heart.range;
}
--- request
GET /p
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like: "svm_type": "c_svc".*"probability": true.*"scaler": \{"lower": -1.0, "upper": 1.0, "features": 13.*"out_of_range": "extrapolate", "probability": true, "decision_values": false, "engine": "fast", "label_rule": "probability", "max_instances": 100

=== TEST 2: the metadata names no file-system path
--- config
location = /p {
    predict_model $FIXTURES/heart.model scaler=$FIXTURES/heart.range;
}
--- request
GET /p
--- error_code: 200
--- response_body_like: ^(?!.*(?:/fixtures|heart\.model|heart\.range)).*"sha256": "[0-9a-f]{64}".*"loaded_at": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"

=== TEST 3: HEAD answers the metadata headers alone
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
}
--- request
HEAD /p
--- error_code: 200
--- response_body:

=== TEST 4: predict_out_of_range, predict_probability, predict_max_instances inherited from server
--- config
predict_out_of_range reject;
predict_probability off;
predict_max_instances 5;
location = /p {
    predict_model $FIXTURES/heart.model scaler=$FIXTURES/heart.range;
}
--- request
GET /p
--- error_code: 200
--- response_body_like: "config": \{"out_of_range": "reject", "probability": false, "decision_values": false, "engine": "fast", "label_rule": "probability", "max_instances": 5\}

=== TEST 5: predict_out_of_range clip in http, location overrides probability
--- http_config
predict_out_of_range clip;
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_probability on;
}
--- request
GET /p
--- error_code: 200
--- response_body_like: "out_of_range": "clip", "probability": true

=== TEST 6: predict_probability on with a model without probabilities reports false
--- config
location = /p {
    predict_model $FIXTURES/heart-noprob.model;
}
--- request
GET /p
--- error_code: 200
--- response_body_like: "probability": false.*"probability": false

=== TEST 7: predict_feature_count widens the dense array
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_feature_count 20;
}
--- request
GET /p
--- error_code: 200
--- response_body_like: "feature_count": 20,

=== TEST 8: two locations naming the same files load them once
--- config
location = /a {
    predict_model $FIXTURES/wine.model scaler=$FIXTURES/wine.range;
}
location = /b {
    predict_model $FIXTURES/wine.model scaler=$FIXTURES/wine.range;
    predict_out_of_range clip;
}
--- request
GET /b
--- error_code: 200
--- response_body_like: "clip"

=== TEST 9: a missing model file fails nginx -t with file and reason
--- must_die
--- config
location = /p {
    predict_model /nonexistent/dir/x.model;
}
--- error_log
predict_model "/nonexistent/dir/x.model": cannot open: No such file or directory in .*nginx.conf:\d+

=== TEST 10: missing rho
--- must_die
--- config
location = /p { predict_model $TDATA/bad/missing-rho.model; }
--- error_log
missing-rho.model": line 8: header lacks "rho" in .*nginx.conf

=== TEST 10b: a negative gamma, which libsvm's own check refuses
--- must_die
--- config
location = /p { predict_model $TDATA/bad/negative-gamma.model; }
--- error_log
negative-gamma.model": line 3: gamma must not be negative \(libsvm's own check\) in .*nginx.conf

=== TEST 10c: a range file covering fewer indices than the model uses
--- must_die
--- config
location = /p { predict_model $TDATA/bad/three-features.model scaler=$TDATA/bad/two.range; }
--- error_log
the model uses feature indices up to 3, the range file covers 2 features up to index 2 in .*nginx.conf

=== TEST 11: missing label
--- must_die
--- config
location = /p { predict_model $TDATA/bad/missing-label.model; }
--- error_log
missing-label.model": line 8: c_svc model without "label"

=== TEST 12: missing nr_sv
--- must_die
--- config
location = /p { predict_model $TDATA/bad/missing-nr_sv.model; }
--- error_log
missing-nr_sv.model": line 8: c_svc model without "nr_sv"

=== TEST 13: nr_sv not adding up to total_sv (libsvm: heap overflow)
--- must_die
--- config
location = /p { predict_model $TDATA/bad/nr_sv-overflow.model; }
--- error_log
nr_sv-overflow.model": line 8: "nr_sv" adds up to 300, not total_sv 3

=== TEST 14: the precomputed kernel
--- must_die
--- config
location = /p { predict_model $TDATA/bad/precomputed.model; }
--- error_log
precomputed.model": line 2: the precomputed kernel is not supported

=== TEST 15: a malformed header (libsvm: leaks a descriptor)
--- must_die
--- config
location = /p { predict_model $TDATA/bad/bad-header.model; }
--- error_log
bad-header.model": line 9: unknown header key "foo"

=== TEST 16: a truncated model
--- must_die
--- config
location = /p { predict_model $TDATA/bad/truncated.model; }
--- error_log
truncated.model": line \d+: file ends after 1 of total_sv 3

=== TEST 17: a data file instead of a model
--- must_die
--- config
location = /p { predict_model $TDATA/bad/not-a-model.model; }
--- error_log
not-a-model.model": line 1: unknown header key "\+1"

=== TEST 18: a directory without a bundle in it
--- must_die
--- config
location = /p { predict_model $TDATA/bad; }
--- error_log
predict_model ".*/bad/model.libsvm": cannot open: No such file or directory

=== TEST 19: range file with descending indices
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model scaler=$TDATA/bad/descending.range; }
--- error_log
predict_model scaler ".*descending.range": line 4: feature index 1 after 2: indices must ascend

=== TEST 20: range file with lower above upper
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model scaler=$TDATA/bad/inverted-limits.range; }
--- error_log
inverted-limits.range": line 2: lower 1 is not below upper -1

=== TEST 21: range file with nan
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model scaler=$TDATA/bad/nan.range; }
--- error_log
nan.range": line 3: expected 3 finite numbers

=== TEST 22: a model file given as the range file
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model scaler=$FIXTURES/heart.model; }
--- error_log
heart.model": line 1: expected "x" or "y"

=== TEST 23: a y-scaling range file with a classifier
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model scaler=$TDATA/bad/y-block.range; }
--- error_log
predict_model ".*heart.model" with scaler ".*y-block.range": the range file scales y, but a c_svc model does not predict a scaled value

=== TEST 24: predict_feature_count below the model's features
--- must_die
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_feature_count 5;
}
--- error_log
feature count 5 is below the highest feature index 13

=== TEST 25: an unknown parameter
--- must_die
--- config
location = /p { predict_model $FIXTURES/heart.model scale=$FIXTURES/heart.range; }
--- error_log
invalid parameter "scale=

=== TEST 26: predict_model twice in a location
--- must_die
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_model $FIXTURES/wine.model;
}
--- error_log
"predict_model" directive is duplicate

=== TEST 27: predict_model outside a location
--- must_die
--- config
predict_model $FIXTURES/heart.model;
--- error_log
"predict_model" directive is not allowed here

=== TEST 28: an unknown out-of-range policy
--- must_die
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_out_of_range ignore;
}
--- error_log
invalid value "ignore": extrapolate, clip or reject in .*nginx.conf

=== TEST 29: predict_max_instances 0
--- must_die
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_max_instances 0;
}
--- error_log
value must be between 1 and 1000000 in .*nginx.conf

=== TEST 30: predict_engine libsvm
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_engine libsvm;
}
--- request
GET /p
--- error_code: 200
--- response_body_like: "engine": "libsvm"

=== TEST 31: an unknown engine
--- must_die
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_engine gpu;
}
--- error_log
invalid value "gpu": fast or libsvm in .*nginx.conf

=== TEST 31b: an unknown label rule
--- must_die
--- config
location = /p {
    predict_model $FIXTURES/heart.model;
    predict_label_rule majority;
}
--- error_log
invalid value "majority": vote or probability in .*nginx.conf
