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
# /usr/local/sbin/vnfsnap-httpd, the HTTP service of the vnfsnap test
# guest, on TCP port __HTTP_PORT__ of every address.  GET (or HEAD)
# /health answers 200 "ok" when the service's data, __HEALTH_FILE__,
# says "ok", and 503 with what it says otherwise (or that it is
# missing); any other path is a 404.  One request per connection, served
# in turn (perl-base only: no fork per request, which costs ~0.1 s in a
# TCG guest).  Its pid is in __HTTPD_PID_FILE__; SIGTERM makes it exit,
# and /sbin/vnfsnap-init's supervisor loop starts it again.
#   vnfsnap-httpd DEVICE serves the serial line DEVICE instead, for a
# guest with no network interface (a Nova server of a cloud without
# Neutron): Nova's serial console makes each serial port a TCP port of
# the compute host.  A serial line never says that a client left, so
# whatever comes before a request line is skipped.
# Words in double underscores are replaced, when guest_image.py builds
# the image, by its constants of that name.
use strict;
use warnings;
use IO::Socket::INET;

my $PORT = __HTTP_PORT__;
my $HEALTH = '__HEALTH_FILE__';
my $PID_FILE = '__HTTPD_PID_FILE__';
my $DEVICE = shift;

$SIG{PIPE} = 'IGNORE';

sub health {
    open(my $f, '<', $HEALTH) or return (503, "unhealthy: no $HEALTH\n");
    my $line = <$f>;
    close($f);
    $line = '' unless defined $line;
    chomp $line;
    return (200, "ok\n") if $line eq 'ok';
    $line = substr($line, 0, 200);
    return (503, "unhealthy: $HEALTH says '$line'\n");
}

my %REASON = (200 => 'OK', 400 => 'Bad Request', 404 => 'Not Found',
              405 => 'Method Not Allowed', 503 => 'Service Unavailable');

sub serve {
    my ($client, $skip_noise) = @_;
    my $request;
    do {
        $request = <$client>;
        return 0 unless defined $request;
    } while ($skip_noise && $request !~ m{^[A-Z]+ \S+ HTTP/1\.[01]\r?\n$});
    while (my $header = <$client>) {
        last if $header =~ /^\r?\n$/;
    }
    my ($status, $body);
    my ($method, $path) = $request =~ m{^([A-Z]+) (\S+) HTTP/1\.[01]\r?\n$};
    if (!defined $method) {
        ($status, $body) = (400, "bad request\n");
    } elsif ($path ne '/health') {
        ($status, $body) = (404, "not found\n");
    } elsif ($method ne 'GET' && $method ne 'HEAD') {
        ($status, $body) = (405, "GET or HEAD\n");
    } else {
        ($status, $body) = health();
    }
    print $client "HTTP/1.0 $status $REASON{$status}\r\n"
        . "Content-Type: text/plain\r\n"
        . 'Content-Length: ' . length($body) . "\r\n"
        . "Connection: close\r\n\r\n"
        . (defined $method && $method eq 'HEAD' ? '' : $body);
    return 1;
}

if (defined $DEVICE) {
    system('stty', '-F', $DEVICE, 'raw', '-echo') == 0
        or die "vnfsnap-httpd: stty $DEVICE failed\n";
    open(my $line, '+<:raw', $DEVICE)
        or die "vnfsnap-httpd: $DEVICE: $!\n";
    $line->autoflush(1);
    1 while serve($line, 1);
    die "vnfsnap-httpd: $DEVICE: end of input\n";
}

$SIG{TERM} = sub { unlink $PID_FILE; exit 0 };

my $server = IO::Socket::INET->new(
    LocalPort => $PORT, Listen => 16, ReuseAddr => 1, Proto => 'tcp')
    or die "vnfsnap-httpd: cannot listen on port $PORT: $!\n";

open(my $pf, '>', "$PID_FILE.tmp") or die "vnfsnap-httpd: $PID_FILE: $!\n";
print $pf "$$\n";
close($pf);
rename("$PID_FILE.tmp", $PID_FILE) or die "vnfsnap-httpd: $PID_FILE: $!\n";

while (1) {
    my $client = $server->accept() or next;
    # A client that never finishes its request does not hold the
    # service for long.
    eval {
        local $SIG{ALRM} = sub { die "timeout\n" };
        alarm 2;
        serve($client);
        alarm 0;
    };
    alarm 0;
    close($client);
}
