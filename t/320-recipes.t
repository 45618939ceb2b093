#!/usr/bin/perl
# conf-examples/recipes/: each passes nginx -t and does what its comment
# says, run as written but for its 127.0.0.1 ports (moved to free ones)
# and one worker:
#
#   edge           the static site and the API on one server: the page,
#                  its script, a prediction, a JSON 404 under /api/;
#   reverse-proxy  a prediction through the proxy equals one made
#                  directly, and the server behind logs the client's
#                  address from X-Forwarded-For, not the proxy's;
#   auth           basic auth (a bcrypt htpasswd made here) and
#                  auth_request with bearer keys: no or wrong credentials
#                  401, right ones a prediction, the key's owner logged;
#   rate-limit     past the rate and burst, 429 with a JSON body and
#                  Retry-After, no more successes than the rate allows,
#                  and a prediction again a second later;
#   cors           the preflight answered with 204 and the CORS headers
#                  for a listed origin, none for another; predictions and
#                  errors carry the header for a listed origin only;
#   tls            a test certificate made here (openssl): HTTPS and
#                  HTTP/2 predictions verified against it (curl), HSTS,
#                  plain HTTP redirected to https.
#
#   model-repository  two models, three versions, on the model server's
#                  routes: the list, a pinned version and the latest
#                  answered by the right file (metadata hashes), a 404;
#                  every access log line a JSON object naming the model,
#                  version, status, instance count and error code.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA;
use JSON::PP;
use MIME::Base64 qw(encode_base64);
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;
use PredictDeploy qw(example_server wine_bodies slurp write_file
                     run_limited);

my $bundle = fixture('wine.bundle');
my ($body) = wine_bodies(1);

# the answer to expect, from the module directly
my $want = do {
    my $t = PredictTest->new(config => "location = /p { predict_model "
                                       . "$bundle; }");
    $t->start;
    my $a = $t->request('POST', '/p', body => $body)->{body};
    $t->finish(name => 'reference nginx');
    $a;
};
like($want, qr/^\{"label":"class_0"/, 'the reference answer');

# recipe(NAME, SETUP, CHECKS): the example on free ports, nginx -t, started,
# CHECKS($server, \%port), stopped with its log checked

sub recipe {
    my ($name, $setup, $checks) = @_;
    my $text = slurp("$ROOT/conf-examples/recipes/$name.conf");
    my %port = map { $_ => PredictTest::free_port() }
               $text =~ /127\.0\.0\.1:(\d+)/g;
    my $t = example_server("recipes/$name.conf", \%port, workers => 1);
    my $d = $t->dir;
    mkdir "$d/model";
    symlink $bundle, "$d/model/wine" or die $!;
    $setup->($d) if $setup;

    my ($status, $out) = $t->test_conf;
    is($status, 0, "$name: nginx -t passes") or return diag($out);
    eval { $t->start; 1 } or return fail("$name: nginx starts: $@");
    $checks->($t, \%port);
    $t->finish(name => $name);
}

sub on_port {
    my ($port) = @_;
    return bless { port => $port }, 'PredictTest';
}

# --- edge ----------------------------------------------------------------------

recipe('edge', sub {
    my ($d) = @_;
    mkdir "$d/html";
    write_file("$d/html/index.html", "<!doctype html>\n<title>Wine</title>\n"
               . "<script src=\"app.js\"></script>\n");
    write_file("$d/html/app.js", "fetch('/api/predict', {method: 'POST'});\n");
}, sub {
    my ($t) = @_;
    my $r = $t->request('GET', '/');
    is($r->{status}, 200, 'edge: the site\'s page');
    like($r->{body}, qr/<title>Wine<\/title>/, 'edge: is index.html');
    like($r->{headers}{'content-type'} // '', qr{^text/html},
         'edge: as text/html');
    $r = $t->request('GET', '/app.js');
    like($r->{headers}{'content-type'} // '', qr{javascript},
         'edge: the script, as javascript');
    ok($r->{headers}{expires}, 'edge: static files have an expiry');
    $r = $t->request('POST', '/api/predict', body => $body);
    is($r->{body}, $want, 'edge: /api/predict predicts');
    $r = $t->request('GET', '/api/nope');
    is($r->{status}, 404, 'edge: another /api/ path is a 404');
    ok(eval { decode_json($r->{body})->{error}{code} eq 'not_found' },
       'edge: in JSON') or diag($r->{body});
    is($t->request('GET', '/nope.html')->{status}, 404,
       'edge: a missing page is a 404');
});

# --- reverse proxy ----------------------------------------------------------------

recipe('reverse-proxy', undef, sub {
    my ($t, $port) = @_;
    my $r = $t->request('POST', '/predict', body => $body,
                        headers => { 'X-Forwarded-For' => '203.0.113.7' });
    is($r->{body}, $want, 'reverse-proxy: a prediction through the proxy');
    $r = on_port($port->{8081})->request('POST', '/predict', body => $body);
    is($r->{body}, $want, 'reverse-proxy: and directly, the same');
    sleep 0.1;
    my @log = split /\n/, slurp($t->dir . '/logs/predict-access.log') // '';
    like($log[0] // '', qr/^203\.0\.113\.7 "POST \/predict/,
         'reverse-proxy: the server behind logs the client\'s address');
    like($log[1] // '', qr/^127\.0\.0\.1 /,
         'reverse-proxy: and a direct client\'s own');
    $r = $t->request('POST', '/predict', body => 'x' x (1024 * 1024 + 1));
    is($r->{status}, 413, 'reverse-proxy: the proxy refuses a body over 1m');
});

# --- auth ---------------------------------------------------------------------------

recipe('auth', sub {
    my ($d) = @_;
    my ($rc, $out) = run_limited(20, 'htpasswd', '-b', '-B', '-c',
                                 "$d/conf/predict.htpasswd", 'alice',
                                 's3cret');
    is($rc, 0, 'auth: htpasswd -B makes the password file') or diag($out);
}, sub {
    my ($t) = @_;
    my $basic = 'Basic ' . encode_base64('alice:s3cret', '');
    my $bad = 'Basic ' . encode_base64('alice:guess', '');
    is($t->request('POST', '/basic/predict', body => $body)->{status}, 401,
       'auth: basic, no credentials: 401');
    is($t->request('POST', '/basic/predict', body => $body,
                   headers => { Authorization => $bad })->{status}, 401,
       'auth: basic, a wrong password: 401');
    my $r = $t->request('POST', '/basic/predict', body => $body,
                        headers => { Authorization => $basic });
    is($r->{body}, $want, 'auth: basic, the right one: a prediction');

    is($t->request('POST', '/predict', body => $body)->{status}, 401,
       'auth: auth_request, no key: 401');
    is($t->request('POST', '/predict', body => $body,
                   headers => { Authorization => 'Bearer nope' })->{status},
       401, 'auth: auth_request, an unknown key: 401');
    $r = $t->request('POST', '/predict', body => $body,
                     headers => { Authorization => 'Bearer demo-key-bob' });
    is($r->{body}, $want, 'auth: auth_request, a known key: a prediction');
    sleep 0.1;
    like(slurp($t->dir . '/logs/access.log') // '',
         qr/client=bob "POST \/predict/,
         'auth: the key\'s owner is logged');
});

# --- rate limit ------------------------------------------------------------------------

recipe('rate-limit', undef, sub {
    my ($t) = @_;
    my $sock = $t->connect;
    my (%n, $limited);
    my $t0 = time;
    for (1 .. 30) {
        my $r = $t->request('POST', '/predict', body => $body, sock => $sock);
        $n{$r->{status}}++;
        $limited //= $r if $r->{status} == 429;
    }
    my $elapsed = time - $t0;
    # 1 + burst 5 at once, then 10 a second
    my $allowed = 6 + int(10 * $elapsed) + 1;
    ok($n{200} && $n{200} <= $allowed, "rate-limit: $n{200} of 30 quick "
       . sprintf('requests served in %.2f s (at most %d allowed)',
                 $elapsed, $allowed));
    ok($n{429}, "rate-limit: the other " . ($n{429} // 0) . ' refused with '
       . '429');
    is(($n{200} // 0) + ($n{429} // 0), 30, 'rate-limit: nothing else');
    ok($limited && eval { decode_json($limited->{body})->{error}{code} eq
                          'rate_limited' },
       'rate-limit: a JSON body') or diag($limited && $limited->{body});
    is($limited && $limited->{headers}{'retry-after'}, 1,
       'rate-limit: with Retry-After');
    sleep 1.2;
    is($t->request('POST', '/predict', body => $body)->{body}, $want,
       'rate-limit: a second later, a prediction again');
});

# --- CORS --------------------------------------------------------------------------------

recipe('cors', undef, sub {
    my ($t) = @_;
    my $app = 'https://app.example.com';
    my $r = $t->request('OPTIONS', '/predict', headers => {
        Origin => $app, 'Access-Control-Request-Method' => 'POST',
        'Access-Control-Request-Headers' => 'content-type' });
    is($r->{status}, 204, 'cors: the preflight is answered with 204');
    is($r->{headers}{'access-control-allow-origin'}, $app,
       'cors: allowing the listed origin');
    like($r->{headers}{'access-control-allow-methods'} // '', qr/POST/,
         'cors: and POST');
    like($r->{headers}{'access-control-allow-headers'} // '',
         qr/Content-Type/, 'cors: and Content-Type');
    $r = $t->request('OPTIONS', '/predict', headers => {
        Origin => 'https://evil.example', 'Access-Control-Request-Method'
        => 'POST' });
    ok(!exists $r->{headers}{'access-control-allow-origin'},
       'cors: no Access-Control-Allow-Origin for another origin');

    $r = $t->request('POST', '/predict', body => $body,
                     headers => { Origin => $app });
    is($r->{body}, $want, 'cors: a prediction from the listed origin');
    is($r->{headers}{'access-control-allow-origin'}, $app,
       'cors: carries Access-Control-Allow-Origin');
    is($r->{headers}{vary}, 'Origin', 'cors: and Vary: Origin');
    $r = $t->request('POST', '/predict', body => '{"features": 1}',
                     headers => { Origin => $app });
    is($r->{status}, 400, 'cors: an error');
    is($r->{headers}{'access-control-allow-origin'}, $app,
       'cors: carries it too, so the page can read the error');
    $r = $t->request('POST', '/predict', body => $body,
                     headers => { Origin => 'https://evil.example' });
    ok(!exists $r->{headers}{'access-control-allow-origin'},
       'cors: another origin\'s answer has no Access-Control-Allow-Origin');
});

# --- TLS -------------------------------------------------------------------------------

recipe('tls', sub {
    my ($d) = @_;
    mkdir "$d/conf/tls";
    my ($rc, $out) = run_limited(30, 'openssl', 'req', '-x509', '-newkey',
        'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days',
        '1', '-subj', '/CN=localhost', '-addext',
        'subjectAltName=DNS:localhost', '-keyout',
        "$d/conf/tls/predict.key", '-out', "$d/conf/tls/predict.crt");
    is($rc, 0, 'tls: openssl makes a test certificate') or diag($out);
}, sub {
    my ($t, $port) = @_;
    my $p = $port->{8443};
    my @curl = ('curl', '-sS', '--max-time', '10', '--cacert',
                $t->dir . '/conf/tls/predict.crt', '--resolve',
                "localhost:$p:127.0.0.1");
    my $url = "https://localhost:$p/predict";
    my ($rc, $out) = run_limited(20, @curl, '--http1.1', '-d', $body, $url);
    is($out, $want, 'tls: a prediction over HTTPS, the certificate '
       . 'verified') or diag("curl exit $rc");
    ($rc, $out) = run_limited(20, @curl, '--http2', '-d', $body, '-D', '-',
                              $url);
    like($out, qr{^HTTP/2 200}, 'tls: and over HTTP/2');
    like($out, qr/^strict-transport-security: max-age=31536000/mi,
         'tls: with HSTS');
    like($out, qr/\Q$want\E\z/, 'tls: the same answer');
    ($rc, $out) = run_limited(20, @curl, '-d', $body, '--cacert',
                              '/dev/null', '--capath', '/nonexistent', $url);
    isnt($rc, 0, 'tls: a client that does not trust the certificate '
         . 'refuses it');
    my $r = on_port($port->{8080})->request('GET', '/predict');
    is($r->{status}, 301, 'tls: plain HTTP is redirected');
    like($r->{headers}{location} // '', qr{^https://localhost/predict$},
         'tls: to https');
});

# --- a model repository with a JSON access log -------------------------------------

recipe('model-repository', sub {
    my ($d) = @_;
    unlink "$d/model/wine";
    for (['wine', 1, 'wine.bundle'], ['wine', 2, 'wine-linear.bundle'],
         ['iris', 1, 'iris-petal.bundle'])
    {
        my ($name, $v, $fixture) = @$_;
        mkdir "$d/model/$name";
        symlink fixture($fixture), "$d/model/$name/$v" or die $!;
    }
}, sub {
    my ($t) = @_;
    my $v1 = encode_json({ instances => [ decode_json($body)->{features} ] });
    my $r = $t->request('GET', '/v1/models');
    is_deeply(eval { decode_json($r->{body}) }, { models => [qw(iris wine)] },
              'model-repository: both models listed') or diag($r->{body});
    my %answer = map {
        $_ => $t->request('POST', "/v1/models/wine/versions/$_:predict",
                          body => $v1)->{body}
    } 1, 2;
    like($answer{1}, qr/^\{"predictions":\["class_0"\]\}/,
         'model-repository: version 1 predicts');
    is($t->request('POST', '/v1/models/wine:predict', body => $v1)->{body},
       $answer{2}, 'model-repository: the latest is version 2');
    for my $v (1, 2) {
        my $meta = eval { decode_json($t->request('GET',
            "/v1/models/wine/versions/$v/metadata")->{body}) } // {};
        my $want = $v == 1 ? 'wine.bundle' : 'wine-linear.bundle';
        my $file = slurp(fixture($want) . '/model.libsvm');
        like(JSON::PP->new->canonical->encode($meta),
             qr/"sha256":"\Q${\ Digest::SHA::sha256_hex($file)}\E"/,
             "model-repository: version $v is $want");
    }
    is($t->request('GET', '/v2/models/iris/ready')->{status}, 200,
       'model-repository: iris is ready');
    $r = $t->request('POST', '/v1/models/nope:predict', body => $v1);
    is($r->{status}, 404, 'model-repository: an unknown model is a 404');

    sleep 0.2;
    my @log = map { eval { decode_json($_) } // { bad => $_ } }
              split /\n/, slurp($t->dir . '/logs/access.json') // '';
    ok(@log == 8 && !grep({ $_->{bad} } @log),
       'model-repository: every request (8) logged as a JSON object ('
       . scalar(@log) . ')') or diag(join "\n", map { $_->{bad} // () } @log);
    my ($pinned) = grep { $_->{uri} =~ m{/versions/1:predict} } @log;
    is_deeply([@{$pinned // {}}{qw(model version status instances)}],
              ['wine', '1', 200, '1'],
              'model-repository: a pinned request logs its model and version');
    my ($missing) = grep { $_->{uri} =~ /nope/ } @log;
    is_deeply([@{$missing // {}}{qw(model status error)}],
              ['nope', 404, 'not_found'],
              'model-repository: a failed one its status and error code');
});

done_testing();
