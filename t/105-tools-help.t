#!/usr/bin/perl
# Every tool answers --help on stdout with status 0 and nothing on stderr,
# refuses an unknown option with the usage on stderr and status 2, and its
# usage text is in the README, word for word, as an indented block.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Temp qw(tempdir);
use Test::More;
use PredictTest;

my $tools = $ENV{PREDICT_TOOLS} // "$ROOT/build";
my $dir = tempdir(CLEANUP => 1);

my %tools = (
    'predict-train' => ["$tools/predict-train"],
    'predict-run' => ["$tools/predict-run"],
    'predict-scale' => ["$tools/predict-scale"],
    'predict-bench' => ["$tools/predict-bench"],
    'sklearn_export.py' => ['/usr/bin/python3',
                            "$ROOT/tools/sklearn_export.py"],
);

my $readme = do {
    open my $fh, '<', "$ROOT/README.md" or die "README.md: $!";
    local $/;
    <$fh>;
};

sub run {
    my (@cmd) = @_;
    my $cmd = join ' ', map { my $a = $_; $a =~ s/'/'\\''/g; "'$a'" } @cmd;
    my $out = `$cmd 2>$dir/stderr`;
    my $status = $? >> 8;
    open my $fh, '<', "$dir/stderr" or die $!;
    my $err = do { local $/; <$fh> };
    return ($status, $out, $err);
}

for my $name (sort keys %tools) {
    my @cmd = @{ $tools{$name} };
    ok(-e $cmd[-1], "$name is there") or next;

    my ($st, $out, $err) = run(@cmd, '--help');
    is($st, 0, "$name --help: status 0");
    is($err, '', "$name --help: nothing on stderr");
    like($out, qr/\Ausage: \Q$name\E /, "$name --help: the usage on stdout");
    like($out, qr/^Exit status: /m, "$name --help: the exit status told");

    my @long = grep { length > 79 } split /\n/, $out;
    is(scalar @long, 0, "$name --help: lines fit 79 columns");

    my $block = join '', map { $_ eq '' ? "\n" : "    $_\n" }
                         split /\n/, $out;
    ok(index($readme, $block) >= 0,
       "$name --help: the README shows the same text") or diag($block);

    ($st, $out, $err) = run(@cmd, '--no-such-option');
    is($st, 2, "$name --no-such-option: status 2");
    is($out, '', "$name --no-such-option: nothing on stdout");
    like($err, qr/\A\Q$name\E: unknown (?:or incomplete )?option "--no-such-option"\nusage: \Q$name\E /,
         "$name --no-such-option: named, then the usage, on stderr");

    ($st, $out, $err) = run(@cmd);
    is($st, 2, "$name with no arguments: status 2 (a usage error)");
    like($err, qr/^usage: \Q$name\E /m, "$name with no arguments: the usage");
}

done_testing();
