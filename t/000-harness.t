#!/usr/bin/perl
# The harness itself: the log scanner and the JSON comparison must be able
# to fail, or every other test proves nothing.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use PredictTest;

my $bad = $PredictTest::BAD_LOG;

for my $line (
    '2026/11/25 09:34:32 [alert] 6380#6380: worker process 6392 exited on '
        . 'signal 11',
    '2026/11/25 09:34:32 [crit] 1#1: *1 open() failed',
    '2026/11/25 09:34:32 [emerg] 1#1: unknown directive',
    '2026/11/25 09:34:32 [notice] 1#1: worker process 5 exited on signal 6',
    '2026/11/25 09:34:32 [alert] 1#1: *3 open socket #12 left in connection 4',
    '==123==ERROR: AddressSanitizer: heap-buffer-overflow',
    'src/pm_scale.c:12:3: runtime error: signed integer overflow',
) {
    like($line, $bad, "the scanner catches: " . substr($line, 20, 50));
}

unlike('2026/11/25 09:34:32 [info] 1#1: *1 predict: 400 invalid_json',
       $bad, 'an [info] line is not a failure');

ok(PredictTest::valgrind_failed("==1== ERROR SUMMARY: 2 errors from 1 contexts"),
   'the valgrind check catches errors');
ok(PredictTest::valgrind_failed("==1==    definitely lost: 16 bytes in 1 blocks"),
   'and definite leaks');
ok(!PredictTest::valgrind_failed("==1==    definitely lost: 0 bytes in 0 blocks\n"
                                 . "==1== ERROR SUMMARY: 0 errors from 0 contexts"),
   'a clean valgrind log passes');

ok(json_cmp({ a => [1, 2] }, { a => [1, 2, 3] }), 'json_cmp: length');
ok(json_cmp({ a => 1 }, { a => 1, b => 2 }), 'json_cmp: missing key');
ok(json_cmp({ a => 1, c => 3 }, { a => 1 }), 'json_cmp: extra key');
ok(json_cmp({ p => 0.5 }, { p => 0.5001 }), 'json_cmp: beyond tolerance');
ok(!json_cmp({ p => 0.5 }, { p => 0.5 + 1e-13 }), 'json_cmp: within');
ok(json_cmp({ l => 'x' }, { l => 'y' }), 'json_cmp: strings');

# a real crash is seen: SIGSEGV a worker, then scan its log

my $t = PredictTest->new(config => 'location / { return 200 "ok\n"; }');
$t->start;

my $r = $t->request('GET', '/');
is($r->{status}, 200, 'the harness serves a request');

my @workers = grep { /^\d+$/ && $_ != $t->master_pid }
    split ' ', `pgrep -P ${\ $t->master_pid }`;

ok(@workers, 'found the worker');
kill 'SEGV', $workers[0] if @workers;

# under valgrind a signal sent to a worker asleep in epoll_wait can stay
# pending until the worker wakes (seen in 2 of 4 valgrind passes): a
# request wakes it
my $deadline = time + ($PredictTest::VALGRIND ? 60 : 5);
while ($t->error_log !~ /exited on signal 11/ && time < $deadline) {
    eval { $t->request('GET', '/') } if $PredictTest::VALGRIND;
    sleep 0.1;
}

my @hits = grep { /$bad/ } split /\n/, $t->error_log;
ok(@hits, 'the crash shows in the log and the scanner flags it')
    or diag($t->error_log);

$t->stop;
is($t->{stopped_by}, 'QUIT', 'nginx stops on QUIT');

done_testing();
