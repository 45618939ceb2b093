#!/usr/bin/perl
# Hardening, round two: files that are not regular files, bodies bounded
# while they are read (chunked, HTTP/2), no "100 Continue" for a refused
# body, prediction and JSON errors in the unnamed sub-locations nginx makes
# of "if" and "limit_except", client text that cannot forge log lines,
# numbers whose exponent overflows, -0 as a category, and what a file can
# force on the master (a metadata document, a file of zeros).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Encode qw(encode);
use IO::Select;
use JSON::PP;
use POSIX qw(mkfifo);
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;

my $heart = fixture('heart.model');
my $range = fixture('heart.range');

# a hand-written two-feature linear model, and specs over it

my $t = PredictTest->new(workers => 1);
my $d = $t->dir;

sub put {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh;
}

put("$d/tiny.model", <<'END');
svm_type c_svc
kernel_type linear
nr_class 2
total_sv 2
rho 0
label 1 -1
nr_sv 1 1
SV
1 1:1
-1 2:1
END

# a categorical feature whose categories are numbers, and a numeric one
put("$d/cats.json", encode_json({
    format => 'predict-features', version => 1,
    features => [
        { name => 'code', type => 'categorical', index => 1,
          categories => ['0', '1'] },
        { name => 'x', type => 'numeric', index => 3, min => 0, max => 1 },
    ],
}));

# 100,000 numeric features: the metadata must not list them all
my @many = map { { name => "f$_", type => 'numeric', index => $_ } }
               1 .. 100000;
put("$d/many.json", encode_json({ format => 'predict-features',
                                  version => 1, features => \@many }));

mkfifo("$d/fifo", 0644) or die "mkfifo: $!";

# --- 1. a FIFO as a model, range file or spec: refused at once ------------

for my $case (['model', "predict_model $d/fifo;"],
              ['range file', "predict_model $heart scaler=$d/fifo;"],
              ['spec', "predict_model $d/tiny.model features=$d/fifo;"])
{
    my ($what, $directive) = @$case;
    $t->{config} = "location = /p { $directive }\n";
    my $start = time;
    my ($status, $out) = $t->test_conf;
    my $took = time - $start;
    isnt($status, 0, "a FIFO as the $what: nginx -t fails");
    like($out, qr/\[emerg\].*"\Q$d\E\/fifo".*not a regular file/,
         "a FIFO as the $what: the file and the reason are named");
    cmp_ok($took, '<', 5, "a FIFO as the $what: refused at once, not "
           . "blocked in open()");
}

# a reload to a FIFO leaves the master answering signals

$t->{config} = "location = /p { predict_model $heart scaler=$range; }\n";
$t->start;
$t->{config} = "location = /p { predict_model $d/fifo scaler=$range; }\n";
$t->write_conf;
$t->signal('HUP');
my $deadline = time + 10;
sleep 0.1 until $t->error_log =~ /not a regular file/ || time > $deadline;
like($t->error_log, qr/\[emerg\].*\Q$d\E\/fifo.*not a regular file/,
     'a reload to a FIFO model is refused, naming it');
my $r = $t->request('GET', '/p');
is($r->{status}, 200, 'the old configuration keeps serving');
$t->{config} = "location = /p { predict_model $heart scaler=$range; }\n";
$t->write_conf;
my $sha = $t->model_sha('/p');
ok($t->reload('/p', $sha), 'the master still takes a HUP after it');
$t->finish(name => 'after a FIFO reload',
           allow => [qr/\[emerg\].*not a regular file/]);

# --- the server for the request tests --------------------------------------

$t = PredictTest->new(workers => 1, http_config => <<"END", config => <<"END");
    client_body_buffer_size 16k;
    limit_req_zone \$binary_remote_addr zone=one:1m rate=1r/m;
END
listen 127.0.0.1:\$PORT2 http2;

location = /p {
    predict_model $heart scaler=$range;
    client_max_body_size 0;
    predict_max_body_size 64k;
}
location = /allowed {
    predict_model $heart scaler=$range;
    limit_except GET { allow 127.0.0.1; deny all; }
}
location = /denied {
    predict_model $heart scaler=$range;
    limit_except GET { deny all; }
}
location = /if {
    predict_model $heart scaler=$range;
    if (\$arg_x) {
        add_header X-If entered;
    }
    if (\$arg_deny) {
        return 403;
    }
}
location = /limited {
    predict_model $heart scaler=$range;
    limit_req zone=one nodelay;
    limit_req_status 429;
}
location /nested/ {
    predict_model $heart scaler=$range;
    location /nested/static/ {
        return 200 "static\\n";
    }
}
location = /cats {
    predict_model $d/tiny.model features=$d/cats.json;
}
location = /many {
    predict_model $d/tiny.model features=$d/many.json;
}
END
my $port2 = PredictTest::free_port();
$t->{config} =~ s/\$PORT2/$port2/;
$t->start;

my @row = map { $_ / 10 } 1 .. 13;
my $good = encode_json({ features => \@row });

sub error_code {
    my ($r) = @_;
    my $doc = eval { decode_json($r->{body}) };
    return $doc && ref $doc->{error} eq 'HASH' ? $doc->{error}{code} : '';
}

# --- 2. chunked and HTTP/2 bodies are measured while they are read --------

{
    my $s = $t->connect;
    $s->autoflush(1);
    print $s "POST /p HTTP/1.1\r\nHost: localhost\r\n"
           . "Transfer-Encoding: chunked\r\n\r\n";
    my $chunk = sprintf("%x\r\n", 16384) . ('1' x 16384) . "\r\n";
    my $sel = IO::Select->new($s);
    my $sent = 0;
    local $SIG{PIPE} = 'IGNORE';
    while ($sent < 8 * 1024 * 1024) {
        last if $sel->can_read(0);
        print $s $chunk or last;
        $sent += 16384;
        sleep 0.002;
    }
    $sel->can_read(10);
    my $resp = PredictTest::read_response($s, 'POST');
    is($resp->{status}, 413, 'a chunked body past the limit: 413');
    is(error_code($resp), 'body_too_large', 'as JSON, body_too_large');
    like($resp->{body}, qr/predict_max_body_size 65536/,
         'naming predict_max_body_size');
    cmp_ok($sent, '<', 1024 * 1024, "refused while it was read ($sent of "
           . '8 MB sent), not after all of it');
}

SKIP: {
    skip 'curl is not installed', 3 unless `curl --version 2>/dev/null`;
    my $data = "$d/big.body";
    put($data, '{"features": [' . ('1,' x 400000) . '1]}');

    # curl 7.88 drops an HTTP/2 answer that comes before its upload ends
    # (status 000) now and then, for nginx's own client_max_body_size too:
    # every answer it does read must be the 413
    my (@codes, $json_ok);
    for (1 .. 4) {
        my $out = `curl -s --http2-prior-knowledge -X POST -T - -w '\\n%{http_code}' http://127.0.0.1:$port2/p < $data 2>&1`;
        my ($body, $code) = $out =~ /\A(.*)\n(\d+)\z/s;
        push @codes, $code // 'none';
        $json_ok ||= ($code // '') eq '413'
                     && error_code({ body => $body }) eq 'body_too_large';
    }
    my $fine = (grep { $_ eq '413' } @codes)
               && !(grep { !/^(?:413|000)$/ } @codes);
    ok($fine, 'an HTTP/2 body without a length past the limit: 413 (curl '
       . "read @codes)");
    ok($json_ok, 'as JSON, body_too_large');
    like($t->error_log, qr/over predict_max_body_size \d+ while reading/,
         'refused while reading');
}

# --- 3. a refused Content-Length gets no "100 Continue" --------------------

{
    my $r = $t->raw("POST /p HTTP/1.1\r\nHost: localhost\r\n"
                    . "Content-Length: 10000000\r\nExpect: 100-continue\r\n"
                    . "\r\n");
    is($r->{status}, 413, 'Expect: 100-continue over the limit: 413 at '
       . 'once');
    unlike($r->{status_line} // '', qr/100/, 'no "100 Continue" first');
    my $s = $t->connect;
    my $r2 = $t->raw("PUT /p HTTP/1.1\r\nHost: localhost\r\n"
                     . "Content-Length: 10\r\nExpect: 100-continue\r\n\r\n",
                     sock => $s);
    is($r2->{status}, 405, 'a refused method with Expect: 405 at once');
}

# --- 4. "if" and "limit_except" predict, and answer in JSON ---------------

$r = $t->request('POST', '/allowed', body => $good);
is($r->{status}, 200, 'limit_except GET { allow 127.0.0.1 }: an allowed '
   . 'POST predicts');
like($r->{body}, qr/^\{"label":/, 'with the prediction');

$r = $t->request('POST', '/denied', body => $good);
is($r->{status}, 403, 'limit_except GET { deny all }: 403');
is(error_code($r), 'forbidden', 'as JSON, forbidden');

$r = $t->request('POST', '/if?x=1', body => $good);
ok($r->{status} == 200 && $r->{body} =~ /^\{"label":/
   && ($r->{headers}{'x-if'} // '') eq 'entered',
   'inside an entered "if": predicts');

$r = $t->request('POST', '/if?deny=1', body => $good);
ok($r->{status} == 403 && error_code($r) eq 'forbidden',
   'a 403 returned in an "if": JSON, forbidden');

$r = $t->request('POST', '/limited', body => $good);
$r = $t->request('POST', '/limited', body => $good);
ok($r->{status} == 429 && error_code($r) eq 'rate_limited',
   'limit_req at 429: JSON, rate_limited');

$r = $t->request('GET', '/nested/static/x');
is($r->{body}, "static\n", 'a nested location serves its own content');
$r = $t->request('GET', '/nested/');
like($r->{body}, qr/"model"/, 'the location itself answers metadata');

# --- 5. client text cannot write lines into the error log ------------------

{
    my $evil = "daisy\n2026/11/25 00:00:00 [emerg] 1#1: forged\x1b[31m"
               . ('x' x 200);
    my $r = $t->request('POST', '/cats', body => encode_json({ features =>
                        { code => $evil, x => 0.5 } }));
    is($r->{status}, 400, 'an unknown category with a newline: 400');
    my $msg = eval { decode_json($r->{body})->{error}{message} } // '';
    unlike($msg, qr/[\x00-\x1f\x7f]/, 'no control character in the answer');
    my ($quoted) = $msg =~ /unknown category "(.*)"\z/;
    ok(defined $quoted && length($quoted) <= 51,
       'the category quoted is cut to 48 bytes (and "...")')
        or diag($msg);
    my $log = $t->error_log;
    unlike($log, qr/^\d{4}\/\d\d\/\d\d [\d:]+ \[emerg\] 1#1: forged/m,
           'no forged log line');
    unlike($log, qr/\x1b/, 'no terminal escape in the log');

    my $key = 'k' . ("\x{e9}" x 60);
    $r = $t->request('POST', '/cats',
                     body => encode_json({ features => { $key => 1 } }));
    $msg = eval { decode_json($r->{body})->{error}{message} } // '';
    my ($name) = $msg =~ /unknown feature "(.*)"\z/;
    ok(defined $name && length(encode('UTF-8', $name)) <= 51
       && $name =~ /\Ak\x{e9}+\.\.\.\z/,
       'an unknown feature name is cut to 48 bytes on a UTF-8 boundary')
        or diag($msg);
}

# --- 6. an exponent that overflows is never read as a finite number -------

{
    my $num = '0.' . ('0' x 100010) . '1e1000000000';
    my $r = $t->request('POST', '/if', body => qq({"features": {"1": $num}}));
    is($r->{status}, 400, 'a huge exponent after a long zero fraction: 400');
    is(error_code($r), 'invalid_value', 'invalid_value, not a small number');
    $num = '1' . ('0' x 30) . 'e-1000000000';
    $r = $t->request('POST', '/if', body => qq({"features": {"1": $num}}));
    is($r->{status}, 200, 'and a huge negative exponent is 0, answered');
}

# --- 7. -0 is the category "0" --------------------------------------------

$r = $t->request('POST', '/cats',
                 body => '{"features": {"code": -0, "x": 0.5}}');
is($r->{status}, 200, '-0 matches the category "0"');
my $zero = $t->request('POST', '/cats',
                       body => '{"features": {"code": 0, "x": 0.5}}');
is($r->{body}, $zero->{body}, 'and answers as 0 does');

# --- 8. what a file can force: metadata size, a file of zeros -------------

$r = $t->request('GET', '/many');
my $meta = eval { decode_json($r->{body}) } // {};
cmp_ok(length($r->{body}), '<', 512 * 1024, 'a 100,000-feature spec: the '
       . 'metadata stays small (' . length($r->{body}) . ' bytes)');
is($meta->{features_total}, 100000, 'and says how many features there are');
is(scalar @{ $meta->{features} // [] }, 1024, 'listing the first 1024');
$r = $t->request('GET', '/many?features=all');
my $all = eval { decode_json($r->{body}) } // {};
is(scalar @{ $all->{features} // [] }, 100000,
   '?features=all has every feature');

$t->finish(allow => [qr/\[info\] .*unknown category "daisy\?/]);

# a file of 900 MB of zeros (sparse) is refused after its first bytes

my $t2 = PredictTest->new;
my $d2 = $t2->dir;
my $zeros = "$d2/zeros.model";
system('truncate', '-s', '900M', $zeros) == 0 or die 'truncate';
$t2->write_conf(config => "location = /p { predict_model $zeros; }\n");

# address space bounded where no sanitizer needs its shadow memory
my $limit = ($PredictTest::ASAN || $PredictTest::VALGRIND) ? ''
            : 'ulimit -v 400000;';
my $start = time;
local %ENV = (%ENV, PredictTest::sanitizer_env($d2));
my $out = `$limit $PredictTest::NGINX -t -p $d2/ -c $d2/conf/nginx.conf -e $d2/logs/stderr.log 2>&1`;
like($out, qr/\[emerg\].*zeros\.model.*a NUL byte at offset 0/,
     'a 900 MB file of zeros is refused as not text'
     . ($limit ? ', within 400 MB of address space' : ''));
cmp_ok(time - $start, '<', ($PredictTest::VALGRIND ? 60 : 5), 'and at once');
unlink $zeros;

done_testing();
