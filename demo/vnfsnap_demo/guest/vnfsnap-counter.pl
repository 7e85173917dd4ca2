#!/usr/bin/perl
# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.
#
# /usr/local/sbin/vnfsnap-counter, the workload of the vnfsnap test
# guest.  Every __COUNTER_INTERVAL__ s it increments a counter kept in
# memory, mirrored to __RUN_DIR__/counter (tmpfs), and appends each
# value as one fsync'ed line to its journal(s) on disk.
#   SIGUSR1: hold (answer "TOKEN VALUE" in __RUN_DIR__/held, TOKEN from
#            __RUN_DIR__/hold-request; make no progress) until SIGUSR2
#   SIGHUP:  read "VALUE ID" from __RUN_DIR__/set and take VALUE
#   SIGTERM: exit
# Words in double underscores are replaced, when guest_image.py builds
# the image, by its constants of that name (RUN_DIR...).
use strict;
use warnings;
use IO::Handle;

my $RUN = '__RUN_DIR__';
my @JOURNALS = ('__JOURNAL__');
push @JOURNALS, '__DATA_JOURNAL__' if -e "$RUN/data-mounted";
my $INTERVAL = '__COUNTER_INTERVAL__';

my ($hold, $reload, $stop) = (0, 0, 0);
$SIG{USR1} = sub { $hold = 1 };
$SIG{USR2} = sub { $hold = 0 };
$SIG{HUP} = sub { $reload = 1 };
$SIG{TERM} = $SIG{INT} = sub { $stop = 1 };

sub put {
    my ($name, $text) = @_;
    my $tmp = "$RUN/.$name.tmp";
    open(my $fh, '>', $tmp) or die "$tmp: $!\n";
    print {$fh} $text;
    close($fh) or die "$tmp: $!\n";
    rename($tmp, "$RUN/$name") or die "$RUN/$name: $!\n";
}

# The last complete line of a journal (a torn last line is skipped).
sub last_value {
    my ($path) = @_;
    open(my $fh, '<', $path) or return undef;
    my $size = -s $fh;
    seek($fh, $size > 4096 ? $size - 4096 : 0, 0);
    local $/;
    my $tail = <$fh>;
    close($fh);
    return undef unless defined $tail;
    my @values = ($tail =~ /^(\d+)\n/mg);
    return @values ? $values[-1] : undef;
}

my $n = last_value($JOURNALS[0]) // 0;
my ($held, $last_hold, $last_set) = (0, '', '');
my @fhs;
for my $j (@JOURNALS) {
    open(my $fh, '>>', $j) or die "$j: $!\n";
    push @fhs, $fh;
}

sub publish {
    put('counter', "$n\n");
    put('state', "value=$n\nheld=$held\nlast_hold=$last_hold\n"
        . "last_set=$last_set\npid=$$\n");
}

sub record {
    my $line = "$n\n";
    for my $i (0 .. $#fhs) {
        defined(syswrite($fhs[$i], $line))
            or warn "vnfsnap-counter: $JOURNALS[$i]: $!\n";
        $fhs[$i]->sync or warn "vnfsnap-counter: fsync $JOURNALS[$i]: $!\n";
    }
}

sub take_set_request {
    open(my $fh, '<', "$RUN/set") or return;
    my $req = <$fh>;
    close($fh);
    unlink("$RUN/set");
    return unless defined $req && $req =~ /^(\d+)\s+(\S+)/;
    ($n, $last_set) = ($1, $2);
    publish();
    record();
}

put('counter.pid', "$$\n");
publish();
print STDERR "vnfsnap-counter: pid $$, starting at $n, journals @JOURNALS\n";
while (!$stop) {
    if ($reload) {
        $reload = 0;
        take_set_request();
    }
    if ($hold) {
        my $token = '-';
        if (open(my $fh, '<', "$RUN/hold-request")) {
            $token = <$fh> // '-';
            chomp($token);
            close($fh);
        }
        ($held, $last_hold) = (1, $n);
        publish();
        put('held', "$token $n\n");
        select(undef, undef, undef, 1) while $hold && !$stop;
        unlink("$RUN/held");
        $held = 0;
        publish();
        next;
    }
    $n++;
    publish();
    record();
    select(undef, undef, undef, $INTERVAL);
}
unlink("$RUN/counter.pid");
