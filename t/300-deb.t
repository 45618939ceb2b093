#!/usr/bin/perl
# The Debian packages `make deb` builds, then installed the way a user
# installs them:
#
#   - as built: the version is the module's; libnginx-mod-http-predict
#     depends on the exact nginx-abi-* of the nginx-dev it was built
#     against (the installed nginx provides it), ships the .so in nginx's
#     modules directory and a mod-http-predict.conf load snippet that its
#     postinst enables in modules-enabled; predict-tools ships the four
#     tools and a man page each, naming every option of the tool's --help
#     (t/105-tools-help.t holds the README to the same text); lintian found
#     no error, and each warning it gave is explained in the README;
#   - in a fresh Debian 12 root (make debroot) with only the stock nginx
#     package, the README's steps: `apt-get install ./*.deb` of the two
#     packages, predict-train on the packaged example data, the example
#     conf.d/predict.conf with the stock /etc/nginx layout; answers equal
#     to the freshly built module's, metadata naming the model's SHA-256,
#     workers as www-data, predict-run in the root agreeing; then remove
#     (the module's link is parked as .removed, as Debian's modules do,
#     and nginx still starts) and purge with autoremove (nothing of ours
#     is left, nor the libraries only we needed).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(sha256_hex);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;
use PredictDeploy qw(heavy_skip_reason slurp wine_bodies write_file);

my $why = heavy_skip_reason();
plan skip_all => $why if $why;

my $DEB = $PredictDeploy::DEB;
my $TOOLS = $ENV{PREDICT_TOOLS} // "$ROOT/build";
my ($mod_deb) = glob "$DEB/libnginx-mod-http-predict_*.deb";
my ($tools_deb) = glob "$DEB/predict-tools_*.deb";
BAIL_OUT("the packages are missing in $DEB: run 'make deb'")
    unless $mod_deb && $tools_deb;

sub deb_field {
    my ($deb, $field) = @_;
    my $v = `dpkg-deb -f '$deb' $field`;
    chomp $v;
    return $v;
}

sub deb_files {
    my ($deb) = @_;
    return map { s/ -> .*//r } map { (split ' ', $_, 6)[5] }
           split /\n/, `dpkg-deb -c '$deb'`;
}

sub deb_file_text {
    my ($deb, $path) = @_;
    my $text = `dpkg-deb --fsys-tarfile '$deb' | tar -xOf - '$path'`;
    $text = gunzip($text) if $path =~ /\.gz$/;
    return $text;
}

sub gunzip {
    my ($bytes) = @_;
    my $pid = open(my $out, '-|') // die "fork: $!";
    if ($pid == 0) {
        open my $in, '|-', 'gzip', '-dc' or die $!;
        binmode $in;
        print $in $bytes;
        close $in;
        exit 0;
    }
    local $/;
    return scalar <$out>;
}

# the options a usage text names (--long and -x)
sub options {
    my ($text) = @_;
    my %o = map { $_ => 1 }
            $text =~ /(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])/g;
    return sort keys %o;
}

sub names {
    my ($text, $opt) = @_;
    return $text =~ /(?<![\w-])\Q$opt\E(?![\w-])/;
}

# --- the packages as built --------------------------------------------------

my $version = `dpkg-parsechangelog -l $ROOT/debian/changelog -S Version`;
chomp $version;
my ($pm_version) = (slurp("$ROOT/src/pm.h") // '')
    =~ /#define\s+PM_VERSION\s+"([^"]+)"/;
is($version, $pm_version, "debian/changelog's version is PM_VERSION "
   . "($pm_version)");
like($mod_deb, qr/_\Q$version\E_[a-z0-9]+\.deb$/,
     'the module package has that version');

my ($abi) = (slurp('/usr/share/nginx/src/debian/libnginx-mod.abisubstvars')
             // '') =~ /^nginx:abi=(\S+)/m;
ok($abi, "nginx-dev names the ABI ($abi)");
my $depends = deb_field($mod_deb, 'Depends');
like($depends, qr/(?:^|,\s*)\Q$abi\E(?:,|$)/,
     "libnginx-mod-http-predict depends on $abi") or diag($depends);
like(`dpkg-query -W -f '\${Provides}' nginx`, qr/\Q$abi\E/,
     "the installed nginx provides $abi");
like($depends, qr/libjansson4/, 'and on libjansson4');
like($depends, qr/libsvm3/, 'and on libsvm3');

my $readme = slurp("$ROOT/README.md");
my ($mod_name, $tools_name) = map { (split m{/})[-1] } $mod_deb, $tools_deb;
like($readme,
     qr{apt-get install \./build/deb/\Q$mod_name\E \\\n\s+\./build/deb/\Q$tools_name\E},
     'the README installs these two files');
my %mod = map { $_ => 1 } deb_files($mod_deb);
ok($mod{'./usr/lib/nginx/modules/ngx_http_predict_module.so'},
   'the module is in /usr/lib/nginx/modules');
is(deb_file_text($mod_deb,
                 './usr/share/nginx/modules-available/mod-http-predict.conf'),
   "load_module modules/ngx_http_predict_module.so;\n",
   'modules-available/mod-http-predict.conf loads it');
like(`dpkg-deb -I '$mod_deb' postinst`,
     qr{mod-http-predict\.conf:50-mod-http-predict\.conf
        .*/etc/nginx/modules-enabled}sx,
     'its postinst enables it as 50-mod-http-predict.conf (dh_nginx)');
my @examples = grep { !/\.gitignore/ }
               split /\n/, `cd $ROOT && git ls-files conf-examples`;
my @missing = grep { s{^conf-examples/}{}; !$mod{"./usr/share/doc/"
                     . "libnginx-mod-http-predict/examples/$_"} } @examples;
ok(@examples && !@missing, 'every conf-example is in the package\'s '
   . 'examples') or diag("missing: @missing");

my %tools = map { $_ => 1 } deb_files($tools_deb);
for my $t (qw(predict-train predict-run predict-scale
              predict-sklearn-export)) {
    ok($tools{"./usr/bin/$t"}, "predict-tools ships /usr/bin/$t");
    ok($tools{"./usr/share/man/man1/$t.1.gz"}, "and its man page");
    my $man = deb_file_text($tools_deb, "./usr/share/man/man1/$t.1.gz");
    $man =~ s/\\f[BIRP]//g;
    $man =~ s/\\-/-/g;
    my $help = $t eq 'predict-sklearn-export'
        ? (slurp("$ROOT/tools/sklearn_export.py")
           =~ /^USAGE = "{3}\\?\n(.*?)"{3}/ms)[0]
        : `$TOOLS/$t --help 2>&1`;
    my @opts = options($help);
    ok(@opts, "$t: its usage names options (@opts)");
    my @not_man = grep { !names($man, $_) } @opts;
    ok(!@not_man, "$t: the man page has every option of its --help")
        or diag("missing: @not_man");
}
is(readlink_in_deb($tools_deb, './usr/bin/predict-sklearn-export'),
   '../share/predict-tools/sklearn_export.py',
   'predict-sklearn-export is the exporter, also importable from '
   . '/usr/share/predict-tools');

sub readlink_in_deb {
    my ($deb, $path) = @_;
    my ($line) = grep { /\Q$path\E -> / } split /\n/, `dpkg-deb -c '$deb'`;
    return $line && $line =~ / -> (\S+)$/ ? $1 : '';
}

my $lintian = slurp("$DEB/lintian.log");
ok(defined $lintian, 'make deb ran lintian');
my @errors = grep { /^E: / } split /\n/, $lintian // '';
ok(!@errors, 'lintian: no error') or diag(join "\n", @errors);
my @unexplained = grep { my ($tag) = /^W: [^:]+: (\S+)/; index($readme, $tag) < 0 }
                  grep { /^W: / } split /\n/, $lintian // '';
ok(!@unexplained, 'every lintian warning kept is explained in the README')
    or diag(join "\n", @unexplained);

# --- installed in a fresh Debian root ---------------------------------------

SKIP: {
    skip 'installing into a fresh root needs root (chroot)', 1 if $> != 0;
    fresh_root();
}

done_testing();


sub fresh_root {
    my $t0 = time;
    my $root = PredictDeploy->new_root;
    my $r = $root->root;
    note(sprintf 'fresh root unpacked in %.1f s', time - $t0);

    # the answers to expect: the freshly built module, on this machine
    my $bundle = fixture('wine.bundle');
    my @bodies = wine_bodies(4);
    my $host = PredictTest->new(config => <<"END");
location = /predict { predict_model $bundle; }
END
    $host->start;
    my %want = map { $_ => $host->request('POST', '/predict',
                                          body => $_)->{body} } @bodies;
    $host->finish(name => 'the host\'s nginx');
    my $sha = sha256_hex(slurp("$bundle/model.libsvm"));

    my $t = time;
    my ($rc, $out) = $root->run(400, 'apt-get update -q && apt-get install '
                                . '-y -q --no-install-recommends nginx');
    is($rc, 0, 'the fresh root gets the stock nginx package')
        or return diag(substr($out, -2000));
    note(sprintf 'nginx installed in %.1f s', time - $t);
    my $before = package_set($root);
    ok(!grep({ /predict|jansson|libsvm/ } keys %$before),
       'and nothing of ours or our libraries');

    mkdir "$r/tmp/predict-debs";
    system('cp', $mod_deb, $tools_deb, "$r/tmp/predict-debs/") == 0
        or die 'cp failed';
    $t = time;
    ($rc, $out) = $root->run(300, 'cd /tmp/predict-debs && apt-get install '
                             . '-y -q --no-install-recommends ./*.deb');
    is($rc, 0, 'apt-get install ./*.deb installs both packages, '
       . 'their dependencies from the mirror') or return diag($out);
    note(sprintf 'packages installed in %.1f s', time - $t);

    my $link = "$r/etc/nginx/modules-enabled/50-mod-http-predict.conf";
    is(readlink($link) // '',
       '/usr/share/nginx/modules-available/mod-http-predict.conf',
       'the module is enabled in /etc/nginx/modules-enabled');
    ok(-f "$r/usr/lib/nginx/modules/ngx_http_predict_module.so",
       'the module is in /usr/lib/nginx/modules');
    ($rc, $out) = $root->run(20, 'predict-run --help; predict-train --help;'
                             . ' predict-scale --help');
    like($out, qr/usage:\ predict-run\ .*usage:\ predict-train\ .*
                  usage:\ predict-scale\ /sx, 'the tools run in the root')
        or diag($out);

    # the README's steps: train the example model with the packaged
    # tools, the example server into conf.d (the stock nginx.conf stays
    # as it is); the default site (port 80) is disabled, as this machine's
    # port 80 is not ours to take, and our server moves to a free port
    my $ex = '/usr/share/doc/libnginx-mod-http-predict/examples';
    ($rc, $out) = $root->run(60, "mkdir -p /srv/models && predict-train "
        . "--data $ex/wine.csv --target cultivar --task classify "
        . "--out /srv/models/wine --quiet && cp $ex/conf.d/predict.conf "
        . '/etc/nginx/conf.d/');
    is($rc, 0, 'predict-train in the root trains the example model, the '
       . 'example server goes to conf.d') or diag($out);
    is(slurp("$r/srv/models/wine/model.libsvm"),
       slurp("$bundle/model.libsvm"), 'the same model as the fixture\'s');
    my $port = PredictTest::free_port();
    my $conf = slurp("$r/etc/nginx/conf.d/predict.conf");
    $conf =~ s/127\.0\.0\.1:8080/127.0.0.1:$port/g;
    write_file("$r/etc/nginx/conf.d/predict.conf", $conf);
    unlink "$r/etc/nginx/sites-enabled/default";

    ($rc, $out) = $root->run(30, 'nginx -t');
    is($rc, 0, 'nginx -t passes with the stock nginx.conf and conf.d/'
       . 'predict.conf') or diag($out);

    my $pid = start_nginx($root, $port);
    ok($pid, 'the root\'s nginx serves') or return;

    my $ok = 1;
    for my $body (@bodies) {
        my $res = http_request($port, 'POST', '/predict', $body);
        $ok &&= is($res->{body}, $want{$body},
                   'an answer through the installed module equals the '
                   . 'built module\'s') or diag($res->{body});
    }
    # the README's curl line, as written but for the port
    my ($readme_body) = $readme =~ /^### Debian packages\n.*?^    curl -s -d '([^']+)'/ms;
    my $res = http_request($port, 'POST', '/predict', $readme_body // '');
    like($res->{body}, qr/^\{"label":"class_0","probabilities":/,
         'the README\'s curl example gets its answer') or diag($res->{body});

    my $meta = eval { decode_json(http_request($port, 'GET', '/predict')
                                  ->{body}) } // {};
    is($meta->{model}{sha256}, $sha, 'the metadata names the model\'s '
       . 'SHA-256');

    my $uid = (split /:/, (grep { /^www-data:/ }
                           split /\n/, slurp("$r/etc/passwd"))[0])[2];
    my @workers = split ' ', `pgrep -P $pid`;
    my @uids = map { (slurp("/proc/$_/status") // '') =~ /^Uid:\s+(\d+)/m }
               @workers;
    ok(@uids && !grep({ $_ != $uid } @uids),
       "its workers run as www-data (uid $uid), as the stock "
       . 'nginx.conf says');

    write_file("$r/tmp/bodies.jsonl", join("\n", @bodies) . "\n");
    ($rc, $out) = $root->run(30, 'predict-run /srv/models/wine '
                             . '/tmp/bodies.jsonl');
    is($out, join('', map { $want{$_} =~ s/\n?\z/\n/r } @bodies),
       'predict-run in the root gives the same answers');

    is(stop_nginx($pid), 0, 'nginx stops cleanly on QUIT');
    PredictTest::check_log(slurp("$r/var/log/nginx/error.log") // '',
                           'its error log is clean');

    # remove: the admin drops the server first, then the packages
    unlink "$r/etc/nginx/conf.d/predict.conf";
    write_file("$r/etc/nginx/conf.d/plain.conf", <<"END");
server {
    listen 127.0.0.1:$port;
    location / { return 200 "still here\\n"; }
}
END
    $t = time;
    ($rc, $out) = $root->run(120, 'apt-get remove -y -q '
                             . 'libnginx-mod-http-predict predict-tools');
    is($rc, 0, 'apt-get remove removes both') or diag($out);
    ok(!-e "$r/usr/lib/nginx/modules/ngx_http_predict_module.so"
       && !-e "$r/usr/bin/predict-run", 'the module and tools are gone');
    ok(!-l $link && -l "$link.removed",
       'the modules-enabled link is parked as .removed (restored if the '
       . 'package comes back), as Debian\'s own modules do');
    ($rc, $out) = $root->run(30, 'nginx -t');
    is($rc, 0, 'nginx -t passes after the removal') or diag($out);
    $pid = start_nginx($root, $port);
    is($pid && http_request($port, 'GET', '/')->{body}, "still here\n",
       'and nginx starts and serves');
    is(stop_nginx($pid), 0, 'and stops cleanly') if $pid;

    ($rc, $out) = $root->run(120, 'apt-get purge -y -q --autoremove '
                             . 'libnginx-mod-http-predict predict-tools');
    is($rc, 0, 'apt-get purge --autoremove') or diag($out);
    note(sprintf 'removed and purged in %.1f s', time - $t);
    ok(!-l "$link.removed", 'the parked link is gone');
    system('rm', '-rf', "$r/srv/models/wine");
    # what our install added goes, bar what apt keeps on purpose: python3
    # stays, as iproute2 (an nginx dependency) suggests it
    my $after = package_set($root);
    my @added = grep { !$before->{$_} } sort keys %$after;
    my @ours = grep { /predict|jansson|libsvm/ } @added;
    ok(!@ours, 'the packages and the libraries only they needed are gone')
        or diag("@ours");
    note("left by apt's autoremove policy: @added") if @added;
    ($rc, $out) = $root->run(30, 'dpkg -l | grep predict');
    is($out, '', 'dpkg knows no package of ours, not even their '
       . 'configuration');
    my @left = grep { -e || -l } map { glob "$r$_" }
        '/usr/lib/nginx/modules/*predict*',
        '/usr/share/nginx/modules-available/*predict*',
        '/etc/nginx/modules-enabled/*predict*', '/usr/share/doc/*predict*',
        '/usr/share/predict-tools', '/usr/bin/predict-*';
    ok(!@left, 'no file of ours is left') or diag("@left");
    ($rc, $out) = $root->run(30, 'nginx -t');
    is($rc, 0, 'nginx -t still passes') or diag($out);

    $t = time;
    $root->cleanup;
    ok(!-e $r, 'the root is removed');
    note(sprintf 'fresh-root part: %.1f s', time - $t0);
}


sub package_set {
    my ($root) = @_;
    my (undef, $out) = $root->run(30, "dpkg-query -W -f '\${db:Status-Abbrev}"
                                      . "\${Package}\\n'");
    return { map { /^ii\s+(\S+)/ ? ($1 => 1) : () } split /\n/, $out };
}


# nginx in the root, in the foreground; its master's PID once the port
# answers (undef after 15 s)

sub start_nginx {
    my ($root, $port) = @_;
    my $log = $root->{dir} . '/nginx.out';
    my $pid = $root->spawn($log, '/usr/sbin/nginx', '-g', 'daemon off;');
    my $deadline = time + 15;
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            diag('nginx exited: ' . (slurp($log) // ''));
            return undef;
        }
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Proto => 'tcp',
                                      Timeout => 1);
        return $pid if $s;
        sleep 0.05;
    }
    diag('nginx did not answer: ' . (slurp($log) // ''));
    return undef;
}


sub stop_nginx {
    my ($pid) = @_;
    kill 'QUIT', $pid;
    my $deadline = time + 15;
    while (time < $deadline) {
        return $? if waitpid($pid, WNOHANG) == $pid;
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
    return -1;
}
