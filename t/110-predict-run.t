#!/usr/bin/perl
# predict-run and the module give the same answers, byte for byte, on every
# row: CSV rows and JSON lines, bundles from the trainer and the exporter,
# and a model with an svm-scale range file.

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
$offline = `$run --model $heart --scaler $range $dir/bad.jsonl`;
isnt($? >> 8, 0, 'predict-run exits non-zero when a line fails');
$online = module_lines('/heart', qq({"features": [1, 2]}),
                       qq({"features": {"1": "x"}}), 'not json');
is($offline, $online, 'and prints the same error bodies as the module');

$t->finish;
done_testing();
