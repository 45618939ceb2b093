#!/usr/bin/perl
# The module's scaling code (pm_scale, through build/predict-scale) against
# svm-scale -r itself: the same bytes on every data set.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use Test::More;
use PredictTest;

my $tool = ($ENV{PREDICT_TOOLS} // "$ROOT/build") . '/predict-scale';
ok(-x $tool, "predict-scale is built") or BAIL_OUT("run 'make tools'");

for my $d (qw(heart wine iris cancer digits diabetes)) {
    my $range = fixture("$d.range");
    my $raw = fixture("$d.raw");
    my $ours = `$tool -r $range $raw`;
    my $theirs = `svm-scale -r $range $raw 2>/dev/null`;
    ok(length $theirs > 0, "$d: svm-scale -r produced output");
    ok($ours eq $theirs, "$d: predict-scale output is byte-identical to "
       . "svm-scale -r");
}

# scaling a data set with a range fitted on another part of it: values
# fall outside the range, and svm-scale extrapolates

my $dir = tempdir(CLEANUP => 1);
my @rows = do { open my $fh, '<', fixture('wine.raw'); <$fh> };
open my $fh, '>', "$dir/head.raw";
print $fh @rows[0 .. 59];
close $fh;
open $fh, '>', "$dir/tail.raw";
print $fh @rows[60 .. $#rows];
close $fh;

system("svm-scale -s $dir/head.range $dir/head.raw > /dev/null") == 0
    or die "svm-scale -s failed";

my $ours = `$tool -r $dir/head.range $dir/tail.raw`;
my $theirs = `svm-scale -r $dir/head.range $dir/tail.raw 2>/dev/null`;
sub outside {
    my ($text) = @_;
    return scalar grep { abs($_) > 1 } $text =~ /\d+:(\S+)/g;
}

ok($ours eq $theirs, 'a range fitted on 60 rows, applied to the other 118: '
   . 'identical, extrapolation included');
ok(outside($theirs) > 0, '(and ' . outside($theirs) . ' values do fall '
   . 'outside [-1, 1])');

my $clipped = `$tool -p clip -r $dir/head.range $dir/tail.raw`;
is(outside($clipped), 0, 'clip: no value outside [-1, 1]');

system("$tool -p reject -r $dir/head.range $dir/tail.raw > /dev/null "
       . "2> $dir/err");
isnt($? >> 8, 0, 'reject: refuses the data');
like(do { local (@ARGV, $/) = ("$dir/err"); <> },
     qr/tail\.raw:\d+: feature \d+ is outside the fitted range/,
     'reject: names file, line and feature');

done_testing();
