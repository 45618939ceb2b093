#!/usr/bin/perl
# make demo PORT=N, as a newcomer runs it (in the build directory the rest
# of the suite uses, so the build and the model are already there): it
# serves on N, the curl line it prints answers a label, and stopping the
# process group leaves no nginx behind.  A port in use is refused with a
# clear message before the banner; so is a PORT that is not a port.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp;
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;
use PredictDeploy qw(slurp);

my $BUILD = $ENV{PREDICT_TOOLS} // "$ROOT/build";
my $LOG = File::Temp->new(TEMPLATE => 'predict-demo-XXXXXX', TMPDIR => 1);

# the demo's make, its shell and nginx: one process group, ours to end
my $pgid;

END {
    if ($pgid && kill 0, -$pgid) {
        kill 'KILL', -$pgid;
    }
}

sub listening {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 1);
    close $s if $s;
    return !!$s;
}

# make demo in the foreground, for the refusals: (exit status, output)
sub demo_fails {
    my ($port) = @_;
    local %ENV = %ENV;
    PredictTest::forget_make();
    my $out = `timeout -s KILL 300 make -C $ROOT demo PORT='$port' BUILD=$BUILD 2>&1`;
    return ($? >> 8, $out);
}

# --- serving on a free port -------------------------------------------------

my $port = PredictTest::free_port();

my $pid = fork;
die "fork: $!" unless defined $pid;
if ($pid == 0) {
    setpgrp(0, 0);
    PredictTest::forget_make();
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', $LOG->filename or die $!;
    open STDERR, '>&', \*STDOUT or die $!;
    exec 'make', '-C', $ROOT, 'demo', "PORT=$port", "BUILD=$BUILD";
    exit 127;
}
$pgid = $pid;

# make deps, the build and the model are there already: a generous limit
my $up = 0;
my $deadline = time + 300;
while (time < $deadline) {
    last if waitpid($pid, WNOHANG) == $pid;
    if (listening($port)) {
        $up = 1;
        last;
    }
    sleep 0.1;
}
my $out = slurp($LOG->filename) // '';
ok($up, "make demo PORT=$port serves on 127.0.0.1:$port")
    or diag($out);

# the banner and the curl line name the port; the line answers a label
like($out, qr{^on http://127\.0\.0\.1:$port/predict \(Ctrl-C stops\)}m,
     'the banner names the port');
my ($curl) = $out =~ m{^  (curl -s -d '[^']*' http://127\.0\.0\.1:\d+/predict)$}m;
ok($curl, 'make demo prints a curl line to try') or diag($out);
like($curl // '', qr{127\.0\.0\.1:$port/predict$}, 'the curl line uses the port');

SKIP: {
    skip 'no server or no curl line', 2 unless $up && $curl;
    # the line as printed, run by a shell
    open my $fh, '-|', 'timeout', '10', 'bash', '-c', $curl or die $!;
    my $answer = do { local $/; <$fh> } // '';
    close $fh;
    like($answer, qr/^\{"label":"class_[012]","probabilities":\{/,
         'the printed curl line answers a label') or diag($answer);

    # the README's "The two commands" shows that answer
    my $readme = slurp("$ROOT/README.md") // '';
    my ($shown) = $readme =~ /^which answers\n\n {4}(\{[^\n]*\})\n/m;
    (my $line = $answer) =~ s/\n\z//;
    is($line, $shown, 'it is the answer the README shows for make demo');
}

# stop it as a terminal's Ctrl-C would: the whole process group
kill 'INT', -$pgid;
$deadline = time + 20;
my $reaped = 0;
while (time < $deadline) {
    $reaped ||= waitpid($pid, WNOHANG) == $pid;  # make: a zombie is in it
    last if $reaped && !kill 0, -$pgid;
    sleep 0.05;
}
my $left = kill 0, -$pgid;
ok(!$left, 'Ctrl-C on the process group ends make and nginx')
    or system("ps -o pid,pgid,args -g $pgid");
kill 'KILL', -$pgid if $left;
waitpid $pid, 0 unless $reaped;
$pgid = undef;

my $nginx_pid = slurp("$BUILD/demo/logs/nginx.pid") // '';
chomp $nginx_pid;
ok(!($nginx_pid =~ /^\d+$/ && kill 0, $nginx_pid), 'no demo nginx is left');
ok(!listening($port), "nothing listens on $port any more");

# --- refusals ----------------------------------------------------------------

{
    my $busy = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1',
                                     LocalPort => 0, Proto => 'tcp',
                                     ReuseAddr => 1)
        or die "cannot listen on 127.0.0.1: $!";
    my $bport = $busy->sockport;

    my ($rc, $text) = demo_fails($bport);
    isnt($rc, 0, "make demo PORT=$bport, a port in use, fails");
    like($text,
         qr/^make demo: 127\.0\.0\.1:$bport is in use \(PORT=\.\.\. picks another\)$/m,
         'and says so') or diag($text);
    unlike($text, qr/Serving|curl -s/, 'before any banner or curl line');
    close $busy;
}

{
    my ($rc, $text) = demo_fails('80a');
    isnt($rc, 0, 'make demo PORT=80a fails');
    like($text, qr/^make demo: PORT=80a is not a port number$/m, 'and says so')
        or diag($text);
    unlike($text, qr/Serving/, 'before any banner');
}

done_testing();
