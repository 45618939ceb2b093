#!/usr/bin/perl
# One table of error codes: every code of the core's table (src/pm_core.c,
# the only place a code is named) is documented in the README's error
# table with the status it is answered with, and the README documents no
# code the core does not have.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use PredictTest;

my %core;
open my $fh, '<', "$ROOT/src/pm_core.c" or die $!;
while (<$fh>) {
    $core{$2} = $1 if /^\s*\{\s*PM_\w+,\s*(\d+),\s*"(\w+)"\s*\},?\s*$/;
}
close $fh;
delete $core{ok};
cmp_ok(scalar keys %core, '>=', 20, scalar(keys %core)
       . ' error codes in the core\'s table');

# the README's table under "### Errors": | status | `code` | when |
my (%doc, $in);
open $fh, '<', "$ROOT/README.md" or die $!;
while (<$fh>) {
    $in = 1 if /^### Errors/;
    next unless $in;
    last if /^#/ && !/^### Errors/;
    next unless /^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|/;
    my ($status, $codes) = ($1, $2);
    next if $status eq 'status' || $status =~ /^-+$/;
    for my $c ($codes =~ /`(\w+)`/g) {
        $doc{$c} = $status;
    }
}
close $fh;

for my $c (sort keys %core) {
    ok(exists $doc{$c}, "$c is in the README's error table") or next;
    my $want = $core{$c};
    if ($want == 0) {
        # the status nginx chose: documented as a range or a list
        unlike($doc{$c}, qr/^\d+$/, "$c: the status nginx chose "
               . "($doc{$c})");
    } elsif ($doc{$c} eq '—') {
        ok(1, "$c: never answered");
    } else {
        is($doc{$c}, $want, "$c: documented as $want, answered as $want");
    }
}

for my $c (sort keys %doc) {
    ok(exists $core{$c}, "the README's $c is a code of the core's table");
}

done_testing();
