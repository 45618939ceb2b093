#!/usr/bin/perl
# make bench still runs: a one-second round of every load, the peers'
# answers checked against the module's, a report written.  It asserts no
# speed (benchmarks measure, tests check); make bench gives the numbers.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use PredictTest;

plan skip_all => 'the benchmark measures the plain build, not the sanitizers'
    if $PredictTest::ASAN || $PredictTest::VALGRIND;

$ENV{BENCH_SECONDS} = 1;
$ENV{BENCH_ROUNDS} = 1;
$ENV{BENCH_CONNECTIONS} = 4;
$ENV{BENCH_METRICS_ROUNDS} = 2;

my $out = `perl $ROOT/t/bench/bench.pl 2>&1`;
is($? >> 8, 0, 'bench.pl ran') or diag($out);
like($out, qr/answers checked: module, Flask and FastAPI agree on 20 digits rows, 20 wine rows/,
     'the peers answer as the module does before anything is timed');

my $r = eval {
    local (@ARGV, $/) = ("$ROOT/build/bench/results.json");
    decode_json(<>);
};
ok($r, 'results.json written');

for my $model (qw(wine digits)) {
    for my $server (qw(static module flask fastapi)) {
        ok(($r->{http}{$model}{single}{$server}{rps} // 0) > 0,
           "$model: $server was measured");
    }
    is($r->{micro}{$model}{label_mismatches}, 0,
       "$model: src/ and libsvm give the same labels in predict-bench");
    cmp_ok($r->{micro}{$model}{max_difference}, '<=', 1e-9,
           "$model: and probabilities to 1e-9");
}

ok(@{ $r->{memory}{after_runs}{workers} } == 2, 'worker memory sampled');

for my $kind (qw(single batch)) {
    my $m = $r->{metrics}{$kind};
    ok($m->{rounds} == 2 && $m->{ratio} > 0 && $m->{cpu_ratio} > 0,
       "metrics on / off, $kind: a ratio per pair of rounds");
}
ok($r->{metrics}{counted} > 0 && $r->{metrics}{drift_features} == 13,
   'the metrics server counted the requests and binned 13 features');

done_testing();
