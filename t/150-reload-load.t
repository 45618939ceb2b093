#!/usr/bin/perl
# Reload under load.  wrk (t/bench/check.lua) drives bounded traffic on
# 127.0.0.1 while nginx is sent HUP again and again, the model file swapped
# between two models each time; every answer is checked against what the
# two models give.
#
#   - Connection: close traffic over 20 reloads: no failed request, no
#     non-2xx, every answer from model A or B, and after the last reload
#     only the new model answers;
#   - keep-alive traffic over 20 reloads, /p and a `return 200` location
#     driven side by side: nginx closes the idle keep-alive connections of
#     exiting workers, which fails the request racing the close (at most
#     one a connection a reload, and about that many with wrk's back-to-back
#     requests); /p may fail no more of them than the static location;
#   - a broken model under load: refused with [emerg], the old workers and
#     model keep serving, no failed request;
#   - the master's resident memory and descriptors stay flat.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;

plan skip_all => 'reloads under load take minutes under valgrind; '
                 . 'make test runs this file plain and under ASan'
    if $PredictTest::VALGRIND;

my $RELOADS = 20;
my $json = JSON::PP->new;
my $A = fixture('heart.model');
my $B = fixture('heart-linear.model');
my $range = fixture('heart.range');

my $t = PredictTest->new(workers => 2, config => <<"END");
location = /p {
    predict_model \$PREFIX/model.current scaler=$range;
}
location = /a {
    predict_model $A scaler=$range;
}
location = /b {
    predict_model $B scaler=$range;
}
location = /s {
    return 200 '{"ok":true}';
}
END

my $dir = $t->dir;
my $current = "$dir/model.current";

# the master's resident memory (kB) and open descriptors
sub master_usage {
    my $m = $t->master_pid;
    open my $fh, '<', "/proc/$m/status" or die $!;
    my ($rss) = join('', <$fh>) =~ /^VmRSS:\s+(\d+)/m;
    my $fds = () = glob("/proc/$m/fd/*");
    return ($rss, $fds);
}

# cases: heart rows two to a body, each answered by A or B
my @rows = fixture_rows('heart', 16);

PredictTest::install_file($A, $current);
$t->start;

my (@bodies, @ans_a, @ans_b);
for my $i (0 .. 7) {
    my $body = $json->canonical->encode(
        { instances => [ @rows[2 * $i, 2 * $i + 1] ] });
    push @bodies, $body;
    push @ans_a, $t->request('POST', '/a', body => $body)->{body};
    push @ans_b, $t->request('POST', '/b', body => $body)->{body};
}
ok(!grep({ $ans_a[$_] eq $ans_b[$_] } 0 .. $#bodies),
   'models A and B answer every case differently');
is($t->request('POST', '/p', body => $bodies[0])->{body}, $ans_a[0],
   'model A serves /p');
my $sha_a = $t->model_sha('/a');
my $sha_b = $t->model_sha('/b');

sub cases {
    my ($name, @answers) = @_;
    my $file = "$dir/$name.cases";
    open my $fh, '>', $file or die $!;
    for my $i (0 .. $#bodies) {
        my $expected = join '|', map { $_->[$i] } @answers;
        $expected =~ s/\n//g;
        print $fh "200\t$expected\t$bodies[$i]\n";
    }
    close $fh;
    return $file;
}

my $either = cases('either', \@ans_a, \@ans_b);
my $static = "$dir/static.cases";
{
    open my $fh, '>', $static or die $!;
    print $fh "200\t{\"ok\":true}\t$_\n" for @bodies;
}

sub wrk_start { return $t->wrk_start(@_) }
sub wrk_stop { return PredictTest::wrk_stop(@_) }
sub report { return PredictTest::wrk_report(@_) }

# --- Connection: close, 20 reloads -----------------------------------------

my $w = wrk_start('/p', $either, 'close');
my ($ok, $i) = (1, 0);
my @usage;
for $i (1 .. $RELOADS) {
    my $to_b = $i % 2;
    PredictTest::install_file($to_b ? $B : $A, $current);
    $ok &&= $t->reload('/p', $to_b ? $sha_b : $sha_a)
        or diag("reload $i did not settle");
    push @usage, [master_usage()] if $i == 5;
}
my $r = wrk_stop($w);
note('close: ' . report($r));

ok($ok, "$RELOADS reloads under Connection: close load, each settled");
ok(($r->{checked} // 0) > 100, 'wrk checked answers (' . ($r->{checked} // 0)
   . ')') or diag($r->{text});
is($r->{failed}, 0, 'no failed, non-2xx or unexpected answer')
    or diag($r->{text});
ok($r->{first} > 0 && $r->{other} > 0,
   'both models answered during the reloads');

# the last reload went to A (20 is even): only A answers now
my $only_a = cases('only-a', \@ans_a);
$w = wrk_start('/p', $only_a, 'close');
sleep 1;
$r = wrk_stop($w);
ok($r->{checked} > 10 && $r->{failed} == 0 && ($r->{other} // 0) == 0,
   'after the last reload only the new model answers (' . report($r) . ')')
    or diag($r->{text});

# --- keep-alive, 20 reloads, /p and /s side by side ------------------------

my $wp = wrk_start('/p', $either);
my $ws = wrk_start('/s', $static);
$ok = 1;
for $i (1 .. $RELOADS) {
    my $to_b = $i % 2;
    PredictTest::install_file($to_b ? $B : $A, $current);
    $ok &&= $t->reload('/p', $to_b ? $sha_b : $sha_a)
        or diag("keep-alive reload $i did not settle");
}
my $rp = wrk_stop($wp);
my $rs = wrk_stop($ws);
note('keep-alive /p: ' . report($rp));
note('keep-alive /s: ' . report($rs));

ok($ok, "$RELOADS reloads under keep-alive load, each settled");
ok($rp->{checked} > 100 && $rs->{checked} > 100,
   'both locations were driven') or diag($rp->{text}, $rs->{text});
# a request failed by a closed connection counts as an error, and the
# answer it never got is no mismatch
is($rp->{mismatched}, 0, 'every keep-alive answer came from model A or B')
    or diag($rp->{text});
# nginx fails at most the request in flight on each connection an exiting
# worker closes: one a connection a reload, return 200 included
my $bound = 2 * $RELOADS;
cmp_ok($rs->{failed}, '<=', $bound, "keep-alive: return 200 fails $rs->{failed} "
       . "requests, at most one a connection a reload ($bound)");
cmp_ok($rp->{failed}, '<=', $rs->{failed} > $bound ? $rs->{failed} : $bound,
       "keep-alive: /p fails $rp->{failed}, no more than return 200 does");
ok(!$rp->{non2xx} && !$rs->{non2xx}, 'keep-alive: no non-2xx answer');

# --- a broken model under load ---------------------------------------------

$w = wrk_start('/p', cases('only-a-2', \@ans_a), 'close');
my @before = $t->workers;
open my $fh, '>', "$current.tmp" or die $!;
print $fh "svm_type c_svc\nkernel_type rbf\ngamma 1\nnr_class 2\n";
close $fh;
rename "$current.tmp", $current or die $!;
my $emerg = 0;
for my $n (1 .. 3) {
    $t->signal('HUP');
    my $deadline = time + 10;
    do {
        sleep 0.1;
        $emerg = () = $t->error_log =~ /\[emerg\].*model\.current/g;
    } while ($emerg < $n && time < $deadline);
}
sleep 0.5;
$r = wrk_stop($w);
is($emerg, 3, 'a broken model: each of 3 reloads refused with [emerg]');
is_deeply([$t->workers], \@before, 'the old workers keep running');
ok($r->{checked} > 10 && $r->{failed} == 0,
   'and model A answers every request meanwhile (' . report($r) . ')')
    or diag($r->{text});

# --- the master stays flat --------------------------------------------------

PredictTest::install_file($A, $current);
ok($t->reload('/p', $sha_a), 'a good model loads after the broken one');
my ($rss0, $fds0) = @{ $usage[0] };
for $i (1 .. $RELOADS) {
    PredictTest::install_file($i % 2 ? $B : $A, $current);
    $t->reload('/p', $i % 2 ? $sha_b : $sha_a)
        or diag("reload $i did not settle");
}
my ($rss1, $fds1) = master_usage();
is($fds1, $fds0, "the master's descriptors: $fds0 after 5 reloads, "
   . "$fds1 after " . (3 * $RELOADS + 6));
SKIP: {
    # ASan's quarantine holds freed memory back on purpose
    skip "ASan's quarantine grows the resident memory", 1
        if $PredictTest::ASAN;
    cmp_ok($rss1 - $rss0, '<', 1024, "the master's resident memory: $rss0 "
           . "kB after 5 reloads, $rss1 kB after " . (3 * $RELOADS + 6));
}

$t->finish(allow => [qr/\[emerg\].*model\.current/]);
done_testing();
