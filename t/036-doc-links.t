#!/usr/bin/perl
# The documents' links hold: every link to an anchor in README.md and
# DEVELOPING.md, within a file ([x](#anchor)) or across them
# ([x](DEVELOPING.md#anchor)), names a heading of that file, by GitHub's
# rules (lower case, punctuation dropped, spaces to hyphens, a repeated
# heading's anchor suffixed -1, -2...); headings inside fenced code blocks
# are not headings.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use PredictTest;

my @docs = qw(README.md DEVELOPING.md);

sub lines_outside_fences {
    my ($file) = @_;
    open my $fh, '<', "$ROOT/$file" or die "$file: $!";
    my ($fence, @out);
    while (my $line = <$fh>) {
        if ($line =~ /^ {0,3}(`{3,}|~{3,})/) {
            my $c = substr($1, 0, 1);
            $fence = !defined $fence ? $c : $fence eq $c ? undef : $fence;
            next;
        }
        push @out, [$., $line] unless defined $fence;
    }
    return @out;
}

sub anchors {
    my ($file) = @_;
    my (%seen, %out);
    for (lines_outside_fences($file)) {
        my $line = $_->[1];
        next unless $line =~ /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/;
        (my $a = lc $1) =~ s/\[([^\]]*)\]\([^)]*\)/$1/g;
        $a =~ s/[^\w\- ]//g;
        $a =~ tr/ /-/;
        my $n = $seen{$a}++;
        $out{$n ? "$a-$n" : $a} = 1;
    }
    return \%out;
}

my %anchors = map { $_ => anchors($_) } @docs;
my $links = 0;
for my $file (@docs) {
    my @lines = lines_outside_fences($file);
    # a link's text may run over a line break: join, keep line numbers
    my $text = join '', map { "\0$_->[0]\0$_->[1]" } @lines;
    while ($text =~ /\]\(\s*([^)\s#]*)#([^)\s]+)\)/g) {
        my ($target, $anchor) = ($1 || $file, $2);
        my ($no) = substr($text, 0, pos $text) =~ /.*\0(\d+)\0/s;
        $links++;
        ok($anchors{$target} && $anchors{$target}{$anchor},
           "$file:$no: $target#$anchor names a heading of $target");
    }
}
cmp_ok($links, '>=', 50, "$links links to anchors checked");

done_testing();
