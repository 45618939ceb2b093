#!/usr/bin/perl
# Hostile input: a corpus of well over 100 malformed requests, each
# answered with the status and error code the README's error table
# documents, as JSON; the valid oddities (-0, huge integers, 1e-400,
# chunked, slow, on-disk, HTTP/1.0, pipelined bodies) answered as their
# plain equivalents are.  The error log holds nothing above info but the
# lines nginx's own core writes.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);
use PredictTest;

my $json = JSON::PP->new->canonical;

my $t = PredictTest->new(workers => 1, config => <<"END");
location = /heart {
    predict_model \$FIXTURES/heart.model scaler=\$FIXTURES/heart.range;
    predict_max_instances 8;
    client_max_body_size 4m;
    predict_max_body_size 3m;
}
location = /wine {
    predict_model \$FIXTURES/wine.bundle;
    client_max_body_size 4m;
    predict_max_body_size 3m;
}
location = /reject {
    predict_model \$FIXTURES/heart.model scaler=\$FIXTURES/heart.range;
    predict_out_of_range reject;
}
location = /small {
    predict_model \$FIXTURES/heart.model scaler=\$FIXTURES/heart.range;
    client_max_body_size 2k;
}
location = /disk {
    predict_model \$FIXTURES/heart.model scaler=\$FIXTURES/heart.range;
    client_body_buffer_size 1k;
}
location = /slow {
    predict_model \$FIXTURES/heart.model scaler=\$FIXTURES/heart.range;
    client_body_timeout 1s;
}
END
$t->start;

# ---------------------------------------------------------------------------
# the checks

my $count = 0;

# an error answer: status, JSON, the code, a short message
sub is_error {
    my ($r, $status, $code, $name) = @_;
    $count++;
    my $doc = eval { decode_json($r->{body} // '') };
    my $got = $doc && ref $doc eq 'HASH' && ref $doc->{error} eq 'HASH'
              ? $doc->{error}{code} // '' : '(no JSON error)';
    my $ok = ($r->{status} // 0) == $status && $got eq $code
             && ($r->{headers}{'content-type'} // '') =~ m{^application/json}
             && length($r->{body}) < 4096;
    ok($ok, "$name: $status $code") or diag("got $r->{status} $got: "
        . substr($r->{body} // $r->{raw} // '', 0, 300));
}

sub is_answer {
    my ($r, $want, $name) = @_;
    $count++;
    ok(($r->{status} // 0) == 200 && $r->{body} eq $want, "$name: 200, "
       . 'the plain answer') or diag("got $r->{status}: "
       . substr($r->{body} // '', 0, 300) . "\nwant $want");
}

sub post {
    my ($uri, $body, %h) = @_;
    return $t->request('POST', $uri, body => $body, headers => \%h);
}

# ---------------------------------------------------------------------------
# references

my $row = '{"1": 0.708333, "2": 1, "3": 1, "4": -0.320755, "5": -0.105023, '
        . '"6": -1, "7": 1, "8": -0.419847, "9": -1, "10": -0.225806, '
        . '"12": 1, "13": -1}';
my $one = qq({"features": $row});
my $batch = qq({"instances": [$row, {"3": 0.25}]});
my $want_one = post('/heart', $one)->{body};
my $want_batch = post('/heart', $batch)->{body};
like($want_one, qr/^\{"label":/, 'the reference answers');

my @wine = (14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04,
            3.92, 1065);
my $wine_dense = '{"features": [' . join(', ', @wine) . ']}';
my $want_wine = post('/wine', $wine_dense)->{body};
like($want_wine, qr/^\{"label":"class_0"/, 'the wine reference answers');

# ---------------------------------------------------------------------------
# 1. truncated JSON: every prefix of a batch at 24 cut points

my @cuts = map { int($_ * length($batch) / 25) } 1 .. 24;
for my $n (@cuts) {
    is_error(post('/heart', substr($batch, 0, $n)), 400, 'invalid_json',
             "truncated to $n bytes");
}
is_error(post('/heart', '   '), 400, 'empty_body', 'only blanks');
is_error(post('/heart', ''), 400, 'empty_body', 'an empty body');
is_error($t->raw("POST /heart HTTP/1.1\r\nHost: x\r\n\r\n"), 400,
         'empty_body', 'a POST with no body at all');

# ---------------------------------------------------------------------------
# 2. invalid JSON

for my $body ('{', '}', '[', ']', '{"features"}', '{"features": }',
              '{"features": [1,]}', '{"features": [,1]}', "{'features': [1]}",
              '{features: [1]}', '{"features": [01]}', '{"features": [1.]}',
              '{"features": [.5]}', '{"features": [+1]}',
              '{"features": [NaN]}', '{"features": [Infinity]}',
              '{"features": [-Infinity]}', '{"features": [1e]}',
              '{"features": [1e+]}', '{"features": [0x10]}',
              '{"features": [--1]}', '{"features": {"1": 1,}}',
              '{"features": {"1" 1}}', '{"features": {1: 1}}',
              '{"features": {"1": 1}} x', '{"features": {"1": 1}}{}',
              '{"features": {"1": 1}}]', '{"features": {"1: 1}}',
              qq({"features": {"1\x01": 1}}), '{"features": {"\q": 1}}',
              '{"features": {"\u12": 1}}', '{"features": {"\u0000": 1}}',
              '{"features": {"\ud800": 1}}', '{"features": {"\udc00x": 1}}',
              '/* c */ {"features": {"1": 1}}', '{"features": [tru]}',
              '{"features": [nul]}', '{"features": [True]}',
              "\xef\xbb\xbf{\"features\": {\"1\": 1}}") {
    (my $name = $body) =~ s/([^ -~])/sprintf '\\x%02x', ord $1/ge;
    is_error(post('/heart', $body), 400, 'invalid_json', "invalid: $name");
}

# ---------------------------------------------------------------------------
# 3. invalid UTF-8, in keys and in (categorical or not) string values;
# control characters and escapes in text that is echoed: never raw

for my $text ('a\nb', '\u001b[31m', 'x\r\n2026/01/01 00:00:00 [notice] 1#1: forged',
              '\u0085\u2028' x 30) {
    my $r = post('/wine', qq({"features": {"$text": 1}}));
    is_error($r, 400, 'unknown_feature', 'an unknown name with escapes ('
             . substr($text, 0, 24) . ')');
    my $msg = eval { decode_json($r->{body})->{error}{message} } // '';
    ok($msg !~ /[\x00-\x1f\x7f\x{80}-\x{9f}]/, 'no control character '
       . 'echoed') or diag($msg);
}

for my $bytes ("\xff", "\xfe", "\xc0\x80", "\xc1\xbf", "\xe0\x80\x80",
               "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80",
               "\xe2\x82", "\x80", "a\xc3") {
    my $hex = join '', map { sprintf '\\x%02x', ord } split //, $bytes;
    is_error(post('/wine', qq({"features": {"$bytes": 1}})), 400,
             'invalid_json', "invalid UTF-8 $hex in a key");
    is_error(post('/heart', qq({"features": {"1": "$bytes"}})), 400,
             'invalid_json', "invalid UTF-8 $hex in a value");
}

# ---------------------------------------------------------------------------
# 4. duplicate keys, at every level

is_error(post('/heart', qq({"features": $row, "features": $row})), 400,
         'invalid_json', 'a duplicate top-level key');
is_error(post('/heart', '{"features": {"1": 1, "1": 2}}'), 400,
         'invalid_json', 'a duplicate feature index');
is_error(post('/heart', '{"instances": [{"3": 1, "2": 0, "3": 1}]}'), 400,
         'invalid_json', 'a duplicate index in a batch');
is_error(post('/wine', '{"features": {"ash": 1, "ash": 1}}'), 400,
         'invalid_json', 'a duplicate feature name');
is_error(post('/heart', '{"features": {"1": 1, "\u0031": 2}}'), 400,
         'invalid_json', 'a duplicate key spelled with an escape');

# ---------------------------------------------------------------------------
# 5. numbers: the invalid, then the valid oddities

for my $n ('1e400', '-1e400', '1e99999999999999999999', '-1.8e308') {
    is_error(post('/heart', qq({"features": {"1": $n}})), 400,
             'invalid_value', "$n is not a finite double");
}
for my $zeros (100010, 200000) {
    my $n = '0.' . ('0' x $zeros) . '1e1000000000';
    is_error(post('/heart', qq({"features": {"1": $n}})), 400,
             'invalid_value', "a capped exponent after $zeros zeros is not "
             . 'a small number');
}
(my $zero = $one) =~ s/"2": 1/"2": 0/;
my $want_zero = post('/heart', $zero)->{body};
(my $neg_zero = $one) =~ s/"2": 1/"2": -0/;
is_answer(post('/heart', $neg_zero), $want_zero, '-0 is 0');
(my $neg_zero2 = $one) =~ s/"2": 1/"2": -0.0e5/;
is_answer(post('/heart', $neg_zero2), $want_zero, '-0.0e5 is 0');
(my $tiny = $one) =~ s/"2": 1/"2": 1e-400/;
is_answer(post('/heart', $tiny), $want_zero, '1e-400 underflows to 0');
(my $huge = $one) =~ s/"2": 1/"2": 123456789012345678901234567890/;
(my $big = $one) =~ s/"2": 1/"2": 1.2345678901234568e29/;
is_answer(post('/heart', $huge), post('/heart', $big)->{body},
          'a 30-digit integer is read as the nearest double');
(my $long = $one) =~ s/"2": 1/"2": 1.000000000000000000000000000000000001/;
is_answer(post('/heart', $long), $want_one, '37 significant digits');
is_error(post('/reject', $huge), 422, 'out_of_range',
         'a huge integer under reject');

# ---------------------------------------------------------------------------
# 6. nesting thousands deep, and depth that is valid JSON but wrong shape

is_error(post('/heart', '[' x 5000), 400, 'invalid_json',
         '5000 unclosed brackets');
is_error(post('/heart', '[' x 3000 . ']' x 3000), 400, 'invalid_json',
         'an array nested 3000 deep');
is_error(post('/heart', '{"features": ' . '{"1": ' x 3000 . '1' . '}' x 3001),
         400, 'invalid_json', 'objects nested 3000 deep');
is_error(post('/heart', '{"features": {"1": ' . '[' x 100 . ']' x 100 . '}}'),
         400, 'invalid_value', 'a feature nested 100 deep');
is_error(post('/heart', '{"instances": ' . '[' x 100 . ']' x 100 . '}'),
         400, 'wrong_feature_count', 'a batch nested 100 deep (a dense '
         . 'instance of one feature)');

# ---------------------------------------------------------------------------
# 7. megabyte strings: refused without echoing them

my $mb = 'a' x (1 << 20);
is_error(post('/heart', qq({"features": {"$mb": 1}})), 400,
         'invalid_feature_index', 'a megabyte key');
is_error(post('/wine', qq({"features": {"$mb": 1}})), 400,
         'unknown_feature', 'a megabyte feature name');
is_error(post('/heart', qq({"features": {"1": "$mb"}})), 400,
         'invalid_value', 'a megabyte string value');
is_error(post('/heart', qq({"features": {"1": 1}, "$mb": 1})), 400,
         'invalid_request', 'a megabyte unknown key');
is_error(post('/heart', '{"features": [' . '1, ' x 400000 . '1]}'), 400,
         'wrong_feature_count', '400,001 dense features');
is_error(post('/heart', qq({"features": {"1": 1}, "x": "${\ ('\\u0041' x 300000)}"})),
         400, 'invalid_request', 'a long escaped string under an unknown key');
is_error(post('/heart', '{"features": {"1": 1}}' . ' ' x (3 << 20)), 413,
         'body_too_large', 'a body over predict_max_body_size');
is_error(post('/heart', '{"features": {"1": 1}}' . ' ' x (5 << 20)), 413,
         'body_too_large', 'a body over client_max_body_size');
is_error($t->raw("POST /heart HTTP/1.1\r\nHost: x\r\n"
                 . "Content-Length: 100000000\r\n\r\n"), 413,
         'body_too_large', 'a Content-Length of 100 MB, nothing sent');

# ---------------------------------------------------------------------------
# 8. wrong types at every level

for my $body ('[]', '[1]', '1', '"features"', 'null', 'true', 'false', '{}',
              '{"feature": {}}', '{"Features": {}}', qq({"features": $row, "x": 1}),
              qq({"features": $row, "instances": [$row]}),
              '{"features": 1}', '{"features": "1"}', '{"features": null}',
              '{"features": true}', '{"instances": {}}', '{"instances": 1}',
              '{"instances": null}', '{"instances": "x"}', '{"instances": [1]}',
              '{"instances": ["x"]}', '{"instances": [null]}',
              '{"instances": [true]}', qq({"instances": [$row, 7]})) {
    is_error(post('/heart', $body), 400, 'invalid_request',
             "wrong shape: " . substr($body, 0, 50));
}
for my $v ('"x"', '"1"', 'null', 'true', 'false', '[]', '[1]', '{}',
           '{"1": 1}') {
    is_error(post('/heart', qq({"features": {"1": $v}})), 400,
             'invalid_value', "a sparse feature of $v");
    is_error(post('/heart', qq({"instances": [{"2": 0}, [$v, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]]})),
             400, 'invalid_value', "a dense feature of $v in a batch");
}
for my $k ('0', '-1', '14', '1.5', '01', '+1', '1e1', '', ' 1', 'x',
           '99999999999999999999') {
    is_error(post('/heart', qq({"features": {"$k": 1}})), 400,
             'invalid_feature_index', "a sparse key \"$k\"");
}
is_error(post('/heart', '{"features": [1, 2, 3]}'), 400,
         'wrong_feature_count', '3 dense features for 13');
is_error(post('/heart', '{"features": [' . join(',', (0) x 14) . ']}'),
         400, 'wrong_feature_count', '14 dense features for 13');
is_error(post('/heart', '{"features": []}'), 400, 'wrong_feature_count',
         'no dense feature');
is_error(post('/heart', '{"instances": [' . join(',', ($row) x 9) . ']}'),
         413, 'too_many_instances', '9 instances for 8');
is_error(post('/wine', '{"features": {"alcohol": 1}}'), 400,
         'missing_feature', 'a named instance missing 12 features');
is_error(post('/wine', '{"features": {"colour": 1}}'), 400,
         'unknown_feature', 'an unknown feature name');
is_error(post('/wine', '{"features": [' . join(', ', @wine[0 .. 11]) . ']}'),
         400, 'wrong_feature_count', '12 spec features for 13');
is_error(post('/wine', '{"features": [' . join(', ', @wine[0 .. 11])
              . ', "x"]}'), 400, 'invalid_value', 'a string for proline');

# ---------------------------------------------------------------------------
# 9. HTTP: methods, chunked, slow, on disk, HTTP/1.0, pipelined

for my $m (qw(PUT DELETE PATCH OPTIONS)) {
    my $r = $t->request($m, '/heart', body => $one);
    is_error($r, 405, 'method_not_allowed', "$m");
}

sub chunked {
    my ($body, $size) = @_;
    my $out = '';
    $out .= sprintf("%x\r\n%s\r\n", length $1, $1)
        while $body =~ /\G(.{1,$size})/gs;
    return "${out}0\r\n\r\n";
}

sub chunked_post {
    my ($uri, $chunks) = @_;
    return $t->raw("POST $uri HTTP/1.1\r\nHost: x\r\n"
                   . "Transfer-Encoding: chunked\r\n\r\n$chunks");
}

is_answer(chunked_post('/heart', chunked($batch, 7)), $want_batch,
          'a chunked body, 7-byte chunks');
is_error(chunked_post('/heart', chunked(substr($batch, 0, 40), 7)), 400,
         'invalid_json', 'a chunked body of truncated JSON');
is_error(chunked_post('/heart', "zz\r\nabc\r\n0\r\n\r\n"), 400, 'bad_request',
         'a chunk size that is not hex');
is_error(chunked_post('/heart', "5\r\nabcdefgh\r\n0\r\n\r\n"), 400,
         'bad_request', 'a chunk longer than its size');
is_error(chunked_post('/small', chunked('{"features": {"1": 1}}'
                                        . ' ' x 4000, 1000)), 413,
         'body_too_large', 'a chunked body over client_max_body_size');

is_answer(post('/disk', $batch . ' ' x 3000), $want_batch,
          'a body buffered to a temporary file');
is_error(post('/disk', '{"features": {"1": "' . 'x' x 3000 . '}}'), 400,
         'invalid_json', 'invalid JSON from a temporary file');

# slow: the body in 8 pieces, 100 ms apart
{
    my $s = $t->connect;
    $s->autoflush(1);
    print $s "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: "
        . length($batch) . "\r\n\r\n";
    my $step = int(length($batch) / 8) + 1;
    for (my $i = 0; $i < length $batch; $i += $step) {
        sleep 0.1;
        print $s substr($batch, $i, $step);
    }
    is_answer(PredictTest::read_response($s, 'POST'), $want_batch,
              'a slow body, 8 pieces 100 ms apart');

    # then one that stops: client_body_timeout answers 408
    print $s "POST /slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
        . substr($batch, 0, 20);
    my $r = PredictTest::read_response($s, 'POST');
    ok($r->{closed} || $r->{status} == 408,
       'a body that stops: 408 or closed at client_body_timeout');
}

my $r = $t->raw("POST /heart HTTP/1.0\r\nContent-Length: " . length($batch)
                . "\r\n\r\n$batch");
is_answer($r, $want_batch, 'HTTP/1.0');
like($r->{status_line} // '', qr{^HTTP/1\.1 200}, 'HTTP/1.0 answered');
is_error($t->raw("POST /heart HTTP/1.0\r\nContent-Length: 3\r\n\r\n{\"f"),
         400, 'invalid_json', 'HTTP/1.0 with invalid JSON');
is_error($t->raw("POST /heart HTTP/1.0\r\n\r\n"), 400, 'empty_body',
         'HTTP/1.0 without a body');

# headers nginx cannot accept are refused before any location is chosen,
# with the server's own page (an error_page at server level can change it)
for my $case (["POST /heart HTTP/1.1\r\n", 400],
              ["POST /heart HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n",
               400],
              ["POST /heart HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
               . "Transfer-Encoding: chunked\r\n", 400],
              ["POST /heart HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
               . "Content-Length: 2\r\n", 400],
              ["POST /he\x00art HTTP/1.1\r\nHost: x\r\n", 400],
              ["POST /heart HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip"
               . "\r\n", 501],
              ["POST /heart HTTP/9.9\r\nHost: x\r\n", 505]) {
    my ($head, $status) = @$case;
    (my $name = $head) =~ s/\r\n/ /g;
    $name =~ s/\x00/\\0/g;
    my $r = $t->raw("$head\r\n$one");
    $count++;
    is($r->{status}, $status, "refused before a location: $name: $status");
}

# pipelined: good, bad, good, bad, good in one write
{
    my $s = $t->connect;
    my @bodies = ($one, '{"features": [1, 2]}', $batch, '{', $one);
    my $bytes = join '', map { "POST /heart HTTP/1.1\r\nHost: x\r\n"
        . "Content-Length: " . length($_) . "\r\n\r\n$_" } @bodies;
    $s->autoflush(1);
    print $s $bytes;
    my @r = map { PredictTest::read_response($s, 'POST') } @bodies;
    is_answer($r[0], $want_one, 'pipelined 1 of 5');
    is_error($r[1], 400, 'wrong_feature_count', 'pipelined 2 of 5');
    is_answer($r[2], $want_batch, 'pipelined 3 of 5');
    is_error($r[3], 400, 'invalid_json', 'pipelined 4 of 5');
    is_answer($r[4], $want_one, 'pipelined 5 of 5');
}

# ---------------------------------------------------------------------------
# 10. memory: a body's values cost a bounded multiple of the body, whatever
# its shape (values past the feature count and instances past the batch
# limit are checked and counted, not kept)

is_error(post('/heart', '{"features": [' . '1,' x 1_400_000 . '1]}'), 400,
         'wrong_feature_count', '1,400,001 dense features in 2.8 MB');
is_error(post('/heart', '{"instances": [' . '[1],' x 700_000 . '[1]]}'),
         413, 'too_many_instances', '700,001 instances in 2.8 MB');
is_error(post('/heart', '{"instances": [' . join(',', ('{"1": 1, "2": 2, '
         . '"3": 3}') x 7) . ', {' . join(',', map { qq("$_": 1) }
         1 .. 200_000) . '}]}'), 400, 'invalid_feature_index',
         '200,000 keys in a batch');
SKIP: {
    skip 'the sanitizers change the memory use', 1
        if $PredictTest::ASAN || $PredictTest::VALGRIND;
    my ($w) = $t->workers;
    my ($hwm) = do { local (@ARGV, $/) = ("/proc/$w/status"); <> }
        =~ /^VmHWM:\s+(\d+)/m;
    cmp_ok($hwm, '<', 48 * 1024, "the worker's peak memory after 3 MB "
           . "hostile bodies: $hwm kB");
}

cmp_ok($count, '>=', 100, "$count hostile requests checked");

# ---------------------------------------------------------------------------
# the log: our lines at info, nothing else above info but nginx core's

my @loud;
for my $line (split /\n/, $t->error_log) {
    my ($level) = $line =~ /^\S+ \S+ \[(\w+)\]/ or next;
    next if $level eq 'info' || $level eq 'notice' || $level eq 'debug';
    next if $line =~ /client intended to send too large (?:chunked )?body/
         || $line =~ /a client request body is buffered to a temporary file/
         || $line =~ /client sent invalid chunked body/;
    push @loud, $line;
}
ok(!@loud, 'nothing above info in the log but nginx core\'s own lines')
    or diag(join "\n", @loud[0 .. ($#loud < 9 ? $#loud : 9)]);
like($t->error_log, qr/\[info\] .*predict: 400 invalid_json/,
     'client mistakes are logged at info');

$t->finish;
done_testing();
