#!/usr/bin/perl
# The C unit tests of src/ (t/unit, built with ASan and UBSan): their TAP
# is passed to prove as it comes.  A missing runner fails; it never skips.
# A sanitizer report makes the runner exit non-zero, and its text is shown.

use strict;
use warnings;
use FindBin;
use File::Temp qw(tempfile);

my $bin = $ENV{PREDICT_UNIT} // "$FindBin::Bin/../build/unit/pm-unit";

$ENV{ASAN_OPTIONS} //= 'detect_leaks=1';
$ENV{UBSAN_OPTIONS} //= 'print_stacktrace=1:halt_on_error=1';

$| = 1;

if (!-x $bin) {
    print "1..1\nnot ok 1 - unit runner $bin is missing: run 'make unit'\n";
    exit 1;
}

my ($errfh, $errfile) = tempfile(UNLINK => 1);

# libsvm's own loader complains on stderr where a test proves its
# descriptor leak: stderr goes to a file, shown only on failure
open my $tap, '-|', "$bin 2>$errfile" or do {
    print "1..1\nnot ok 1 - cannot run $bin: $!\n";
    exit 1;
};

print while <$tap>;
close $tap;
my $status = $?;

if ($status != 0) {
    open my $fh, '<', $errfile;
    print STDERR "# $_" while <$fh>;
    print "# unit runner exited with status ", $status >> 8,
          ($status & 127 ? " (signal " . ($status & 127) . ")" : ""), "\n";
    exit 1;
}
