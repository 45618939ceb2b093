#!/usr/bin/perl
# nginx -s reload: a new model answers after HUP, a broken one is refused
# with the file named while the old one keeps answering, failed reloads
# leak no descriptor in the master, and a file named by two locations is
# loaded once.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Time::HiRes qw(sleep time);
use PredictTest;

my $A = fixture('heart.model');
my $B = fixture('heart-linear.model');
my $range = fixture('heart.range');
my $body = '{"instances": [{"1": 0.5, "2": -1, "13": 1}, {"3": 0.25}]}';

my $t = PredictTest->new(workers => 2, config => <<"END");
location = /p {
    predict_model \$PREFIX/model.current scaler=$range;
}
location = /p2 {
    predict_model \$PREFIX/model.current scaler=$range;
    predict_probability off;
}
location = /a {
    predict_model $A scaler=$range;
}
location = /b {
    predict_model $B scaler=$range;
}
END

my $current = $t->dir . '/model.current';

sub loads {
    my $log = $t->error_log . $t->slurp('stderr.log');
    return scalar(() = $log =~ /predict: loaded model "[^"]*model\.current"/g);
}

PredictTest::install_file($A, $current);
$t->start;

my $ans_a = $t->request('POST', '/a', body => $body)->{body};
my $ans_b = $t->request('POST', '/b', body => $body)->{body};
isnt($ans_a, $ans_b, 'the two models answer differently');

is($t->request('POST', '/p', body => $body)->{body}, $ans_a,
   'model A answers');
my $sha_a = $t->model_sha('/p');
my $sha_b = $t->model_sha('/b');
is($sha_a, $t->model_sha('/a'),
   'the metadata hash is the file\'s content hash');

is(loads(), 1, 'model.current, named by two locations, loaded once');

PredictTest::install_file($B, $current);
ok($t->reload('/p', $sha_b),
   'after HUP only new workers run, showing model B');
is($t->request('POST', '/p', body => $body)->{body}, $ans_b,
   'model B answers after the reload');
is(loads(), 2, 'one more load for the new cycle, still one per file');

# a broken model: refused, named, and B keeps answering

open my $fh, '>', "$current.tmp" or die $!;
print $fh "svm_type c_svc\nkernel_type rbf\ngamma 1\nnr_class 2\n";
close $fh;
rename "$current.tmp", $current or die $!;

my $fds = () = glob('/proc/' . $t->master_pid . '/fd/*');
my @before = $t->workers;

for my $i (1 .. 10) {
    $t->signal('HUP');
    my $deadline = time + 5;
    my $n;
    do {
        sleep 0.05;
        $n = () = $t->error_log =~ /\[emerg\].*model\.current.*unexpected end/g;
    } while ($n < $i && time < $deadline);
}

like($t->error_log,
     qr/\[emerg\] \d+#\d+: predict_model "[^"]*model\.current": line 4: unexpected end of file before "SV" in \S+nginx\.conf:\d+/,
     'a broken model at reload: [emerg] names the file, line and reason');
is_deeply([$t->workers], \@before, 'the old workers keep running');
is($t->request('POST', '/p', body => $body)->{body}, $ans_b,
   'model B still answers');

my $fds_after = () = glob('/proc/' . $t->master_pid . '/fd/*');
is($fds_after, $fds, "the master's descriptors stay at $fds over 10 "
   . 'failed reloads');

# back to A: the refused reloads left nothing behind

PredictTest::install_file($A, $current);
ok($t->reload('/p', $sha_a), 'a good model after the broken ones loads');
is($t->request('POST', '/p', body => $body)->{body}, $ans_a,
   'model A answers again');
like($t->request('POST', '/p2', body => $body)->{body},
     qr/^\{"predictions":\[\{"label":-?1\},\{"label":-?1\}\]\}$/,
     'the second location follows the same file');

$t->finish(allow => [qr/\[emerg\].*model\.current/]);
done_testing();
