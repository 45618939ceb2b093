#!/usr/bin/perl
# Scale out with nginx's own upstreams: conf-examples/cluster/front.conf in
# front of three nodes running conf-examples/cluster/node.conf, each its
# own nginx on a 127.0.0.1 port, as written but for the ports and one
# worker a node (three nodes share this machine's two cores).
#
#   - every node, and the front, give the same answers, and the same
#     model hash in their metadata;
#   - under wrk load through the front (t/bench/check.lua checks every
#     answer), one node's master and workers are killed with SIGKILL:
#     no client request fails; the node, restarted, gets requests from
#     the front again;
#   - a rolling model update under load through the front: each node in
#     turn has model/current pointed at the new version and is reloaded
#     (HUP), waiting until it serves the new hash: no request fails, every
#     answer is the old version's or the new one's (both seen), and at the
#     end every node's metadata names the new model's hash and only the
#     new version answers.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(sha256_hex);
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;
use PredictDeploy qw(heavy_skip_reason wrk_start wrk_stop wrk_report
                     example_server wine_bodies slurp write_file);

my $why = heavy_skip_reason();
plan skip_all => $why if $why;

my $T0 = time;
my @version = (fixture('wine.bundle'), fixture('wine-linear.bundle'));
my @sha = map { sha256_hex(slurp("$_/model.libsvm")) } @version;
my @bodies = wine_bodies(8);

# the answers of each version, from the fresh module
my @answers;
for my $v (@version) {
    my $t = PredictTest->new(config => "location = /p { predict_model $v; }");
    $t->start;
    push @answers, { map { $_ => $t->request('POST', '/p', body => $_)
                                    ->{body} } @bodies };
    $t->finish(name => "reference nginx for $v");
}
ok(!grep({ $answers[0]{$_} eq $answers[1]{$_} } @bodies),
   'the two model versions answer every case differently');

# three nodes and a front
my %port = map { $_ => PredictTest::free_port() } 8080 .. 8083;
my @nodes = map { node($_) } 8081 .. 8083;
my $front = example_server('cluster/front.conf', \%port, workers => 1);

sub node {
    my ($example_port) = @_;
    my $t = example_server('cluster/node.conf',
                           { 8081 => $port{$example_port} }, workers => 1);
    my $d = $t->dir;
    mkdir "$d/model";
    mkdir "$d/model/versions";
    symlink $version[0], "$d/model/versions/1" or die $!;
    symlink $version[1], "$d/model/versions/2" or die $!;
    symlink 'versions/1', "$d/model/current" or die $!;
    return $t;
}

$_->start for @nodes, $front;
my $url = "http://127.0.0.1:$port{8080}/predict";

# --- the same answers everywhere ---------------------------------------------

my $same = 1;
for my $body (@bodies) {
    for my $s (@nodes, $front) {
        my $got = $s->request('POST', '/predict', body => $body)->{body};
        $same &&= ($got // '') eq $answers[0]{$body};
    }
}
ok($same, scalar(@bodies) . ' cases: each of the three nodes and the front '
   . 'answer as the model does');
is_deeply([map { $_->model_sha('/predict') } @nodes, $front],
          [($sha[0]) x 4], 'every node (and the front) shows the model\'s '
          . 'hash');

sub cases {
    my ($name, @vs) = @_;
    my $file = $nodes[0]->dir . "/$name.cases";
    write_file($file, join '', map {
        my $b = $_;
        "200\t" . join('|', map { $answers[$_]{$b} =~ s/\n//gr } @vs)
        . "\t$b\n"
    } @bodies);
    return $file;
}

sub access_lines {
    my ($node) = @_;
    my $log = slurp($node->dir . '/logs/access.log') // '';
    return scalar(() = $log =~ /\n/g);
}

# --- kill -9 a node under load -----------------------------------------------

my $victim = $nodes[1];
my $w = wrk_start($url, cases('v1', 0), threads => 6, seconds => 60);
sleep 2;
my @pids = ($victim->master_pid, $victim->workers);
kill 'KILL', @pids;
note("killed node 2: master and workers @pids");
$victim->stop;    # reaps the killed master
# gone, or a zombie waiting for its parent (init, for the orphaned workers)
sub alive {
    my ($pid) = @_;
    my $status = slurp("/proc/$pid/status") // return 0;
    return $status !~ /^State:\s+[ZX]/m;
}
ok(!grep({ alive($_) } @pids), 'node 2 is gone, master and workers');
sleep 1.5;
my $t = time;
$victim->start;
note(sprintf 'node 2 restarted in %.2f s', time - $t);
sleep 2;
my $r = wrk_stop($w);
note('kill -9 under load: ' . wrk_report($r));
ok(($r->{checked} // 0) > 200, "wrk checked $r->{checked} answers through "
   . 'the front') or diag($r->{text});
is($r->{failed}, 0, 'no client request failed, none answered wrong, while '
   . 'a node was killed and restarted') or diag($r->{text});

# refused connections, and requests in flight when it died (reset), each
# retried on another node
my $victim_port = $port{8082};
my @seen = grep { m{\[error\].*upstream: "http://127\.0\.0\.1:$victim_port/} }
           split /\n/, $front->error_log;
my $reset = grep { /recv\(\) failed|prematurely closed/ } @seen;
ok(@seen, 'the front saw node 2 fail (' . scalar(@seen) . ' upstream errors '
   . "logged, $reset of them requests in flight) and sent those requests "
   . 'to another node');

# the restarted node gets requests again, once its fail_timeout is over
my $before = access_lines($victim);
my $deadline = time + 20;
my $back = 0;
while (!$back && time < $deadline) {
    $front->request('POST', '/predict', body => $bodies[0]);
    $back = access_lines($victim) > $before;
    sleep 0.1 unless $back;
}
ok($back, 'the restarted node rejoins: the front sends it requests again');

# --- a rolling model update under load ---------------------------------------

$w = wrk_start($url, cases('either', 0, 1), threads => 4, seconds => 60);
sleep 1;
my $rolled = 1;
for my $i (0 .. $#nodes) {
    my $d = $nodes[$i]->dir;
    symlink 'versions/2', "$d/model/current.new" or die $!;
    rename "$d/model/current.new", "$d/model/current" or die $!;
    my $t = time;
    $rolled &&= ok($nodes[$i]->reload('/predict', $sha[1]),
                   'node ' . ($i + 1) . ' reloaded, serving the new model');
    note(sprintf 'node %d moved in %.2f s', $i + 1, time - $t);
    sleep 0.5;
}
sleep 1;
$r = wrk_stop($w);
note('rolling update under load: ' . wrk_report($r));
ok(($r->{checked} // 0) > 200, "wrk checked $r->{checked} answers")
    or diag($r->{text});
is($r->{failed}, 0, 'no request failed during the rolling update, and '
   . 'every answer is the old or the new version\'s') or diag($r->{text});
ok($r->{first} > 0 && $r->{other} > 0, "both versions answered ($r->{first}"
   . " old, $r->{other} new)");
is_deeply([map { $_->model_sha('/predict') } @nodes], [($sha[1]) x 3],
          'every node\'s metadata names the new model\'s hash');

$w = wrk_start($url, cases('v2', 1), threads => 2, seconds => 2);
$r = wrk_stop($w, wait => 10);
ok($r->{checked} > 20 && $r->{failed} == 0,
   'afterwards only the new version answers (' . wrk_report($r) . ')')
    or diag($r->{text});

# --- every nginx stops cleanly --------------------------------------------------

$front->finish(name => 'the front');
$nodes[$_]->finish(name => 'node ' . ($_ + 1)) for 0 .. $#nodes;
note(sprintf 'cluster test: %.1f s', time - $T0);

done_testing();
