#!/usr/bin/perl
# predict-run and the module give the same answers, byte for byte, on every
# row: CSV rows and JSON lines, bundles from the trainer and the exporter,
# and a model with an svm-scale range file.  Then what predict-run adds:
# failures named by their line on stderr, a CSV without a required
# feature refused once at its header, CSV output with an id column, and
# the target column scored (accuracy, or MSE and R^2, against
# scikit-learn's metrics on the module's answers).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use PredictTest;

my $tools = $ENV{PREDICT_TOOLS} // "$ROOT/build";
my $run = "$tools/predict-run";
my $dir = tempdir(CLEANUP => 1);
my $json = JSON::PP->new->canonical;

ok(-x $run, 'predict-run is built') or BAIL_OUT("run 'make tools'");

my @cases = (
    # name, bundle, CSV
    ['wine', 'wine.bundle', 'wine.csv'],
    ['wine-linear', 'wine-linear.bundle', 'wine.csv'],
    ['diabetes', 'diabetes.bundle', 'diabetes.csv'],
    ['iris-petal', 'iris-petal.bundle', 'iris.csv'],
    ['sk-iris', 'sklearn/iris-onehot-svr', undef],
    ['sk-cancer', 'sklearn/cancer-standard-binary', undef],
);

my $config = "client_max_body_size 4m;\nclient_body_buffer_size 4m;\n";
for my $c (@cases) {
    my $b = fixture($c->[1]);
    $config .= "location = /$c->[0] { predict_model $b; "
               . "predict_decision_values on; }\n";
}
my $heart = fixture('heart.model');
my $range = fixture('heart.range');
$config .= "location = /heart { predict_model $heart scaler=$range; "
           . "predict_out_of_range clip; }\n";
$config .= "location = /imputed { predict_model "
           . fixture('sklearn/wine-impute-standard') . "; }\n";

my $t = PredictTest->new(config => $config);
$t->start;

sub csv_rows {
    my ($file) = @_;
    open my $fh, '<', $file or die $!;
    my @lines = map { s/\r?\n\z//r } <$fh>;
    my @head = split /,/, shift @lines;
    return (\@head, [map { [split /,/, $_, -1] } @lines]);
}

sub module_lines {
    my ($uri, @bodies) = @_;
    my $s = $t->connect;
    my @out;
    for my $b (@bodies) {
        my $r = $t->request('POST', $uri, body => $b, sock => $s);
        push @out, $r->{body};
    }
    return join '', @out;
}

for my $c (@cases) {
    my ($name, $bundle, $csv) = @$c;
    my $bdir = fixture($bundle);
    my $spec = do {
        local (@ARGV, $/) = ("$bdir/features.json");
        $json->decode(<>);
    };
    my %type = map { $_->{name} => $_->{type} } @{ $spec->{features} };
    my @bodies;

    if (defined $csv) {
        # CSV rows through predict-run, the same rows as JSON to nginx
        my $file = fixture($csv);
        my ($head, $rows) = csv_rows($file);
        for my $row (@$rows) {
            my @kv;
            for my $i (0 .. $#$head) {
                my $k = $head->[$i];
                next unless $type{$k};
                my $v = $row->[$i];
                push @kv, $json->encode($k) . ':'
                          . ($type{$k} eq 'numeric' ? $v : $json->encode($v));
            }
            push @bodies, '{"features":{' . join(',', @kv) . '}}';
        }

        my $offline = `$run $bdir --decision-values $file 2>/dev/null`;
        my $online = module_lines("/$name", @bodies);
        my $n = () = $offline =~ /\n/g;
        is($n, scalar @$rows, "$name: predict-run answered every CSV row");
        ok($offline eq $online, "$name: CSV rows: predict-run and the module "
           . "agree byte for byte on $n rows");
    } else {
        open my $fh, '<', fixture("$bundle.jsonl") =~ s{/([^/]+)\.jsonl$}{/$1.jsonl}r
            or die $!;
        @bodies = <$fh>;
        chomp @bodies;
    }

    # the same bodies as JSON lines, one at a time and in batches

    open my $fh, '>', "$dir/$name.jsonl" or die $!;
    print $fh map { "$_\n" } @bodies;
    my @batches;
    for (my $i = 0; $i < @bodies; $i += 50) {
        my $j = $i + 49 < $#bodies ? $i + 49 : $#bodies;
        my @inst = map { /^\{"features":\s*(.*)\}$/ ? $1 : die } @bodies[$i .. $j];
        push @batches, '{"instances":[' . join(',', @inst) . ']}';
    }
    print $fh map { "$_\n" } @batches;
    close $fh;

    my $offline = `$run $bdir --decision-values $dir/$name.jsonl`;
    my $online = module_lines("/$name", @bodies, @batches);
    ok(length $offline > 0 && $offline eq $online,
       "$name: JSON lines, singles and batches of 50: identical answers ("
       . scalar(@bodies) . " rows)");
}

# a model with a range file, index-keyed sparse features, and a policy

open my $hr, '<', fixture('heart.raw') or die $!;
my @hb;
while (<$hr>) {
    my (undef, @f) = split;
    my %x = map { split /:/ } @f;
    $x{5} *= 3 if $. % 4 == 0;    # some values outside the fitted range
    push @hb, '{"features":{' . join(',', map { "\"$_\":$x{$_}" }
                                         sort { $a <=> $b } keys %x) . '}}';
}
open my $fh, '>', "$dir/heart.jsonl" or die $!;
print $fh map { "$_\n" } @hb;
close $fh;

my $offline = `$run --model $heart --scaler $range --out-of-range clip $dir/heart.jsonl`;
my $online = module_lines('/heart', @hb);
like($offline, qr/"out_of_range":\[5\]/, 'heart: some rows out of range');
ok($offline eq $online, 'heart, model + range file, clip: identical answers '
   . '(' . scalar(@hb) . ' rows)');

# errors are the module's errors

open $fh, '>', "$dir/bad.jsonl" or die $!;
print $fh qq({"features": [1, 2]}\n{"features": {"1": "x"}}\nnot json\n);
close $fh;
$offline = `$run --model $heart --scaler $range $dir/bad.jsonl 2>/dev/null`;
isnt($? >> 8, 0, 'predict-run exits non-zero when a line fails');
$online = module_lines('/heart', qq({"features": [1, 2]}),
                       qq({"features": {"1": "x"}}), 'not json');
is($offline, $online, 'and prints the same error bodies as the module');

# failures named on stderr by the input's line

sub run3 {
    my ($cmd) = @_;
    my $stdout = `$cmd 2>$dir/stderr`;
    my $status = $? >> 8;
    open my $e, '<', "$dir/stderr" or die $!;
    my $stderr = do { local $/; <$e> };
    return ($status, $stdout, $stderr);
}

my ($rc, $o, $e) = run3("$run --model $heart --scaler $range $dir/bad.jsonl");
is($e, "predict-run: $dir/bad.jsonl: line 1: wrong_feature_count: expected "
       . "13 features, got 2\n"
       . "predict-run: $dir/bad.jsonl: line 2: invalid_value: feature 1 is a "
       . "string; expected a number\n"
       . "predict-run: $dir/bad.jsonl: line 3: invalid_json: invalid JSON at "
       . "line 1, column 1: invalid literal\n",
   'JSON lines: each failure on stderr with its line, code and message');

my $wcsv = fixture('wine.csv');
my $wine = fixture('wine.bundle');
my ($whead, $wrows) = csv_rows($wcsv);
my @lines = ("alcohol,malic_acid,extra," . join(',', @$whead[2 .. $#$whead]));
for my $i (0 .. 5) {
    my @r = @{ $wrows->[$i] };
    $r[0] = '' if $i == 2;
    $r[1] = 'n/a' if $i == 4;
    push @lines, join(',', @r[0, 1], 'x', @r[2 .. $#r]);
}
# a quoted cell with a line break shifts the lines that follow
$lines[2] =~ s/,x,/,"two\nlines",/;
open $fh, '>', "$dir/some-bad.csv" or die $!;
print $fh map { "$_\n" } @lines;
close $fh;
($rc, $o, $e) = run3("$run $wine $dir/some-bad.csv");
is($rc, 1, 'CSV: a failed row makes the status 1');
is(() = $o =~ /\n/g, 6, 'and every row is answered');
like($e, qr/^predict-run: \Q$dir\E\/some-bad\.csv: line 5: missing_feature: feature "alcohol" is missing$/m,
     'CSV: a failed row is named by its line (after a line break in a cell)');
like($e, qr/^predict-run: \Q$dir\E\/some-bad\.csv: line 7: invalid_value: feature "malic_acid" is a string; expected a number$/m,
     'CSV: and so is the next');
like($e, qr/column "extra" is not a feature, ignored/, '(extra ignored)');

# a CSV without a column the spec cannot do without: one error, at the header

open $fh, '>', "$dir/short.csv" or die $!;
for my $r ($whead, @$wrows) {
    print $fh join(',', @$r[0 .. 4], $r->[-1]), "\n";
}
close $fh;
($rc, $o, $e) = run3("$run $wine $dir/short.csv");
is($rc, 1, 'CSV lacking 8 required features: status 1');
is($o, '', 'and no answers');
is($e, "predict-run: $dir/short.csv: line 1: no column for 8 features the "
       . "spec requires (\"missing\": \"reject\"): \"total_phenols\", "
       . "\"flavanoids\", \"nonflavanoid_phenols\", \"proanthocyanins\", "
       . "\"color_intensity\", \"hue\", \"od280/od315_of_diluted_wines\", "
       . "\"proline\"\n",
   'one line at the header names them (not one error per row)');

# a feature with a fill: no column is a warning, every row takes the fill

my $imp = fixture('sklearn/wine-impute-standard');
open $fh, '>', "$dir/nofill.csv" or die $!;
for my $r ($whead, @$wrows) {
    print $fh join(',', @$r[1 .. $#$r]), "\n";
}
close $fh;
($rc, $o, $e) = run3("$run $imp $dir/nofill.csv");
is($rc, 0, 'a missing column whose feature has a fill: answered');
like($e, qr/line 1: no column "alcohol": every row takes its fill/,
     'with a warning');
my $filled = module_lines('/imputed', map {
    my $r = $_;
    '{"features":{' . join(',', map { "\"$whead->[$_]\":$r->[$_]" }
                                   1 .. $#$whead - 1) . '}}'
} @$wrows);
is($o, $filled, 'the answers are the module\'s to the rows without it');

# CSV output: an id column, then the answer's fields

my @idl = ('id,' . join(',', @$whead));
push @idl, join(',', sprintf('"w%03d, %s"', $_, $_ % 2 ? 'odd' : 'even'),
                @{ $wrows->[$_] }) for 0 .. $#$wrows;
open $fh, '>', "$dir/ids.csv" or die $!;
print $fh map { "$_\n" } @idl;
close $fh;
($rc, $o, $e) = run3("$run $wine --output csv --id id --decision-values "
                     . "$dir/ids.csv");
my @out = split /\n/, $o;
is($out[0], 'id,label,prob_class_0,prob_class_1,prob_class_2,dv_1,dv_2,dv_3,'
            . 'out_of_range,error', 'CSV output: the header');
is(scalar @out, 1 + @$wrows, 'a row per prediction');
my $json_out = `$run $wine --decision-values $wcsv 2>/dev/null`;
my @ans = map { $json->decode($_) } split /\n/, $json_out;
my $same = 0;
my $i = 0;
for my $a (split /\n/, $json_out) {
    # the numbers as the answer writes them
    my @p = map { $a =~ /"$_":([^,}]+)/ } qw(class_0 class_1 class_2);
    my ($dv) = $a =~ /"decision_values":\[([^\]]*)\]/;
    my ($label) = $a =~ /"label":"([^"]+)"/;
    my $want = join(',', sprintf('"w%03d, %s"', $i, $i % 2 ? 'odd' : 'even'),
                    $label, @p, $dv, '', '');
    $same++ if $out[$i + 1] eq $want;
    $i++;
}
is($same, scalar @ans, 'each row: the id (quoted), then the JSON answer\'s '
   . 'label, probabilities and decision values, the same numbers');

($rc, $o, $e) = run3("$run --model $heart --scaler $range --output csv "
                     . "--out-of-range clip $dir/heart.jsonl");
@out = split /\n/, $o;
is($out[0], 'line,label,prob_1,prob_-1,out_of_range,error',
   'JSON lines in, CSV out: the line number is the id');
like($out[4], qr/^4,-?1,[0-9.e-]+,[0-9.e-]+,"5",$/,
     'features out of range listed');
($rc, $o, $e) = run3("$run --model $heart --scaler $range --output csv "
                     . "$dir/bad.jsonl");
is($o, "line,label,prob_1,prob_-1,out_of_range,error\n"
       . "1,,,,,\"wrong_feature_count: expected 13 features, got 2\"\n"
       . "2,,,,,invalid_value: feature 1 is a string; expected a number\n"
       . "3,,,,,\"invalid_json: invalid JSON at line 1, column 1: invalid "
       . "literal\"\n", 'errors in the error column');
open $fh, '>', "$dir/batch.jsonl" or die $!;
print $fh "\n", '{"instances":[', join(',', map { /^\{"features":(.*)\}$/ }
                                             @hb[0 .. 2]), "]}\n";
close $fh;
($rc, $o, $e) = run3("$run --model $heart --scaler $range --output csv "
                     . "$dir/batch.jsonl");
like($o, qr/\n2:0,[^\n]+\n2:1,[^\n]+\n2:2,[^\n]+\n\z/,
     'a batch: a row per instance, LINE:INDEX');

# the target column, scored: as scikit-learn's metrics score the answers

sub sk_metric {
    my ($kind, $y, $p) = @_;
    open my $m, '>', "$dir/metric.json" or die $!;
    print $m $json->encode([$y, $p]);
    close $m;
    my $py = 'import json, sys; from sklearn import metrics as m; '
             . 'y, p = json.load(open(sys.argv[2])); '
             . 'print(m.accuracy_score([str(v) for v in y], '
             . '[str(v) for v in p]) if sys.argv[1] == "acc" else '
             . '"%r %r" % (m.mean_squared_error(y, p), m.r2_score(y, p)))';
    my $r = `/usr/bin/python3 -c '$py' $kind $dir/metric.json`;
    chomp $r;
    return split / /, $r;
}

my @labels = map { $_->{label} } @ans;
my @targets = map { $_->[-1] } @$wrows;
my ($acc) = sk_metric('acc', \@targets, \@labels);
($rc, $o, $e) = run3("$run $wine $wcsv");
my $right = grep { $labels[$_] eq $targets[$_] } 0 .. $#labels;
ok($e =~ /^predict-run: \S+wine\.csv: accuracy ([0-9.]+)% \((\d+) of 178 rows right, column "cultivar"\)$/m
   && abs($1 / 100 - $acc) < 1e-6 && $2 == $right,
   "wine: accuracy against the cultivar column, as accuracy_score "
   . "($acc)") or diag($e);

my $dcsv = fixture('diabetes.csv');
my ($dhead, $drows) = csv_rows($dcsv);
my @values = map { $json->decode($_)->{value} }
             split /\n/, `$run ${\ fixture('diabetes.bundle')} $dcsv 2>/dev/null`;
my ($mse, $r2) = sk_metric('reg', [map { 0 + $_->[-1] } @$drows], \@values);
($rc, $o, $e) = run3("$run ${\ fixture('diabetes.bundle')} $dcsv");
ok($e =~ /MSE ([0-9.e+-]+), R\^2 ([0-9.e+-]+) \(442 rows, column "progression"\)/
   && abs($1 - $mse) <= 1e-5 * $mse && abs($2 - $r2) <= 1e-5,
   "diabetes: MSE ($mse) and R^2 ($r2) as scikit-learn's "
   . "mean_squared_error and r2_score") or diag($e);

open $fh, '>', "$dir/notarget.csv" or die $!;
print $fh join(',', @$_[0 .. $#$_ - 1]), "\n" for $whead, @$wrows;
close $fh;
($rc, $o, $e) = run3("$run $wine $dir/notarget.csv");
ok($rc == 0 && $e eq '', 'no target column: no score, nothing on stderr');
open $fh, '>', "$dir/some-target.csv" or die $!;
for my $r ($whead, @$wrows[0 .. 9]) {
    print $fh join(',', @$r), "\n";
}
print $fh join(',', '', @{ $wrows->[10] }[1 .. $#$whead]), "\n";
close $fh;
($rc, $o, $e) = run3("$run $wine $dir/some-target.csv");
like($e, qr/accuracy 100% \(10 of 10 rows right, column "cultivar"; 1 not scored/,
     'a failed row is not scored, and said so');

$t->finish;
done_testing();
