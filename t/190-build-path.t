#!/usr/bin/perl
# The module builds from any checkout path: nginx's build scripts rewrite
# every ".S" in an addon's object paths as if it ended an assembler file
# name, so the Makefile configures through a view of the nginx tree with
# relative paths.  A copy of this checkout under a directory named like
# "predict.Server/tmp.Sx3f9Qa2Lk" must build a module that nginx loads; a
# path make cannot handle (a blank) must be refused at once, naming it.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";

use File::Path qw(make_path);
use File::Temp qw(tempdir);
use Test::More;
use PredictTest;

plan skip_all => 'builds the plain module once, in the plain suite'
    if $PredictTest::ASAN || $PredictTest::VALGRIND;

my $tmp = tempdir(CLEANUP => 1);

# the checkout as git knows it (tracked files, as they are on disk)

sub copy_checkout {
    my ($dst) = @_;
    make_path($dst);
    my $files = `cd $ROOT && git ls-files -z`;
    die 'git ls-files failed' if $? != 0;
    open my $tar, '|-', "cd $ROOT && tar -cf - --null -T - | "
                        . "tar -xf - -C '$dst'" or die "tar: $!";
    print $tar $files;
    close $tar or die "copying the checkout failed";
}

my $dst = "$tmp/predict.Server/tmp.Sx3f9Qa2Lk";
copy_checkout($dst);

my $out = `make -C '$dst' module 2>&1`;
my $rc = $? >> 8;
my $so = "$dst/build/ngx_http_predict_module.so";
is($rc, 0, 'make module from a path with ".S" in two components')
    or diag(substr($out, -3000));
ok(-s $so, 'the module is built');

# nginx loads it and serves a model

{
    local $PredictTest::MODULE_SO = $so;
    my $t = PredictTest->new(config => <<"END");
location = /p { predict_model ${\ fixture('heart.model')}; }
END
    my ($status, $text) = $t->test_conf;
    is($status, 0, 'nginx -t loads the module built there') or diag($text);
}

# a blank in the path: refused before anything runs, naming the path

my $blank = "$tmp/with blank/checkout";
copy_checkout($blank);
$out = `make -C '$blank' module 2>&1`;
isnt($? >> 8, 0, 'a path with a blank is refused');
like($out, qr/\Q$blank\E.*contains a blank/,
     'the message names the path and the reason');
unlike($out, qr/No such file|cc1|error:.*\.c/,
       'and it is not a compiler error about missing files');

done_testing();
