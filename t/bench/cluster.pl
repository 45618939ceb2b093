#!/usr/bin/perl
# make bench-cluster: one prediction node against the front with three
# nodes (conf-examples/cluster/), on this machine, 127.0.0.1 only.
#
#   node x1     one node.conf nginx with worker_processes auto (one worker
#               a core), wrk straight at it;
#   front + 1   front.conf in front of that one node: the cost of the hop;
#   front + 3   front.conf (one worker a core) in front of three nodes of
#               one worker each: the layout of t/310-cluster.t.
#
# wrk (t/bench/post.lua) -t2 -c16 for BENCH_SECONDS (5) a round, rounds
# interleaved (BENCH_ROUNDS, 3), median kept; single wine rows by name, and
# batches of 50.  Writes build/bench/cluster.md and prints it.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";

use POSIX qw(strftime);
use PredictTest;
use PredictDeploy qw(example_server wine_bodies write_file);

my $SECONDS = $ENV{BENCH_SECONDS} // 5;
my $ROUNDS = $ENV{BENCH_ROUNDS} // 3;
my $CONNS = $ENV{BENCH_CONNECTIONS} // 16;
my $out = "$ROOT/build/bench";
mkdir "$ROOT/build";
mkdir $out;

my $bundle = fixture('wine.bundle');
my @rows = wine_bodies(50);
my $batch = pop @rows;
write_file("$out/cluster-single.bodies", join "\n", @rows, '');
write_file("$out/cluster-batch.bodies", "$batch\n");

my %port = map { $_ => PredictTest::free_port() } 8080 .. 8083;

sub node {
    my ($p, $workers) = @_;
    my $t = example_server('cluster/node.conf', { 8081 => $port{$p} },
                           workers => $workers);
    my $d = $t->dir;
    mkdir "$d/model";
    symlink $bundle, "$d/model/current" or die $!;
    return $t->start;
}

sub front {
    my ($ports) = @_;
    my $t = example_server('cluster/front.conf', $ports, workers => 'auto');
    return $t->start;
}

sub wrk {
    my ($p, $bodies) = @_;
    my $o = `wrk -t2 -c$CONNS -d${SECONDS}s --latency -s $ROOT/t/bench/post.lua http://127.0.0.1:$p/predict -- $bodies 2>&1`;
    my ($rps) = $o =~ m{Requests/sec:\s+([\d.]+)};
    my ($p50) = $o =~ m{^\s+50%\s+(\S+)}m;
    my ($p99) = $o =~ m{^\s+99%\s+(\S+)}m;
    my ($non2xx) = $o =~ /Non-2xx or 3xx responses: (\d+)/;
    my ($errors) = $o =~ /Socket errors: (.*)/;
    die "wrk failed:\n$o" unless $rps;
    die "wrk: non-2xx answers:\n$o" if $non2xx;
    return { rps => $rps, p50 => $p50, p99 => $p99,
             errors => $errors // '' };
}

sub median {
    my @s = sort { $a->{rps} <=> $b->{rps} } @_;
    return $s[$#s / 2];
}

# the layouts, each started, measured, stopped in turn per round
my @layouts = (
    ['node x1 (2 workers)', sub {
        my $n = node(8081, 'auto');
        return ($port{8081}, $n);
    }],
    ['front + 1 node (2 workers)', sub {
        my $n = node(8081, 'auto');
        my %p = (%port, 8082 => $port{8081}, 8083 => $port{8081});
        return ($port{8080}, $n, front(\%p));
    }],
    ['front + 3 nodes (1 worker each)', sub {
        my @n = map { node($_, 1) } 8081 .. 8083;
        return ($port{8080}, @n, front(\%port));
    }],
);

my %res;
for my $round (1 .. $ROUNDS) {
    for my $l (@layouts) {
        my ($name, $start) = @$l;
        my ($p, @servers) = $start->();
        for my $kind (qw(single batch)) {
            push @{ $res{$name}{$kind} },
                wrk($p, "$out/cluster-$kind.bodies");
        }
        $_->stop for reverse @servers;
    }
}

my $cpu = `grep -m1 'model name' /proc/cpuinfo`;
$cpu =~ s/.*:\s*//;
chomp $cpu;
my $ncpu = `nproc`;
chomp $ncpu;
my @md = ('| layout | requests | requests/s | p50 | p99 |',
          '|---|---|---|---|---|');
for my $l (@layouts) {
    my $name = $l->[0];
    for my $kind (qw(single batch)) {
        my $m = median(@{ $res{$name}{$kind} });
        my $rps = sprintf '%.0f', $m->{rps};
        $rps .= sprintf ' (%.0f predictions/s)', 50 * $m->{rps}
            if $kind eq 'batch';
        push @md, "| $name | "
            . ($kind eq 'single' ? 'single rows' : 'batches of 50')
            . " | $rps | $m->{p50} | $m->{p99} |";
    }
}
push @md, '', "Measured " . strftime('%Y-%m-%d', gmtime) . " on $ncpu "
    . "cores ($cpu), wrk -t2 -c$CONNS, ${SECONDS} s a round, median of "
    . "$ROUNDS rounds; wrk, the front and the nodes share those cores.";
my $md = join("\n", @md) . "\n";
write_file("$out/cluster.md", $md);
print $md;
