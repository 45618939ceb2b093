package PredictTest;

# Test harness for ngx_http_predict_module, core Perl only.
#
# A test file either runs data blocks (run_blocks, after __DATA__) or drives
# a PredictTest server object itself.  Each server gets a temporary prefix
# with conf/ logs/ tmp/, a free 127.0.0.1 port, Debian's nginx and the
# freshly built module.  Every stop checks the error log for [alert],
# [crit], [emerg], crashed workers, leaked sockets and sanitizer reports.

use strict;
use warnings;

use Cwd qw(abs_path);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(:sys_wait_h);
use Test::More;
use Time::HiRes qw(sleep time);

our @EXPORT = qw(run_blocks fixture fixture_rows data_file json_cmp http_request
                 $ROOT $FIXTURES $MODULE_SO);

our $ROOT = abs_path(dirname(__FILE__) . '/../..');
our $MODULE_SO = $ENV{PREDICT_MODULE_SO}
    // "$ROOT/build/ngx_http_predict_module.so";
our $NGINX = $ENV{PREDICT_NGINX} // '/usr/sbin/nginx';
our $FIXTURES = $ENV{PREDICT_FIXTURES} // "$ROOT/build/fixtures";

# lines that fail a log unless a block declares them
our $BAD_LOG = do {
    my $alt = join '|', '\[(?:alert|crit|emerg)\]', 'exited on signal',
                        'open socket #', 'Sanitizer', 'runtime error:';
    qr/$alt/;
};


# PREDICT_ASAN=1: the module is the ASan + UBSan build; nginx (Debian's,
# uninstrumented) runs with the sanitizer runtime preloaded, and reports
# land in the prefix's tmp/ (writable by the workers), where finish() looks

our $ASAN = $ENV{PREDICT_ASAN};
my $asan_runtime;

sub sanitizer_env {
    my ($dir) = @_;
    return () unless $ASAN;
    $asan_runtime //= do {
        my $p = `clang -print-file-name=libclang_rt.asan-x86_64.so`;
        chomp $p;
        $p;
    };
    return (LD_PRELOAD => $asan_runtime,
            ASAN_OPTIONS => "detect_leaks=0:abort_on_error=1:"
                            . "log_path=$dir/tmp/asan",
            UBSAN_OPTIONS => "print_stacktrace=1:halt_on_error=1:"
                             . "log_path=$dir/tmp/ubsan");
}


# PREDICT_VALGRIND=1: nginx runs under valgrind memcheck, each process
# logging to the prefix's tmp/vg.PID; finish() fails on any error or on a
# definite leak.  t/valgrind.suppress names what Debian's stripped nginx
# leaves allocated at exit.

our $VALGRIND = $ENV{PREDICT_VALGRIND};

sub nginx_command {
    my ($dir) = @_;
    return ($NGINX) unless $VALGRIND;
    return ('valgrind', '--tool=memcheck', '--leak-check=full',
            '--errors-for-leak-kinds=definite', '--num-callers=30',
            "--suppressions=$ROOT/t/valgrind.suppress",
            "--log-file=$dir/tmp/vg.%p", $NGINX);
}


sub fixture {
    my ($name) = @_;
    my $path = "$FIXTURES/$name";
    BAIL_OUT("fixture $path is missing: run 'make fixtures'") unless -e $path;
    return $path;
}


# the first $n rows of a fixture's .raw libsvm file, as {index => number}

sub fixture_rows {
    my ($name, $n) = @_;
    open my $fh, '<', fixture("$name.raw") or die "$name.raw: $!";
    my @rows;
    while (my $line = <$fh>) {
        my (undef, @f) = split ' ', $line;
        push @rows, { map { my ($k, $v) = split /:/; ($k => 0 + $v) } @f };
        last if @rows == $n;
    }
    return @rows;
}


sub data_file {
    my ($name) = @_;
    return "$ROOT/t/data/$name";
}


sub free_port {
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                  LocalPort => 0, Proto => 'tcp', ReuseAddr => 1)
        or die "cannot bind 127.0.0.1:0: $!";
    my $port = $s->sockport;
    close $s;
    return $port;
}


# a make the test starts is its own, not a sub-make of the make running
# the suite (its flags, jobserver and level): callers localize %ENV

sub forget_make {
    delete @ENV{qw(MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES)};
}


# A conf-example run as written, in a prefix laid out as the examples
# expect (conf/ logs/ tmp/ modules/ model/), moved from port 8080 to a free
# one: it opens with a comment then load_module, passes nginx -t, serves a
# prediction of a wine row at /predict, stops cleanly with a clean log.
# $models maps the names under model/ (wine.model, wine.range, wine) to the
# files they link to: the fixtures (t/070) or make examples-models (t/250).

sub check_conf_example {
    my ($conf, $models, $what) = @_;
    my $name = (split m{/}, $conf)[-1];
    $name .= " ($what)" if $what;
    my $file = (split m{/}, $conf)[-1];
    my $row = '[13.2, 1.78, 2.14, 11.2, 100, 2.65, 2.76, 0.26, 1.28, 4.38, '
              . '1.05, 3.4, 1050]';

    my $p = tempdir(CLEANUP => 1);
    chmod 0755, $p;
    mkdir "$p/$_" for qw(conf logs tmp modules model);
    chmod 0777, "$p/tmp";
    symlink $MODULE_SO, "$p/modules/ngx_http_predict_module.so";
    symlink $models->{$_}, "$p/model/$_" for sort keys %$models;

    # the examples listen on 8080; the test moves them to a free port
    my $port = free_port();
    my $text = do { local (@ARGV, $/) = ($conf); <> };
    like($text, qr/\A#[^\n]*\n(?:#[^\n]*\n)*load_module /,
         "$name opens with a comment, then load_module");
    $text =~ s/127\.0\.0\.1:8080/127.0.0.1:$port/g;
    open my $fh, '>', "$p/conf/$file" or die $!;
    print $fh $text;
    close $fh;

    my $out = do {
        local %ENV = (%ENV, sanitizer_env($p));
        `timeout -s KILL 60 $NGINX -t -p $p/ -c $p/conf/$file -e $p/logs/stderr.log 2>&1`;
    };
    is($? >> 8, 0, "$name: nginx -t passes") or diag($out);

    my $pid = fork;
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        %ENV = (%ENV, sanitizer_env($p));
        exec $NGINX, '-p', "$p/", '-c', "$p/conf/$file", '-e',
             "$p/logs/stderr.log", '-g', 'daemon off;';
        exit 127;
    }

    my $r;
    my $deadline = time + 10;
    while (time < $deadline) {
        $r = eval { http_request($port, 'POST', '/predict',
                                 "{\"features\": $row}") };
        last if $r && $r->{status};
        if (waitpid($pid, WNOHANG) == $pid) {    # exited at start
            $pid = 0;
            last;
        }
        sleep 0.05;
    }

    is($r && $r->{status}, 200, "$name: serves a prediction");
    like($r && $r->{body},
         qr/^\{"label":(?:[012]|"class_[012]"),"probabilities":/,
         "$name: answers a label and probabilities");

    if ($pid) {
        kill 'QUIT', $pid;
        my $end = time + 15;
        sleep 0.02 while waitpid($pid, WNOHANG) != $pid && time < $end;
        if (kill 0, $pid) {
            kill 'KILL', $pid;
            waitpid $pid, 0;
        }
        is($?, 0, "$name: stops cleanly");
    } else {
        fail("$name: nginx exited early");
    }

    my $log = join '', map { local (@ARGV, $/) = ($_); <> }
        grep { -f } glob "$p/logs/*.log";
    check_log($log, "$name: error log is clean");
    my @reports = glob("$p/tmp/asan* $p/tmp/ubsan*");
    ok(!@reports, "$name: no sanitizer reports");
}


# ---------------------------------------------------------------------------
# the server

sub new {
    my ($class, %o) = @_;

    my $dir = tempdir('predict-t-XXXXXX', TMPDIR => 1, CLEANUP => 1);

    # a root master's workers run as nobody: they must reach tmp/
    chmod 0755, $dir;
    mkdir "$dir/$_" for qw(conf logs tmp);
    chmod 0777, "$dir/tmp";

    my $self = bless {
        dir => $dir,
        port => $o{port} // free_port(),
        main_config => $o{main_config} // '',
        http_config => $o{http_config} // '',
        config => $o{config} // '',
        conf => $o{conf},
        workers => $o{workers} // 1,
        allow_log => $o{allow_log},
        pid => undef,
        log_pos => 0,
    }, $class;

    return $self;
}


sub dir { $_[0]{dir} }
sub port { $_[0]{port} }


sub expand {
    my ($self, $text) = @_;
    $text =~ s/\$PORT\b/$self->{port}/g;
    $text =~ s/\$FIXTURES\b/$FIXTURES/g;
    $text =~ s/\$TDATA\b/$ROOT\/t\/data/g;
    $text =~ s/\$PREFIX\b/$self->{dir}/g;
    return $text;
}


# A root master's workers run as nobody, and must reach tmp/ for bodies
# buffered to disk.  Where an ancestor of the prefix shuts "others" out (a
# chroot whose / is a 0700 mktemp directory), they run as root instead.

sub worker_user {
    my ($dir) = @_;
    return '' if $> != 0;
    my $path = '';
    for my $part ('', grep { length } split m{/}, $dir) {
        $path .= "$part/";
        my $mode = (stat $path)[2] // 0;
        return "user root;\n" unless $mode & 01;
    }
    return '';
}


sub conf_text {
    my ($self) = @_;
    my $d = $self->{dir};
    my $user = worker_user($d);

    # a whole file (conf => TEXT, e.g. a conf-example), run in the
    # foreground; its pid and error_log must be logs/nginx.pid and
    # logs/error.log under the prefix, as the examples have them
    if (defined $self->{conf}) {
        my $daemon = $self->{conf} =~ /^\s*daemon\s/m ? '' : "daemon off;\n";
        return $daemon . $user . $self->expand($self->{conf});
    }

    return $self->expand(<<"END");
load_module $MODULE_SO;

${user}daemon off;
master_process on;
worker_processes $self->{workers};
pid $d/logs/nginx.pid;
error_log $d/logs/error.log info;

$self->{main_config}

events {
    worker_connections 128;
}

http {
    access_log off;

    client_body_temp_path $d/tmp/client_body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;

$self->{http_config}

    server {
        listen 127.0.0.1:$self->{port};
        server_name localhost;

$self->{config}
    }
}
END
}


sub write_conf {
    my ($self, %o) = @_;
    $self->{$_} = $o{$_} for grep { exists $o{$_} } qw(main_config
                                                         http_config config);
    open my $fh, '>', "$self->{dir}/conf/nginx.conf" or die $!;
    print $fh $self->conf_text;
    close $fh;
}


# nginx -t, killed past a time limit: returns (exit status, combined
# output with any sanitizer report, wait status)

sub test_conf {
    my ($self) = @_;
    $self->write_conf;
    my $d = $self->{dir};
    my $limit = $ASAN ? 60 : 20;
    local %ENV = (%ENV, sanitizer_env($d));
    my $out = `timeout -s KILL $limit $NGINX -t -p $d/ -c $d/conf/nginx.conf -e $d/logs/stderr.log 2>&1`;
    my $wait = $?;
    $out .= join '', map { local (@ARGV, $/) = ($_); <> }
        glob("$d/tmp/asan* $d/tmp/ubsan*");
    return ($wait >> 8, $out, $wait);
}


sub start {
    my ($self) = @_;
    my $d = $self->{dir};

    $self->write_conf;
    unlink "$d/logs/nginx.pid";

    my $pid = fork;
    die "fork: $!" unless defined $pid;

    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$d/logs/stdout.log";
        open STDERR, '>>', "$d/logs/stderr.log";
        %ENV = (%ENV, sanitizer_env($d));
        exec nginx_command($d), '-p', "$d/", '-c', "$d/conf/nginx.conf",
             '-e', "$d/logs/stderr.log";
        exit 127;
    }

    $self->{pid} = $pid;

    my $deadline = time + ($VALGRIND ? 120 : 10);
    while (time < $deadline) {
        if (waitpid($pid, WNOHANG) == $pid) {
            $self->{pid} = undef;
            $self->{exit} = $?;
            die "nginx exited at start:\n" . $self->slurp('stderr.log')
                . $self->slurp('error.log');
        }

        if (-s "$d/logs/nginx.pid") {
            my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                          PeerPort => $self->{port},
                                          Proto => 'tcp', Timeout => 1);
            if ($s) {
                close $s;
                return $self;
            }
        }

        sleep 0.02;
    }

    $self->stop;
    die "nginx did not start in time:\n" . $self->slurp('error.log');
}


sub master_pid { $_[0]{pid} }


# the master's children, ascending

sub workers {
    my ($self) = @_;
    my $m = $self->{pid} or return ();
    return sort { $a <=> $b } grep { /^\d+$/ } split ' ', `pgrep -P $m`;
}


# the SHA-256 of the model a location serves, from its metadata ('' if none)

sub model_sha {
    my ($self, $uri) = @_;
    my $r = eval { $self->request('GET', $uri) } or return '';
    return $r->{status} == 200 ? decode_json($r->{body})->{model}{sha256}
                               : '';
}


# copy $src over $dst in one rename, as a deployment would

sub install_file {
    my ($src, $dst) = @_;
    copy($src, "$dst.tmp") or die "copy $src: $!";
    rename "$dst.tmp", $dst or die "rename $dst: $!";
}


# HUP, then wait until only new workers run and $uri serves the model
# whose hash is $sha, three checks in a row; false after 20 s

sub reload {
    my ($self, $uri, $sha) = @_;
    my $n = $self->{workers};
    my %old = map { $_ => 1 } $self->workers;
    $self->signal('HUP');
    my $deadline = time + 20;
    my $steady = 0;
    while (time < $deadline) {
        my @w = $self->workers;
        my $fresh = @w == $n && !grep { $old{$_} } @w;
        $steady = ($fresh && $self->model_sha($uri) eq $sha) ? $steady + 1 : 0;
        return 1 if $steady >= 3;
        sleep 0.05;
    }
    return 0;
}


sub signal {
    my ($self, $sig) = @_;
    kill $sig, $self->{pid} if $self->{pid};
}


# stop by QUIT, then TERM, then KILL; keeps the exit status

sub stop {
    my ($self) = @_;
    my $pid = $self->{pid} or return;

    # workers outliving a master that died would hold the port: end them
    my @workers = grep { /^\d+$/ } split ' ', `pgrep -P $pid 2>/dev/null`;
    my $reap = sub {
        my @left = grep { kill 0, $_ } @workers;
        kill 'KILL', @left if @left;
        $self->{orphans} = scalar @left;
    };

    for my $step (['QUIT', $VALGRIND ? 60 : 15], ['TERM', 5], ['KILL', 5]) {
        my ($sig, $wait) = @$step;
        kill $sig, $pid;
        my $deadline = time + $wait;
        while (time < $deadline) {
            if (waitpid($pid, WNOHANG) == $pid) {
                $self->{exit} = $?;
                $self->{pid} = undef;
                $self->{stopped_by} = $sig;
                sleep 0.05;
                $reap->();
                return $self->{exit};
            }
            sleep 0.02;
        }
    }

    $self->{pid} = undef;
    $reap->();
    return -1;
}


sub slurp {
    my ($self, $name) = @_;
    open my $fh, '<', "$self->{dir}/logs/$name" or return '';
    local $/;
    my $text = <$fh>;
    return $text;
}


sub error_log { $_[0]->slurp('error.log') }


# the part of error.log written since the last call

sub log_slice {
    my ($self) = @_;
    my $text = $self->error_log;
    my $slice = substr($text, $self->{log_pos});
    $self->{log_pos} = length $text;
    return $slice;
}


# the end-of-file check: stop cleanly, then scan the whole log

sub finish {
    my ($self, %o) = @_;
    my $name = $o{name} // 'nginx';

    my $status = $self->stop;
    ok(defined $status && $status == 0 && $self->{stopped_by} eq 'QUIT'
       && !$self->{orphans}, "$name exits 0 on QUIT, its workers with it")
        or diag("exit status " . ($status // 'undef') . ", stopped by "
                . ($self->{stopped_by} // 'nothing') . ", "
                . ($self->{orphans} // 0) . " workers left behind");

    check_log($self->error_log . $self->slurp('stderr.log'),
              "$name error log is clean", $o{allow} // $self->{allow_log});

    my @asan = glob("$self->{dir}/logs/asan* $self->{dir}/tmp/asan* "
                    . "$self->{dir}/tmp/ubsan*");
    ok(!@asan, "$name: no sanitizer reports")
        or diag(join '', map { local (@ARGV, $/) = ($_); <> } @asan);

    if ($VALGRIND) {
        my @bad = grep { valgrind_failed($_) }
                  map { local (@ARGV, $/) = ($_); <> }
                  glob "$self->{dir}/tmp/vg.*";
        ok(!@bad, "$name: valgrind: no errors, no definite leaks")
            or diag(join "\n", map { substr($_, 0, 6000) } @bad);
    }
}


sub valgrind_failed {
    my ($text) = @_;
    return $text =~ /ERROR SUMMARY: [1-9]/ || $text =~ /definitely lost: [1-9]/;
}


sub check_log {
    my ($text, $name, $allow) = @_;
    my @allow = ref $allow ? @$allow : defined $allow ? ($allow) : ();
    my @bad;

    for my $line (split /\n/, $text) {
        next unless $line =~ $BAD_LOG;
        next if grep { $line =~ $_ } @allow;
        push @bad, $line;
    }

    ok(!@bad, $name) or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);
}


sub DESTROY {
    my ($self) = @_;
    local $?;
    $self->stop if $self->{pid};
}


# ---------------------------------------------------------------------------
# load: wrk in the background, every answer checked by t/bench/check.lua
# against a cases file; stopped by SIGINT, its report parsed

sub wrk_start {
    my ($self, $uri, $cases, @args) = @_;
    my $out = "$self->{dir}/wrk.$$." . int(rand 1e9);
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', $out or die $!;
        open STDERR, '>&', \*STDOUT or die $!;
        exec 'wrk', '-t2', '-c2', '-d120s', '--timeout', '10s', '-s',
             "$ROOT/t/bench/check.lua", "http://127.0.0.1:$self->{port}$uri",
             '--', $cases, @args;
        exit 127;
    }
    sleep 0.3;
    return { pid => $pid, out => $out };
}


sub wrk_stop {
    my ($w) = @_;
    kill 'INT', $w->{pid};
    my $deadline = time + 20;
    while (waitpid($w->{pid}, WNOHANG) == 0 && time < $deadline) {
        sleep 0.05;
    }
    kill 'KILL', $w->{pid} if waitpid($w->{pid}, WNOHANG) == 0;
    my $text = do { local (@ARGV, $/) = ($w->{out}); <> } // '';
    my %r = $text =~ /(\w+): (\d+)/g;
    $r{text} = $text;
    $r{failed} = ($r{mismatched} // 0) + ($r{non2xx} // 0)
                 + ($r{errors} // 0);
    return \%r;
}


sub wrk_report {
    my ($r) = @_;
    return join ' ', map { "$_=" . ($r->{$_} // '?') }
        qw(checked mismatched non2xx errors first other);
}


# ---------------------------------------------------------------------------
# HTTP: a small client over one keep-alive connection

sub connect {
    my ($self) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $self->{port}, Proto => 'tcp',
                                  Timeout => 10)
        or die "connect 127.0.0.1:$self->{port}: $!";
    return $s;
}


# request(METHOD, URI, body => ..., headers => {...}, sock => $s)

sub request {
    my ($self, $method, $uri, %o) = @_;
    my $sock = $o{sock} // $self->connect;
    my $body = $o{body};
    my $h = $o{headers} // {};

    my $req = "$method $uri HTTP/1.1\r\nHost: localhost\r\n";
    $req .= "$_: $h->{$_}\r\n" for sort keys %$h;
    if (defined $body && !grep { lc eq 'transfer-encoding' } keys %$h) {
        $req .= "Content-Length: " . length($body) . "\r\n";
    }
    $req .= "\r\n";
    $req .= $body if defined $body;

    return $self->raw($req, sock => $sock, method => $method);
}


sub raw {
    my ($self, $bytes, %o) = @_;
    my $sock = $o{sock} // $self->connect;

    $sock->autoflush(1);
    print $sock $bytes;

    return read_response($sock, $o{method} // 'POST');
}


# bytes read past one response, kept for the next one on the same socket
my %pending;

sub read_response {
    my ($sock, $method) = @_;
    my $buf = delete $pending{"$sock"} // '';
    my $deadline = time + ($ENV{PREDICT_READ_TIMEOUT} // 30);

    my $sel = IO::Select->new($sock);

    my $fill = sub {
        return 0 unless $sel->can_read($deadline - time > 0
                                       ? $deadline - time : 0);
        my $n = sysread($sock, my $chunk, 65536);
        return 0 unless $n;
        $buf .= $chunk;
        return 1;
    };

    while ($buf !~ /\r\n\r\n/) {
        $fill->() or return { status => 0, body => '', raw => $buf,
                              closed => 1 };
        return { status => 0, raw => $buf, timeout => 1 } if time > $deadline;
    }

    my ($head, $rest) = split /\r\n\r\n/, $buf, 2;
    my ($status_line, @lines) = split /\r\n/, $head;
    my ($status) = $status_line =~ m{^HTTP/1\.\d (\d{3})};
    my %headers;
    for (@lines) {
        my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
        $headers{lc $k} = $v;
    }

    $buf = $rest;
    my $body = '';

    if ($method eq 'HEAD' || $status == 204 || $status == 304) {
        # no body
    } elsif (defined $headers{'content-length'}) {
        my $len = $headers{'content-length'};
        while (length($buf) < $len) {
            $fill->() or last;
        }
        $body = substr($buf, 0, $len, '');
    } elsif (($headers{'transfer-encoding'} // '') =~ /chunked/i) {
        for (;;) {
            $fill->() or last until $buf =~ /\r\n/;
            $buf =~ s/^([0-9a-fA-F]+)[^\r]*\r\n// or last;
            my $size = hex $1;
            $fill->() or last while length($buf) < $size + 2;
            $body .= substr($buf, 0, $size, '');
            $buf =~ s/^\r\n//;
            last if $size == 0;
        }
    } else {
        1 while $fill->();
        $body = $buf;
        $buf = '';
    }

    $pending{"$sock"} = $buf if length $buf;

    return { status => $status, status_line => $status_line,
             headers => \%headers, body => $body };
}


# a one-shot request to a running server, for tests that need no object

sub http_request {
    my ($port, $method, $uri, $body) = @_;
    my $s = bless { port => $port }, __PACKAGE__;
    my $r = $s->request($method, $uri, body => $body);
    return $r;
}


# ---------------------------------------------------------------------------
# JSON comparison with a tolerance for floats

sub json_cmp {
    my ($got, $want, $tol, $path) = @_;
    $tol //= 1e-9;
    $path //= '$';

    if (ref $want eq 'HASH') {
        return "$path: expected an object" unless ref $got eq 'HASH';
        for my $k (sort keys %$want) {
            return "$path: missing key \"$k\"" unless exists $got->{$k};
            my $e = json_cmp($got->{$k}, $want->{$k}, $tol, "$path.$k");
            return $e if $e;
        }
        for my $k (sort keys %$got) {
            return "$path: unexpected key \"$k\"" unless exists $want->{$k};
        }
        return '';
    }

    if (ref $want eq 'ARRAY') {
        return "$path: expected an array" unless ref $got eq 'ARRAY';
        return "$path: " . scalar(@$got) . " elements, expected "
            . scalar(@$want) if @$got != @$want;
        for my $i (0 .. $#$want) {
            my $e = json_cmp($got->[$i], $want->[$i], $tol, "$path\[$i\]");
            return $e if $e;
        }
        return '';
    }

    if (JSON::PP::is_bool($want)) {
        return "$path: expected boolean $want"
            unless JSON::PP::is_bool($got) && !!$got == !!$want;
        return '';
    }

    if (!defined $want) {
        return defined $got ? "$path: expected null" : '';
    }

    if ($want =~ /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/
        && defined $got && !ref $got
        && $got =~ /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/)
    {
        my $d = abs($got - $want);
        return '' if $d <= $tol * (1 + abs($want));
        return "$path: $got, expected $want";
    }

    return "$path: \"" . ($got // 'undef') . "\", expected \"$want\""
        unless defined $got && !ref $got && $got eq $want;
    return '';
}


# ---------------------------------------------------------------------------
# data blocks

sub parse_blocks {
    my ($text) = @_;
    my @blocks;

    for my $chunk (split /^(?==== )/m, $text) {
        next unless $chunk =~ s/^=== (.*)\n//;
        my $block = { name => $1 };
        for my $sec (split /^(?=--- )/m, $chunk) {
            next unless $sec =~ s/^--- (\w+)(?: (eval))?(?::[ \t]*(.*))?\n?//;
            my ($key, $eval, $inline) = ($1, $2, $3);
            my $v = defined $inline && length $inline ? $inline : $sec;
            $v =~ s/\n+\z// unless defined $inline && length $inline;
            if ($eval) {
                $v = eval $v;
                die "block \"$block->{name}\", section $key: $@" if $@;
            }
            $block->{$key} = $v;
        }
        push @blocks, $block;
    }

    return @blocks;
}


sub run_blocks {
    my $text = do { no strict 'refs'; my $fh = \*{"main::DATA"}; local $/; <$fh> };
    my @blocks = parse_blocks($text);

    if (my @only = grep { exists $_->{ONLY} } @blocks) {
        @blocks = @only;
    }

    my ($server, $key);

    for my $b (@blocks) {
        if (exists $b->{SKIP}) {
            SKIP: { skip "$b->{name}: $b->{SKIP}", 1 }
            next;
        }

        my %conf = map { $_ => $b->{$_} // '' } qw(main_config http_config
                                                   config);

        if (exists $b->{must_die}) {
            my $t = PredictTest->new(%conf);
            my ($status, $out) = $t->test_conf;
            isnt($status, 0, "$b->{name}: nginx -t fails");
            for my $re (split /\n/, $b->{error_log} // '') {
                like($out, qr/$re/, "$b->{name}: nginx -t says /$re/");
            }
            unlike($out, qr/exited on signal|Sanitizer|Segmentation/,
                   "$b->{name}: nginx -t does not crash");
            next;
        }

        my $k = join "\0", map { $conf{$_} } sort keys %conf;
        if (!$server || $k ne $key) {
            $server->finish(name => "before $b->{name}") if $server;
            $server = PredictTest->new(%conf);
            $key = $k;
            eval { $server->start; 1 } or do {
                fail("$b->{name}: nginx starts");
                diag($@);
                undef $server;
                next;
            };
        }

        $server->log_slice;
        run_block($server, $b);

        # give nginx a moment to write what the requests logged
        sleep 0.05;
        my $slice = $server->log_slice;

        for my $re (grep { length } split /\n/, $b->{error_log} // '') {
            like($slice, qr/$re/, "$b->{name}: error log has /$re/");
        }

        for my $re (grep { length } split /\n/, $b->{no_error_log} // '') {
            unlike($slice, qr/$re/, "$b->{name}: error log lacks /$re/");
        }

        my @declared = grep { length } split /\n/, $b->{error_log} // '';
        check_log($slice, "$b->{name}: no alert, crit or emerg",
                  [map { qr/$_/ } @declared]);
        push @{$server->{allow_log}}, map { qr/$_/ } @declared;
    }

    $server->finish(name => 'last server') if $server;
    done_testing();
}


sub run_block {
    my ($server, $b) = @_;
    my $repeat = $b->{repeat} // 2;
    my $sock = $server->connect;
    my $name = $b->{name};

    for my $i (1 .. $repeat) {
        my $r;

        if (defined $b->{raw_request}) {
            $sock = $server->connect if $i > 1;
            $r = $server->raw($b->{raw_request}, sock => $sock);
        } else {
            my ($line, $body) = split /\n/, $b->{request} // "GET /", 2;
            my ($method, $uri) = split ' ', $line;
            my %h;
            for (split /\n/, $b->{more_headers} // '') {
                my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
                $h{$k} = $v;
            }
            $r = $server->request($method, $uri, body => $body,
                                  headers => \%h, sock => $sock);
            if ($r->{status} && ($r->{headers}{connection} // '') =~ /close/i) {
                $sock = $server->connect;
            }
        }

        my $tag = "$name (#$i)";

        if (defined $b->{error_code}) {
            is($r->{status}, $b->{error_code}, "$tag: status")
                or diag($r->{body} // $r->{raw});
        }

        if (defined $b->{response_body}) {
            is($r->{body}, $b->{response_body}, "$tag: body");
        }

        if (defined $b->{response_body_like}) {
            like($r->{body}, qr/$b->{response_body_like}/s, "$tag: body like");
        }

        if (defined $b->{response_headers}) {
            for (split /\n/, $b->{response_headers}) {
                my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
                if ($v eq '') {
                    ok(!exists $r->{headers}{lc $k}, "$tag: no $k header");
                } else {
                    is($r->{headers}{lc $k}, $v, "$tag: header $k");
                }
            }
        }

        if (defined $b->{response_json}) {
            my $want = JSON::PP->new->allow_nonref->decode($b->{response_json});
            my $got = eval { JSON::PP->new->allow_nonref->decode($r->{body}) };
            if (!defined $got && $@) {
                fail("$tag: body is JSON");
                diag($r->{body});
            } else {
                my $err = json_cmp($got, $want, $b->{tolerance} // 1e-9);
                ok(!$err, "$tag: JSON body") or diag("$err\n$r->{body}");
            }
        }

        if (($b->{json_body} // '') eq 'yes' || defined $b->{error_code}
            && $b->{error_code} >= 400 && ($b->{request} // '') !~ /^HEAD /)
        {
            my $got = eval { JSON::PP->new->decode($r->{body}) };
            ok($got && (!defined $b->{error_code} || $b->{error_code} < 400
                        || ref $got->{error} eq 'HASH'
                           && defined $got->{error}{code}
                           && defined $got->{error}{message}),
               "$tag: JSON error body") or diag($r->{body});
            is(($r->{headers}{'content-type'} // ''), 'application/json',
               "$tag: application/json");
        }
    }
}


1;
