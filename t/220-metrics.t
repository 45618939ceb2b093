#!/usr/bin/perl
# Metrics in a shared zone, read by a real Prometheus server (Debian's
# prometheus, scraping every second on 127.0.0.1): after a known mix of
# requests (good, batched, out of range, malformed, oversized, on the
# native and the protocol routes), PromQL through Prometheus's HTTP API
# answers exactly what was sent, and promtool accepts the text.  Counters
# are exact across 2 workers under wrk and continue over a reload; the
# JSON access log carries model, label and error; nginx -t refuses a
# metrics location without a zone and a zone too small, naming the size.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Path qw(make_path);
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;

my $PROMETHEUS = '/usr/bin/prometheus';
my $PROMTOOL = '/usr/bin/promtool';
my $json = JSON::PP->new->canonical;

my $repo = fixture('repo');
my @rows = map { my $r = $_; [map { $r->{$_} // 0 } 1 .. 13] }
           fixture_rows('wine', 1000);

# --- nginx -t: what a metrics configuration must have ---------------------

{
    my $c = PredictTest->new;
    $c->{config} = "location = /metrics { predict_metrics; }\n";
    my ($status, $out) = $c->test_conf;
    ok($status != 0 && $out =~ /predict_metrics needs a predict_metrics_zone/,
       'nginx -t: predict_metrics without a zone is refused, saying why')
        or diag($out);

    # 60 models of 13 features do not fit in 32 KB
    my $big = $c->dir . '/repo60';
    for my $i (1 .. 60) {
        make_path("$big/m$i/1");
        system('cp', "$repo/wine/1/model.libsvm", "$repo/wine/1/features.json",
               "$big/m$i/1") == 0 or die 'cp';
    }
    $c->{http_config} = "predict_metrics_zone small:32k;\n"
                        . "predict_repository $big;\n";
    $c->{config} = "location / { predict_api; }\n"
                   . "location = /metrics { predict_metrics; }\n";
    ($status, $out) = $c->test_conf;
    ok($status != 0 && $out =~ /predict_metrics_zone "small" is too small: 61 models need (\d+) bytes/,
       'nginx -t: a zone too small for the models is refused, naming the '
       . 'size needed') or diag($out);

    $c->{http_config} = "predict_metrics_zone small:1m;\n"
                        . "predict_repository $big;\n";
    ($status, $out) = $c->test_conf;
    is($status, 0, 'and 1m is enough') or diag($out);

    $c->{http_config} = "predict_metrics_zone nocolon;\n";
    ($status, $out) = $c->test_conf;
    like($out, qr/invalid zone "nocolon": NAME:SIZE/, 'a zone without a size '
         . 'is refused');
}

# --- the server under test ------------------------------------------------

my $t = PredictTest->new(workers => 2);
$t->{http_config} = <<"END";
    predict_metrics_zone predict:4m;
    predict_repository $repo versions=all;
    log_format predictjson escape=json '{"uri":"\$uri","status":\$status,'
        '"model":"\$predict_model","version":"\$predict_version",'
        '"api":"\$predict_api","label":"\$predict_label",'
        '"instances":"\$predict_instances","oor":"\$predict_out_of_range",'
        '"error":"\$predict_error","time":"\$predict_time"}';
END
$t->{config} = <<'END';
access_log logs/predict.json predictjson;
client_max_body_size 4k;
location = /wine {
    predict_model $FIXTURES/wine.model scaler=$FIXTURES/wine.range;
    predict_max_instances 10;
}
location / {
    predict_api;
}
location = /metrics {
    predict_metrics;
}
END
$t->start;

sub features { '[' . join(', ', @{ $_[0] }) . ']' }

my (%status, %code, %labels, $instances, $answered, $timed, $batches);
my $oor_high = 0;

sub send_wine {
    my ($body, $want) = @_;
    my $r = $t->request('POST', '/wine', body => $body);
    $status{ $r->{status} }++;
    my $a = eval { decode_json($r->{body}) } // {};
    if ($r->{status} == 200) {
        my @p = $a->{predictions} ? @{ $a->{predictions} } : ($a);
        $labels{ $_->{label} }++ for @p;
        $instances += @p;
        $answered++;
        $oor_high += grep { grep { $_ == 13 } @{ $_->{out_of_range} // [] } }
                     @p;
    } else {
        $code{ $a->{error}{code} // 'none' }++;
    }
    # nginx's own 413 comes before the module: not timed
    $timed++ unless $r->{status} == 413
                    && ($a->{error}{code} // '') eq 'body_too_large';
    is($r->{status}, $want, "POST /wine $want") unless $r->{status} == $want;
    return $r;
}

# good rows, singly and in batches
send_wine('{"features": ' . features($rows[$_]) . '}', 200) for 0 .. 6;
for my $b (0 .. 2) {
    send_wine('{"instances": [' . join(', ', map { features($rows[$_]) }
                                            10 * $b .. 10 * $b + 4) . ']}',
              200);
    $batches++;
}

# proline (feature 13) doubled: above its fitted maximum where 2x > 1680
my @high = grep { 2 * $_->[12] > 1680 } @rows;
for my $x (@high[0 .. 3]) {
    my @y = @$x;
    $y[12] *= 2;
    send_wine('{"features": ' . features(\@y) . '}', 200);
}

# malformed, and too many instances
send_wine('{"features": [1, 2', 400);
send_wine('{"features": [1, 2, 3]}', 400);
send_wine('{"features": {"x": 1}}', 400);
send_wine('', 400);
send_wine('{"instances": [' . join(', ', map { features($rows[$_]) } 0 .. 10)
          . ']}', 413);

# oversized: nginx's own 413 (client_max_body_size), as JSON
send_wine('{"features": [' . join(', ', (1) x 2500) . ']}', 413);
send_wine('{"features": [' . join(', ', (1) x 2500) . ']}', 413);

# the protocol routes: two models, and one that does not exist
my $v1 = $t->request('POST', '/v1/models/iris/versions/1:predict',
                     body => '{"instances": [[6.8, 2.8, 4.8, 1.4], '
                             . '[5.1, 3.5, 1.4, 0.2]]}');
is($v1->{status}, 200, 'V1 :predict answered');
my $v2 = $t->request('POST', '/v2/models/iris/versions/1/infer',
                     body => '{"inputs": [{"name": "x", "shape": [1, 4], '
                             . '"datatype": "FP64", "data": [6.8, 2.8, 4.8, '
                             . '1.4]}]}');
is($v2->{status}, 200, 'V2 /infer answered');
my $v404 = $t->request('POST', '/v1/models/nosuch:predict',
                       body => '{"instances": []}');
is($v404->{status}, 404, 'an unknown model: 404');

my $sent = 0;
$sent += $_ for values %status;

# --- Prometheus, scraping every second ------------------------------------

ok(-x $PROMETHEUS && -x $PROMTOOL, 'prometheus and promtool are installed')
    or BAIL_OUT('no prometheus: make deps-test installs it');

my $pport = PredictTest::free_port();
my $pdir = $t->dir . '/prometheus';
make_path("$pdir/data");
open my $cfg, '>', "$pdir/prometheus.yml" or die $!;
print $cfg <<"END";
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: predict
    metrics_path: /metrics
    static_configs:
      - targets: ['127.0.0.1:${\ $t->port }']
END
close $cfg;

my $ppid = fork // die "fork: $!";
if ($ppid == 0) {
    setpgrp(0, 0);
    open STDOUT, '>', "$pdir/prometheus.log";
    open STDERR, '>&', \*STDOUT;
    exec $PROMETHEUS, "--config.file=$pdir/prometheus.yml",
         "--storage.tsdb.path=$pdir/data",
         "--web.listen-address=127.0.0.1:$pport";
    exit 127;
}

sub query {
    my ($q) = @_;
    my $enc = $q;
    $enc =~ s/([^A-Za-z0-9_.~-])/sprintf('%%%02X', ord $1)/ge;
    my $r = eval { http_request($pport, 'GET', "/api/v1/query?query=$enc") };
    return undef unless $r && $r->{status} == 200;
    my $a = eval { decode_json($r->{body}) } or return undef;
    return $a->{data}{result};
}

sub scalar_of {
    my ($q) = @_;
    my $res = query($q) or return undef;
    return @$res ? $res->[0]{value}[1] + 0 : 0;
}

# wait until a scrape after the last request is stored
my $deadline = time + 60;
my $seen;
while (time < $deadline) {
    $seen = scalar_of('sum(nginx_predict_requests_total)');
    last if defined $seen && $seen == $sent + 3;
    sleep 0.5;
}
is($seen, $sent + 3, "Prometheus scraped every request: $sent on /wine and "
   . '3 on the protocol routes');

my $w = '{model="/wine",version="1"';
is(scalar_of("nginx_predict_requests_total${w},status=\"$_\"}"), $status{$_},
   "requests_total{status=\"$_\"}: $status{$_}") for sort keys %status;
is(scalar_of("nginx_predict_errors_total${w},code=\"$_\"}"), $code{$_},
   "errors_total{code=\"$_\"}: $code{$_}") for sort keys %code;
is(scalar_of("nginx_predict_instances_total$w}"), $instances,
   "instances_total: $instances");
is(scalar_of("nginx_predict_predictions_total${w},label=\"$_\"}"),
   $labels{$_}, "predictions_total{label=\"$_\"}: $labels{$_}")
    for sort keys %labels;
is(scalar_of("sum(nginx_predict_predictions_total$w})"), $instances,
   'the predictions by label add up to the instances');
is(scalar_of("nginx_predict_feature_out_of_range_total${w},feature=\"13\","
             . 'side="high"}'), $oor_high,
   "feature 13 above its fitted range: $oor_high, as the answers said");
is(scalar_of("sum(nginx_predict_feature_out_of_range_total$w})"), $oor_high,
   'and no other feature out of range');
is(scalar_of("nginx_predict_batch_size_count$w}"), $answered,
   "batch_size_count: the $answered answered requests");
is(scalar_of("nginx_predict_batch_size_sum$w}"), $instances,
   'batch_size_sum: their instances');
is(scalar_of("nginx_predict_batch_size_bucket${w},le=\"1\"}"),
   $answered - $batches, 'batch_size_bucket{le="1"}: the single ones');
is(scalar_of("nginx_predict_request_duration_seconds_count$w}"), $timed,
   "request_duration_seconds_count: the $timed requests the module timed "
   . '(not the 413s nginx answered before it)');
cmp_ok(scalar_of("nginx_predict_request_duration_seconds_sum$w}"), '>', 0,
       'and their time is above 0');
is(scalar_of("histogram_quantile(1, nginx_predict_request_duration_seconds_bucket$w})") > 1 ? 'over 1 s' : 'within 1 s',
   'within 1 s', 'the slowest is within the top finite bucket');
is(scalar_of('nginx_predict_instances_total{model="iris",version="1"}'), 3,
   'iris version 1: 3 instances over V1 and V2');
is(scalar_of('nginx_predict_requests_total{model="",status="404"}'), 1,
   'the unknown model: counted without a model');
is(scalar_of('count(nginx_predict_model_info{model="iris"})'), 2,
   'model_info: both iris versions');
my $sha = $t->model_sha('/wine') || do {
    my $m = decode_json($t->request('GET', '/wine')->{body});
    $m->{model}{sha256};
};
is(scalar_of("nginx_predict_model_info${w},kind=\"c_svc\",sha256=\"$sha\"}"),
   1, 'model_info names the kind and the sha256 the metadata shows');
my $loaded = scalar_of("nginx_predict_model_load_timestamp_seconds$w}");
ok($loaded > time - 3600 && $loaded <= time,
   'model_load_timestamp_seconds is when nginx started');

my $text = $t->request('GET', '/metrics')->{body};
open my $fh, '>', "$pdir/scraped.txt" or die $!;
print $fh $text;
close $fh;
my $lint = `$PROMTOOL check metrics < $pdir/scraped.txt 2>&1`;
is($? >> 8, 0, 'promtool check metrics accepts the text') or diag($lint);

kill 'TERM', -$ppid;
waitpid($ppid, 0);

# --- the access log, as JSON ----------------------------------------------

{
    my @lines = split /\n/, $t->slurp('predict.json');
    my @parsed = grep { defined } map { eval { decode_json($_) } } @lines;
    is(scalar @parsed, scalar @lines, scalar(@lines) . ' access log lines, '
       . 'each one JSON');
    my @wine = grep { $_->{uri} eq '/wine' } @parsed;
    my @good = grep { $_->{status} == 200 && $_->{instances} eq '1' } @wine;
    is(scalar(grep { $_->{model} eq '/wine' && $_->{version} eq '1'
                     && $_->{api} eq 'native' } @wine), scalar @wine,
       'every /wine line names its model, version and protocol');
    is(scalar(grep { length $_->{label} } @good), scalar @good,
       'a single prediction logs its label');
    is(join(',', sort map { $_->{error} } grep { $_->{status} != 200 } @wine),
       join(',', sort map { ($_) x $code{$_} } keys %code),
       'each error logs its code');
    is(scalar(grep { $_->{oor} eq '13' } @wine), $oor_high,
       'the doubled rows log feature 13 out of range');
    is(scalar(grep { $_->{time} =~ /^\d+\.\d{6}$/ } @wine), $timed,
       '$predict_time: seconds with microseconds, where the module timed');
    my ($v1line) = grep { $_->{uri} =~ /versions\/1:predict/ } @parsed;
    ok($v1line && $v1line->{model} eq 'iris' && $v1line->{version} eq '1'
       && $v1line->{api} eq 'v1', 'a V1 line names the model, version and '
       . 'protocol');
}

# --- exact under load, over 2 workers, and over a reload ------------------

sub counted {
    my $m = $t->request('GET', '/metrics')->{body};
    my $n = 0;
    $n += $1 while $m =~ /^nginx_predict_requests_total\{model="\/wine",[^}]*\} (\d+)$/mg;
    return $n;
}

my $bodies = $t->dir . '/bodies';
open my $b, '>', $bodies or die $!;
print $b '{"features": ' . features($rows[$_]) . "}\n" for 0 .. 99;
close $b;

# fewer requests, more time, under the sanitizers and valgrind
my $scale = $PredictTest::VALGRIND ? 20 : $PredictTest::ASAN ? 3 : 1;
my $limit = $PredictTest::VALGRIND ? 60 : 10;

sub wrk_exact {
    my ($n) = @_;
    my $p = $t->port;
    $n = int($n / $scale);
    my $o = `wrk -t2 -c2 -d${limit}s -s $ROOT/t/bench/count.lua http://127.0.0.1:$p/wine -- $bodies $n 2>&1`;
    my ($done) = $o =~ /(\d+) requests in/;
    return $done // 0;
}

my $before = counted();
my $done = wrk_exact(1500);
is($done, 2 * int(1500 / $scale), 'wrk: 2 connections, '
   . int(1500 / $scale) . ' requests each');
is(counted() - $before, $done, "the counters: exactly wrk's $done requests, "
   . 'over 2 workers');

my %old = map { $_ => 1 } $t->workers;
$before = counted();
$t->signal('HUP');
my $until = time + 20;
sleep 0.1 while time < $until && ((grep { $old{$_} } $t->workers)
                                  || scalar(my @w = $t->workers) != 2);
is(counted(), $before, 'after a reload the counters continue where they were');
$done = wrk_exact(500);
is(counted() - $before, $done, "and count the new workers' $done requests");

$t->finish;
done_testing();
