#!/usr/bin/perl
# Request bodies the hard way, over raw sockets: both sides of
# client_body_buffer_size (memory and temporary file), chunked, over the
# limits, split writes, pipelining, HTTP/1.0, aborts and lies.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);
use PredictTest;

my $model = fixture('heart.model');
my $range = fixture('heart.range');

my $t = PredictTest->new(config => <<"END");
client_max_body_size 64k;

location = /mem {
    client_body_buffer_size 64k;
    predict_model $model scaler=$range;
}

location = /file {
    client_body_buffer_size 1k;
    predict_model $model scaler=$range;
}

location = /small {
    client_body_buffer_size 1k;
    predict_max_body_size 2k;
    predict_model $model scaler=$range;
}

location = /slow {
    client_body_timeout 1s;
    predict_model $model;
}
END
$t->start;

# a batch body of exactly $len bytes, padded with blanks
sub body_of {
    my ($len, $n) = @_;
    my @rows = map {
        '[' . join(', ', map { sprintf '%.6f', (($_ * 7 + $n) % 19) / 10 - 1 }
                         1 .. 13) . ']'
    } 1 .. $n;
    my $b = '{"instances": [' . join(', ', @rows) . ']}';
    die "body too long for $len" if length $b > $len;
    return $b . (' ' x ($len - length $b));
}

sub post {
    my ($uri, $body, %o) = @_;
    return $t->request('POST', $uri, body => $body, %o);
}

my $body = body_of(3000, 20);
my $want = post('/mem', $body);
is($want->{status}, 200, 'a 3000-byte batch in memory');
like($want->{body}, qr/^\{"predictions":\[(?:\{[^\]]+\},?){20}\]\}\n$/,
     'twenty predictions');

my $r = post('/file', $body);
is($r->{status}, 200, 'the same body, buffered to a temporary file');
is($r->{body}, $want->{body}, 'and the same answer');

for my $len (1023, 1024, 1025) {
    my $b = body_of($len, 3);
    my $m = post('/mem', $b);
    my $f = post('/file', $b);
    ok($m->{status} == 200 && $f->{status} == 200
       && $m->{body} eq $f->{body},
       "$len bytes against client_body_buffer_size 1k: same answer");
}

# chunked, in small chunks, to both locations

my $chunked = '';
for (my $i = 0; $i < length $body; $i += 100) {
    my $c = substr($body, $i, 100);
    $chunked .= sprintf("%x\r\n%s\r\n", length $c, $c);
}
$chunked .= "0\r\n\r\n";

for my $uri ('/mem', '/file') {
    $r = $t->raw("POST $uri HTTP/1.1\r\nHost: localhost\r\n"
                 . "Transfer-Encoding: chunked\r\n\r\n$chunked");
    is($r->{status}, 200, "chunked body to $uri");
    is($r->{body}, $want->{body}, "chunked body to $uri: same answer");
}

# the limits: client_max_body_size 64k, and ours at 2k on /small

my $at = body_of(64 * 1024, 3);
$r = post('/mem', $at);
is($r->{status}, 200, 'a body of exactly client_max_body_size');

$r = post('/mem', $at . ' ');
is($r->{status}, 413, 'one byte more: 413');
is($r->{headers}{'content-type'}, 'application/json', '413 in JSON');
like($r->{body}, qr/^\{"error":\{"code":"body_too_large","message":"request body is larger than client_max_body_size 65536"\}\}\n$/,
     '413 names the limit');

my $big = $chunked x 1;
my $huge = '';
for (1 .. 70) {
    my $c = 'x' x 1000;
    $huge .= sprintf("%x\r\n%s\r\n", length $c, $c);
}
$r = $t->raw("POST /mem HTTP/1.1\r\nHost: localhost\r\n"
             . "Transfer-Encoding: chunked\r\n\r\n${huge}0\r\n\r\n");
is($r->{status}, 413, 'a chunked body over client_max_body_size: 413');
like($r->{body}, qr/"code":"body_too_large"/, 'in JSON');

$r = post('/small', body_of(2048, 3));
is($r->{status}, 200, 'exactly predict_max_body_size');

$r = post('/small', body_of(2049, 3));
is($r->{status}, 413, 'over predict_max_body_size by Content-Length: 413');
like($r->{body}, qr/"code":"body_too_large","message":"request body of 2049 bytes is larger than predict_max_body_size 2048"/,
     'our own 413 names our limit');

my $c3 = '';
my $b3 = body_of(3000, 3);
for (my $i = 0; $i < length $b3; $i += 500) {
    my $c = substr($b3, $i, 500);
    $c3 .= sprintf("%x\r\n%s\r\n", length $c, $c);
}
$r = $t->raw("POST /small HTTP/1.1\r\nHost: localhost\r\n"
             . "Transfer-Encoding: chunked\r\n\r\n${c3}0\r\n\r\n");
is($r->{status}, 413, 'chunked over predict_max_body_size: counted on '
                      . 'the real bytes');

# split writes

my $s = $t->connect;
$s->autoflush(1);
my $small = '{"features": {"1": 0.5, "13": -1}}';
print $s "POST /mem HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
         . length($small) . "\r\n";
sleep 0.1;
print $s "\r\n";
for my $piece (unpack '(a5)*', $small) {
    print $s $piece;
    sleep 0.02;
}
$r = PredictTest::read_response($s, 'POST');
my $single = post('/mem', $small);
is($r->{status}, 200, 'a body written in 5-byte pieces');
is($r->{body}, $single->{body}, 'answers as a single write');

# pipelining: three requests in one write, three answers in order

my $req = "POST /mem HTTP/1.1\r\nHost: localhost\r\nContent-Length: "
          . length($small) . "\r\n\r\n$small";
$s = $t->connect;
$s->autoflush(1);
print $s $req . "GET /mem HTTP/1.1\r\nHost: localhost\r\n\r\n" . $req;
my @r = map { PredictTest::read_response($s, 'POST') } 1 .. 3;
ok($r[0]{status} == 200 && $r[0]{body} eq $single->{body}
   && $r[1]{status} == 200 && $r[1]{body} =~ /"svm_type"/
   && $r[2]{status} == 200 && $r[2]{body} eq $single->{body},
   'pipelined POST, GET, POST answered in order');

# keep-alive: ten requests on one connection

$s = $t->connect;
my $same = 0;
for (1 .. 10) {
    $r = $t->request('POST', '/mem', body => $small, sock => $s);
    $same++ if $r->{status} == 200 && $r->{body} eq $single->{body};
}
is($same, 10, 'ten requests on one keep-alive connection');

# HTTP/1.0

$r = $t->raw("POST /mem HTTP/1.0\r\nContent-Length: " . length($small)
             . "\r\n\r\n$small");
is($r->{status}, 200, 'HTTP/1.0');
is($r->{body}, $single->{body}, 'HTTP/1.0 answers the same');

# an invalid chunked body: nginx's 400, in JSON

$r = $t->raw("POST /mem HTTP/1.1\r\nHost: localhost\r\n"
             . "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
is($r->{status}, 400, 'invalid chunked encoding: 400');
like($r->{body}, qr/^\{"error":\{"code":"bad_request"/, 'in JSON');

# a Content-Length shorter than the body: the body is cut, then refused

$r = $t->raw("POST /mem HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10"
             . "\r\nConnection: close\r\n\r\n$small");
is($r->{status}, 400, 'a lying Content-Length cuts the JSON: 400');
like($r->{body}, qr/"code":"invalid_json"/, 'invalid_json');

# an abort mid-body, then a slow body past client_body_timeout

$s = $t->connect;
print $s "POST /file HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5000"
         . "\r\n\r\n" . substr($body, 0, 1500);
sleep 0.1;
close $s;

$s = $t->connect;
print $s "POST /slow HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100"
         . "\r\n\r\n{\"features\"";
$r = PredictTest::read_response($s, 'POST');
ok($r->{status} == 0 || $r->{status} == 408,
   'a body slower than client_body_timeout: closed (or 408)');

$r = post('/mem', $small);
is($r->{body}, $single->{body}, 'the server answers as before');

$t->finish;

done_testing();
