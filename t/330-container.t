#!/usr/bin/perl
# The container (conf-examples/container/) and the Kubernetes manifests
# (conf-examples/kubernetes/):
#
#   - the manifests parse (python3-yaml) into a ConfigMap, a Deployment, a
#     Service, a HorizontalPodAutoscaler, a PodDisruptionBudget and the
#     models' PersistentVolumeClaim that agree with each other and with the
#     image: selectors and labels, probes on /v2/health/ready and
#     /v2/health/live on the container's port, resource requests (CPUs =
#     nginx's workers), the image's uid, non-root and a read-only root
#     with /tmp and the models mounted, the ConfigMap's nginx.conf the
#     container's, byte for byte;
#   - that nginx.conf (a model repository answered by predict_api), paths
#     moved under a test prefix, passes nginx -t and serves a prediction
#     (TF Serving's :predict route) and both health routes;
#   - with podman (Debian's, OCI runtime runc: crun refuses this machine's
#     hybrid cgroup layout), on a base image made from the debootstrap
#     root (no image registry is reachable here): the Containerfile builds
#     from `make deb`'s package; the container, with the model repository
#     and a configuration mounted as volumes, answers a prediction as the
#     built module does, runs master and workers as uid 10001, and the
#     Deployment's preStop command stops it gracefully (exit 0).  Where
#     podman cannot run a container here, that part is skipped with the
#     reason podman gave.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;
use PredictDeploy qw(heavy_skip_reason example_server wine_bodies slurp
                     write_file run_limited);

my $why = heavy_skip_reason();
plan skip_all => $why if $why;

my $T0 = time;
my $bundle = fixture('wine.bundle');
my ($row) = wine_bodies(1);
my $body = encode_json({ instances => [ decode_json($row)->{features} ] });
my $route = '/v1/models/wine:predict';

# a model repository as the container mounts it: NAME/VERSION/ bundles
sub repository {
    my ($dir) = @_;
    mkdir $dir;
    mkdir "$dir/wine";
    system('cp', '-r', $bundle, "$dir/wine/1") == 0 or die 'cp failed';
    return $dir;
}

# the answer to expect, from the fresh module with the same repository
my $want = do {
    my $t = PredictTest->new(config => 'location / { predict_api; }');
    my $repo = repository($t->dir . '/models');
    $t->{http_config} = "predict_repository $repo versions=all;";
    $t->start;
    my $a = $t->request('POST', $route, body => $body)->{body};
    $t->finish(name => 'reference nginx');
    $a;
};
like($want, qr/^\{"predictions":\[/, "the reference answer on $route");

# podman with its storage under build/ and its run state under /run (a
# short path: conmon's sockets live there), both removed at the end; runc
# as the OCI runtime; limits within this machine's hard limits (podman's
# defaults exceed them, and this machine gives no CAP_SYS_RESOURCE)
my @PODMAN;
my @LIMITS = ('--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024');

my $conf = slurp("$ROOT/conf-examples/container/nginx.conf");
my $containerfile = slurp("$ROOT/conf-examples/container/Containerfile");

# --- the manifests -----------------------------------------------------------

my @files = glob "$ROOT/conf-examples/kubernetes/*.yaml";
my ($rc, $out) = run_limited(30, '/usr/bin/python3', '-c',
    'import json, sys, yaml; json.dump([d for f in sys.argv[1:] '
    . 'for d in yaml.safe_load_all(open(f)) if d], sys.stdout)', @files);
my $docs = $rc == 0 ? eval { decode_json($out) } : undef;
ok($docs, 'the Kubernetes manifests parse as YAML') or diag($out);
my %kind = map { $_->{kind} => $_ } @{ $docs // [] };
for my $k (qw(ConfigMap Deployment Service HorizontalPodAutoscaler
              PodDisruptionBudget PersistentVolumeClaim)) {
    ok($kind{$k}, "a $k");
}

my $dep = $kind{Deployment} // {};
my $pod = $dep->{spec}{template}{spec} // {};
my ($c) = @{ $pod->{containers} // [{}] };
my %labels = %{ $dep->{spec}{template}{metadata}{labels} // {} };
my $matches = sub {
    my ($sel) = @_;
    return %$sel && !grep { ($labels{$_} // '') ne $sel->{$_} } keys %$sel;
};
ok($matches->($dep->{spec}{selector}{matchLabels} // {}),
   'the Deployment selects its pods');
ok($matches->($kind{Service}{spec}{selector} // {}),
   'the Service selects them');
ok($matches->($kind{PodDisruptionBudget}{spec}{selector}{matchLabels} // {}),
   'the PodDisruptionBudget covers them');
is($kind{HorizontalPodAutoscaler}{spec}{scaleTargetRef}{name},
   $dep->{metadata}{name}, 'the HPA scales the Deployment');
my ($port) = @{ $c->{ports} // [] };
my ($conf_port) = $conf =~ /^\s*listen\s+(\d+);/m;
is($port->{containerPort}, $conf_port, "the container port is nginx's "
   . "($conf_port)");
is($kind{Service}{spec}{ports}[0]{targetPort}, $port->{name},
   'the Service targets it');
is($c->{readinessProbe}{httpGet}{path}, '/v2/health/ready',
   'readiness on /v2/health/ready');
is($c->{livenessProbe}{httpGet}{path}, '/v2/health/live',
   'liveness on /v2/health/live');
is($c->{readinessProbe}{httpGet}{port}, $port->{name}, 'on that port');
my ($workers) = $conf =~ /^worker_processes\s+(\d+);/m;
is($c->{resources}{requests}{cpu}, $workers, "the pod requests $workers "
   . 'CPUs, one per nginx worker');
ok($c->{resources}{requests}{memory}, 'and memory');
my ($uid) = $containerfile =~ /useradd\b[^\n]*--uid (\d+)/;
is($pod->{securityContext}{runAsUser}, $uid, "pods run as the image's "
   . "user ($uid)");
ok($pod->{securityContext}{runAsNonRoot}
   && $c->{securityContext}{readOnlyRootFilesystem},
   'not as root, on a read-only root file system');
my %mount = map { $_->{mountPath} => $_->{name} } @{ $c->{volumeMounts} };
my %volume = map { $_->{name} => $_ } @{ $pod->{volumes} };
is($volume{ $mount{'/etc/predict'} // '' }{configMap}{name},
   $kind{ConfigMap}{metadata}{name}, 'the ConfigMap is /etc/predict');
is($volume{ $mount{'/srv/models'} // '' }{persistentVolumeClaim}{claimName},
   $kind{PersistentVolumeClaim}{metadata}{name},
   'the models\' volume is /srv/models');
ok($volume{ $mount{'/tmp'} // '' }{emptyDir}, 'and /tmp an emptyDir');
is($kind{ConfigMap}{data}{'nginx.conf'}, $conf,
   'the ConfigMap\'s nginx.conf is conf-examples/container/nginx.conf');
my ($cmd) = $containerfile =~ /^CMD \[(.*?)\]\s*$/ms;
like($cmd // '', qr{"-c", "/etc/predict/nginx\.conf"},
     'the image runs /etc/predict/nginx.conf');
my $pre_stop = join ' ', @{ $c->{lifecycle}{preStop}{exec}{command} // [] };
like($pre_stop, qr/kill -QUIT/, 'preStop stops nginx gracefully');

# --- the container's nginx.conf, on this machine -------------------------------

{
    my $t = PredictTest->new(conf => $conf);
    my $d = $t->dir;
    repository("$d/models");
    my $text = $conf;
    my $p = $t->port;
    $text =~ s{^pid /tmp/nginx\.pid;}{pid logs/nginx.pid;}m;
    $text =~ s{ /tmp/}{ $d/tmp/}g;
    # after the /tmp/ paths: the module may be built under /tmp itself
    $text =~ s{^load_module \S+;}{load_module $MODULE_SO;}m;
    $text =~ s{/srv/models\b}{$d/models}g;
    $text =~ s{^(\s*listen\s+)8080;}{${1}127.0.0.1:$p;}m;
    $text =~ s{^worker_processes \d+;}{worker_processes 1;}m;
    $t->{conf} = $text;
    my ($status, $msg) = $t->test_conf;
    is($status, 0, 'the container\'s nginx.conf passes nginx -t')
        or diag($msg);
    $t->start;
    is($t->request('POST', $route, body => $body)->{body}, $want,
       'and serves the repository\'s model');
    for my $h (qw(live ready)) {
        my $r = $t->request('GET', "/v2/health/$h");
        is($r->{status}, 200, "GET /v2/health/$h: 200");
        is(eval { decode_json($r->{body})->{$h} }, JSON::PP::true,
           "GET /v2/health/$h: {\"$h\": true}") or diag($r->{body});
    }
    $t->finish(name => 'the container\'s nginx.conf');
}

# --- the container, with podman ---------------------------------------------------

SKIP: {
    my $reason = podman_missing();
    skip $reason, 1 if $reason;
    container();
}

note(sprintf 'container test: %.1f s', time - $T0);
done_testing();


sub podman_missing {
    return 'building and running the container needs root here' if $> != 0;
    for my $tool (qw(podman runc)) {
        return "$tool is not installed (make deps-test installs it)"
            unless grep { -x "$_/$tool" } split /:/, $ENV{PATH};
    }
    return '';
}


sub podman {
    my ($limit, @args) = @_;
    return run_limited($limit, @PODMAN, @args);
}

sub container {
    my $store = "$ROOT/build/podman-t";
    system('rm', '-rf', '--one-file-system', $store);
    mkdir $store;
    my $run = `mktemp -d /run/predict-podman-XXXXXX`;
    chomp $run;
    @PODMAN = ('podman', '--root', "$store/storage", '--runroot', $run,
               '--tmpdir', "$run/tmp", '--runtime', 'runc',
               '--cgroup-manager', 'cgroupfs', '--events-backend', 'file');
    my $name = "predict-t-$$";
    my $ok = eval { container_steps($store, $name); 1 };
    fail("the container steps: $@") unless $ok;

    podman(60, 'rm', '-f', '-t', '0', $name);
    podman(60, 'rmi', '-a', '-f');
    if (open my $fh, '<', '/proc/mounts') {
        system('umount', '-l', $_) for reverse sort
            grep { index($_, "$store/") == 0 || index($_, "$run/") == 0 }
            map { (split ' ')[1] } <$fh>;
    }
    system('rm', '-rf', '--one-file-system', $store, $run);
    ok(!-e $store && !-e $run, 'podman\'s storage and state are removed');
}

sub container_steps {
    my ($store, $name) = @_;
    my $debroot = $PredictDeploy::DEBROOT;
    die "$debroot is missing: run 'make debroot'\n" unless -s $debroot;
    my ($mod_deb) = glob "$PredictDeploy::DEB/libnginx-mod-http-predict_*.deb";
    die "the module package is missing: run 'make deb'\n" unless $mod_deb;

    my $t = time;
    # can this machine import an image and run a container at all?
    my ($rc, $out) = podman(120, 'import', $debroot,
                            'localhost/predict-test-base:bookworm');
    ($rc, $out) = podman(60, 'run', '--rm', '--network=host', @LIMITS,
                         'localhost/predict-test-base:bookworm', 'true')
        if $rc == 0;
    if ($rc != 0) {
        SKIP: { skip "podman cannot run a container here: $out", 1 }
        return;
    }
    pass('the debootstrap root is a base image podman runs');

    ($rc, $out) = podman(600, 'build', '--network=host', @LIMITS,
                         '--build-arg', 'BASE=localhost/predict-test-base:'
                         . 'bookworm', '-f', "$ROOT/conf-examples/container/"
                         . 'Containerfile', '-t', 'localhost/ngx-predict:test',
                         $ROOT);
    is($rc, 0, 'the Containerfile builds, with the package from make deb')
        or return diag(substr($out, -3000));
    note(sprintf 'image built in %.1f s', time - $t);

    ($rc, $out) = podman(30, 'image', 'inspect', '--format',
                         '{{json .Config}}', 'localhost/ngx-predict:test');
    my $cfg = eval { decode_json($out) } // {};
    is($cfg->{User}, "$uid:$uid", "the image runs as uid $uid");
    is($cfg->{StopSignal}, 'SIGQUIT', 'stops by QUIT (graceful)');
    ok(exists $cfg->{Volumes}{'/srv/models'}, '/srv/models is a volume');

    # the pod's view: the configuration and the models mounted read-only;
    # host networking, so the listen address is moved to a free
    # 127.0.0.1 port
    my $port = PredictTest::free_port();
    mkdir "$store/conf";
    repository("$store/models");
    (my $text = $conf) =~ s/^(\s*listen\s+)8080;/${1}127.0.0.1:$port;/m;
    write_file("$store/conf/nginx.conf", $text);
    ($rc, $out) = podman(60, 'run', '-d', '--name', $name, '--network=host',
                         @LIMITS, '-v', "$store/conf:/etc/predict:ro",
                         '-v', "$store/models:/srv/models:ro",
                         'localhost/ngx-predict:test');
    is($rc, 0, 'the container starts') or return diag($out);

    my $r;
    my $deadline = time + 20;
    while (time < $deadline) {
        $r = eval { http_request($port, 'POST', $route, $body) };
        last if $r && $r->{status};
        sleep 0.1;
    }
    is($r && $r->{body}, $want, 'the container answers as the built module')
        or diag((podman(10, 'logs', $name))[1]);
    is(http_request($port, 'GET', '/v2/health/ready')->{status}, 200,
       'its readiness route answers');

    ($rc, $out) = podman(10, 'inspect', '--format', '{{.State.Pid}}', $name);
    chomp $out;
    my @pids = ($out, split ' ', `pgrep -P $out`);
    my @uids = map { (slurp("/proc/$_/status") // '') =~ /^Uid:\s+(\d+)/m }
               @pids;
    ok(@pids >= 3 && @uids == @pids && !grep({ $_ != $uid } @uids),
       "master and workers run as uid $uid (@uids)");

    ($rc, $out) = podman(30, 'exec', $name, '/bin/sh', '-c',
                         'kill -QUIT "$(cat /tmp/nginx.pid)"; '
                         . 'while [ -e /tmp/nginx.pid ]; do sleep 1; done');
    ($rc, $out) = podman(30, 'wait', $name);
    chomp $out;
    is($out, 0, 'the Deployment\'s preStop stops it gracefully (exit 0)');
    ($rc, $out) = podman(10, 'logs', $name);
    PredictTest::check_log($out, 'its log is clean');
    like($out, qr{"POST \Q$route\E HTTP/1\.1" 200 },
         'and holds the prediction, logged to stdout');
    note(sprintf 'container part: %.1f s', time - $t);
}
