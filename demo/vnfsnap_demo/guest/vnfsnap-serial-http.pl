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
# /usr/local/sbin/vnfsnap-serial-http DEVICE: the guest's health answered
# over HTTP/1.0 on a serial port, for a guest with no network interface
# (a Nova server of a cloud without Neutron).  Nova's serial console
# (``[serial_console] enabled``) makes each serial port of a server a TCP
# port on the compute host: an HTTP client connecting there talks to this
# program.  One request at a time; every answer closes the exchange
# (Content-Length, Connection: close), which is all the host side's
# client needs, since a serial line carries no end of connection.
#   GET /health: 200 "ok" while __DATA_MOUNT__/health says ok, else 503
#                with what it says
# Words in double underscores are replaced, when guest_image.py builds
# the image, by its constants of that name (RUN_DIR...).
use strict;
use warnings;

my $device = shift or die "usage: $0 DEVICE\n";
my $HEALTH = '__DATA_MOUNT__/health';

system('stty', '-F', $device, 'raw', '-echo', '115200') == 0
    or die "stty $device failed\n";
open(my $tty, '+<:raw', $device) or die "$device: $!\n";
$tty->autoflush(1);
if (open(my $pidfile, '>', '__RUN_DIR__/serial-http.pid')) {
    print $pidfile "$$\n";
    close($pidfile);
}

sub health {
    open(my $f, '<', $HEALTH) or return (503, "no $HEALTH\n");
    my $said = do { local $/; <$f> } // '';
    close($f);
    return $said =~ /^ok\s*$/ ? (200, "ok\n") : (503, $said);
}

my %REASON = (200 => 'OK', 400 => 'Bad Request', 404 => 'Not Found',
              503 => 'Service Unavailable');

while (defined(my $line = <$tty>)) {
    # Anything before a request line (a client that left mid-request)
    # is skipped.
    next unless $line =~ m{^(GET|HEAD) (\S+) HTTP/1\.[01]\r?\n\z};
    my ($method, $path) = ($1, $2);
    while (defined(my $header = <$tty>)) {
        last if $header =~ /^\r?\n\z/;
    }
    my ($status, $body) = $path eq '/health' ? health()
                                              : (404, "not found\n");
    $body = '' if $method eq 'HEAD';
    print $tty "HTTP/1.0 $status $REASON{$status}\r\n",
               "Content-Type: text/plain\r\n",
               'Content-Length: ', length($body), "\r\n",
               "Connection: close\r\n\r\n", $body;
}
die "$device: end of input\n";
