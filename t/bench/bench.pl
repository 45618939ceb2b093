#!/usr/bin/perl
# make bench: the module against nginx's own "return 200" (the ceiling for
# anything in nginx) and against Flask/gunicorn and FastAPI/uvicorn serving
# the same models with python3-libsvm, in one run, on 127.0.0.1 only, every
# load bounded in time.  Then src/'s prediction path against libsvm's, and
# the workers' memory.  Results: build/bench/results.md and results.json.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";

use File::Path qw(make_path);
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);
use PredictTest;

my $SECONDS = $ENV{BENCH_SECONDS} // 5;
my $ROUNDS = $ENV{BENCH_ROUNDS} // 3;
my $CONNS = $ENV{BENCH_CONNECTIONS} // 16;
my $out = "$ROOT/build/bench";
my $tools = $ENV{PREDICT_TOOLS} // "$ROOT/build";
my $json = JSON::PP->new->canonical->pretty;
make_path($out);

my %models = (
    wine => { model => fixture('wine.model'), range => fixture('wine.range'),
              raw => fixture('wine.raw'), scaled => fixture('wine.scaled') },
    digits => { model => fixture('digits.model'),
                range => fixture('digits.range'),
                raw => fixture('digits.raw'),
                scaled => fixture('digits.scaled') },
);

# request bodies: every row, raw features by index; batches of 100

for my $name (sort keys %models) {
    my $m = $models{$name};
    open my $fh, '<', $m->{raw} or die $!;
    my @rows;
    while (<$fh>) {
        my (undef, @f) = split;
        push @rows, '{' . join(',', map { my ($k, $v) = split /:/;
                                          "\"$k\":$v" } @f) . '}';
    }
    open my $s, '>', "$out/$name.single" or die $!;
    print $s map { "{\"features\":$_}\n" } @rows;
    close $s;
    open my $b, '>', "$out/$name.batch" or die $!;
    for (my $i = 0; $i + 100 <= @rows; $i += 100) {
        print $b '{"instances":[' . join(',', @rows[$i .. $i + 99]) . "]}\n";
    }
    close $b;
    $m->{first} = "{\"features\":$rows[0]}";
}

# the model server: the repository's wine version 3 (an exported
# scikit-learn pipeline, named features, probabilities) answered by a
# native location, by TF Serving's :predict and by V2's /infer; the same
# rows in each protocol's own shape, single and in batches of 100

my $REPO = fixture('repo');
my @server_routes = (['native', '/native/wine'],
                     ['v1', '/v1/models/wine:predict'],
                     ['v2', '/v2/models/wine/infer']);
{
    open my $fh, '<', $models{wine}{raw} or die $!;
    my @rows;
    while (<$fh>) {
        my (undef, @f) = split;
        push @rows, '[' . join(',', map { (split /:/)[1] } @f) . ']';
    }
    my %shape = (
        native => sub { @_ == 1 ? "{\"features\":$_[0]}"
                                : '{"instances":[' . join(',', @_) . ']}' },
        v1 => sub { '{"instances":[' . join(',', @_) . ']}' },
        v2 => sub { '{"inputs":[{"name":"input-0","shape":[' . scalar(@_)
                    . ',13],"datatype":"FP64","data":[' . join(',', @_)
                    . ']}]}' },
    );
    for my $api (sort keys %shape) {
        open my $s, '>', "$out/server-$api.single" or die $!;
        print $s map { $shape{$api}->($_) . "\n" } @rows;
        close $s;
        open my $b, '>', "$out/server-$api.batch" or die $!;
        for (my $i = 0; $i + 100 <= @rows; $i += 100) {
            print $b $shape{$api}->(@rows[$i .. $i + 99]) . "\n";
        }
        close $b;
    }
}

# nginx: the module, and return 200 with an answer of the same size

my $config = '';
my $t0 = PredictTest->new(config => join '', map {
    "location = /$_ { predict_model $models{$_}{model} "
    . "scaler=$models{$_}{range}; predict_max_instances 100; }\n"
} sort keys %models);
$t0->start;
for my $name (sort keys %models) {
    my $r = $t0->request('POST', "/$name", body => $models{$name}{first});
    die "$name: $r->{status}" unless $r->{status} == 200;
    ($models{$name}{answer} = $r->{body}) =~ s/\n$//;
}
$t0->stop;

for my $name (sort keys %models) {
    my $m = $models{$name};
    $config .= "location = /$name { predict_model $m->{model} "
               . "scaler=$m->{range}; predict_max_instances 100; }\n"
               . "location = /static/$name { default_type application/json; "
               . "return 200 '$m->{answer}\\n'; }\n";
}

$config .= "location = /native/wine { predict_model $REPO/wine/3; "
           . "predict_max_instances 100; }\n"
           . "location /v1/ { predict_api; predict_max_instances 100; }\n"
           . "location /v2/ { predict_api; predict_max_instances 100; }\n";

my $nginx = PredictTest->new(workers => 2, config => $config,
                             main_config => 'worker_rlimit_nofile 4096;',
                             http_config => "predict_repository $REPO "
                                            . "versions=all;\n");
$nginx->start;
my $np = $nginx->port;

# resident (RSS), proportional (PSS: shared pages split between the
# processes that map them) and private dirty memory: the models are read
# by the master, so the workers share them and their private memory stays
# small and flat

sub mem {
    my ($pid) = @_;
    my ($rss) = `cat /proc/$pid/status` =~ /VmRSS:\s+(\d+)/;
    my $r = `cat /proc/$pid/smaps_rollup 2>/dev/null`;
    my ($pss) = $r =~ /^Pss:\s+(\d+)/m;
    my ($dirty) = $r =~ /^Private_Dirty:\s+(\d+)/m;
    return { rss_kb => $rss + 0, pss_kb => ($pss // 0) + 0,
             private_dirty_kb => ($dirty // 0) + 0 };
}

sub memory {
    my ($master) = @_;
    my @workers = grep { /^\d+$/ } split ' ', `pgrep -P $master`;
    return { master => mem($master), workers => [map { mem($_) } @workers] };
}

my $mem_before = memory($nginx->master_pid);

# the peers, two workers each

my $peer_models = join ',', map { "$_=$models{$_}{model}:$models{$_}{range}" }
                                sort keys %models;
my %peers;

sub start_peer {
    my ($name, @cmd) = @_;
    my $port = PredictTest::free_port();
    s/PORT/$port/g for @cmd;
    my $pid = fork;
    if ($pid == 0) {
        setpgrp(0, 0);
        chdir "$ROOT/t/bench";
        $ENV{PEER_MODELS} = $peer_models;
        $ENV{PYTHONPATH} = "$ROOT/t/bench";
        open STDOUT, '>', "$out/$name.log";
        open STDERR, '>&', \*STDOUT;
        exec @cmd;
        exit 127;
    }
    my $deadline = time + 30;
    while (time < $deadline) {
        my $r = eval { http_request($port, 'POST', '/wine',
                                    $models{wine}{first}) };
        last if $r && $r->{status} == 200;
        sleep 0.2;
    }
    $peers{$name} = { pid => $pid, port => $port };
}

sub stop_peers {
    for my $p (values %peers) {
        kill 'TERM', -$p->{pid};
    }
    for my $p (values %peers) {
        my $deadline = time + 10;
        sleep 0.1 while waitpid($p->{pid}, WNOHANG) == 0 && time < $deadline;
        kill 'KILL', -$p->{pid};
        waitpid($p->{pid}, 0);
    }
}

$SIG{INT} = $SIG{TERM} = sub { stop_peers(); $nginx->stop; exit 1 };

start_peer('flask', '/usr/bin/gunicorn', '-w', '2', '-b', '127.0.0.1:PORT',
           '--log-level', 'warning', 'peer:flask_app()');
# uvicorn as deployed: httptools and uvloop (Debian's python3-httptools,
# python3-uvloop); its pure-Python default is slower still
start_peer('fastapi', '/usr/bin/uvicorn', '--workers', '2', '--factory',
           'peer:fastapi_app', '--host', '127.0.0.1', '--port', 'PORT',
           '--http', 'httptools', '--loop', 'uvloop',
           '--log-level', 'warning');

# the same answers before any timing

my %checked;
for my $name (sort keys %models) {
    open my $fh, '<', "$out/$name.single" or die $!;
    my @bodies = map { scalar <$fh> } 1 .. 20;
    chomp @bodies;
    my $bad = 0;
    for my $b (@bodies) {
        my $mine = decode_json(http_request($np, 'POST', "/$name", $b)->{body});
        for my $peer (sort keys %peers) {
            my $r = http_request($peers{$peer}{port}, 'POST', "/$name", $b);
            my $theirs = eval { decode_json($r->{body}) } // {};
            my $e = json_cmp($theirs, $mine, 1e-9);
            if ($e) {
                $bad++;
                print STDERR "$peer $name: $e\n";
            }
        }
    }
    die "bench: the peers do not answer as the module does\n" if $bad;
    $checked{$name} = scalar @bodies;
}

# the three routes give the same labels (the native location's "label",
# V1's "predictions", V2's "predict" output)

{
    open my $fh, '<', "$out/server-native.batch" or die $!;
    my %lab;
    for my $api (map { $_->[0] } @server_routes) {
        open my $b, '<', "$out/server-$api.batch" or die $!;
        my $body = <$b>;
        chomp $body;
        my ($route) = map { $_->[1] } grep { $_->[0] eq $api } @server_routes;
        my $r = http_request($np, 'POST', $route, $body);
        die "bench: $route: $r->{status} $r->{body}" unless $r->{status} == 200;
        my $a = decode_json($r->{body});
        $lab{$api} = join ',', $api eq 'native'
            ? map { $_->{label} } @{ $a->{predictions} }
            : $api eq 'v1' ? @{ $a->{predictions} }
            : @{ (grep { $_->{name} eq 'predict' } @{ $a->{outputs} })[0]{data} };
    }
    die "bench: the model server's routes disagree:\n"
        . join('', map { "$_: $lab{$_}\n" } sort keys %lab)
        unless $lab{native} eq $lab{v1} && $lab{native} eq $lab{v2};
    print "answers checked: native, :predict and /infer give the same 100 "
          . "labels\n";
}

print "answers checked: module, Flask and FastAPI agree on "
      . join(', ', map { "$checked{$_} $_ rows" } sort keys %checked) . "\n";

# wrk, bounded in time; static and module interleaved over rounds

# the CPU time (s) the workers of nginx $t have used so far, from /proc

my $TICK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

sub worker_cpu {
    my ($t) = @_;
    my $sum = 0;
    for my $pid ($t->workers) {
        open my $fh, '<', "/proc/$pid/stat" or next;
        my $stat = <$fh>;
        $stat =~ s/^.*\) //;
        my @f = split ' ', $stat;
        $sum += $f[11] + $f[12];    # utime, stime
    }
    return $sum / $TICK;
}

# wrk(PORT, PATH, BODIES[, NGINX]): req/s, latency, and with NGINX its
# workers' CPU time per request (us): what a request costs, which the
# throughput of a 2-core machine shared with wrk shows only through noise
# (the kernel hands wrk's 16 connections to the 2 workers unevenly, and
# a round with one worker doing most of the work runs ~1/3 slower)

sub wrk {
    my ($port, $path, $bodies, $t, %o) = @_;
    my $c0 = $t ? worker_cpu($t) : 0;
    my $pin = $o{pin} ? 'taskset -c 1 ' : '';
    my $o = `${pin}wrk -t1 -c$CONNS -d${SECONDS}s --latency -s $ROOT/t/bench/post.lua http://127.0.0.1:$port$path -- $bodies 2>&1`;
    my ($rps) = $o =~ /Requests\/sec:\s+([\d.]+)/;
    my %lat;
    while ($o =~ /^\s+(50|99)%\s+([\d.]+)(us|ms|s)$/mg) {
        my $v = $2 * ($3 eq 'us' ? 1 : $3 eq 'ms' ? 1000 : 1e6);
        $lat{$1} = $v;
    }
    my ($errors) = $o =~ /Non-2xx or 3xx responses:\s+(\d+)/;
    my ($n) = $o =~ /(\d+) requests in/;
    die "bench: wrk $path failed:\n$o" unless $rps && $n;
    return { rps => $rps, p50 => $lat{50}, p99 => $lat{99},
             non2xx => $errors // 0,
             cpu_us => $t ? (worker_cpu($t) - $c0) * 1e6 / $n : undef };
}

sub median {
    my @v = sort { $a <=> $b } @_;
    return $v[$#v / 2];
}

my %res;
for my $name (sort keys %models) {
    for my $kind ('single', 'batch') {
        my $bodies = "$out/$name.$kind";
        my (@s, @m);
        for my $round (1 .. $ROUNDS) {
            push @s, wrk($np, "/static/$name", $bodies) if $kind eq 'single';
            push @m, wrk($np, "/$name", $bodies);
        }
        my %r;
        for my $set (['static', \@s], ['module', \@m]) {
            my ($k, $runs) = @$set;
            next unless @$runs;
            $r{$k} = { rps => median(map { $_->{rps} } @$runs),
                       p50 => median(map { $_->{p50} } @$runs),
                       p99 => median(map { $_->{p99} } @$runs),
                       runs => [map { $_->{rps} } @$runs] };
        }
        for my $peer (sort keys %peers) {
            $r{$peer} = wrk($peers{$peer}{port}, "/$name", $bodies);
        }
        $res{$name}{$kind} = \%r;
        printf "%-7s %-6s %s\n", $name, $kind, join '  ', map {
            sprintf "%s %.0f req/s", $_, $r{$_}{rps} } sort keys %r;
    }
}

# the model server's routes, interleaved over rounds

my %server;
for my $kind ('single', 'batch') {
    my %runs;
    for my $round (1 .. $ROUNDS) {
        # each round starts with another route, so that none is always
        # measured first
        my @order = @server_routes;
        push @order, shift @order for 2 .. $round;
        for my $rt (@order) {
            push @{ $runs{ $rt->[0] } },
                wrk($np, $rt->[1], "$out/server-$rt->[0].$kind", $nginx);
        }
    }
    for my $api (keys %runs) {
        my $runs = $runs{$api};
        $server{$kind}{$api} = {
            rps => median(map { $_->{rps} } @$runs),
            p50 => median(map { $_->{p50} } @$runs),
            p99 => median(map { $_->{p99} } @$runs),
            non2xx => median(map { $_->{non2xx} } @$runs),
            cpu_us => median(map { $_->{cpu_us} } @$runs),
            runs => [map { $_->{rps} } @$runs] };
    }
    printf "server  %-6s %s\n", $kind, join '  ', map {
        sprintf "%s %.0f req/s", $_->[0], $server{$kind}{ $_->[0] }{rps}
    } @server_routes;
}

# memory: resident and proportional set sizes of master and workers

my $master = $nginx->master_pid;
my %memory = (loaded => $mem_before, after_runs => memory($master));

# the C micro-benchmark

my %micro;
for my $name (sort keys %models) {
    my $o = `$tools/predict-bench $models{$name}{model} $models{$name}{scaled} --seconds 1 --json`;
    $micro{$name} = decode_json($o);
}

stop_peers();
$nginx->stop;

# metrics and drift: the same bundle served by two nginx, with a metrics
# zone (every request counted, every feature binned against the training
# reference) and without; interleaved rounds

my %metrics;
{
    my $bundle = fixture('wine.bundle');
    my $spec = decode_json(do { local (@ARGV, $/) = ("$bundle/features.json");
                                <> });
    my @names = map { $_->{name} } @{ $spec->{features} };
    open my $fh, '<', $models{wine}{raw} or die $!;
    my @rows;
    while (<$fh>) {
        my (undef, @f) = split;
        my %x = map { split /:/ } @f;
        push @rows, '{' . join(',', map { "\"$names[$_ - 1]\":$x{$_}" }
                                    sort { $a <=> $b } keys %x) . '}';
    }
    open my $s, '>', "$out/metrics.single" or die $!;
    print $s map { "{\"features\":$_}\n" } @rows;
    close $s;
    # batches over every row in turn, so that drift sees the training mix
    open my $bt, '>', "$out/metrics.batch" or die $!;
    for (my $i = 0; $i < @rows; $i += 10) {
        print $bt '{"instances":['
                  . join(',', map { $rows[($i + $_) % @rows] } 0 .. 99)
                  . "]}\n";
    }
    close $bt;

    my $loc = "location = /w { predict_model $bundle; "
              . "predict_max_instances 100; }\n"
              . "location = /metrics { predict_metrics; }\n";
    # one worker on the first core, wrk on the second: with two workers
    # and wrk sharing two cores, how the kernel spreads wrk's connections
    # over the workers changes a round's throughput by a third, which
    # drowns a cost of a few percent; pinned, a round is within ~2%
    my $pin = (`nproc` + 0) >= 2;
    my $main = 'worker_rlimit_nofile 4096;'
               . ($pin ? ' worker_cpu_affinity 01;' : '');
    my $on = PredictTest->new(workers => 1, config => $loc,
                              main_config => $main,
                              http_config => "predict_metrics_zone pm:4m;\n");
    (my $offloc = $loc) =~ s/location = \/metrics[^\n]*\n//;
    my $off = PredictTest->new(workers => 1, config => $offloc,
                               main_config => $main);
    $on->start;
    $off->start;

    for my $kind ('single', 'batch') {
        my (@a, @b);
        # off, on, on, off, ...: a drift of the machine over the rounds
        # (an A/A run of two identical servers read 0.986 in one order)
        # falls on both sides alike.  The ratios are the medians of each
        # round's pair, measured back to back, not of the medians of each
        # side: a round varies by ~3% and the machine drifts between
        # rounds, which a pair's two runs share.  At least 11 rounds (odd:
        # the median is one round's); BENCH_METRICS_ROUNDS sets them
        my $mrounds = $ENV{BENCH_METRICS_ROUNDS}
                      // ($ROUNDS < 11 ? 11 : $ROUNDS);
        for my $round (1 .. $mrounds) {
            my @pair = ([$off, \@a], [$on, \@b]);
            @pair = reverse @pair if $round % 2 == 0;
            push @{ $_->[1] }, wrk($_->[0]->port, '/w', "$out/metrics.$kind",
                                   $_->[0], pin => $pin) for @pair;
        }
        $metrics{$kind} = {
            off => median(map { $_->{rps} } @a),
            on => median(map { $_->{rps} } @b),
            off_cpu_us => median(map { $_->{cpu_us} } @a),
            on_cpu_us => median(map { $_->{cpu_us} } @b),
            ratio => median(map { $b[$_]{rps} / $a[$_]{rps} } 0 .. $#a),
            cpu_ratio => median(map { $a[$_]{cpu_us} / $b[$_]{cpu_us} }
                                0 .. $#a),
            rounds => scalar @a,
            non2xx => (grep { $_->{non2xx} } @a, @b) ? 1 : 0 };
        printf "metrics %-6s off %.0f req/s %.1f us  on %.0f req/s %.1f us"
               . "  on / off %.3f, by CPU %.3f\n",
               $kind, $metrics{$kind}{off}, $metrics{$kind}{off_cpu_us},
               $metrics{$kind}{on}, $metrics{$kind}{on_cpu_us},
               $metrics{$kind}{ratio}, $metrics{$kind}{cpu_ratio};
    }

    my $m = decode_json($on->request('GET', '/w')->{body});
    my @psi = grep { defined $_->{psi} } @{ $m->{drift}{features} // [] };
    $metrics{drift_features} = scalar @psi;
    my $text = $on->request('GET', '/metrics')->{body};
    $metrics{counted} = 0;
    $metrics{counted} += $1
        while $text =~ /^nginx_predict_requests_total\{[^}]*\} (\d+)$/mg;
    $on->stop;
    $off->stop;
}

# a repository of 100 models x 2 versions (copies of wine's versions 1 and
# 3, so 200 distinct files to read, hash and check): the time nginx -t
# takes to load it, the time to start and to reload, and the memory

my $big = "$out/repo100";
system('rm', '-rf', $big);
for my $i (0 .. 99) {
    for my $v (1, 3) {
        my $d = sprintf '%s/m%03d/%d', $big, $i, $v;
        make_path($d);
        system('cp', "$REPO/wine/$v/model.libsvm", "$REPO/wine/$v/features.json",
               $d) == 0 or die "cp: $?";
    }
}

my %repo;
{
    my $r = PredictTest->new(workers => 2,
                             config => "location / { predict_api; }\n",
                             http_config => "predict_repository $big "
                                            . "versions=all;\n");
    my $t = time;
    my ($st, $o) = $r->test_conf;
    $repo{test_s} = time - $t;
    die "bench: nginx -t on 200 versions failed:\n$o" if $st;
    $t = time;
    $r->start;
    my $ok;
    for (1 .. 500) {
        my $a = eval { $r->request('POST', '/v2/models/m099/versions/1/infer',
                                   body => '{"inputs":[{"name":"x","shape":'
                                   . '[1,13],"datatype":"FP64","data":[13,2,'
                                   . '2.4,19,100,2.3,2,0.36,1.6,5,1,2.6,'
                                   . '750]}]}') };
        $ok = $a && $a->{status} == 200 and last;
        sleep 0.01;
    }
    die "bench: the 200-version repository does not answer" unless $ok;
    $repo{start_s} = time - $t;
    $repo{memory} = memory($r->master_pid);

    my %old = map { $_ => 1 } $r->workers;
    $t = time;
    $r->signal('HUP');
    while (time - $t < 60) {
        my @w = $r->workers;
        last if @w == 2 && !grep { $old{$_} } @w;
        sleep 0.01;
    }
    $repo{reload_s} = time - $t;
    $repo{after_reload} = memory($r->master_pid);
    $r->stop;
    printf "repository of 200 versions: nginx -t %.2f s, start %.2f s, "
           . "reload %.2f s\n", @repo{qw(test_s start_s reload_s)};
}

# the report

my $cpu = (`grep -m1 'model name' /proc/cpuinfo` =~ /:\s*(.*)/)[0] // 'unknown';
my $ncpu = `nproc` + 0;
chomp(my $date = `date -u +%Y-%m-%d`);

my @md;
push @md, "Measured $date on $ncpu cores ($cpu), wrk -t1 -c$CONNS "
          . "-d${SECONDS}s sharing the cores, 2 nginx workers, 2 workers "
          . "per Python server; medians of $ROUNDS interleaved rounds for "
          . "nginx.", '';
push @md, '| model | requests | server | req/s | p50 | p99 | module / it |',
          '|---|---|---|---|---|---|---|';
for my $name (sort keys %models) {
    for my $kind ('single', 'batch') {
        my $r = $res{$name}{$kind};
        for my $k (grep { $r->{$_} } qw(static module flask fastapi)) {
            my $label = { static => 'nginx return 200', module => 'module',
                          flask => 'Flask/gunicorn',
                          fastapi => 'FastAPI/uvicorn' }->{$k};
            my $ratio = $k eq 'module' ? ''
                : sprintf('%.2f', $r->{module}{rps} / $r->{$k}{rps});
            my $rate = $kind eq 'batch'
                ? sprintf('%.0f (%.0f predictions/s)', $r->{$k}{rps},
                          100 * $r->{$k}{rps})
                : sprintf('%.0f', $r->{$k}{rps});
            push @md, sprintf('| %s | %s | %s | %s | %.0f us | %.0f us | %s |',
                              $name, $kind eq 'batch' ? 'batches of 100'
                                                      : 'single', $label,
                              $rate, $r->{$k}{p50}, $r->{$k}{p99}, $ratio);
        }
    }
}

push @md, '', '| model | SVs x features | svm_predict_probability | src/ | '
          . 'ratio | batch-of-100 JSON path per prediction / single |',
          '|---|---|---|---|---|---|';
for my $name (sort keys %models) {
    my $m = $micro{$name};
    push @md, sprintf('| %s | %d x %d | %.0f ns | %.0f ns | %.2f | %.2f |',
                      $name, $m->{svs}, $m->{features},
                      $m->{ns}{libsvm_probability}, $m->{ns}{fast_probability},
                      $m->{ns}{fast_probability} / $m->{ns}{libsvm_probability},
                      $m->{ns}{json_batch100} / $m->{ns}{json_single});
}

my $wb = $res{wine}{batch}{module}{rps} * 100;
my $ws = $res{wine}{single}{module}{rps};
push @md, '', sprintf('Batches: a prediction in a batch of 100 costs %.2f of '
                      . 'a single request (wine, over HTTP).', $ws / $wb);
for my $when (['loaded', 'With both models loaded'],
              ['after_runs', 'After every run above']) {
    my $m = $memory{ $when->[0] };
    push @md, sprintf('%s: master %d kB resident; workers %s kB resident, '
                      . '%s kB proportional, %s kB private dirty.',
                      $when->[1], $m->{master}{rss_kb},
                      join('/', map { $_->{rss_kb} } @{ $m->{workers} }),
                      join('/', map { $_->{pss_kb} } @{ $m->{workers} }),
                      join('/', map { $_->{private_dirty_kb} }
                                    @{ $m->{workers} }));
}

push @md, '', "The model server (the repository's wine version 3, an "
          . 'exported scikit-learn pipeline with named features and '
          . 'probabilities; the same rows in each protocol\'s shape):', '',
          '| requests | route | req/s | p50 | p99 | route / native '
          . '| worker CPU per request | native / route by CPU |',
          '|---|---|---|---|---|---|---|---|';
for my $kind ('single', 'batch') {
    for my $rt (@server_routes) {
        my $r = $server{$kind}{ $rt->[0] };
        push @md, sprintf('| %s | %s `%s` | %.0f | %.0f us | %.0f us | %.2f '
                          . '| %.1f us | %.2f |',
                          $kind eq 'batch' ? 'batches of 100' : 'single',
                          $rt->[0], $rt->[1], $r->{rps}, $r->{p50}, $r->{p99},
                          $r->{rps} / $server{$kind}{native}{rps},
                          $r->{cpu_us},
                          $server{$kind}{native}{cpu_us} / $r->{cpu_us});
    }
}

push @md, '', sprintf('A repository of 100 models x 2 versions (200 bundles): '
    . 'nginx -t %.2f s; start to first answer %.2f s; reload until both '
    . 'workers are new %.2f s. Master %d kB resident; workers %s kB '
    . 'resident, %s kB private dirty (after the reload: master %d kB).',
    $repo{test_s}, $repo{start_s}, $repo{reload_s},
    $repo{memory}{master}{rss_kb},
    join('/', map { $_->{rss_kb} } @{ $repo{memory}{workers} }),
    join('/', map { $_->{private_dirty_kb} } @{ $repo{memory}{workers} }),
    $repo{after_reload}{master}{rss_kb});

push @md, '', sprintf('Metrics and drift (the wine bundle, named features; '
    . 'one worker on core 0, wrk on core 1; %d features binned against a training reference, %d requests '
    . 'counted; %d rounds of %d s, the ratios the medians of each round\'s '
    . 'pair): with a metrics zone %.0f req/s single and %.0f batches/s, '
    . 'without %.0f and %.0f: on / off = %.3f single, %.3f batches. '
    . 'Worker CPU per request with and without: %.1f / %.1f us single, '
    . '%.1f / %.1f us a batch: throughput at equal CPU, on / off = %.3f '
    . 'single, %.3f batches.',
    $metrics{drift_features}, $metrics{counted}, $metrics{single}{rounds},
    $SECONDS, $metrics{single}{on},
    $metrics{batch}{on}, $metrics{single}{off}, $metrics{batch}{off},
    $metrics{single}{ratio}, $metrics{batch}{ratio},
    $metrics{single}{on_cpu_us}, $metrics{single}{off_cpu_us},
    $metrics{batch}{on_cpu_us}, $metrics{batch}{off_cpu_us},
    $metrics{single}{cpu_ratio}, $metrics{batch}{cpu_ratio});

my $md = join "\n", @md;
open my $fh, '>', "$out/results.md" or die $!;
print $fh "$md\n";
close $fh;
open $fh, '>', "$out/results.json" or die $!;
print $fh $json->encode({ date => $date, cpu => $cpu, cores => $ncpu,
                          http => \%res, micro => \%micro,
                          server => \%server, repository => \%repo,
                          metrics => \%metrics,
                          memory => \%memory });
close $fh;

print "\n$md\n\nwritten to $out/results.md and results.json\n";
