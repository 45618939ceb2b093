#!/usr/bin/perl
# The README's Synopsis, as the README itself has it: make examples-models
# makes the files its nginx block names; the block, moved to a temporary
# directory, the built module and a free port, is a complete nginx.conf
# that passes nginx -t; each curl line of its console block gets exactly
# the answer shown under it.  Then conf-examples/ with those same files
# (t/070 runs them with the fixtures).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use Test::More;
use PredictTest;

my $BUILD = $ENV{PREDICT_TOOLS} // "$ROOT/build";

# --- the Synopsis, from README.md -----------------------------------------

my $readme = do { local (@ARGV, $/) = ("$ROOT/README.md"); <> };
my ($synopsis) = $readme =~ /^## Synopsis\n(.*?)^## /ms
    or BAIL_OUT('README.md has no "## Synopsis" section');
my ($conf) = $synopsis =~ /^```nginx\n(.*?)^```$/ms
    or BAIL_OUT('the Synopsis has no ```nginx block');
my ($console) = $synopsis =~ /^```console\n(.*?)^```$/ms
    or BAIL_OUT('the Synopsis has no ```console block');

like($synopsis, qr/^\s+make examples-models$/m,
     'the Synopsis says how to make the files it names');
like($conf, qr/^events\s*\{/m, 'its nginx block has an events block');

# the console block: "$ curl ..." lines, each followed by its answer
my @calls;
for my $line (split /\n/, $console) {
    if ($line =~ /^\$ (.*)/) {
        push @calls, { cmd => $1, want => '' };
    } elsif (@calls) {
        $calls[-1]{want} .= "$line\n";
    } else {
        fail("console block: \"$line\" before any command");
    }
}
ok(@calls >= 2, 'the console block shows ' . scalar(@calls) . ' requests');

# --- make examples-models ---------------------------------------------------

my $models = tempdir('predict-models-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $models;

my $out = do {
    local %ENV = %ENV;
    PredictTest::forget_make();
    `timeout -s KILL 600 make -C $ROOT examples-models MODELS=$models BUILD=$BUILD 2>&1`;
};
is($? >> 8, 0, 'make examples-models MODELS=<tempdir> succeeds')
    or BAIL_OUT("make examples-models failed:\n$out");

my @made = sort map { (split m{/})[-1] } glob "$models/*";
is("@made", 'heart.model heart.range wine wine.model wine.range',
   'it makes exactly the files the Synopsis and conf-examples name');
ok(-s "$models/wine/$_", "the wine bundle has $_")
    for qw(model.libsvm features.json);

# every /srv/models path the Synopsis names is one of them
my @named = $conf =~ m{/srv/models/([^\s;]+)}g;
ok(@named >= 3, 'the Synopsis names ' . scalar(@named) . ' model files');
ok(-e "$models/$_", "the Synopsis's /srv/models/$_ is made") for @named;

# --- the nginx block: nginx -t, then the requests ---------------------------

my $port = PredictTest::free_port();
(my $text = $conf) =~ s{/srv/models/}{$models/}g;
ok($text =~ s{^load_module \S+;}{load_module $MODULE_SO;}m,
   'the block opens with load_module');
ok($text =~ s/\b127\.0\.0\.1:8080\b/127.0.0.1:$port/g,
   'the block listens on 127.0.0.1:8080');

# as written (but for the three paths above) it passes nginx -t
{
    my $t = PredictTest->new(conf => $text, port => $port);
    my ($rc, $msg) = $t->test_conf;
    is($rc, 0, 'the Synopsis block is a complete nginx.conf: nginx -t')
        or diag($msg);
}

# run it with the pid file and the error log in the prefix
(my $run = $text) =~ s{^(load_module [^\n]*\n)}
                      {$1pid logs/nginx.pid;\nerror_log logs/error.log info;\n}m;
my $s = PredictTest->new(conf => $run, port => $port);
eval { $s->start; 1 } or BAIL_OUT("the Synopsis block does not start: $@");

for my $c (@calls) {
    my ($body, $path) = $c->{cmd}
        =~ m{^curl -s -d '([^']*)' (?:http://)?localhost:8080(/\S*)$};
    ok(defined $path, "a curl line of the usual form: $c->{cmd}") or next;

    open my $fh, '-|', 'timeout', '10', 'curl', '-s', '-d', $body,
        "http://127.0.0.1:$port$path" or die "curl: $!";
    my $got = do { local $/; <$fh> } // '';
    close $fh;
    $got .= "\n" if length $got && $got !~ /\n\z/;
    is($got, $c->{want}, "POST $path answers exactly what the Synopsis shows");
}

$s->stop;
PredictTest::check_log($s->error_log, 'the Synopsis server: clean log');

# --- conf-examples/ with the same files -------------------------------------

for my $example (glob "$ROOT/conf-examples/*.conf") {
    my $ex = do { local (@ARGV, $/) = ($example); <> };
    my %need = map { $_ => 1 } $ex =~ m{\bmodel/([^\s;/]+)}g;
    ok(-e "$models/$_", "$example: model/$_ is made") for sort keys %need;

    PredictTest::check_conf_example($example, {
        map { $_ => "$models/$_" } qw(wine.model wine.range wine)
    }, 'make examples-models');
}

done_testing();
