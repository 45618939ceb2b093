#!/usr/bin/perl
# The libFuzzer harnesses (t/fuzz, built with ASan and UBSan): every input
# that ever failed (t/fuzz/regress) and every seed replayed, then a short
# fuzzing run per target, bounded in time (PREDICT_FUZZ_SECONDS, default
# 8).  make fuzz runs them longer.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use Test::More;
use PredictTest;

plan skip_all => 'the fuzzers carry their own sanitizers: run once, in the '
                 . 'plain suite' if $PredictTest::ASAN || $PredictTest::VALGRIND;

my $bin = $ENV{PREDICT_FUZZ} // "$ROOT/build/fuzz";
my $seconds = $ENV{PREDICT_FUZZ_SECONDS} // 8;
my $dir = tempdir(CLEANUP => 1);

for my $t (qw(request model scale spec csv dtoa api)) {
    my $f = "$bin/fuzz_$t";
    ok(-x $f, "fuzz_$t is built") or next;

    my @replay = grep { -f } glob("$ROOT/t/fuzz/regress/$t/* "
                                  . "$ROOT/t/fuzz/corpus/$t/*");
    my $out = `$f -runs=1 @replay 2>&1`;
    is($? >> 8, 0, "fuzz_$t: " . scalar(@replay) . " regression and seed "
       . "inputs replay cleanly") or diag(substr($out, -3000));

    mkdir "$dir/$t";
    $out = `$f -max_total_time=$seconds -rss_limit_mb=2048 -timeout=10 -dict=$ROOT/t/fuzz/json.dict -artifact_prefix=$dir/$t- $dir/$t $ROOT/t/fuzz/corpus/$t 2>&1`;
    my ($runs) = $out =~ /#(\d+)\s+DONE/;
    is($? >> 8, 0, "fuzz_$t: ${seconds}s of fuzzing, "
       . ($runs // '?') . " inputs, no failure") or diag(substr($out, -3000));
}

done_testing();
