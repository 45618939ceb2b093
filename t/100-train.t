#!/usr/bin/perl
# predict-train: CSV to bundle.  Its cross-validated accuracy against
# scikit-learn's GridSearchCV over the same grid and the same folds, its
# options, its determinism, and a clear error with a line number for every
# bad file.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use PredictTest;

my $tools = $ENV{PREDICT_TOOLS} // "$ROOT/build";
my $train = "$tools/predict-train";
my $json = JSON::PP->new;
my $dir = tempdir(CLEANUP => 1);

ok(-x $train, 'predict-train is built') or BAIL_OUT("run 'make tools'");

sub run {
    my (@args) = @_;
    my $cmd = join ' ', map { my $a = $_; $a =~ s/'/'\\''/g; "'$a'" } @args;
    my $out = `$cmd 2>&1`;
    return ($? >> 8, $out);
}

sub slurp_json {
    my ($path) = @_;
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    return $json->decode(<$fh>);
}

sub write_file {
    my ($name, $text) = @_;
    open my $fh, '>', "$dir/$name" or die $!;
    print $fh $text;
    close $fh;
    return "$dir/$name";
}

# 1. accuracy against scikit-learn, same grid, same folds

for my $case (['wine', 'cultivar'], ['iris', 'species'],
              ['cancer', 'diagnosis'])
{
    my ($name, $target) = @$case;
    my $csv = fixture("$name.csv");
    my ($rc, $out) = run($train, '--quiet', '--data', $csv, '--target',
                         $target, '--task', 'classify', '--out',
                         "$dir/$name");
    is($rc, 0, "$name: trained") or diag($out);

    my $report = slurp_json("$dir/$name/report.json");
    is(scalar @{ $report->{grid} }, 110, "$name: grid.py's 11 x 10 grid");
    is(scalar @{ $report->{folds} }, $report->{rows}{train},
       "$name: the report records every row's fold");

    my $sk = $json->decode(scalar `/usr/bin/python3 $ROOT/t/data/sklearn_gridsearch.py $csv '$target' $dir/$name/report.json`);
    my $ours = $report->{chosen}{cv_score};
    my $diff = abs($ours - $sk->{best_accuracy});
    cmp_ok($diff, '<=', 2, sprintf("%s: 5-fold accuracy %.2f%%, "
           . "scikit-learn's GridSearchCV %.2f%%: within 2 points",
           $name, $ours, $sk->{best_accuracy}));
}

# 2. the bundle: spec, model, report

my $spec = slurp_json("$dir/wine/features.json");
is($spec->{format}, 'predict-features', 'spec format');
is(scalar @{ $spec->{features} }, 13, 'thirteen features');
is($spec->{features}[12]{name}, 'proline', 'named from the header');
is($spec->{features}[12]{transform}, 'minmax', 'minmax by default');
is_deeply($spec->{target}{classes}, ['class_0', 'class_1', 'class_2'],
          'classes from the target column');
is($spec->{target}{label_rule}, 'vote', 'labels by vote, as predict()');

my $report = slurp_json("$dir/wine/report.json");
like($report->{data_sha256}, qr/^[0-9a-f]{64}$/, 'the data hash');
ok($report->{probability}, 'the final model has probabilities');
is($report->{rows}{total}, 178, 'row counts');

my ($rc, $out) = run($train, '--quiet', '--data', fixture('wine.csv'),
                     '--target', 'cultivar', '--task', 'classify', '--out',
                     "$dir/wine2");
ok(!system("cmp -s $dir/wine/model.libsvm $dir/wine2/model.libsvm")
   && !system("cmp -s $dir/wine/features.json $dir/wine2/features.json"),
   'training twice gives the same model and spec');

# 3. options

($rc, $out) = run($train, '--quiet', '--data', fixture('wine.csv'),
                  '--target', 'cultivar', '--task', 'classify', '--out',
                  "$dir/wl", '--kernel', 'linear', '--test-split', '0.3',
                  '--exclude', 'proline,magnesium', '--scale', 'standard',
                  '--folds', '3');
is($rc, 0, 'linear kernel, test split, exclusions, standard scaling')
    or diag($out);
$report = slurp_json("$dir/wl/report.json");
$spec = slurp_json("$dir/wl/features.json");
is(scalar @{ $report->{grid} }, 11, 'a linear grid has C only');
ok(!exists $report->{grid}[0]{log2g}, '(no gamma)');
is($report->{rows}{test}, 53, '30% of 178 rows held out');
is(scalar @{ $report->{test_lines} }, 53, 'held-out lines listed');
ok(defined $report->{test_score} && $report->{test_score} > 80,
   "held-out accuracy reported ($report->{test_score})");
is(scalar @{ $spec->{features} }, 11, 'two columns excluded');
ok(!grep({ $_->{name} eq 'proline' } @{ $spec->{features} }),
   'proline is not in the spec');
is($spec->{features}[0]{transform}, 'standard', '--scale standard');
is($report->{cv_folds}, 3, '--folds 3');

($rc, $out) = run($train, '--quiet', '--data', fixture('diabetes.csv'),
                  '--target', 'progression', '--task', 'regress', '--out',
                  "$dir/dia", '--log2c', '1,5,2', '--log2g', '-3,-7,-2',
                  '--log1p', 's4');
is($rc, 0, 'regression, with log1p on one column') or diag($out);
$report = slurp_json("$dir/dia/report.json");
$spec = slurp_json("$dir/dia/features.json");
is($report->{metric}, 'mse', 'regression reports mean squared error');
is(scalar @{ $report->{grid} }, 9, 'a 3 x 3 grid from --log2c/--log2g');
cmp_ok($report->{chosen}{cv_score}, '<', 5000,
       "cross-validated MSE in target units ($report->{chosen}{cv_score})");
is($spec->{target}{transform}, 'standard', 'the target is standardized');
ok((grep { $_->{name} eq 's4' && $_->{log1p} } @{ $spec->{features} }),
   '--log1p recorded in the spec');

($rc, $out) = run($train, '--quiet', '--data', fixture('heart.raw'),
                  '--task', 'classify', '--out', "$dir/heart", '--c', '1',
                  '--gamma', '0.0769');
is($rc, 0, 'libsvm-format data, fixed C and gamma') or diag($out);
$spec = slurp_json("$dir/heart/features.json");
is($spec->{features}[0]{name}, '1', 'features named by index');
is_deeply($spec->{target}{classes}, [-1, 1], 'numeric classes, sorted');

# 4. a CSV with quotes, commas, line breaks, empty cells and categories

my @rows = ('id,"name, quoted",city,income,approved');
for my $i (1 .. 60) {
    my $city = (qw(paris lyon nice))[$i % 3];
    my $income = $i % 11 == 0 ? '' : 20000 + ($i * 7919 % 50) * 1000;
    my $ok = ($income ne '' && $income > 45000) || $city eq 'nice'
             ? 'yes' : 'no';
    my $name = $i % 7 == 0 ? "\"Smith, \"\"J\"\"\nline two\"" : "n$i";
    push @rows, "$i,$name,$city,$income,$ok";
}
my $quoted = write_file('quoted.csv', join("\r\n", @rows) . "\r\n");

($rc, $out) = run($train, '--quiet', '--data', $quoted, '--target',
                  'approved', '--task', 'classify', '--out', "$dir/q",
                  '--exclude', 'id,name\\, quoted', '--unknown', 'zero');
is($rc, 0, 'quoted fields, CRLF, line breaks in quotes') or diag($out);
$spec = slurp_json("$dir/q/features.json");
my ($city) = grep { $_->{name} eq 'city' } @{ $spec->{features} };
my ($income) = grep { $_->{name} eq 'income' } @{ $spec->{features} };
is($city->{type}, 'categorical', 'a text column is categorical');
is_deeply($city->{categories}, [qw(lyon nice paris)], 'categories sorted');
is($city->{unknown}, 'zero', '--unknown zero');
is($income->{type}, 'numeric', 'a numeric column with empty cells');
ok(ref $income->{missing} eq 'HASH' && $income->{missing}{fill} > 20000,
   'empty cells in training: filled with the mean at serving');
is($city->{index}, 1, 'indices in column order');
is($income->{index}, 4, 'after the three categories');

($rc, $out) = run($train, '--quiet', '--data', $quoted, '--target',
                  'approved', '--task', 'classify', '--out', "$dir/q2",
                  '--exclude', 'id,name\\, quoted', '--categorical', 'income',
                  '--missing', 'reject');
$spec = slurp_json("$dir/q2/features.json");
($income) = grep { $_->{name} eq 'income' } @{ $spec->{features} };
ok($rc == 0 && $income->{type} eq 'categorical'
   && $income->{missing} eq 'reject',
   '--categorical and --missing reject override the inference');

($rc, $out) = run($train, '--quiet', '--data', fixture('cancer.csv'),
                  '--target', 'diagnosis', '--task', 'one-class', '--out',
                  "$dir/oc", '--exclude', 'diagnosis', '--nu', '0.2');
is($rc, 0, 'one-class') or diag($out);
$report = slurp_json("$dir/oc/report.json");
is($report->{chosen}{nu}, 0.2, 'nu recorded');

# 6. --out is checked and made before the data is read

my @fast = ('--quiet', '--task', 'classify', '--target', 'cultivar',
            '--c', '1', '--gamma', '0.125', '--folds', '2');

($rc, $out) = run($train, @fast, '--data', fixture('wine.csv'), '--out',
                  "$dir/new/deeper/b");
is($rc, 0, '--out with missing parents: made') or diag($out);
ok(-s "$dir/new/deeper/b/model.libsvm"
   && -s "$dir/new/deeper/b/features.json", '(the bundle is there)');

my $ragged = write_file('ragged.csv', "a,cultivar\n1,x\n2,y,3\n");
my $plain = write_file('plain-file', "not a directory\n");
($rc, $out) = run($train, @fast, '--data', $ragged, '--out',
                  "$plain/sub/b");
is($rc, 1, '--out under a file: refused');
like($out, qr/--out \Q$plain\E\/sub\/b: \Q$plain\E exists and is not a directory/,
     '--out is checked before the data (not "line 3: 3 fields")');
unlike($out, qr/fields/, '(the data was not read)');

($rc, $out) = run($train, @fast, '--data', $ragged, '--out',
                  "$dir/made/for/nothing");
ok($rc == 1 && $out =~ /line 3: 3 fields/, 'the data refused after --out');
ok(!-e "$dir/made", 'and the directories made for --out are gone again');

# 7. a classify target that looks continuous: a warning, --task regress

my @cont = ('x1,x2,y');
push @cont, sprintf('%d,%.3f,%d', $_, sin($_), int($_ * 187 / 331) * 3 + 100)
    for 0 .. 330;
my $cont = write_file('continuous.csv', join("\n", @cont) . "\n");
($rc, $out) = run($train, '--quiet', '--data', $cont, '--target', 'y',
                  '--task', 'classify', '--out', "$dir/cont", '--c', '1',
                  '--gamma', '1', '--folds', '2', '--no-probability');
is($rc, 0, '187 classes in 331 rows: trained as asked');
like($out, qr/warning: the target "y" has 187 distinct numeric values in 331 rows: it looks continuous; to predict a quantity, use --task regress/,
     'and warned that the target looks continuous, even with --quiet');
($rc, $out) = run($train, @fast, '--data', fixture('wine.csv'), '--out',
                  "$dir/nowarn");
unlike($out, qr/warning/, 'three text classes: no warning');
($rc, $out) = run($train, '--quiet', '--data', fixture('digits.raw'),
                  '--task', 'classify', '--out', "$dir/digits", '--c', '1',
                  '--gamma', '0.001', '--folds', '2', '--no-probability');
ok($rc == 0 && $out !~ /warning/, 'ten numeric classes: no warning')
    or diag($out);

# 8. --out-of-range reject: held-out rows outside the range fitted on the
# other rows are scored (extrapolated), the spec keeps reject

($rc, $out) = run($train, '--quiet', '--data', fixture('wine.csv'),
                  '--target', 'cultivar', '--task', 'classify', '--out',
                  "$dir/rej", '--out-of-range', 'reject', '--test-split',
                  '0.3', '--scale', 'standard');
is($rc, 0, '--out-of-range reject with a test split trains') or diag($out);
unlike($out, qr/outside the fitted range/, '(no fold or test row refused)');
$spec = slurp_json("$dir/rej/features.json");
$report = slurp_json("$dir/rej/report.json");
is(scalar(grep { ($_->{out_of_range} // '') eq 'reject' }
            @{ $spec->{features} }), 13, 'the spec keeps reject everywhere');
ok($report->{chosen}{cv_score} > 90 && $report->{test_score} > 85,
   "cross-validated ($report->{chosen}{cv_score}) and held-out "
   . "($report->{test_score}) accuracy");

# the fitted range of every numeric feature, whatever the scaling: the
# training rows' min and max (held-out rows left out)

my %held = map { $_ => 1 } @{ $report->{test_lines} };
open my $wfh, '<', fixture('wine.csv') or die $!;
my @whead = split /,/, scalar(<$wfh>) =~ s/\r?\n\z//r;
my (%min, %max, @outside);
while (my $l = <$wfh>) {
    $l =~ s/\r?\n\z//;
    my @c = split /,/, $l;
    my $ln = $.;
    for my $i (0 .. $#whead) {
        my $n = $whead[$i];
        next if $n eq 'cultivar';
        if ($held{$ln}) {
            next;
        }
        $min{$n} = $c[$i] if !defined $min{$n} || $c[$i] < $min{$n};
        $max{$n} = $c[$i] if !defined $max{$n} || $c[$i] > $max{$n};
    }
}
close $wfh;

for my $scale (qw(standard maxabs none)) {
    my $s = $scale eq 'standard' ? $spec : do {
        ($rc, $out) = run($train, '--quiet', '--data', fixture('wine.csv'),
                          '--target', 'cultivar', '--task', 'classify',
                          '--out', "$dir/range-$scale", '--test-split', '0.3',
                          '--scale', $scale, '--c', '1', '--gamma', '0.1');
        slurp_json("$dir/range-$scale/features.json");
    };
    my @bad = grep { !defined $_->{min} || !defined $_->{max}
                     || $_->{min} != $min{ $_->{name} }
                     || $_->{max} != $max{ $_->{name} } }
              @{ $s->{features} };
    is(scalar @bad, 0, "--scale $scale: every feature's min and max are "
       . "its training rows' own") or diag(explain(\@bad));
}

# and a bundle with reject refuses a row outside that range when served

my $runp = "$tools/predict-run";
my %row = map { $_ => ($min{$_} + $max{$_}) / 2 } keys %min;
$row{alcohol} = 2 * $max{alcohol};
my $rowfile = write_file('row.jsonl', $json->encode({ features => \%row })
                                      . "\n");
my $ans = `$runp $dir/rej $rowfile 2>/dev/null`;
like($ans, qr/"code":"out_of_range".*alcohol/,
     'served: a row outside the fitted range is refused (reject)');
$row{alcohol} = $max{alcohol};
$rowfile = write_file('row.jsonl', $json->encode({ features => \%row }) . "\n");
$ans = `$runp $dir/rej $rowfile 2>/dev/null`;
like($ans, qr/^\{"label":"class_\d"/, 'a row at the edge is answered');

# 9. the drift reference (spec version 2): numpy's deciles and counts on
# the training rows (held-out rows and empty cells left out), the raw
# values (before log1p), category shares; the bundle loads in nginx

my $refpy = write_file('reference.py', <<'END');
import csv, json, sys
import numpy as np

path, spec_path, held = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
spec = json.load(open(spec_path))
rows, every = {}, {}
with open(path, newline="") as f:
    r = csv.reader(f)
    head = next(r)
    start = r.line_num + 1
    for row in r:
        for h, v in zip(head, row):
            every.setdefault(h, []).append(v)
            if start not in held:
                rows.setdefault(h, []).append(v)
        start = r.line_num + 1


def reference(f, cells):
    cells = [c for c in cells if c != ""]
    if f["type"] == "categorical":
        return {"shares": [cells.count(c) / len(cells)
                           for c in f["categories"]]}
    x = np.array([float(c) for c in cells])
    q = np.quantile(x, [k / 10 for k in range(1, 10)])   # "linear"
    edges = [float(x.min())] + [float(v) for v in q] + [float(x.max())]
    # the bin rule: 1 + the last i in 0..9 with edges[i] <= v
    b = np.searchsorted(edges[:10], x, side="right")
    count = np.bincount(b, minlength=11)[1:11]
    return {"edges": edges, "shares": [int(c) / len(x) for c in count]}


out = {"version": spec["version"], "differ": [], "from_all_rows": []}
for f in spec["features"]:
    if f.get("reference") != reference(f, rows[f["name"]]):
        out["differ"].append([f["name"], f.get("reference"),
                              reference(f, rows[f["name"]])])
    if f.get("reference") == reference(f, every[f["name"]]):
        out["from_all_rows"].append(f["name"])
print(json.dumps(out))
END

sub reference_check {
    my ($csv, $bundle, $held) = @_;
    my $arg = $json->encode([map { $_ + 0 } @{ $held // [] }]);
    my $out = `/usr/bin/python3 $refpy '$csv' '$bundle/features.json' '$arg'`;
    return $? == 0 ? $json->decode($out) : { differ => ['python failed'] };
}

my $ref = reference_check(fixture('wine.csv'), "$dir/rej",
                          $report->{test_lines});
is($ref->{version}, 2, 'a spec with references is version 2');
is(scalar @{ $ref->{differ} }, 0, 'wine, 30% held out: every feature\'s '
   . 'edges are numpy.quantile\'s deciles of the training rows, its shares '
   . 'numpy\'s counts by the bin rule, to the bit')
    or diag(explain($ref->{differ}));
ok(@{ $ref->{from_all_rows} } < 13, 'and not those of all rows (held-out '
   . 'rows left out: ' . (13 - @{ $ref->{from_all_rows} }) . ' of 13 '
   . 'features differ)');

$ref = reference_check(fixture('diabetes.csv'), "$dir/dia");
is(scalar @{ $ref->{differ} }, 0, 'diabetes: the same, and s4\'s '
   . 'reference is of the raw values, before --log1p')
    or diag(explain($ref->{differ}));

$ref = reference_check($quoted, "$dir/q");
is(scalar @{ $ref->{differ} }, 0, 'a categorical column: the category '
   . 'shares; a numeric one with empty cells: they are left out')
    or diag(explain($ref->{differ}));
$spec = slurp_json("$dir/q/features.json");
($income) = grep { $_->{name} eq 'income' } @{ $spec->{features} };
($city) = grep { $_->{name} eq 'city' } @{ $spec->{features} };
is_deeply([map { sprintf '%.6f', $_ } @{ $city->{reference}{shares} }],
          ['0.333333', '0.333333', '0.333333'],
          '(20 rows each of lyon, nice and paris)');
is(scalar @{ $income->{reference}{edges} }, 11, '(11 edges, 10 shares)');

for my $b (qw(rej dia q)) {
    my $t = PredictTest->new(config => "location = /m { predict_model "
                                       . "$dir/$b; }");
    my ($st, $msg) = $t->test_conf;
    is($st, 0, "nginx -t loads the version 2 spec of $b") or diag($msg);
}

# 5. bad files: a clear error naming the line, never a crash

my @bad = (
    ['ragged rows', "a,b,y\n1,2,x\n3,4,5,x\n", [], qr/line 3: 4 fields, the header has 3/],
    ['short row', "a,b,y\n1,2,x\n3,x\n", [], qr/line 3: 2 fields, the header has 3/],
    ['a non-numeric cell in a numeric column', "a,b,y\n1,2,x\n3,four,y\n",
     ['--numeric', 'b'], qr/line 3: column "b": "four" is not a number/],
    ['a target with one class', "a,y\n1,x\n2,x\n3,x\n4,x\n5,x\n6,x\n", [],
     qr/the target has a single class "x": nothing to classify/],
    ['an empty file', '', [], qr/empty file: no header line/],
    ['a header and no rows', "a,b,y\n", [], qr/a header and no rows/],
    ['an unclosed quote', "a,y\n1,x\n\"2,y\n3,x\n", [], qr/line 3: a quoted field is not closed/],
    ['an empty target cell', "a,y\n1,x\n2,\n3,y\n4,x\n5,y\n6,x\n", [], qr/line 3: the target "y" is empty/],
    ['no such target', "a,b\n1,2\n", [], qr/no column "y" in the header/],
    ['a quote inside a field', "a,y\n1,x\n2\"2,y\n", [], qr/line 3: a quote inside an unquoted field/],
    ['duplicate columns', "a,a,y\n1,2,x\n", [], qr/line 1: duplicate column "a"/],
    ['too few rows for the folds', "a,y\n1,x\n2,y\n3,x\n", [], qr/3 rows: too few for 5-fold/],
    ['a regression target that is text', "a,y\n1,2\n2,3\n3,x\n4,1\n5,2\n6,3\n",
     ['--task', 'regress'], qr/line 4: the target "y" is "x", not a number/],
    ['binary garbage', "\x00\x01\x02,\xff\n", [], qr/NUL byte|no column/],
);

for my $b (@bad) {
    my ($name, $text, $opts, $re) = @$b;
    my $file = write_file('bad.csv', $text);
    my @task = grep({ $_ eq '--task' } @$opts) ? () : ('--task', 'classify');
    ($rc, $out) = run($train, '--quiet', '--data', $file, '--target', 'y',
                      @task, @$opts, '--out', "$dir/bad");
    is($rc, 1, "$name: refused with status 1");
    like($out, $re, "$name: the error says where and why");
    unlike($out, qr/Segmentation|Abort|core dumped/, "$name: no crash");
}

ok(!-e "$dir/bad/model.libsvm", 'no bundle left by a refused file');

done_testing();
