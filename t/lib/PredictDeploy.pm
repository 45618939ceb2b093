package PredictDeploy;

# Helpers for the deployment tests (t/300-t/330), core Perl only: a fresh
# Debian root unpacked from the debootstrap tar file `make debroot` makes,
# commands run in it by chroot with a time limit, conf-examples run as
# written, and wrk driving checked load (t/bench/check.lua) at any
# 127.0.0.1 URL with more connections than PredictTest's wrk_start.
#
# A root lives under build/ and is removed at the end, with every process
# still running in it (found by /proc/PID/root, ended by PID) and anything
# mounted under it: nothing is left behind, even after a failed test.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Temp qw(tempdir);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

use JSON::PP;
use PredictTest qw($ROOT $MODULE_SO);

our @EXPORT_OK = qw(heavy_skip_reason wrk_start wrk_stop wrk_report
                    run_limited example_server wine_bodies slurp
                    write_file);

our $DEBROOT = $ENV{PREDICT_DEBROOT}
    // "$ROOT/build/debroot/bookworm-minbase.tar";
our $DEB = $ENV{PREDICT_DEB} // "$ROOT/build/deb";


# why a system test (packages, containers, clusters) does not run here, or
# '' if it does: they run once, in the plain pass

sub heavy_skip_reason {
    my (%o) = @_;
    return 'a system test (packages, containers, several nginx under '
           . 'load): it runs once, in the plain pass; the sanitizer and '
           . 'valgrind passes check the module in the other tests'
        if $PredictTest::ASAN || $PredictTest::VALGRIND;
    return 'needs root (chroot, package installs)' if $o{root} && $> != 0;
    return '';
}


# run_limited(SECONDS, COMMAND...): (exit status, output), stdout and
# stderr together; the command and its process group are killed at the
# limit (status 137)

sub run_limited {
    my ($limit, @cmd) = @_;
    my $pid = open(my $fh, '-|') // die "fork: $!";
    if ($pid == 0) {
        open STDERR, '>&', \*STDOUT or die $!;
        open STDIN, '<', '/dev/null' or die $!;
        exec 'timeout', '-s', 'KILL', $limit, @cmd;
        exit 127;
    }
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return ($? >> 8, $out);
}


sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return undef;
    local $/;
    return scalar <$fh>;
}


sub write_file {
    my ($path, $text) = @_;
    open my $fh, '>', $path or die "$path: $!";
    print $fh $text;
    close $fh or die "$path: $!";
}


# example_server(FILE, {EXAMPLE PORT => PORT}, %o): a PredictTest server
# (not started) running conf-examples/FILE as written, but for its
# 127.0.0.1 ports, moved to free ones, and, with workers => N, its
# worker_processes; modules/ in its prefix holds the fresh module.  The
# server's own port (for start) is the first port the file listens on.

sub example_server {
    my ($file, $ports, %o) = @_;
    my $text = slurp("$ROOT/conf-examples/$file")
        // die "conf-examples/$file: $!";
    $text =~ s{127\.0\.0\.1:(\d+)\b}{
        "127.0.0.1:" . ($ports->{$1} // die "$file: no port for $1")
    }ge;
    $text =~ s/^(\s*worker_processes\s+)\S+;/$1$o{workers};/m
        if $o{workers};
    my ($listen) = $text =~ /^\s*listen\s+127\.0\.0\.1:(\d+)/m;
    my $t = PredictTest->new(conf => $text, port => $listen,
                             workers => $o{workers} // 1);
    mkdir $t->dir . '/modules';
    symlink $MODULE_SO, $t->dir . '/modules/ngx_http_predict_module.so'
        or die "symlink: $!";
    return $t;
}


# the first N rows of conf-examples/wine.csv as requests by feature name,
# then the same rows as one batch

sub wine_bodies {
    my ($n) = @_;
    open my $fh, '<', "$ROOT/conf-examples/wine.csv" or die $!;
    chomp(my $head = <$fh>);
    $head =~ s/\r$//;
    my @names = split /,/, $head;
    pop @names;
    my $json = JSON::PP->new->canonical;
    my @rows;
    while (@rows < $n && defined(my $line = <$fh>)) {
        $line =~ s/\r?\n$//;
        my @v = split /,/, $line;
        push @rows, { map { $names[$_] => 0 + $v[$_] } 0 .. $#names };
    }
    return ((map { $json->encode({ features => $_ }) } @rows),
            $json->encode({ instances => \@rows }));
}


# ---------------------------------------------------------------------------
# a fresh Debian root

sub new_root {
    my ($class, %o) = @_;
    die "$DEBROOT is missing: run 'make debroot'\n" unless -s $DEBROOT;
    mkdir "$ROOT/build";
    my $dir = tempdir('debroot-XXXXXX', DIR => "$ROOT/build");
    my $self = bless { dir => $dir, root => "$dir/root" }, $class;
    mkdir $self->{root} or die "mkdir: $!";
    my ($rc, $out) = run_limited(120, 'tar', '-C', $self->{root}, '-xf',
                                 $DEBROOT);
    die "unpacking $DEBROOT: $out" if $rc != 0;
    # name resolution for apt, as this machine has it
    system('cp', '/etc/resolv.conf', "$self->{root}/etc/resolv.conf") == 0
        or die 'cannot copy /etc/resolv.conf';
    return $self;
}


sub root { $_[0]{root} }


# run(SECONDS, SHELL SCRIPT): (status, output) of /bin/sh -c SCRIPT in the
# root, with a clean environment

sub run {
    my ($self, $limit, $script) = @_;
    return run_limited($limit, 'env', '-i',
                       'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
                       'DEBIAN_FRONTEND=noninteractive', 'LC_ALL=C.UTF-8',
                       'HOME=/root', 'chroot', $self->{root}, '/bin/sh',
                       '-c', $script);
}


# spawn(COMMAND...): a process in the root, in the foreground, whose PID
# is the command's own (env and chroot exec it); output to FILE

sub spawn {
    my ($self, $log, @cmd) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        setpgrp(0, 0);
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log;
        open STDERR, '>&', \*STDOUT;
        exec 'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
             'chroot', $self->{root}, @cmd;
        exit 127;
    }
    return $pid;
}


# the PIDs of the processes whose root directory is this root

sub processes {
    my ($self) = @_;
    my $root = abs_path($self->{root}) // $self->{root};
    my @pids;
    for my $p (glob '/proc/[0-9]*') {
        my $r = readlink "$p/root" // next;
        push @pids, (split m{/}, $p)[-1] if $r eq $root;
    }
    return @pids;
}


sub cleanup {
    my ($self) = @_;
    my $dir = $self->{dir} or return;
    # end what runs in the root, by PID, and reap our children among them
    for my $try (1 .. 20) {
        my @pids = $self->processes or last;
        kill 'KILL', @pids;
        1 while waitpid(-1, WNOHANG) > 0;
        sleep 0.1;
    }
    # nothing should be mounted there; if something is, unmount it first
    if (open my $fh, '<', '/proc/mounts') {
        my @m = reverse sort grep { index($_, "$dir/") == 0 }
                map { (split ' ')[1] } <$fh>;
        system('umount', '-l', $_) for @m;
    }
    system('rm', '-rf', '--one-file-system', $dir);
    delete $self->{dir};
}


sub DESTROY {
    my ($self) = @_;
    local ($?, $!, $@);
    $self->cleanup;
}


# ---------------------------------------------------------------------------
# wrk: bounded, checked load in the background (t/bench/check.lua)

my %WRK;

# wrk_start(URL, CASES FILE, %o): threads (one connection each), seconds
# (an upper bound: wrk_stop ends it sooner), extra (check.lua arguments)

sub wrk_start {
    my ($url, $cases, %o) = @_;
    my $threads = $o{threads} // 2;
    my $seconds = $o{seconds} // 60;
    my $out = "$cases.wrk." . int(rand 1e9);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', $out or die $!;
        open STDERR, '>&', \*STDOUT or die $!;
        exec 'wrk', "-t$threads", "-c$threads", "-d${seconds}s",
             '--timeout', '10s', '-s', "$ROOT/t/bench/check.lua", $url,
             '--', $cases, @{ $o{extra} // [] };
        exit 127;
    }
    sleep 0.3;
    $WRK{$pid} = 1;
    return { pid => $pid, out => $out };
}


# a test that dies with wrk running does not leave it running
END {
    kill 'KILL', keys %WRK if %WRK;
}


# stop it and read check.lua's report (PredictTest::wrk_stop); wait =>
# SECONDS lets it end by itself first

sub wrk_stop {
    my ($w, %o) = @_;
    my $end = time + ($o{wait} // 0);
    sleep 0.05 while time < $end && waitpid($w->{pid}, WNOHANG) == 0;
    delete $WRK{ $w->{pid} };
    return PredictTest::wrk_stop($w);
}


sub wrk_report { return PredictTest::wrk_report(@_) }


1;
