#!/usr/bin/perl
# scikit-learn pipelines exported by tools/sklearn_export.py, served by the
# module: labels equal scikit-learn's predict, decision values (in libsvm's
# sign) and regression outputs to 1e-9, probabilities to 1e-9 for
# multi-class problems.  Binary probabilities follow libsvm 3.24, which
# computes the pairwise probability exactly where scikit-learn's older
# libsvm iterates the coupling to 0.005 / k: within 0.005 there.  The
# later cases (SimpleImputer fills, a TransformedTargetRegressor's target
# scaling, a search's best_estimator_, break_ties on two classes) are
# checked on held-out rows with missing values.  Then what the exporter
# refuses, its command line (never a traceback), the fitted ranges that
# make predict_out_of_range work for every scaler, and the drift references
# written from training data (predict-train's, numpy's) or not at all.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use PredictTest;

my $json = JSON::PP->new;
my $sk = fixture('sklearn');

my @cases = qw(wine-minmax-svc wine-clip-linear cancer-standard-binary
               cancer-maxabs-nusvc-poly iris-onehot-svr iris-columns-sigmoid
               diabetes-standard-svr cancer-oneclass
               wine-impute-standard iris-impute-columns-svr
               iris-impute-mode-svc diabetes-target-standard
               diabetes-target-minmax diabetes-target-maxabs
               iris-gridsearch wine-randomsearch cancer-breakties-binary);
my %held_out = map { $_ => 1 } @cases[8 .. $#cases];

my $config = "client_max_body_size 4m;\nclient_body_buffer_size 4m;\n";
$config .= "location = /$_ { predict_model $sk/$_; "
           . "predict_decision_values on; }\n" for @cases;

my $t = PredictTest->new(config => $config);
$t->start;

sub lines {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!";
    my @l = <$fh>;
    chomp @l;
    return @l;
}

for my $name (@cases) {
    my @bodies = lines("$sk/$name.jsonl");
    my @want = map { $json->decode($_) } lines("$sk/$name.expected.jsonl");

    # batches of 100, as a client would send them
    my @got;
    my $s = $t->connect;
    for (my $i = 0; $i < @bodies; $i += 100) {
        my $j = $i + 99 < $#bodies ? $i + 99 : $#bodies;
        my $body = '{"instances":[' . join(',', map { /^\{"features": (.*)\}$/; $1 }
                                                    @bodies[$i .. $j]) . ']}';
        my $r = $t->request('POST', "/$name", body => $body, sock => $s);
        die "$name: $r->{status} $r->{body}" unless $r->{status} == 200;
        push @got, @{ $json->decode($r->{body})->{predictions} };
    }

    is(scalar @got, scalar @want, "$name: every row answered");

    if ($name =~ /impute|target/) {
        my $nulls = grep { /null/ } @bodies;
        ok($nulls > 5, "$name: $nulls held-out rows with missing values, "
           . "filled as the SimpleImputer fills them");
    }

    my ($labels, $maxdec, $maxval, $maxp, $ndec, $np) = (0, 0, 0, 0, 0, 0);

    for my $i (0 .. $#want) {
        my ($g, $w) = ($got[$i], $want[$i]);

        if (exists $g->{value}) {
            my $d = abs($g->{value} - $w->{predict}) / (1 + abs $w->{predict});
            $maxval = $d if $d > $maxval;
            next;
        }

        $labels++ if "$g->{label}" ne "$w->{predict}";

        for my $k (0 .. $#{ $w->{decision_values} // [] }) {
            my $e = $w->{decision_values}[$k];
            my $d = abs($g->{decision_values}[$k] - $e) / (1 + abs $e);
            $maxdec = $d if $d > $maxdec;
            $ndec++;
        }

        for my $c (keys %{ $w->{probabilities} // {} }) {
            my $d = abs($g->{probabilities}{$c} - $w->{probabilities}{$c});
            $maxp = $d if $d > $maxp;
            $np++;
        }
    }

    my $rows = $held_out{$name} ? 'held-out rows' : 'rows';

    if (exists $got[0]{value}) {
        cmp_ok($maxval, '<=', 1e-9, "$name: regression outputs equal "
               . "scikit-learn's predict to 1e-9 on " . scalar(@want)
               . " $rows (max $maxval)");
        next;
    }

    is($labels, 0, "$name: labels equal scikit-learn's predict on all "
       . scalar(@want) . " $rows");
    ok($ndec > 0, "$name: $ndec decision values compared");
    cmp_ok($maxdec, '<=', 1e-9, "$name: decision values to 1e-9 "
           . "(max $maxdec)");

    if ($np) {
        my $binary = keys %{ $want[0]{probabilities} } == 2;
        my $tol = $binary ? 0.005 : 1e-9;
        cmp_ok($maxp, '<=', $tol, "$name: probabilities to $tol "
               . ($binary ? "(binary: libsvm 3.24's exact pairwise value) "
                          : '') . "(max $maxp)");
    }
}

$t->finish;

# what the exporter refuses, and how

my %refused = map { split /\t/, $_, 2 }
    `/usr/bin/python3 $ROOT/t/data/sklearn_refusals.py 2>/dev/null`;
like($refused{'not an svm'} // '', qr/the last step must be SVC/,
     'a LogisticRegression is refused');
like($refused{'unfitted'} // '', qr/not fitted/, 'an unfitted SVC');
like($refused{'precomputed kernel'} // '', qr/kernel 'precomputed' is not supported/,
     'a precomputed kernel');
like($refused{'two scalers'} // '', qr/at most one preprocessing step/,
     'two preprocessing steps');
like($refused{'an unsupported step'} // '', qr/unsupported preprocessing step PolynomialFeatures/,
     'PolynomialFeatures');
like($refused{'onehot with drop'} // '', qr/drop=\.\.\.\) is not supported/,
     'OneHotEncoder(drop=...)');

my @refusals = (
    ['callable kernel', qr/^a callable kernel \(linear_kernel\) is not supported/],
    ['break ties', qr/^SVC\(break_ties=True\) with 3 classes is not supported: scikit-learn's predict breaks tied votes by the one-vs-rest decision function/],
    ['break ties ovo', qr/^SVC\(break_ties=True\) with 3 classes/],
    ['unfitted search', qr/^the GridSearchCV is not fitted/],
    ['search without refit', qr/refit=False: it has no best_estimator_/],
    ['search of a non-svm', qr/^the last step must be SVC.*not LogisticRegression/],
    ['imputer indicator', qr/^SimpleImputer\(add_indicator=True\) is not supported/],
    ['imputer zeros', qr/^SimpleImputer\(missing_values=0\) is not supported/],
    ['imputer after a scaler', qr/^a SimpleImputer must come first/],
    ['imputer fill not a category', qr/fills column 'x1' with 'none', a category the OneHotEncoder never saw/],
    ['onehot of missing values', qr/saw missing values in column 'x1' as a category/],
    ['target function', qr/^TransformedTargetRegressor\(func=\.\.\.\) is not supported/],
    ['target power', qr/^TransformedTargetRegressor\(transformer=PowerTransformer\) is not supported/],
    ['target around another regressor', qr/must wrap an SVR or a NuSVR, not LinearRegression/],
    ['X_train of the wrong shape', qr/^X_train has shape \(150, 2\); the pipeline takes 4 columns/],
    ['X_train not numbers', qr/column 'x0' holds 'setosa', not a number/],
);
for my $r (@refusals) {
    like($refused{ $r->[0] } // 'EXPORTED', $r->[1], "refused: $r->[0]");
}

# the command line, on a pickle

my $dir = tempdir(CLEANUP => 1);
my $py = <<'END';
import pickle, sys
from sklearn import datasets
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
x, y = datasets.load_iris(return_X_y=True)
p = Pipeline([("s", StandardScaler()), ("m", SVC())]).fit(x, y)
pickle.dump(p, open(sys.argv[1], "wb"))
END
open my $fh, '>', "$dir/make.py" or die $!;
print $fh $py;
close $fh;
system("/usr/bin/python3 $dir/make.py $dir/p.pkl") == 0 or die;
my $out = `/usr/bin/python3 $ROOT/tools/sklearn_export.py $dir/p.pkl $dir/b --feature-names sl,sw,pl,pw 2>&1`;
is($? >> 8, 0, 'sklearn_export.py exports a pickled pipeline') or diag($out);
ok(-s "$dir/b/model.libsvm" && -s "$dir/b/features.json"
   && -s "$dir/b/report.json", 'the bundle has its three files');
my $spec = do { local (@ARGV, $/) = ("$dir/b/features.json"); $json->decode(<>) };
is_deeply([map { $_->{name} } @{ $spec->{features} }], [qw(sl sw pl pw)],
          '--feature-names names the features');
is_deeply($spec->{target}{classes}, [0, 1, 2], 'numeric classes kept as numbers');

my $t2 = PredictTest->new(config => "location = /i { predict_model $dir/b; }");
my ($rc, $msg) = $t2->test_conf;
is($rc, 0, 'nginx -t accepts the exported bundle') or diag($msg);

# the command line: --help aside (t/105-tools-help.t), a refused pickle
# or file is one line on stderr, "error:", status 1, never a traceback

my $cli = "$dir/cli";
system("/usr/bin/python3 $ROOT/t/data/sklearn_cli.py $cli") == 0 or die;
my $ranges = do { local (@ARGV, $/) = ("$cli/ranges.json"); $json->decode(<>) };

sub export_cli {
    my (@args) = @_;
    my $cmd = join ' ', '/usr/bin/python3', "$ROOT/tools/sklearn_export.py",
                        map { my $a = $_; $a =~ s/'/'\\''/g; "'$a'" } @args;
    my $stdout = `$cmd 2>$dir/stderr`;
    my $status = $? >> 8;
    my $stderr = do { local (@ARGV, $/) = ("$dir/stderr"); <> // '' };
    return ($status, $stdout, $stderr);
}

sub spec_of {
    my ($bundle) = @_;
    local (@ARGV, $/) = ("$bundle/features.json");
    return $json->decode(<>);
}

my @names = ('--feature-names', 'sl,sw,pl,pw');
my @bad_cli = (
    ['a missing pickle', ["$cli/none.pkl", "$dir/x"],
     qr/cannot read \S*none\.pkl: No such file or directory/],
    ['a corrupt pickle', ["$cli/corrupt.pkl", "$dir/x"],
     qr/corrupt\.pkl is not a pickle this python can load/],
    ['a pickle of something else', ["$cli/dict.pkl", "$dir/x"],
     qr/the last step must be SVC, NuSVC, SVR, NuSVR or OneClassSVM, not dict/],
    ['a callable kernel', ["$cli/kernel.pkl", "$dir/x"],
     qr/a callable kernel \(linear_kernel\) is not supported/],
    ['SVC(break_ties=True), three classes', ["$cli/ties.pkl", "$dir/x"],
     qr/SVC\(break_ties=True\) with 3 classes is not supported/],
    ['a missing --train-data file',
     ["$cli/standard.pkl", "$dir/x", @names, '--train-data', "$cli/no.csv"],
     qr/--train-data \S*no\.csv: No such file or directory/],
    ['--train-data without the feature names',
     ["$cli/standard.pkl", "$dir/x", '--train-data', "$cli/train.csv"],
     qr/the training data has no column 'x0' \(the pipeline does not name its features/],
);
for my $c (@bad_cli) {
    my ($name, $args, $re) = @$c;
    my ($st, $o, $e) = export_cli(@$args);
    is($st, 1, "command line, $name: status 1");
    like($e, qr/\Asklearn_export\.py: error: [^\n]+\n\z/,
         "command line, $name: one line on stderr");
    like($e, $re, "command line, $name: says why");
    unlike($o . $e, qr/Traceback|File "/, "command line, $name: no "
           . "traceback");
}

# a fitted search: its best_estimator_, said on stderr and in the report

my ($st, $o, $e) = export_cli("$cli/search.pkl", "$dir/search", @names,
                              '--train-data', "$cli/train.csv");
is($st, 0, 'a pickled GridSearchCV is exported') or diag($e);
like($e, qr/exporting the GridSearchCV's best_estimator_ \(m__C=[14]\)/,
     'and the exporter says it exports the best_estimator_');
my $report = do { local (@ARGV, $/) = ("$dir/search/report.json");
                  $json->decode(<>) };
is($report->{search}{type}, 'GridSearchCV', 'the report records the search');
like($report->{estimator}, qr/^Pipeline/, '(and the estimator exported)');

# fitted ranges: without training data a StandardScaler pipeline has none,
# and the exporter names the features; with X_train or --train-data each
# numeric feature has numpy's min and max of the training rows, and
# predict_out_of_range reject refuses a row outside them

($st, $o, $e) = export_cli("$cli/standard.pkl", "$dir/norange", @names);
is($st, 0, 'StandardScaler, no training data: exported');
like($e, qr/^sklearn_export\.py: warning: 4 numeric features have no fitted range, so predict_out_of_range cannot apply to them: sl, sw, pl, pw; pass the training data \(X_train=\.\.\., or --train-data FILE\.csv\)$/m,
     'and the features without a fitted range are named on stderr');
ok(!grep({ exists $_->{min} } @{ spec_of("$dir/norange")->{features} }),
   '(the spec has no range for them)');

($st, $o, $e) = export_cli("$cli/standard.pkl", "$dir/range", @names,
                           '--train-data', "$cli/train.csv");
is($st, 0, 'StandardScaler with --train-data: exported') or diag($e);
is($e, '', 'nothing to warn about');

sub range_ok {
    my ($bundle, $what, $min, $max) = @_;
    my @bad = grep { !defined $_->{min}
                     || $_->{min} != $min->{ $_->{name} }
                     || $_->{max} != $max->{ $_->{name} } }
              @{ spec_of($bundle)->{features} };
    is(scalar @bad, 0, "$what: every feature has the training rows' min "
       . "and max (numpy's)") or diag(explain(\@bad));
}

range_ok("$dir/range", '--train-data', $ranges->{min}, $ranges->{max});
range_ok("$cli/api", 'export(X_train=...)', $ranges->{min}, $ranges->{max});

my %neg = map { $_ => -$ranges->{max_abs}{$_} } keys %{ $ranges->{max_abs} };
($st, $o, $e) = export_cli("$cli/maxabs.pkl", "$dir/maxabs", @names);
ok($st == 0 && $e eq '', 'MaxAbsScaler, no training data: no warning');
range_ok("$dir/maxabs", 'MaxAbsScaler alone: [-max_abs_, max_abs_]', \%neg,
         $ranges->{max_abs});
($st, $o, $e) = export_cli("$cli/maxabs.pkl", "$dir/maxabs2", @names,
                           '--train-data', "$cli/train.csv");
range_ok("$dir/maxabs2", 'MaxAbsScaler with --train-data', $ranges->{min},
         $ranges->{max});

my $tools = $ENV{PREDICT_TOOLS} // "$ROOT/build";
open $fh, '>', "$dir/outside.jsonl" or die $!;
print $fh $json->encode($ranges->{outside}), "\n";
close $fh;
my $served = `$tools/predict-run $dir/range --out-of-range reject $dir/outside.jsonl 2>/dev/null`;
like($served, qr/^\{"error":\{"code":"out_of_range".*"sl"/,
     'reject refuses a row outside the fitted range of a StandardScaler '
     . 'feature');
$served = `$tools/predict-run $dir/norange --out-of-range reject $dir/outside.jsonl 2>/dev/null`;
like($served, qr/^\{"label":/,
     '(without the range, the same row is answered: what was silently '
     . 'the case before)');
$served = `$tools/predict-run $cli/api --out-of-range reject $dir/outside.jsonl 2>/dev/null`;
like($served, qr/"code":"out_of_range"/, 'the same with export(X_train=...)');

# the drift reference (spec version 2): with training data, the same as
# predict-train's on the same rows (iris, species a OneHotEncoder input, as
# the iris-petal bundle), and numpy's deciles and counts; without, none

my $refpy = <<'END';
import contextlib, csv, pickle, sys
import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVR
sys.path.insert(0, sys.argv[1])
from sklearn_export import export

iris_csv, out = sys.argv[2], sys.argv[3]
rows = list(csv.reader(open(iris_csv, newline="")))
head, rows = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
names = [h for h in head if h != "petal width (cm)"]
x = np.array([[float(r[n]) for n in names[:3]] + [r["species"]]
              for r in rows], dtype=object)
y = np.array([float(r["petal width (cm)"]) for r in rows])
ct = ColumnTransformer([("n", StandardScaler(), [0, 1, 2]),
                        ("c", OneHotEncoder(), [3])])
p = Pipeline([("p", ct), ("m", SVR())]).fit(x, y)
pickle.dump(p, open(out + "/onehot.pkl", "wb"))
export(p, out + "/onehot-api", feature_names=names, X_train=x)
x[0, 3], x[1, 3] = "martian", None
with open(out + "/stray.err", "w") as err, contextlib.redirect_stderr(err):
    export(p, out + "/onehot-stray", feature_names=names, X_train=x)
END
open $fh, '>', "$dir/ref.py" or die $!;
print $fh $refpy;
close $fh;
system('/usr/bin/python3', "$dir/ref.py", "$ROOT/tools", fixture('iris.csv'),
       $dir) == 0 or die 'ref.py';

my $cmppy = <<'END';
import json, sys


def spec(path):
    return json.load(open(path + "/features.json"))

a, b = spec(sys.argv[1]), spec(sys.argv[2])
rb = {f["name"]: f.get("reference") for f in b["features"]}
print(json.dumps({"versions": [a["version"], b["version"]],
                  "n": sum(1 for f in a["features"] if "reference" in f),
                  "differ": [f["name"] for f in a["features"]
                             if f.get("reference") != rb.get(f["name"])]}))
END
open $fh, '>', "$dir/cmp.py" or die $!;
print $fh $cmppy;
close $fh;

sub same_reference {
    my ($a, $b) = @_;
    my $out = `/usr/bin/python3 $dir/cmp.py '$a' '$b'`;
    return $? == 0 ? $json->decode($out) : { differ => ['python failed'] };
}

($st, $o, $e) = export_cli("$dir/onehot.pkl", "$dir/onehot-cli",
                           '--train-data', fixture('iris.csv'),
                           '--feature-names', 'sepal length (cm),sepal '
                           . 'width (cm),petal length (cm),species');
is($st, 0, 'a OneHotEncoder pipeline with --train-data: exported')
    or diag($e);
is($e, '', '(nothing to warn about)');
unlike($o, qr/no drift reference/, '(nothing said about references)');

for my $b (qw(onehot-api onehot-cli)) {
    my $c = same_reference("$dir/$b", fixture('iris-petal.bundle'));
    ok($c->{n} == 4 && !@{ $c->{differ} }
       && "@{ $c->{versions} }" eq '2 2',
       "$b: the 4 features' references (3 numeric, 1 categorical) equal "
       . "predict-train's on the same rows, to the bit; both version 2")
        or diag(explain($c));
}

my $stray = do { local (@ARGV, $/) = ("$dir/stray.err"); <> // '' };
is($stray, "sklearn_export.py: warning: training values that are not among "
   . "the OneHotEncoder's categories were left out of the drift reference "
   . "of species\n", 'a training value that is not a category: a warning');
my ($sp) = grep { $_->{name} eq 'species' }
           @{ spec_of("$dir/onehot-stray")->{features} };
is_deeply([map { sprintf '%.9f', $_ } @{ $sp->{reference}{shares} }],
          [map { sprintf '%.9f', $_ } 48 / 148, 50 / 148, 50 / 148],
          '(it and a missing value are left out of the shares: 48, 50 '
          . 'and 50 of 148)');

my $numpy = <<'END';
import json, sys
import numpy as np
from sklearn import datasets

x = datasets.load_iris().data
ref = {}
for k, n in enumerate(["sl", "sw", "pl", "pw"]):
    v = x[:, k]
    q = np.quantile(v, [i / 10 for i in range(1, 10)], method="linear")
    e = [float(v.min())] + [float(d) for d in q] + [float(v.max())]
    b = np.searchsorted(e[:10], v, side="right")
    ref[n] = {"edges": e, "shares": [int(c) / len(v) for c in
                                     np.bincount(b, minlength=11)[1:11]]}
json.dump({"version": 2, "format": "predict-features",
           "features": [{"name": n, "reference": r} for n, r in ref.items()]},
          open(sys.argv[1] + "/features.json", "w"))
END
mkdir "$dir/numpy";
open $fh, '>', "$dir/by_numpy.py" or die $!;
print $fh $numpy;
close $fh;
system('/usr/bin/python3', "$dir/by_numpy.py", "$dir/numpy") == 0 or die;

for my $b (["$dir/range", '--train-data'], ["$cli/api", 'X_train=']) {
    my $c = same_reference($b->[0], "$dir/numpy");
    ok($c->{n} == 4 && !@{ $c->{differ} }, "$b->[1]: the edges are "
       . "numpy.quantile's deciles, the shares numpy's counts by the bin "
       . "rule") or diag(explain($c));
}

my $noref = spec_of("$dir/norange");
ok($noref->{version} == 1
   && !grep({ exists $_->{reference} } @{ $noref->{features} }),
   'without training data: no reference, a version 1 spec');
($st, $o, $e) = export_cli("$cli/standard.pkl", "$dir/norange2", @names);
like($o, qr/^no drift reference without the training data: pass --train-data FILE\.csv to record one \(spec version 2\)$/m,
     'and the command line says so, on stdout');
$report = do { local (@ARGV, $/) = ("$dir/norange2/report.json");
               $json->decode(<>) };
is_deeply($report->{drift_reference}, [], '(report.json: no feature has '
          . 'a reference)');

for my $b (qw(norange range onehot-cli)) {
    my $t3 = PredictTest->new(config => "location = /m { predict_model "
                                        . "$dir/$b; }");
    my ($rc3, $msg3) = $t3->test_conf;
    is($rc3, 0, "nginx -t loads the $b bundle") or diag($msg3);
}

done_testing();
