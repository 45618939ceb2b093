#!/usr/bin/perl
# conf-examples/: each passes nginx -t with the fresh module, and each
# actually serves a prediction.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;

my $NGINX = $PredictTest::NGINX;
my $row = '[13.2, 1.78, 2.14, 11.2, 100, 2.65, 2.76, 0.26, 1.28, 4.38, '
          . '1.05, 3.4, 1050]';

for my $conf (glob "$ROOT/conf-examples/*.conf") {
    my $name = (split m{/}, $conf)[-1];

    # a prefix laid out as the examples expect
    my $p = tempdir(CLEANUP => 1);
    chmod 0755, $p;
    mkdir "$p/$_" for qw(conf logs tmp modules model);
    chmod 0777, "$p/tmp";
    symlink $MODULE_SO, "$p/modules/ngx_http_predict_module.so";
    symlink fixture('wine.model'), "$p/model/wine.model";
    symlink fixture('wine.range'), "$p/model/wine.range";
    symlink fixture('wine.bundle'), "$p/model/wine";

    # the examples listen on 8080; the test moves them to a free port
    my $port = PredictTest::free_port();
    my $text = do { local (@ARGV, $/) = ($conf); <> };
    like($text, qr/\A#[^\n]*\n(?:#[^\n]*\n)*load_module /,
         "$name opens with a comment, then load_module");
    $text =~ s/127\.0\.0\.1:8080/127.0.0.1:$port/g;
    open my $fh, '>', "$p/conf/$name" or die $!;
    print $fh $text;
    close $fh;

    my $out = do {
        local %ENV = (%ENV, PredictTest::sanitizer_env($p));
        `$NGINX -t -p $p/ -c $p/conf/$name -e $p/logs/stderr.log 2>&1`;
    };
    is($? >> 8, 0, "$name: nginx -t passes") or diag($out);

    my $pid = fork;
    if ($pid == 0) {
        %ENV = (%ENV, PredictTest::sanitizer_env($p));
        exec $NGINX, '-p', "$p/", '-c', "$p/conf/$name", '-e',
             "$p/logs/stderr.log", '-g', 'daemon off;';
        exit 127;
    }

    my $r;
    my $deadline = time + 10;
    while (time < $deadline) {
        $r = eval { http_request($port, 'POST', '/predict',
                                 "{\"features\": $row}") };
        last if $r && $r->{status};
        sleep 0.05;
    }

    is($r && $r->{status}, 200, "$name: serves a prediction");
    like($r && $r->{body}, qr/^\{"label":(?:[012]|"class_[012]"),"probabilities":/,
         "$name: answers a label and probabilities");

    kill 'QUIT', $pid;
    waitpid $pid, 0;
    is($?, 0, "$name: stops cleanly");

    my $log = join '', map { local (@ARGV, $/) = ($_); <> }
        grep { -f } glob "$p/logs/*.log";
    PredictTest::check_log($log, "$name: error log is clean");
    my @reports = glob("$p/tmp/asan* $p/tmp/ubsan*");
    ok(!@reports, "$name: no sanitizer reports");
}

done_testing();
