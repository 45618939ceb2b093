#!/usr/bin/perl
# Parity with libsvm on real data: every row of heart_scale and of
# scikit-learn's wine, iris, breast cancer, digits and diabetes, scaled by
# svm-scale, trained by svm-train -b 1, predicted by svm-predict -b 1 and by
# libsvm's C API (python3-libsvm).
#
# Scaled rows sent to a model without a scaler must give libsvm's labels and
# probabilities to 1e-12.  Raw rows sent with the range file are scaled by
# the module in double precision, svm-scale's own formula, where svm-scale
# prints 6 digits: there, tolerances follow those 6 digits.

use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use PredictTest;

my $PY = '/usr/bin/python3';
my $REF = "$ROOT/t/data/libsvm_ref.py";

# name, model, data, output kind
my @cases = (
    [qw(heart heart heart label)],
    [qw(heart-noprob heart heart label)],
    [qw(heart-linear heart heart label)],
    [qw(heart-poly heart heart label)],
    [qw(heart-sigmoid heart heart label)],
    [qw(heart-nu heart heart label)],
    [qw(heart-oneclass heart heart label)],
    [qw(wine wine wine label)],
    [qw(wine-linear wine wine label)],
    [qw(iris iris iris label)],
    [qw(cancer cancer cancer label)],
    [qw(digits digits digits label)],
    [qw(diabetes-eps diabetes diabetes value)],
    [qw(diabetes-nu diabetes diabetes value)],
);

sub read_rows {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!";
    my @rows;
    while (<$fh>) {
        my ($y, @f) = split;
        push @rows, { y => $y, x => { map { split /:/ } @f } };
    }
    return \@rows;
}

sub max_index {
    my ($rows) = @_;
    my $max = 0;
    for my $r (@$rows) {
        for (keys %{ $r->{x} }) { $max = $_ if $_ > $max }
    }
    return $max;
}

my (%rows, %raw, $config);

for my $c (@cases) {
    my ($name, undef, $data) = @$c;
    $rows{$data} //= read_rows(fixture("$data.scaled"));
    $raw{$data} //= read_rows(fixture("$data.raw"));
    my $count = max_index($raw{$data});
    my $m = fixture("$name.model");
    my $r = fixture("$data.range");
    $config .= <<"END";
location = /s/$name {
    predict_model $m;
    predict_feature_count $count;
    predict_max_instances 200;
}
location = /r/$name {
    predict_model $m scaler=$r;
    predict_max_instances 200;
}
location = /l/$name {
    predict_model $m;
    predict_feature_count $count;
    predict_max_instances 200;
    predict_engine libsvm;
}
location = /v/$name {
    predict_model $m;
    predict_feature_count $count;
    predict_max_instances 200;
    predict_label_rule vote;
}
END
}

my $t = PredictTest->new(config => "client_max_body_size 8m;\n"
                                   . "client_body_buffer_size 8m;\n"
                                   . $config);
$t->start;

my $json = JSON::PP->new->canonical;

sub predict_all {
    my ($uri, $rows) = @_;
    my @out;
    my $s = $t->connect;
    for (my $i = 0; $i < @$rows; $i += 200) {
        my $j = $i + 199 < $#$rows ? $i + 199 : $#$rows;
        my @inst = map {
            my $x = $_->{x};
            '{' . join(',', map { "\"$_\":$x->{$_}" } sort { $a <=> $b }
                            keys %$x) . '}'
        } @{$rows}[$i .. $j];
        my $body = '{"instances":[' . join(',', @inst) . ']}';
        my $r = $t->request('POST', $uri, body => $body, sock => $s);
        die "$uri: $r->{status} $r->{body}" unless $r->{status} == 200;
        push @out, @{ $json->decode($r->{body})->{predictions} };
    }
    return \@out;
}

# svm-predict's output: labels, and with -b 1 a "labels ..." header and
# the probabilities (printed %g) in that order
sub svm_predict_file {
    my ($file) = @_;
    open my $fh, '<', $file or die "$file: $!";
    my (@labels, @probs, @order);
    while (<$fh>) {
        my ($first, @rest) = split;
        if ($first eq 'labels') {
            @order = @rest;
            next;
        }
        push @labels, $first;
        push @probs, { map { $order[$_] => $rest[$_] } 0 .. $#rest };
    }
    return (\@labels, \@probs);
}

for my $c (@cases) {
    my ($name, $data, undef, $kind) = ($c->[0], $c->[2], $c->[2], $c->[3]);
    my $model = fixture("$name.model");
    my @keys = label_order($model);
    my $prob = (`grep -c '^probA' $model` + 0) > 0 && $kind eq 'label'
               && $name !~ /oneclass/;

    my @ref = map { $json->decode($_) }
        `$PY $REF $model ${\ fixture("$data.scaled") } $prob`;
    my ($tool, $tool_probs) = svm_predict_file(fixture("$name.pred"));
    my $n = @{ $rows{$data} };

    is(scalar @ref, $n, "$name: libsvm's C API answered $n rows");
    is(scalar @$tool, $n, "$name: svm-predict answered $n rows");

    # 1. scaled input, no scaler: libsvm to 1e-12

    my $got = predict_all("/s/$name", $rows{$data});
    my ($bad_label, $bad_tool, $bad_prob, $bad_tool_prob, $maxd)
        = (0, 0, 0, 0, 0);

    for my $i (0 .. $n - 1) {
        my ($g, $r) = ($got->[$i], $ref[$i]);
        if ($kind eq 'value') {
            my $d = abs($g->{value} - $r->{label});
            $maxd = $d if $d > $maxd;
            $bad_prob++ if $d > 1e-12 * (1 + abs $r->{label});
            $bad_tool++ if abs($g->{value} - $tool->[$i])
                           > 5e-6 * (1 + abs $tool->[$i]);
            next;
        }
        $bad_label++ if $g->{label} != $r->{label};
        $bad_tool++ if $g->{label} != $tool->[$i];
        next unless $prob;
        $bad_prob++ if keys %{ $g->{probabilities} } != @keys;
        # libsvm's probabilities come in the model's label order
        for my $k (0 .. $#keys) {
            my $p = $g->{probabilities}{ $keys[$k] };
            my $d = abs($p - $r->{values}[$k]);
            $maxd = $d if $d > $maxd;
            $bad_prob++ if $d > 1e-12;
            $bad_tool_prob++ if abs($p - $tool_probs->[$i]{ $keys[$k] })
                                > 5e-6 * $p + 1e-300;
        }
    }

    if ($prob) {
        is($bad_tool_prob, 0, "$name: scaled rows: probabilities equal "
           . "svm-predict -b 1's printed 6 digits");
    }

    is($bad_label, 0, "$name: scaled rows: labels equal libsvm's C API");
    is($bad_tool, 0, "$name: scaled rows: "
       . ($kind eq 'value' ? 'values' : 'labels') . " equal svm-predict's");
    is($bad_prob, 0, "$name: scaled rows: "
       . ($kind eq 'value' ? 'values' : 'probabilities')
       . " within 1e-12 of libsvm's (max difference $maxd)");

    # 1b. the same through libsvm's own svm_predict_values: bit for bit

    my $lib = predict_all("/l/$name", $rows{$data});
    my $exact = 0;
    for my $i (0 .. $n - 1) {
        my ($g, $r) = ($lib->[$i], $ref[$i]);
        if ($kind eq 'value') {
            $exact++ if $g->{value} == $r->{label};
            next;
        }
        my $same = $g->{label} == $r->{label};
        for my $k (0 .. ($prob ? $#keys : -1)) {
            $same = 0 if $g->{probabilities}{ $keys[$k] } != $r->{values}[$k];
        }
        $exact++ if $same;
    }
    is($exact, $n, "$name: predict_engine libsvm: all $n rows identical to "
       . "libsvm's C API, bit for bit");

    # 2. raw input with the range file: svm-scale's 6 digits in between

    $got = predict_all("/r/$name", $raw{$data});
    my ($flips, $borderline, $maxp) = (0, 0, 0);
    my ($ylo, $yhi, $ymin, $ymax) = y_block(fixture("$data.range"));

    for my $i (0 .. $n - 1) {
        my ($g, $r) = ($got->[$i], $ref[$i]);
        if ($kind eq 'value') {
            my $want = defined $ylo
                ? $ymin + ($r->{label} - $ylo) * ($ymax - $ymin)
                          / ($yhi - $ylo)
                : $r->{label};
            my $d = abs($g->{value} - $want) / (1 + abs $want);
            $maxp = $d if $d > $maxp;
            next;
        }
        if ($prob) {
            for my $k (0 .. $#keys) {
                my $d = abs($g->{probabilities}{ $keys[$k] }
                            - $r->{values}[$k]);
                $maxp = $d if $d > $maxp;
            }
        }
        if ($g->{label} != $r->{label}) {
            # only a row on the decision boundary may flip
            my @p = sort { $b <=> $a } @{ $r->{values} };
            if ($prob && @p > 1 && $p[0] - $p[1] < 1e-3) {
                $borderline++;
            } else {
                $flips++;
            }
        }
    }

    is($flips, 0, "$name: raw rows scaled by the module: labels equal "
       . "libsvm's ($borderline borderline)");
    my $tol = 2e-5;
    cmp_ok($maxp, '<=', $tol, "$name: raw rows: "
           . ($kind eq 'value' ? 'relative value' : 'probability')
           . " differences within $tol, svm-scale's 6 digits "
           . "(max $maxp)");
}

# predict_label_rule: with probabilities on, "probability" (the default
# for a model without a spec) is svm-predict -b 1's label, "vote" is
# svm-predict's without -b; the two differ on a few rows near a boundary

for my $name (qw(heart cancer digits)) {
    my $scaled = fixture("$name.scaled");
    my $out = $t->dir . "/$name.vote";
    system("svm-predict $scaled ${\ fixture(\"$name.model\") } $out "
           . '> /dev/null') == 0 or die "svm-predict: $?";
    my ($votes) = svm_predict_file($out);
    my ($probs) = svm_predict_file(fixture("$name.pred"));
    my $v = predict_all("/v/$name", $rows{$name});
    my $p = predict_all("/s/$name", $rows{$name});
    my $differ = grep { $votes->[$_] != $probs->[$_] } 0 .. $#$votes;
    is(scalar(grep { $v->[$_]{label} != $votes->[$_] } 0 .. $#$votes), 0,
       "$name: predict_label_rule vote: every label is svm-predict's vote");
    is(scalar(grep { $p->[$_]{label} != $probs->[$_] } 0 .. $#$probs), 0,
       "$name: the default: every label is svm-predict -b 1's");
    ok($differ > 0 && ref $v->[0]{probabilities},
       "$name: the rules differ on $differ rows, and vote still reports "
       . 'probabilities');
}

$t->finish;
done_testing();


sub label_order {
    my ($model) = @_;
    open my $fh, '<', $model or die $!;
    while (<$fh>) {
        if (/^label /) {
            my (undef, @labels) = split;
            return @labels;
        }
        last if /^SV/;
    }
    return ();
}

sub y_block {
    my ($range) = @_;
    open my $fh, '<', $range or die $!;
    my $first = <$fh>;
    return () unless $first =~ /^y/;
    my ($lo, $hi) = split ' ', scalar <$fh>;
    my ($min, $max) = split ' ', scalar <$fh>;
    return ($lo, $hi, $min, $max);
}
