#!/usr/bin/perl
# The README's "From CSV to curl", run as written in a fresh Debian 12 root
# (make debroot) that gets only what a newcomer's machine has: make and
# sudo.  The checkout is copied in; every ```sh block of the section runs,
# in order, with bash -e, from the checkout; after each, the ```text block
# that follows it (if any) must appear, line for line, in what it printed.
#
# The root shares this machine's network, where ports 80 and 8080 may be
# taken: the blocks after the one that runs `make deps` (which needs
# Debian's mirror) run in a network namespace of their own (unshare --net,
# its own loopback: the README's ports are free, nothing leaks out).
#
# Then: the module was installed where make install says and served; the
# undo block left nginx running without any file of ours.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Time::HiRes qw(time);
use PredictTest;
use PredictDeploy qw(heavy_skip_reason run_limited slurp write_file);

my $why = heavy_skip_reason(root => 1);
plan skip_all => $why if $why;
plan skip_all => 'no Debian root: make debroot makes one (as root)'
    unless -s $PredictDeploy::DEBROOT;
plan skip_all => 'no ip(8) for a network namespace (make deps-test)'
    unless -x '/usr/sbin/ip' || -x '/sbin/ip' || -x '/bin/ip';

# --- the walkthrough, from the README's text ---------------------------------

my $readme = slurp("$ROOT/README.md");
my ($section) = $readme =~ /^## From CSV to curl\n(.*?)^## /ms;
ok($section, 'the README has its walkthrough') or BAIL_OUT('no section');

my @steps;    # [sh text, expected text or undef]
while ($section =~ /^```(sh|text)\n(.*?)^```\n/msg) {
    my ($kind, $text) = ($1, $2);
    if ($kind eq 'sh') {
        push @steps, [$text, undef];
    } elsif (@steps && !defined $steps[-1][1]) {
        $steps[-1][1] = $text;
    } else {
        fail("a text block without a command block before it: $text");
    }
}
cmp_ok(scalar @steps, '>=', 5, scalar(@steps) . ' blocks of commands');
my ($install) = grep { $_->[0] =~ /make install/ } @steps;
ok($install && $steps[0][0] =~ /^make deps$/m,
   'they begin with make deps and install with make install');

# --- the root -----------------------------------------------------------------

my $t0 = time;
my $root = PredictDeploy->new_root;
my $r = $root->root;
my ($rc, $out) = $root->run(400, 'apt-get update -q && apt-get install -y '
                            . '-q --no-install-recommends make sudo');
is($rc, 0, 'the fresh root gets make and sudo') or BAIL_OUT($out);

# the checkout as it is here (tracked and new files, not build/)
my $dest = "$r/root/ngx_http_predict_module";
mkdir $dest or die "mkdir $dest: $!";
($rc, $out) = run_limited(120, 'sh', '-c', "cd '$ROOT' && git ls-files -z "
    . "--cached --others --exclude-standard | xargs -0 sh -c "
    . "'for f; do [ -e \"\$f\" ] && printf \"%s\\0\" \"\$f\"; done' sh "
    . "| tar --null -T - -cf - | tar -C '$dest' -xf -");
is($rc, 0, 'the checkout is copied into the root') or BAIL_OUT($out);
note(sprintf 'root ready in %.1f s', time - $t0);

# a login shell's PATH on Debian (and sudo's secure_path): /usr/local/bin
# first, where make install puts the tools
my $PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
my @ENV = ('env', '-i', "PATH=$PATH", 'HOME=/root', 'LC_ALL=C.UTF-8',
           'DEBIAN_FRONTEND=noninteractive');
my $CHECKOUT = '/root/ngx_http_predict_module';

# the blocks that need the network (make deps) run first, in this
# machine's network; the rest, in order, by one driver in a network
# namespace of its own (unshare: no mounts, so it works in a chroot too),
# which keeps what they start (nginx) reachable from the blocks after
my $w = "$r/tmp/walk";
mkdir $w or die "mkdir $w: $!";
my $n = 0;
my (@net, @local);
for my $step (@steps) {
    $n++;
    write_file("$w/$n.sh", $step->[0]);
    if ($step->[0] =~ /\bmake deps\b/) {
        die "block $n needs the network after a block that does not\n"
            if @local;
        push @net, $n;
    } else {
        push @local, $n;
    }
}
my $driver = join '', "cd $CHECKOUT\n", map {
    "bash -e /tmp/walk/$_.sh > /tmp/walk/$_.out 2>&1; "
    . "echo \$? > /tmp/walk/$_.rc; [ \"\$(cat /tmp/walk/$_.rc)\" = 0 ] "
    . "|| exit 1\n"
} @local;
# and then: nginx runs, and its configuration is valid
$driver .= "nginx -t > /tmp/walk/final.out 2>&1 "
           . "&& kill -0 \$(cat /run/nginx.pid) >> /tmp/walk/final.out 2>&1; "
           . "echo \$? > /tmp/walk/final.rc\n";
write_file("$w/driver.sh", $driver);

for my $k (@net) {
    my $t = time;
    ($rc, $out) = run_limited(1200, @ENV, 'chroot', $r, '/bin/bash', '-c',
        "cd $CHECKOUT && bash -e /tmp/walk/$k.sh > /tmp/walk/$k.out 2>&1; "
        . "echo \$? > /tmp/walk/$k.rc");
    note(sprintf 'block %d: %.1f s', $k, time - $t);
}
my $t = time;
($rc, $out) = run_limited(600, 'unshare', '--net', 'sh', '-c',
    'ip link set lo up && exec "$@"', 'sh', @ENV, 'chroot', $r,
    '/bin/bash', '/tmp/walk/driver.sh');
note(sprintf 'blocks %s: %.1f s (%s)', "@local", time - $t, $out);

$n = 0;
for my $step (@steps) {
    $n++;
    my $first = (split /\n/, $step->[0])[0];
    my $out = slurp("$w/$n.out") // '';
    is(slurp("$w/$n.rc") // "not run\n", "0\n", "block $n ($first ...) runs"
       . (grep({ $_ == $n } @net) ? ' (with the network)' : ''))
        or do { diag(substr($out, -3000)); last };
    next unless defined $step->[1];
    my %got = map { $_ => 1 } split /\n/, $out;
    my @missing = grep { /\S/ && !$got{$_} } split /\n/, $step->[1];
    is("@missing", '', "block $n prints what the README shows")
        or diag("it printed:\n$out");
}

# --- what it did --------------------------------------------------------------

# make install's files, then the undo block removed them
my $so = '/usr/lib/nginx/modules/ngx_http_predict_module.so';
ok(!-e "$r$so" && !-l "$r/etc/nginx/modules-enabled/50-mod-http-predict.conf"
   && !-e "$r/usr/local/bin/predict-train",
   'after the undo block no file of make install is left');
is(slurp("$w/final.rc") // "not run\n", "0\n",
   'nginx still runs, and its configuration is valid without us')
    or diag(slurp("$w/final.out"));
my $log = slurp("$r/var/log/nginx/error.log") // '';
unlike($log, qr/\[(?:alert|crit|emerg)\]/, 'its error log holds nothing alarming')
    or diag($log);

$root->cleanup;
done_testing();
