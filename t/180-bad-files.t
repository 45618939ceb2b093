#!/usr/bin/perl
# Bad files: a corpus of corrupt models, range files, feature specs and
# bundles (truncated, binary garbage, inconsistent counts, absurd sizes,
# wrong kernels, missing sections), made here from the good fixtures.
# Each is refused by nginx -t with an [emerg] naming the file and a
# reason; none crashes it or hangs it (each run has a time limit).  Seeded
# byte flips may leave a file valid: those must pass or be refused the
# same way, never crash.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Path qw(make_path);
use POSIX qw(mkfifo);
use Test::More;
use PredictTest;

my $t = PredictTest->new;
my $dir = $t->dir . '/bad';
mkdir $dir;

sub slurp_file {
    my ($path) = @_;
    open my $fh, '<:raw', $path or die "$path: $!";
    local $/;
    return <$fh>;
}

my $model = slurp_file(fixture('heart.model'));
my $model3 = slurp_file(fixture('wine.model'));
my $range = slurp_file(fixture('heart.range'));
my $spec = slurp_file(fixture('wine.bundle') . '/features.json');
my $spec_model = fixture('wine.bundle') . '/model.libsvm';

my ($header, $svs) = $model =~ /\A(.*?^SV\n)(.*)\z/ms or die 'heart.model';

# a deterministic byte generator (the same corpus on every run)
my $seed = 20261125;
sub rnd {
    $seed = ($seed * 1103515245 + 12345) % 2**31;
    return $seed;
}
sub garbage {
    my ($n) = @_;
    return join '', map { chr(rnd() >> 8 & 0xff) } 1 .. $n;
}

# the first match of $from replaced by $to, where $1.. are its groups
sub edit {
    my ($text, $from, $to) = @_;
    (my $re = "$from") =~ s/^\(\?\^:(.*)\)\z/$1/s;   # qr// without its flags
    $text =~ /$re/m or die "edit: $from not found";
    my ($start, $end) = ($-[0], $+[0]);
    my @g = map { substr($text, $-[$_], $+[$_] - $-[$_]) } 1 .. $#-;
    (my $new = $to) =~ s/\$(\d)/$g[$1 - 1]/g;
    substr($text, $start, $end - $start) = $new;
    return $text;
}

# --- the corpus: [kind, name, content, must be refused] ---------------------

my @cases;
sub add { push @cases, [@_] }

# models
add('model', 'empty', '', 1);
add('model', 'a blank line', "\n", 1);
add('model', 'binary garbage', garbage(4096), 1);
add('model', 'text that is not a model', "hello, world\n" x 10, 1);
add('model', 'NUL bytes', "\0" x 100, 1);
add('model', 'a NUL byte among the SVs', edit($model, qr/^(\S+) 1:/, "\$1 1:\0"), 1);
add('model', 'a feature spec given as the model', $spec, 1);
add('model', 'a FIFO', sub { mkfifo($_[0], 0644) or die "mkfifo: $!" }, 1);
add('model', '300 MB of zeros (sparse)',
    sub { system('truncate', '-s', '300M', $_[0]) == 0 or die }, 1);
add('range', 'a FIFO', sub { mkfifo($_[0], 0644) or die "mkfifo: $!" }, 1);
add('range', 'a directory', sub { mkdir $_[0] or die "mkdir: $!" }, 1);
add('spec', 'a FIFO', sub { mkfifo($_[0], 0644) or die "mkfifo: $!" }, 1);
add('spec', 'a model given as the spec', $model, 1);
add('model', 'svm_type only', "svm_type c_svc\n", 1);
add('model', 'header only', $header, 1);
add('model', 'no SV section', edit($header, qr/^SV\n/, ''), 1);
add('model', 'an unknown svm_type', edit($model, qr/^svm_type .*$/, 'svm_type quantum'), 1);
add('model', 'an unknown kernel', edit($model, qr/^kernel_type .*$/, 'kernel_type quantum'), 1);
add('model', 'a precomputed kernel', edit($model, qr/^kernel_type .*$/, 'kernel_type precomputed'), 1);
add('model', 'no svm_type', edit($model, qr/^svm_type .*\n/, ''), 1);
add('model', 'no kernel_type', edit($model, qr/^kernel_type .*\n/, ''), 1);
add('model', 'no nr_class', edit($model, qr/^nr_class .*\n/, ''), 1);
add('model', 'no total_sv', edit($model, qr/^total_sv .*\n/, ''), 1);
add('model', 'no rho', edit($model, qr/^rho .*\n/, ''), 1);
add('model', 'no label', edit($model, qr/^label .*\n/, ''), 1);
add('model', 'no nr_sv', edit($model, qr/^nr_sv .*\n/, ''), 1);
add('model', 'nr_class 0', edit($model, qr/^nr_class .*$/, 'nr_class 0'), 1);
add('model', 'nr_class 1', edit($model, qr/^nr_class .*$/, 'nr_class 1'), 1);
add('model', 'nr_class -2', edit($model, qr/^nr_class .*$/, 'nr_class -2'), 1);
add('model', 'nr_class 3 for 2', edit($model, qr/^nr_class .*$/, 'nr_class 3'), 1);
add('model', 'nr_class 2000000000', edit($model, qr/^nr_class .*$/, 'nr_class 2000000000'), 1);
add('model', 'nr_class 1e99', edit($model, qr/^nr_class .*$/, 'nr_class 1e99'), 1);
add('model', 'total_sv -1', edit($model, qr/^total_sv .*$/, 'total_sv -1'), 1);
add('model', 'total_sv 131 for 132', edit($model, qr/^total_sv .*$/, 'total_sv 131'), 1);
add('model', 'total_sv 133 for 132', edit($model, qr/^total_sv .*$/, 'total_sv 133'), 1);
add('model', 'total_sv 99999999999999', edit($model, qr/^total_sv .*$/, 'total_sv 99999999999999'), 1);
add('model', 'total_sv x', edit($model, qr/^total_sv .*$/, 'total_sv x'), 1);
add('model', 'two rho values for one pair', edit($model, qr/^rho (.*)$/, 'rho $1 0.5'), 1);
add('model', 'a rho that is not a number', edit($model, qr/^rho .*$/, 'rho x'), 1);
add('model', 'a NaN rho', edit($model, qr/^rho .*$/, 'rho nan'), 1);
add('model', 'one label for two classes', edit($model, qr/^label .*$/, 'label 1'), 1);
add('model', 'three labels for two classes', edit($model, qr/^label .*$/, 'label 1 -1 2'), 1);
add('model', 'a repeated label', edit($model, qr/^label .*$/, 'label 1 1'), 1);
add('model', 'nr_sv summing to 131', edit($model, qr/^nr_sv .*$/, 'nr_sv 64 67'), 1);
add('model', 'a negative nr_sv', edit($model, qr/^nr_sv .*$/, 'nr_sv -1 133'), 1);
add('model', 'probA without probB', edit($model, qr/^probB .*\n/, ''), 1);
add('model', 'a gamma that is not a number', edit($model, qr/^gamma .*$/, 'gamma fast'), 1);
add('model', 'a gamma of 1e999', edit($model, qr/^gamma .*$/, 'gamma 1e999'), 1);
add('model', 'a NaN gamma', edit($model, qr/^gamma .*$/, 'gamma nan'), 1);
add('model', 'a repeated header line', edit($model, qr/^(gamma .*)$/, "$1\n$1"), 1);
add('model', 'an unknown header line', edit($model, qr/^(gamma .*)$/, "$1\ncolour blue"), 1);
add('model', 'a degree of 1e9 on poly', edit(edit($model, qr/^kernel_type .*$/, "kernel_type polynomial\ndegree 1000000000\ncoef0 0"), qr/^gamma/, 'gamma'), 1);
add('model', 'an SV index 0', edit($model, qr/^(\S+) 1:/, '$1 0:'), 1);
add('model', 'an SV index -3', edit($model, qr/^(\S+) 1:/, '$1 -3:'), 1);
add('model', 'SV indices descending', edit($model, qr/^(\S+) 1:(\S+) 2:(\S+)/, '$1 2:$3 1:$2'), 1);
add('model', 'an SV index repeated', edit($model, qr/^(\S+) 1:(\S+) 2:(\S+)/, '$1 1:$2 1:$3'), 1);
add('model', 'an SV index of 2^31', edit($model, qr/ 13:(\S+) $/, ' 2147483648:$1 '), 1);
add('model', 'an SV index of 10^9', edit($model, qr/ 13:(\S+) $/, ' 1000000000:$1 '), 1);
add('model', 'an SV value x', edit($model, qr/ 1:\S+/, ' 1:x'), 1);
add('model', 'an SV value 1e999', edit($model, qr/ 1:\S+/, ' 1:1e999'), 1);
add('model', 'an SV value nan', edit($model, qr/ 1:\S+/, ' 1:nan'), 1);
add('model', 'an SV pair without a colon', edit($model, qr/ 1:(\S+)/, ' 1 $1'), 1);
add('model', 'an SV coefficient x', edit($model, qr/^\S+ 1:/, 'x 1:'), 1);
add('model', 'an SV line without a coefficient', edit($model, qr/^\S+ 1:/, '1:'), 1);
add('model', 'an infinite SV coefficient', edit($model, qr/^\S+ 1:/, 'inf 1:'), 1);
add('model', 'a 3-class SV line with one coefficient', edit($model3, qr/^(\S+) (\S+) 1:/, '$1 1:'), 1);
add('model', 'a 3-class model with 2 classes declared', edit($model3, qr/^nr_class .*$/, 'nr_class 2'), 1);
add('model', 'a line of 70 MB', $header . '1 ' . ('1:0 ' x (70 << 18)) . "\n", 1);
add('model', 'a 3-class model whose rho is short', edit($model3, qr/^rho (\S+) (\S+) (\S+)$/, 'rho $1 $2'), 1);
for my $f (0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95) {
    my $n = int($f * length $model);
    add('model', "truncated to $n bytes", substr($model, 0, $n), 1);
}

# range files
add('range', 'empty', '', 1);
add('range', 'binary garbage', garbage(512), 1);
add('range', 'no x line', edit($range, qr/^x\n/, ''), 1);
add('range', 'x only', "x\n", 1);
# what svm-scale -s writes when every feature is constant: valid
add('range', 'x and limits only', "x\n-1 1\n", 0);
add('range', 'limits that are not numbers', edit($range, qr/^-1 1$/, 'a b'), 1);
add('range', 'lower above upper', edit($range, qr/^-1 1$/, '1 -1'), 1);
add('range', 'lower equal to upper', edit($range, qr/^-1 1$/, '0 0'), 1);
add('range', 'infinite limits', edit($range, qr/^-1 1$/, '-inf inf'), 1);
add('range', 'an index 0', edit($range, qr/^1 (\S+ \S+)$/, '0 $1'), 1);
add('range', 'an index -1', edit($range, qr/^1 (\S+ \S+)$/, '-1 $1'), 1);
add('range', 'an index of 2^31', "x\n-1 1\n2147483648 0 1\n", 1);
add('range', 'an index of 10^9', "x\n-1 1\n1000000000 0 1\n", 1);
add('range', 'an index repeated', edit($range, qr/^2 (\S+ \S+)$/, "1 \$1"), 1);
add('range', 'a min that is not a number', edit($range, qr/^1 \S+ (\S+)$/, '1 x $1'), 1);
add('range', 'a NaN min', edit($range, qr/^1 \S+ (\S+)$/, '1 nan $1'), 1);
add('range', 'an infinite max', edit($range, qr/^1 (\S+) \S+$/, '1 $1 inf'), 1);
add('range', 'min above max', edit($range, qr/^1 \S+ \S+$/, '1 5 -5'), 1);
add('range', 'a line with one number', edit($range, qr/^1 \S+ \S+$/, '1 -1'), 1);
add('range', 'a line with four numbers', edit($range, qr/^1 (\S+ \S+)$/, '1 $1 7'), 1);
add('range', 'a y block without values', "y\n" . $range, 1);
add('range', 'a y block with lower above upper', "y\n1 -1\n0 10\n" . $range, 1);
add('range', 'text after the ranges', $range . "colour blue\n", 1);
add('range', 'a line of 70 MB', "x\n-1 1\n" . ('1' x (70 << 20)) . " 0 1\n", 1);

# feature specs (against the wine bundle's model)
add('spec', 'empty', '', 1);
add('spec', 'binary garbage', garbage(1024), 1);
add('spec', 'not JSON', "format: predict-features\n", 1);
add('spec', 'a JSON array', '[]', 1);
add('spec', 'an empty object', '{}', 1);
add('spec', 'another format', edit($spec, qr/"predict-features"/, '"other"'), 1);
add('spec', 'version 99', edit($spec, qr/"version": \d+/, '"version": 99'), 1);
add('spec', 'no features', edit($spec, qr/"features": \[/, '"features_": ['), 1);
add('spec', 'features not an array', '{"format": "predict-features", "version": 1, "features": {}}', 1);
add('spec', 'an empty feature list', '{"format": "predict-features", "version": 1, "features": []}', 1);
add('spec', 'an unknown type', edit($spec, qr/"type": "numeric"/, '"type": "vector"'), 1);
add('spec', 'an unknown transform', edit($spec, qr/"transform": "minmax"/, '"transform": "log"'), 1);
add('spec', 'index 0', edit($spec, qr/"index": 1,/, '"index": 0,'), 1);
add('spec', 'index -1', edit($spec, qr/"index": 1,/, '"index": -1,'), 1);
add('spec', 'index 2^31', edit($spec, qr/"index": 1,/, '"index": 2147483648,'), 1);
add('spec', 'index 1.5', edit($spec, qr/"index": 1,/, '"index": 1.5,'), 1);
add('spec', 'a repeated index', edit($spec, qr/"index": 2,/, '"index": 1,'), 1);
add('spec', 'a repeated name', edit($spec, qr/"name": "malic_acid"/, '"name": "alcohol"'), 1);
add('spec', 'an empty name', edit($spec, qr/"name": "malic_acid"/, '"name": ""'), 1);
add('spec', 'a name of 100 kB', edit($spec, qr/"name": "malic_acid"/, '"name": "' . 'm' x 100_000 . '"'), 1);
add('spec', 'min above max', edit($spec, qr/"min": 11\.\d+/, '"min": 99'), 1);
# a feature constant in training: valid, as svm-scale leaves it alone
add('spec', 'min equal to max', edit($spec, qr/"min": 11\.\d+/, '"min": 14.83'), 0);
add('spec', 'a NaN min (as a string)', edit($spec, qr/"min": 11\.\d+/, '"min": "nan"'), 1);
add('spec', 'a min of 1e400', edit($spec, qr/"min": 11\.\d+/, '"min": -1e400'), 1);
add('spec', 'lower above upper', edit($spec, qr/"lower": -1\.0/, '"lower": 2.0'), 1);
add('spec', 'an unknown missing policy', edit($spec, qr/"missing": "reject"/, '"missing": "guess"'), 1);
add('spec', 'a duplicate key', edit($spec, qr/"version": (\d+),/, '"version": $1, "version": $1,'), 1);
add('spec', 'nested 5000 deep', '[' x 5000 . ']' x 5000, 1);
add('spec', 'a feature that is a number', edit($spec, qr/\{\s*"name": "alcohol"[^}]*\}/, '7'), 1);
for my $f (0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 0.99) {
    my $n = int($f * length $spec);
    add('spec', "truncated to $n bytes", substr($spec, 0, $n), 1);
}

# bundles
add('bundle', 'an empty directory', {}, 1);
add('bundle', 'no model', { 'features.json' => $spec }, 1);
add('bundle', 'no spec', { 'model.libsvm' => slurp_file($spec_model) }, 1);
add('bundle', 'a corrupt model', { 'features.json' => $spec,
                                   'model.libsvm' => $header }, 1);
add('bundle', 'a corrupt spec', { 'features.json' => '{',
                                  'model.libsvm' => slurp_file($spec_model) },
    1);
add('bundle', 'a spec of 13 features for a 2-feature model',
    { 'features.json' => $spec, 'model.libsvm' => $model }, 1);

# seeded byte flips, 40 models, 20 range files, 20 specs
for my $i (1 .. 40) {
    my $m = $model;
    for (1 .. 1 + rnd() % 4) {
        substr($m, rnd() % length $m, 1) = chr(rnd() >> 8 & 0xff);
    }
    add('model', "byte flips #$i", $m, 0);
}
for my $i (1 .. 20) {
    my $r = $range;
    substr($r, rnd() % length $r, 1) = chr(rnd() >> 8 & 0xff);
    add('range', "byte flip #$i", $r, 0);
}
for my $i (1 .. 20) {
    my $s = $spec;
    for (1 .. 1 + rnd() % 3) {
        substr($s, rnd() % length $s, 1) = chr(rnd() >> 8 & 0xff);
    }
    add('spec', "byte flips #$i", $s, 0);
}

# --- run nginx -t on each ---------------------------------------------------

my %conf = (
    model => sub { "predict_model $_[0] scaler=\$FIXTURES/heart.range;" },
    range => sub { "predict_model \$FIXTURES/heart.model scaler=$_[0];" },
    spec => sub { "predict_model $spec_model features=$_[0];" },
    bundle => sub { "predict_model $_[0];" },
);

my ($n, $refused, $passed) = (0, 0, 0);
for my $c (@cases) {
    my ($kind, $name, $content, $must) = @$c;
    $n++;
    my $path = "$dir/$kind-$n";
    if (ref $content eq 'CODE') {
        $content->($path);
    } elsif (ref $content) {
        make_path($path);
        for my $f (keys %$content) {
            open my $fh, '>:raw', "$path/$f" or die $!;
            print $fh $content->{$f};
        }
    } else {
        open my $fh, '>:raw', $path or die $!;
        print $fh $content;
    }

    $t->{config} = "location = /p {\n    " . $conf{$kind}->($path) . "\n}\n";
    my (undef, $out, $status) = $t->test_conf;
    unlink glob($t->dir . '/tmp/asan* ' . $t->dir . '/tmp/ubsan*');

    my $label = "$kind: $name";
    if ($status & 127 || $status >> 8 > 1) {
        fail("$label: nginx -t crashed or hung (status $status)");
        diag($out);
        next;
    }
    if ($out =~ /Sanitizer|runtime error:/) {
        fail("$label: a sanitizer report");
        diag($out);
        next;
    }

    if ($status == 0) {
        $passed++;
        ok(!$must, "$label: still valid, accepted") or diag($out);
        next;
    }
    $refused++;
    # the [emerg] names the file (or the bundle's file) and gives a reason
    my $ok = $out =~ /\[emerg\] [^\n]*"\Q$path\E[^"]*"[^\n]*: [^\n]{4,}/;
    ok($ok, "$label: refused, the file named")
        or diag($out);
    note($1) if $out =~ /\[emerg\] ([^\n]*)/;
}

cmp_ok($refused, '>=', 150, "$refused of $n corrupt files refused, $passed "
       . 'left valid (byte flips, two files svm-scale could write) and accepted');
done_testing();
