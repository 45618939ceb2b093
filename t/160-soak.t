#!/usr/bin/perl
# Soak: at least 200,000 mixed good and bad requests, driven by wrk in
# bounded chunks over three locations (a scaled binary model, a named-
# feature bundle that rejects out-of-range values, a 10-class model), every
# answer checked for its status and its exact body.  Between chunks the
# workers' resident memory is sampled: no growth beyond noise, the same
# workers throughout, no [alert] in the log.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use Time::HiRes qw(time);
use PredictTest;

plan skip_all => '200,000 requests take too long under valgrind; make test '
                 . 'runs this file plain and under ASan'
    if $PredictTest::VALGRIND;

my $TARGET = 200_000;
my $CHUNK_SECONDS = 4;
my $MAX_CHUNKS = 40;

my $json = JSON::PP->new->canonical;
my $check = "$ROOT/t/bench/check.lua";

my $t = PredictTest->new(workers => 2, config => <<"END");
location = /heart {
    predict_model \$FIXTURES/heart.model scaler=\$FIXTURES/heart.range;
    predict_max_instances 8;
}
location = /wine {
    predict_model \$FIXTURES/wine.bundle;
    predict_out_of_range reject;
}
location = /digits {
    predict_model \$FIXTURES/digits.model scaler=\$FIXTURES/digits.range;
    predict_max_body_size 4k;
}
END
$t->start;

my @heart = fixture_rows('heart', 12);
my @digits = fixture_rows('digits', 6);

my @wine_names = map { $_->{name} } @{ $json->decode(do {
    local (@ARGV, $/) = (fixture('wine.bundle') . '/features.json'); <> })
    ->{features} };
my @wine = ([14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64,
             1.04, 3.92, 1065],
            [12.37, 0.94, 1.36, 10.6, 88, 1.98, 0.57, 0.28, 0.42, 1.95, 1.05,
             1.82, 520],
            [13.17, 2.59, 2.37, 20, 120, 1.65, 0.68, 0.53, 1.46, 9.3, 0.6,
             1.62, 840]);
sub wine_named {
    my ($row, %o) = @_;
    my %f;
    @f{@wine_names} = @$row;
    $f{$_} = $o{$_} for keys %o;
    delete $f{$_} for grep { !defined $f{$_} } keys %f;
    return { features => \%f };
}

# [path, status, body]
my @cases = (
    # good
    (map { ['/heart', 200, $json->encode({ features => $_ })] } @heart[0 .. 3]),
    ['/heart', 200, $json->encode({ instances => [@heart[4 .. 7]] })],
    ['/heart', 200, $json->encode({ instances => [@heart[0 .. 7]] })],
    ['/heart', 200, '{"instances": [{"1": -0.0, "13": 1e-300}, {}]}'],
    (map { ['/wine', 200, $json->encode({ instances => [$_] })] } @wine),
    ['/wine', 200, $json->encode(wine_named($wine[0]))],
    (map { ['/digits', 200, $json->encode({ features => $_ })] } @digits),

    # bad
    ['/heart', 400, ''],
    ['/heart', 400, '{"instances": ['],
    ['/heart', 400, '{"instances": [{"1": "x"}]}'],
    ['/heart', 400, '{"instances": [[1, 2, 3], {"1": 1}], "x": 1}'],
    ['/heart', 400, '{"features": {"1": 1e400}}'],
    ['/heart', 400, '{"features": {"1": 1, "1": 2}}'],
    ['/heart', 400, qq({"features": {"1": "\xff"}})],
    ['/heart', 400, '{"features": {"0": 1}}'],
    ['/heart', 400, '[' x 5000],
    ['/heart', 400, '{"instances": ' . '[' x 100 . ']' x 100 . '}'],
    ['/heart', 413, $json->encode({ instances => [@heart[0 .. 8]] })],
    ['/wine', 422, $json->encode(wine_named($wine[0], proline => 3200))],
    ['/wine', 400, $json->encode(wine_named($wine[1], ash => undef))],
    ['/wine', 400, $json->encode(wine_named($wine[2], colour => 1))],
    ['/wine', 400, $json->encode({ instances => [[1, 2, 3]] })],
    ['/digits', 413, $json->encode({ instances => [(@digits) x 8] })],
);

# each case's answer, once; the soak then wants exactly that answer again
my $cases_file = $t->dir . '/soak.cases';
open my $fh, '>', $cases_file or die $!;
my $declared = 1;
for my $c (@cases) {
    my ($path, $status, $body) = @$c;
    my $r = $t->request('POST', $path, body => $body,
                        headers => { 'Content-Type' => 'application/json' });
    if ($r->{status} != $status) {
        $declared = 0;
        diag("$path " . substr($body, 0, 80) . ": $r->{status}, not "
             . "$status: $r->{body}");
    }
    (my $answer = $r->{body}) =~ s/\n\z//;
    die "an answer with a tab or a bar cannot be a case" if $answer =~ /[\t|]/;
    die "a body with a tab or a newline cannot be a case" if $body =~ /[\t\n]/;
    print $fh "$path\t$status\t$answer\t$body\n";
}
close $fh;
my $bad = grep { $_->[1] >= 400 } @cases;
ok($declared, scalar(@cases) . " cases ($bad bad) answered with the "
   . 'statuses declared');

sub rss {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return 0;
    my ($kb) = join('', <$fh>) =~ /^VmRSS:\s+(\d+)/m;
    return $kb;
}

my @workers = $t->workers;
is(scalar @workers, 2, 'two workers');

my ($checked, $failed, $chunks) = (0, 0, 0);
my (%first, %last, %peak);
my $start = time;
while ($checked < $TARGET && $chunks < $MAX_CHUNKS) {
    my $out = `wrk -t2 -c2 -d${CHUNK_SECONDS}s -s $check http://127.0.0.1:${\ $t->port}/heart -- $cases_file 2>&1`;
    my %r = $out =~ /(\w+): (\d+)/g;
    unless (defined $r{checked}) {
        fail('wrk ran') or diag($out);
        last;
    }
    $chunks++;
    $checked += $r{checked};
    my $f = $r{mismatched} + $r{errors};
    diag($out) if $f && !$failed;
    $failed += $f;

    for my $w (@workers) {
        my $kb = rss($w);
        $first{$w} //= $kb if $chunks == 1;
        $last{$w} = $kb;
        $peak{$w} = $kb if $kb > ($peak{$w} // 0);
    }
}
my $took = time - $start;
note(sprintf '%d requests in %d chunks, %.0f s', $checked, $chunks, $took);

cmp_ok($checked, '>=', $TARGET, "at least $TARGET requests answered "
       . "($checked)");
is($failed, 0, 'every answer had its status and body, no socket error');
is_deeply([$t->workers], \@workers, 'the same workers throughout: none exited');

SKIP: {
    skip "ASan's quarantine grows the resident memory", 1
        if $PredictTest::ASAN;
    my @grew = grep { $last{$_} - $first{$_} > 512 } @workers;
    ok(!@grew, 'worker memory flat after the first chunk: '
       . join(', ', map { "$first{$_} -> $last{$_} kB (peak $peak{$_})" }
              @workers));
}

$t->finish;
done_testing();
