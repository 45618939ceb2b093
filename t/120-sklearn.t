#!/usr/bin/perl
# scikit-learn pipelines exported by tools/sklearn_export.py, served by the
# module: labels equal scikit-learn's predict, decision values (in libsvm's
# sign) and regression outputs to 1e-9, probabilities to 1e-9 for
# multi-class problems.  Binary probabilities follow libsvm 3.24, which
# computes the pairwise probability exactly where scikit-learn's older
# libsvm iterates the coupling to 0.005 / k: within 0.005 there.

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
               diabetes-standard-svr cancer-oneclass);

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

    if (exists $got[0]{value}) {
        cmp_ok($maxval, '<=', 1e-9, "$name: regression outputs equal "
               . "scikit-learn's predict to 1e-9 (max $maxval)");
        next;
    }

    is($labels, 0, "$name: labels equal scikit-learn's predict on all "
       . scalar(@want) . " rows");
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

done_testing();
