#!/usr/bin/perl
# conf-examples/: each passes nginx -t with the fresh module, and each
# actually serves a prediction, with the fixtures' models (the same run
# with the files make examples-models makes is in t/250-synopsis.t).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use PredictTest;

for my $conf (glob "$ROOT/conf-examples/*.conf") {
    PredictTest::check_conf_example($conf, {
        'wine.model' => fixture('wine.model'),
        'wine.range' => fixture('wine.range'),
        'wine' => fixture('wine.bundle'),
    });
}

done_testing();
