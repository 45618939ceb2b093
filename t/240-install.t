#!/usr/bin/perl
# make install and make uninstall, staged with DESTDIR: the module in
# nginx's modules directory (the one `nginx -V` names), its load snippet in
# modules-available, enabled by a link in modules-enabled (as Debian's own
# module packages do), the tools in PREFIX/bin and the exporter reached
# through predict-sklearn-export; the installed module loads in nginx -t
# and serves; uninstall leaves nothing.  And the package sets: what
# `make deps-list` prints is what the README's "The package sets" lists,
# and every package named is a real Debian package.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Basename qw(dirname);
use File::Find;
use File::Temp qw(tempdir);
use Test::More;
use PredictTest;
use PredictDeploy qw(slurp);

my $build = dirname($MODULE_SO);
plan skip_all => 'the plain pass installs the plain module'
    if $PredictTest::ASAN || $PredictTest::VALGRIND
       || $MODULE_SO !~ m{/ngx_http_predict_module\.so$};

my $dir = tempdir(CLEANUP => 1);

# --- the package sets ------------------------------------------------------

my %sets;
for (split /\n/, `make -s -C '$ROOT' deps-list 2>&1`) {
    my ($name, $pkgs) = /^([\w-]+): (.*)$/ or next;
    $sets{$name} = join ' ', sort split ' ', $pkgs;
}
is_deeply([sort keys %sets], [qw(deps deps-bench deps-test)],
          'make deps-list prints three sets');

my $readme = slurp("$ROOT/README.md");
my ($block) = $readme =~ /^### The package sets\n.*?^```text\n(.*?)^```/ms;
ok(defined $block, 'the README shows the package sets');
my %doc;
my $cur;
for (split /\n/, $block // '') {
    if (s/^([\w-]+):\s*//) { $cur = $1; $doc{$cur} = '' }
    $doc{$cur} .= " $_" if defined $cur;
}
$doc{$_} = join ' ', sort split ' ', $doc{$_} for keys %doc;
is_deeply(\%doc, \%sets, 'the README lists each set as the Makefile has it');

my @all = map { split ' ' } values %sets;
my %known = map { $_ => 1 }
            `apt-cache show --no-all-versions @all 2>/dev/null`
            =~ /^Package: (\S+)$/mg;
my @unknown = grep { !$known{$_} } @all;
is("@unknown", '', 'apt knows every package named');
my ($serve) = $sets{deps};
ok($serve !~ /\b(?:valgrind|clang|wrk|gunicorn|uvicorn|python3-\S+)\b/,
   'building and serving need no test or benchmark tool');

# --- make install, staged ----------------------------------------------------

my $stage = "$dir/stage";
PredictTest::forget_make();
my $out = `make -s -C '$ROOT' BUILD='$build' DESTDIR='$stage' install 2>&1`;
is($?, 0, 'make install DESTDIR=... succeeds') or diag($out);

my ($modpath) = `/usr/sbin/nginx -V 2>&1` =~ /--modules-path=(\S+)/;
$modpath //= '/usr/lib/nginx/modules';
my $so = "$stage$modpath/ngx_http_predict_module.so";
ok(-f $so, "the module is in nginx's modules path ($modpath)");
is(slurp($so), slurp($MODULE_SO), 'and is the module built');
is(sprintf('%o', (stat $so)[2] & 07777), '644', 'mode 644');

my $avail = '/usr/share/nginx/modules-available/mod-http-predict.conf';
is(slurp("$stage$avail"),
   "load_module $modpath/ngx_http_predict_module.so;\n",
   'the load snippet loads it by its installed path');
is(readlink("$stage/etc/nginx/modules-enabled/50-mod-http-predict.conf")
   // '', $avail, 'modules-enabled links the snippet, as Debian does');

for my $tool (qw(predict-train predict-run predict-scale predict-bench
                 predict-sklearn-export)) {
    my $path = "$stage/usr/local/bin/$tool";
    ok(-l $path || -x $path, "$tool is in /usr/local/bin") or next;
    if (-l $path) {
        # the link names the installed place: follow it into the stage
        my $to = readlink $path;
        is($to, '/usr/local/share/predict-tools/sklearn_export.py',
           "$tool links the installed exporter");
        $path = "$stage$to";
    }
    my $help = `'$path' --help 2>&1`;
    is($? >> 8, 0, "$tool --help runs from where it is installed")
        or diag($help);
}

# the installed module, loaded by nginx (the snippet's path, staged)
{
    local $PredictTest::MODULE_SO = $so;
    my $t = PredictTest->new(config => 'location = /p { predict_model '
                             . fixture('heart.model') . '; }');
    my $up = eval { $t->start; 1 };
    ok($up, 'nginx loads the installed module and starts') or diag($@);
    if ($up) {
        my $res = $t->request('POST', '/p',
                              body => '{"features": {"1": 0.7, "3": 1}}');
        is($res->{status}, 200, 'and it predicts') or diag($res->{body});
        $t->finish(name => 'the installed module');
    }
}

# --- make uninstall ----------------------------------------------------------

$out = `make -s -C '$ROOT' BUILD='$build' DESTDIR='$stage' uninstall 2>&1`;
is($?, 0, 'make uninstall succeeds') or diag($out);
my @left;
find(sub { push @left, $File::Find::name if -f $_ || -l $_ }, $stage);
is("@left", '', 'and leaves no file behind');

done_testing();
