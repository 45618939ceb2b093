#!/usr/bin/perl
# Drift against the training distribution, end to end: predict-train fits
# a bundle on 4000 rows (recording each feature's deciles), nginx serves
# the 2000 held-out rows: every feature's PSI stays under 0.1.  Then the
# held-out rows with one feature doubled (the seed's case: a feature
# scaled by its training maximum meeting twice that maximum): its PSI
# passes 0.25, its side="high" counter equals the rows made out of
# range, and the other features stay under 0.1; the metadata puts it
# first.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use PredictTest;

my $tools = $ENV{PREDICT_TOOLS} // "$ROOT/build";
my $t = PredictTest->new(workers => 2);
my $dir = $t->dir;

# 6000 rows of five positive features and a class, from a fixed seed
my $py = <<'END';
import sys
import numpy as np
rng = np.random.default_rng(7)
n = 6000
x = np.column_stack([rng.gamma(2.0, 10.0, n), rng.lognormal(1.0, 0.5, n),
                     rng.uniform(5, 50, n), rng.normal(100, 15, n),
                     rng.exponential(3.0, n)])
y = (x[:, 0] / 20 + x[:, 2] / 25 + rng.normal(0, 0.5, n) > 2.9).astype(int)
names = ["income", "ratio", "age", "score", "wait"]
for path, rows in ((sys.argv[1], range(0, 4000)), (sys.argv[2],
                   range(4000, n))):
    with open(path, "w") as f:
        f.write(",".join(names) + ",label\n")
        for i in rows:
            f.write(",".join("%.6f" % v for v in x[i]) + ",%d\n" % y[i])
END
open my $fh, '>', "$dir/make.py" or die $!;
print $fh $py;
close $fh;
system('/usr/bin/python3', "$dir/make.py", "$dir/train.csv",
       "$dir/heldout.csv") == 0 or die 'make.py failed';

system("$tools/predict-train --data $dir/train.csv --target label "
       . "--task classify --c 4 --gamma 0.5 --no-probability --quiet "
       . "--out $dir/bundle") == 0 or die 'predict-train failed';

my $spec = decode_json(do { local (@ARGV, $/) = ("$dir/bundle/features.json");
                            <> });
my %f = map { $_->{name} => $_ } @{ $spec->{features} };
is(scalar(grep { $_->{reference} } values %f), 5,
   'predict-train recorded a reference for each of the 5 features');

open $fh, '<', "$dir/heldout.csv" or die $!;
my @names = split /,/, scalar <$fh>;
pop @names;
my @rows;
while (<$fh>) {
    chomp;
    my @v = split /,/;
    pop @v;
    push @rows, \@v;
}
close $fh;

$t->{http_config} = "predict_metrics_zone drift:1m;\n"
                    . "predict_drift_window 2000;\n";
$t->{config} = <<"END";
location = /m {
    predict_model $dir/bundle;
    predict_max_instances 100;
}
location = /metrics {
    predict_metrics;
}
END
$t->start;

sub send_rows {
    my ($rows) = @_;
    for (my $i = 0; $i < @$rows; $i += 100) {
        my @b = @{$rows}[$i .. ($i + 99 < $#$rows ? $i + 99 : $#$rows)];
        my $body = '{"instances": [' . join(', ', map {
            my $r = $_;
            '{' . join(', ', map { "\"$names[$_]\": $r->[$_]" } 0 .. 4) . '}'
        } @b) . ']}';
        my $r = $t->request('POST', '/m', body => $body);
        die "POST /m: $r->{status} $r->{body}" unless $r->{status} == 200;
    }
}

sub psi {
    my $m = $t->request('GET', '/metrics')->{body};
    my %p = $m =~ /^nginx_predict_feature_psi\{model="\/m",version="1",feature="(\w+)"\} (\S+)$/mg;
    return \%p;
}

# the held-out rows: the same distribution as training
send_rows(\@rows);
my $p = psi();
is(scalar keys %$p, 5, 'a PSI for every feature');
for my $n (@names) {
    cmp_ok($p->{$n}, '<', 0.1, "held-out rows: $n is stable (PSI "
           . sprintf('%.4f', $p->{$n} // -1) . ')');
}

# the same rows with income doubled; the window (1000 to 2000 instances)
# then holds only them
my $max = $f{income}{max};
my @doubled = map { my @v = @$_; $v[0] *= 2; \@v } @rows;
my $high = grep { $_->[0] > $max } @doubled;
my $before = grep { $_->[0] > $max } @rows;     # held-out rows, already
send_rows(\@doubled);
$p = psi();
cmp_ok($p->{income}, '>', 0.25, 'income doubled: shifted (PSI '
       . sprintf('%.3f', $p->{income}) . ')');
for my $n (grep { $_ ne 'income' } @names) {
    cmp_ok($p->{$n}, '<', 0.1, "and $n stays stable (PSI "
           . sprintf('%.4f', $p->{$n}) . ')');
}

my $m = $t->request('GET', '/metrics')->{body};
my ($counted) = $m =~ /^nginx_predict_feature_out_of_range_total\{model="\/m",version="1",feature="income",side="high"\} (\d+)$/m;
ok($high > 0, "$high of the doubled rows are above income's training "
   . "maximum $max");
is($counted, $before + $high, "and feature_out_of_range_total"
   . "{side=\"high\"} counted exactly those (and the $before held-out "
   . 'rows already above it)');
my ($window) = $m =~ /^nginx_predict_drift_window_instances\{model="\/m",version="1"\} (\d+)$/m;
ok($window >= 1000 && $window <= 2000, "the window holds $window instances "
   . '(1000 to 2000)');

my $meta = decode_json($t->request('GET', '/m')->{body});
is($meta->{drift}{features}[0]{feature}, 'income',
   'the metadata\'s drift lists income first');
is($meta->{drift}{features}[0]{out_of_range}{high}, $before + $high,
   'with its out-of-range count');
ok(abs($meta->{drift}{features}[0]{psi} - $p->{income}) < 1e-9,
   'and the PSI the metrics show');

$t->finish;
done_testing();
