#!/usr/bin/perl
# The model server: a repository of named, versioned models, answered
# through TensorFlow Serving's REST API (KServe V1) and the Open Inference
# Protocol (KServe V2) by a predict_api location.  The models are
# scikit-learn's (t/data/model_repo.py, exported by tools/sklearn_export.py)
# and every prediction is checked against scikit-learn's own predict and
# predict_proba; KServe's and TF Serving's own cases are among them.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(sha256_hex);
use File::Copy qw(copy);
use File::Path qw(make_path);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;

my $repo_src = fixture('repo');
plan skip_all => "no model repository fixture ($repo_src): make fixtures"
    unless -d "$repo_src/iris/1";

my $expected = do {
    local (@ARGV, $/) = (fixture('repo.expected.json'));
    decode_json(<>);
};

my $json = JSON::PP->new->canonical;

# a copy of the repository, so that versions can be added and broken

my $t = PredictTest->new(workers => 2);
my $repo = $t->dir . '/repo';
system('cp', '-a', $repo_src, $repo) == 0 or die 'cp repo';

$t->{http_config} = "    predict_repository $repo versions=all;\n";
$t->{config} = <<"END";
location / {
    predict_api;
}
location = /heart {
    predict_model \$FIXTURES/heart.model scaler=\$FIXTURES/heart.range
                  name=heart version=5;
}
END
$t->start;

sub call {
    my ($method, $uri, $body) = @_;
    my $r = $t->request($method, $uri, defined $body ? (body => $body) : ());
    $r->{json} = eval { decode_json($r->{body}) };
    return $r;
}

sub is_json {
    my ($r, $status, $want, $name, $tol) = @_;
    my $e = $r->{json} ? json_cmp($r->{json}, $want, $tol // 1e-9)
                       : 'not JSON: ' . substr($r->{body}, 0, 200);
    ok($r->{status} == $status && !$e, $name)
        or diag("status $r->{status}: $e\n" . substr($r->{body}, 0, 600));
}

# the protocols' errors: {"error": "...", "code": "..."}
sub is_error {
    my ($r, $status, $code, $name) = @_;
    my $j = $r->{json};
    ok($r->{status} == $status && ref $j eq 'HASH' && !ref $j->{error}
       && ($j->{error} // '') ne '' && ($j->{code} // '') eq $code,
       "$name: $status $code") or diag("$r->{status} $r->{body}");
}

my $iris = $expected->{'iris/1'};

# --- TF Serving REST / KServe V1 --------------------------------------------

is_json(call('GET', '/v1/models'), 200,
        { models => [qw(diabetes heart iris wine)] },
        'GET /v1/models lists every name, once');

is_json(call('GET', '/v1/models/iris'), 200,
        { name => 'iris', ready => JSON::PP::true,
          model_version_status => [map { { version => $_,
              state => 'AVAILABLE',
              status => { error_code => 'OK', error_message => '' } } }
              '2', '1'] },
        'GET /v1/models/iris: the status of every version');
is_json(call('GET', '/v1/models/iris/versions/1'), 200,
        { name => 'iris', ready => JSON::PP::true,
          model_version_status => [{ version => '1', state => 'AVAILABLE',
              status => { error_code => 'OK', error_message => '' } }] },
        'GET .../versions/1: that version');

my $r = call('GET', '/v1/models/wine/versions/3/metadata');
ok($r->{status} == 200 && $r->{json}{model_spec}{name} eq 'wine'
   && $r->{json}{model_spec}{version} eq '3'
   && $r->{json}{metadata}{model}{sha256} =~ /^[0-9a-f]{64}$/
   && @{ $r->{json}{metadata}{features} } == 13,
   'GET .../metadata: model_spec and the native metadata');

# KServe's own V1 case: the iris SVC
is_json(call('POST', '/v1/models/iris/versions/1:predict',
             '{"instances": [[6.8, 2.8, 4.8, 1.4], [6.0, 3.4, 4.5, 1.6]]}'),
        200, { predictions => [1, 1] },
        "KServe's V1 iris case: {\"predictions\": [1, 1]}");

is_json(call('POST', '/v1/models/iris/versions/1:predict',
             encode_json({ instances => $iris->{rows} })),
        200, { predictions => $iris->{predict} },
        'every iris row: scikit-learn\'s predict');

my $iris2 = $expected->{'iris/2'};
is_json(call('POST', '/v1/models/iris:predict',
             encode_json({ signature_name => 'predict_proba',
                           instances => $iris2->{rows} })),
        200, { predictions => $iris2->{predict_proba} },
        'signature_name predict_proba: scikit-learn\'s predict_proba, in '
        . 'class order (the latest version)', 1e-6);

for my $v (1, 3) {
    my $w = $expected->{"wine/$v"};
    my @named = map { my $row = $_;
                      +{ map { $w->{names}[$_] => $row->[$_] }
                         0 .. $#{ $w->{names} } } } @{ $w->{rows} };
    is_json(call('POST', "/v1/models/wine/versions/$v:predict",
                 encode_json({ instances => \@named })),
            200, { predictions => $w->{predict} },
            "wine version $v, rows of named features: sklearn's predict");
    my %cols = map { my $i = $_;
                     ($w->{names}[$i] => [map { $_->[$i] } @{ $w->{rows} }])
                   } 0 .. $#{ $w->{names} };
    is_json(call('POST', "/v1/models/wine/versions/$v:predict",
                 encode_json({ inputs => \%cols })),
            200, { outputs => $w->{predict} },
            "wine version $v, columnar inputs: {\"outputs\": [...]}");
    $r = call('POST', "/v1/models/wine/versions/$v:classify",
              encode_json({ examples => \@named }));
    my @want = map { my $p = $_; [map { [$_, $p->[$_]] } 0 .. 2] }
               @{ $w->{predict_proba} };
    my $got = $r->{json}{results} // [];
    my $ok = $r->{status} == 200 && @$got == @want;
    for my $i (0 .. $#want) {
        for my $c (0 .. 2) {
            $ok &&= $got->[$i][$c][0] eq "$c"
                    && abs($got->[$i][$c][1] - $want[$i][$c][1]) < 1e-6;
        }
    }
    ok($ok, "wine version $v :classify: [[class, probability], ...]")
        or diag($r->{body});
}

my $d = $expected->{'diabetes/1'};
is_json(call('POST', '/v1/models/diabetes:regress',
             encode_json({ examples => $d->{rows} })),
        200, { results => $d->{predict} }, 'diabetes :regress: sklearn\'s '
        . 'SVR predict', 1e-6);

is_json(call('POST', '/v1/models/heart/versions/5:predict',
             '{"instances": [{"1": 0.7, "3": 1}]}'),
        200, { predictions => [1] },
        'a location\'s model, name=heart version=5, by index');

# TF Serving's own error cases, and ours

is_error(call('POST', '/v1/models/iris:predict', ''), 400, 'empty_body',
         'an empty body');
is_error(call('POST', '/v1/models/iris:predict', 'not json'), 400,
         'invalid_json', 'a body that is not JSON');
is_error(call('POST', '/v1/models/iris:predict',
              '{"signature_name": 100, "instances": [[1, 2, 3, 4]]}'),
         400, 'invalid_request', '{"signature_name": 100}');
is_error(call('POST', '/v1/models/iris:predict',
              '{"signature_name": "embed", "instances": [[1, 2, 3, 4]]}'),
         400, 'invalid_request', 'an unknown signature');
is_error(call('POST', '/v1/models/iris:predict',
              '{"instances": [[1, 2, 3, 4]], "inputs": [[1, 2, 3, 4]]}'),
         400, 'invalid_request', 'both "instances" and "inputs"');
is_error(call('POST', '/v1/models/iris:predict', '{"instances": [[1, 2]]}'),
         400, 'wrong_feature_count', 'a row of the wrong width');
is_error(call('POST', '/v1/models/nosuch:predict', '{"instances": []}'),
         404, 'not_found', 'an unknown model');
is_error(call('POST', '/v1/models/iris/versions/7:predict',
              '{"instances": []}'), 404, 'not_found', 'an unknown version');
like(call('GET', '/v1/models/iris/versions/7')->{body},
     qr/model \\"iris\\" has no version 7/, 'which says so');
is_error(call('GET', '/v1/models/iris:frobnicate'), 404, 'not_found',
         'an unknown verb');
$r = call('GET', '/v1/models/iris:predict');
is_error($r, 405, 'method_not_allowed', 'GET on :predict');
is($r->{headers}{allow}, 'POST', 'with Allow: POST');
is_error(call('POST', '/v1/models/diabetes:classify', '{"examples": []}'),
         400, 'invalid_request', ':classify on a regression');
is_error(call('POST', '/v1/models/wine:regress', '{"examples": []}'),
         400, 'invalid_request', ':regress on a classifier');

# --- Open Inference Protocol / KServe V2 -----------------------------------

$r = call('GET', '/v2');
ok($r->{status} == 200 && $r->{json}{name} && $r->{json}{version}
   && ref $r->{json}{extensions} eq 'ARRAY', 'GET /v2: name, version, '
   . 'extensions');
is_json(call('GET', '/v2/health/live'), 200, { live => JSON::PP::true },
        'GET /v2/health/live');
is_json(call('GET', '/v2/health/ready'), 200, { ready => JSON::PP::true },
        'GET /v2/health/ready');
is_json(call('GET', '/v2/models/iris/versions/1/ready'), 200,
        { name => 'iris', ready => JSON::PP::true }, 'model readiness');

$r = call('GET', '/v2/models/iris');
my $m = $r->{json} // {};
ok($r->{status} == 200 && $m->{name} eq 'iris'
   && "@{ $m->{versions} }" eq '1 2' && $m->{platform} eq 'libsvm'
   && @{ $m->{inputs} } == 4 && $m->{inputs}[0]{datatype} eq 'FP64'
   && $m->{outputs}[0]{name} eq 'predict'
   && $m->{outputs}[0]{datatype} eq 'INT64'
   && $m->{outputs}[1]{name} eq 'predict_proba'
   && "@{ $m->{outputs}[1]{shape} }" eq '-1 3',
   'model metadata: versions, platform, inputs, outputs predict and '
   . 'predict_proba') or diag($r->{body});

$r = call('GET', '/v2/models/diabetes');
is($r->{json}{outputs}[0]{datatype}, 'FP64', 'a regression predicts FP64');

# KServe's own V2 case
is_json(call('POST', '/v2/models/iris/versions/1/infer',
             '{"inputs": [{"name": "input-0", "shape": [2, 4], '
             . '"datatype": "FP32", "data": [[6.8, 2.8, 4.8, 1.4], '
             . '[6.0, 3.4, 4.5, 1.6]]}]}'),
        200, { model_name => 'iris', model_version => '1',
               outputs => [{ name => 'predict', datatype => 'INT64',
                             shape => [2], data => [1, 1] }] },
        "KServe's V2 iris case: outputs[0].data [1, 1]");

my @flat = map { @$_ } @{ $iris2->{rows} };
is_json(call('POST', '/v2/models/iris/versions/2/infer', encode_json({
             id => 'req-7', parameters => { trace => 1 },
             inputs => [{ name => 'input-0', shape => [4, 4],
                          datatype => 'FP64', data => \@flat }],
             outputs => [{ name => 'predict_proba' }, { name => 'predict' }]
             })),
        200, { model_name => 'iris', model_version => '2', id => 'req-7',
               parameters => { trace => 1 },
               outputs => [
                   { name => 'predict_proba', datatype => 'FP64',
                     shape => [4, 3],
                     data => [map { @$_ } @{ $iris2->{predict_proba} }] },
                   { name => 'predict', datatype => 'INT64', shape => [4],
                     data => $iris2->{predict} }] },
        'flat data, both outputs in the order asked, id and parameters '
        . 'echoed: scikit-learn\'s answers', 1e-6);

{
    my $w = $expected->{'wine/3'};
    my @inputs = map { my $i = $_;
                       { name => $w->{names}[$i], shape => [3],
                         datatype => 'FP64',
                         data => [map { $_->[$i] } @{ $w->{rows} }] } }
                 0 .. $#{ $w->{names} };
    is_json(call('POST', '/v2/models/wine/infer',
                 encode_json({ inputs => \@inputs })),
            200, { model_name => 'wine', model_version => '3',
                   outputs => [{ name => 'predict', datatype => 'INT64',
                                 shape => [3], data => $w->{predict} }] },
            'one 1-D tensor per named feature');
}

for my $case (
    ['FP16', '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": '
     . '"FP16", "data": [1, 2, 3, 4]}]}', 'FP16 sent as JSON'],
    ['bad type', '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": '
     . '"FP128", "data": [1, 2, 3, 4]}]}', 'an unknown datatype'],
    ['count', '{"inputs": [{"name": "x", "shape": [2, 4], "datatype": '
     . '"FP32", "data": [1, 2, 3, 4]}]}', 'fewer elements than the shape'],
    ['negative', '{"inputs": [{"name": "x", "shape": [-1, 4], "datatype": '
     . '"FP32", "data": [1, 2, 3, 4]}]}', 'a negative dimension'],
    ['absurd', '{"inputs": [{"name": "x", "shape": [1000000000000, 4], '
     . '"datatype": "FP32", "data": [1, 2, 3, 4]}]}', 'an absurd shape'],
    ['huge', '{"inputs": [{"name": "x", "shape": [1e300, 4], '
     . '"datatype": "FP32", "data": [1, 2, 3, 4]}]}', 'a shape of 1e300'],
    ['strings', '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": '
     . '"FP32", "data": ["a", "b", "c", "d"]}]}', 'strings in an FP32'],
    ['dup out', '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": '
     . '"FP32", "data": [1, 2, 3, 4]}], "outputs": [{"name": "predict"}, '
     . '{"name": "predict"}]}', 'an output asked for twice'],
    ['bad out', '{"inputs": [{"name": "x", "shape": [1, 4], "datatype": '
     . '"FP32", "data": [1, 2, 3, 4]}], "outputs": [{"name": "embedding"}]}',
     'an unknown output'],
    ['no inputs', '{"outputs": []}', 'no inputs'],
    ['3-D', '{"inputs": [{"name": "x", "shape": [1, 2, 2], "datatype": '
     . '"FP32", "data": [1, 2, 3, 4]}]}', 'three dimensions'],
) {
    my ($tag, $body, $name) = @$case;
    $r = call('POST', '/v2/models/iris/infer', $body);
    ok($r->{status} == 400 && ref $r->{json} eq 'HASH'
       && !ref $r->{json}{error}, "/infer, $name: 400") or diag($r->{body});
}
is_error(call('POST', '/v2/models/iris/infer', '{"inputs": [{"name": "x", '
              . '"shape": [200, 4], "datatype": "FP32", "data": ['
              . join(',', (1) x 800) . ']}]}'),
         413, 'too_many_instances', '200 rows past predict_max_instances');
is_error(call('POST', '/v2/models/nosuch/infer', '{}'), 404, 'not_found',
         '/infer on an unknown model');
is_error(call('GET', '/v2/models/iris/versions/9'), 404, 'not_found',
         'an unknown version\'s metadata');
is_error(call('GET', '/v2/nothing'), 404, 'not_found', 'an unknown route');
is_error(call('DELETE', '/v2/models/iris'), 405, 'method_not_allowed',
         'DELETE');

# --- the repository: what was loaded, what was ignored --------------------

my $log = $t->error_log . $t->slurp('stderr.log');
like($log, qr/ignored "[^"]*\/repo\/README": not a directory/,
     'a README is ignored, with a notice');
like($log, qr/ignored "[^"]*\/repo\/\.tmp": hidden/, '.tmp too');
like($log, qr/ignored "[^"]*\/repo\/wine\/latest": not a version/,
     'and a version directory that is not a number');
is(() = $log =~ /predict: loaded model "[^"]*\/repo\/[^"]*model\.libsvm"/g,
   5, 'five model versions loaded, each once');

# --- reload under load: a new version becomes the latest ------------------

{
    my $cases = $t->dir . '/v1.cases';
    my @pin = map { encode_json({ instances => [$_] }) }
              @{ $expected->{'wine/1'}{rows} }[0 .. 1];
    open my $fh, '>', $cases or die $!;
    # pinned to version 1: the same answers whatever the reloads
    for my $i (0 .. 1) {
        my $want = encode_json({ predictions =>
                                 [$expected->{'wine/1'}{predict}[$i]] });
        print $fh "/v1/models/wine/versions/1:predict\t200\t$want\t$pin[$i]\n";
    }
    # the latest: any answer, never a failure
    print $fh "/v1/models/wine:predict\t200\t*\t$pin[0]\n";
    close $fh;

    my $w = $t->wrk_start('/', $cases, 'close');
    sleep 1;
    system('cp', '-a', "$repo/wine/3", "$repo/wine/4") == 0 or die 'cp';
    my $sha4 = do {
        open my $f, '<', "$repo/wine/4/model.libsvm" or die;
        local $/;
        sha256_hex(<$f>);
    };
    my %old = map { $_ => 1 } $t->workers;
    $t->signal('HUP');
    my $deadline = time + 20;
    my $fresh;
    while (time < $deadline) {
        my @now = $t->workers;
        $fresh = @now == 2 && !grep { $old{$_} } @now;
        my $s = call('GET', '/v1/models/wine');
        last if $fresh && $s->{json}
                && $s->{json}{model_version_status}[0]{version} eq '4';
        sleep 0.1;
    }
    sleep 1;
    my $rep = PredictTest::wrk_stop($w);
    note('wrk: ' . PredictTest::wrk_report($rep));
    ok($fresh, 'the reload settled on new workers');
    ok(($rep->{checked} // 0) > 50, 'wrk checked answers during it ('
       . ($rep->{checked} // 0) . ')');
    is($rep->{failed}, 0, 'not one failed, non-2xx or changed pinned answer '
       . 'under Connection: close') or diag($rep->{text});
    is(call('GET', '/v1/models/wine')->{json}{model_version_status}[0]
           {version}, '4', 'version 4 is listed, the latest');
    is(call('GET', '/v1/models/wine/versions/4/metadata')->{json}{metadata}
           {model}{sha256}, $sha4, 'and answers with its model');
}

# a corrupt new version is refused at reload; the old ones keep serving

make_path("$repo/wine/5");
copy("$repo/wine/3/features.json", "$repo/wine/5/features.json");
open my $bad, '>', "$repo/wine/5/model.libsvm" or die $!;
print $bad "svm_type c_svc\nkernel_type rbf\n";
close $bad;
$t->signal('HUP');
my $deadline = time + 10;
sleep 0.1 until $t->error_log =~ /wine\/5\/model\.libsvm.*unexpected end/
                || time > $deadline;
like($t->error_log, qr/\[emerg\].*"[^"]*wine\/5\/model\.libsvm": line \d+/,
     'a corrupt version fails the reload, naming its file');
is(call('GET', '/v1/models/wine')->{json}{model_version_status}[0]{version},
   '4', 'and version 4 keeps serving');
unlink "$repo/wine/5/model.libsvm", "$repo/wine/5/features.json";
rmdir "$repo/wine/5";

$t->finish(allow => [qr/\[emerg\].*wine\/5\/model\.libsvm/]);

# --- the README's canary split: split_clients + rewrite to versions --------

{
    my $k = PredictTest->new;
    $k->{http_config} = <<"END";
    predict_repository $repo_src versions=all;
    split_clients "\${http_x_user}" \$wine_version {
        10%     1;
        *       3;
    }
END
    $k->{config} = <<'END';
location = /v1/models/wine:predict {
    rewrite ^ /v1/models/wine/versions/$wine_version:predict last;
}
location = /v2/models/wine/infer {
    rewrite ^ /v2/models/wine/versions/$wine_version/infer last;
}
location / {
    predict_api;
}
END
    $k->start;
    my $w = $expected->{'wine/1'};
    my $body = encode_json({ inputs => [{ name => 'input-0',
                                          shape => [3, 13],
                                          datatype => 'FP64',
                                          data => $w->{rows} }],
                             outputs => [{ name => 'predict_proba' }] });
    my (%seen, $bad);
    my $n = 400;
    for my $u (1 .. $n) {
        my $r = $k->request('POST', '/v2/models/wine/infer', body => $body,
                            headers => { 'X-User' => "user-$u" });
        my $a = eval { decode_json($r->{body}) } // {};
        my $v = $a->{model_version} // 'none';
        $seen{$v}++;
        # each version's own probabilities, as scikit-learn computes them
        my $want = $expected->{"wine/$v"};
        $bad++ unless $r->{status} == 200 && $want
            && !json_cmp($a->{outputs}[0]{data},
                         [map { @$_ } @{ $want->{predict_proba} }], 1e-6);
    }
    is($bad // 0, 0, "canary: $n users, each answered by its version with "
                     . "that version's probabilities");
    my $canary = $seen{1} // 0;
    ok($canary >= 0.05 * $n && $canary <= 0.15 * $n
       && $canary + ($seen{3} // 0) == $n,
       "canary: split_clients sends 10% to version 1 "
       . "($canary of $n), the rest to 3");

    # the same user always gets the same version, on both protocols
    my $r = $k->request('POST', '/v1/models/wine:predict',
                        body => encode_json({ instances => $w->{rows} }),
                        headers => { 'X-User' => 'user-1' });
    is_deeply(eval { decode_json($r->{body}) }, { predictions => $w->{predict} },
              'canary: the V1 route is rewritten too');
    $k->finish;
}

# --- configuration: versions=, names, what nginx -t refuses ---------------

my $c = PredictTest->new;

# a spec whose features have no fitted range (a StandardScaler exported
# without training data): nginx -t warns, naming them; predict-train's
# bundles record every range and load silently
{
    $c->{http_config} = '';
    $c->{config} = "location = /w { predict_model $repo_src/wine/1; }\n";
    my ($status, $out) = $c->test_conf;
    like($out, qr/\[warn\].*predict: "[^"]*wine\/1\/features\.json": features without a fitted range, not checked by predict_out_of_range: "alcohol", "malic_acid", "ash", "alcalinity_of_ash", "magnesium", "total_phenols", "flavanoids", "nonflavanoid_phenols" and 5 more/,
         'nginx -t warns, naming the features without a fitted range');
    is($status, 0, 'and passes');
    $c->{config} = "location = /w { predict_model \$FIXTURES/wine.bundle; }\n";
    ($status, $out) = $c->test_conf;
    ok($status == 0 && $out !~ /\[warn\]/, 'a bundle with every range: '
       . 'no warning') or diag($out);
    $c->start;
    like($c->slurp('stderr.log'), qr/\[notice\].*predict:\ loaded\ model\ "[^"]*"
                            ,\ sha256\ [0-9a-f]{64}
                            \ \(ngx_http_predict_module\ \d+\.\d+\.\d+\)/x,
         'the load notice names the module\'s version');
    my $r = $c->request('GET', '/w');
    is(eval { decode_json($r->{body})->{server}{name} }, 'ngx_http_predict_module',
       'and so does the metadata');
    $c->stop;
}
for my $case (['versions=latest', 1], ['versions=2', 2], ['', 1]) {
    my ($arg, $n) = @$case;
    $c->{http_config} = "    predict_repository $repo_src $arg;\n";
    $c->{config} = "location / { predict_api; }\n";
    $c->start;
    my $s = decode_json($c->request('GET', '/v1/models/wine')->{body});
    is(scalar @{ $s->{model_version_status} }, $n,
       "predict_repository $arg: $n version" . ($n > 1 ? 's' : ''));
    $c->stop;
}

for my $case (
    ['the same name and version twice',
     "location / { predict_api; }\n"
     . "location = /a { predict_model \$FIXTURES/heart.model name=iris "
     . "version=2; }\n",
     "    predict_repository $repo_src;\n", 'version 2 is defined twice'],
    ['a bad versions=', "location / { predict_api; }\n",
     "    predict_repository $repo_src versions=some;\n",
     'versions=latest, versions=all or versions=N'],
    ['a missing repository', "location / { predict_api; }\n",
     "    predict_repository /nonexistent/repo;\n",
     'predict_repository "/nonexistent/repo": cannot open'],
    ['predict_api with predict_model',
     "location / { predict_model \$FIXTURES/heart.model; predict_api; }\n",
     '', 'not allowed in a predict_model location'],
) {
    my ($name, $config, $http, $want) = @$case;
    $c->{config} = $config;
    $c->{http_config} = $http;
    my ($status, $out) = $c->test_conf;
    ok($status != 0 && $out =~ /\Q$want\E/, "nginx -t refuses $name")
        or diag($out);
}

done_testing();
