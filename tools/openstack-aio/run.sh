#!/usr/bin/env bash
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

# Bring the single-machine OpenStack of tools/openstack-aio up or down, for
# a person (the functional tests use the same code as a fixture:
# vnfsnap/tests/fixtures/openstack_services.py).
#
#   run.sh up [--no-compute] [--no-guest]   start it; wait until it answers
#   run.sh down                             stop every process it started
#   run.sh status                           is it up, which processes
#
# "up" runs `python -m vnfsnap.tests.fixtures.openstack_services serve`
# in the background in its own session; that process starts every service
# as its child, writes clouds.yaml (clouds "vnfsnap-aio" and
# "vnfsnap-aio-demo"), openrc and cloud.json into the state directory once
# everything answers, and on SIGTERM stops everything by PID and unmounts
# the NFS share.  "down" sends it SIGTERM and waits.  Everything, logs
# included, lives in the state directory and is wiped by the next "up".
#
# Needs tools/openstack-aio/install.sh to have run.  Environment:
#   VNFSNAP_OPENSTACK_STATE  state directory (default: /var/lib/vnfsnap-openstack)
#   VNFSNAP_OPENSTACK_VENV, VNFSNAP_SWIFT_VENV  as for install.sh
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
STATE=${VNFSNAP_OPENSTACK_STATE:-/var/lib/vnfsnap-openstack}
PIDFILE=$STATE/serve.pid
LOG=$STATE/serve.log
PY=$ROOT/.venv/bin/python

say() { printf '[openstack-aio] %s\n' "$*"; }
die() { printf '[openstack-aio] ERROR: %s\n' "$*" >&2; exit 1; }

# PID of the running "serve" process, or nothing.
serve_pid() {
    local pid
    pid=$(cat "$PIDFILE" 2>/dev/null) || return 0
    [ -r "/proc/$pid/cmdline" ] || return 0
    # The PID must still be ours: same program, not a reused number.
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'openstack_services serve' || return 0
    local st
    st=$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1)
    [ "$st" != Z ] && [ -n "$st" ] && echo "$pid"
}

up() {
    [ -x "$PY" ] || die "no $PY: run tools/openstack-aio/install.sh first"
    [ -z "$(serve_pid)" ] || die "already running (pid $(serve_pid)); run.sh down first"
    rm -rf "$STATE"
    mkdir -p "$STATE"
    say "starting (log: $LOG)"
    local started=$SECONDS
    setsid "$PY" -W ignore -m vnfsnap.tests.fixtures.openstack_services \
        serve "$STATE" "$@" >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    while [ ! -f "$STATE/cloud.json" ]; do
        if [ -z "$(serve_pid)" ]; then
            tail -n 20 "$LOG" >&2
            die "the cloud did not come up (log: $LOG, services' logs: $STATE/cloud/log)"
        fi
        sleep 1
    done
    say "up in $((SECONDS - started))s; credentials: $STATE/clouds.yaml, $STATE/openrc"
    say "  export OS_CLIENT_CONFIG_FILE=$STATE/clouds.yaml OS_CLOUD=vnfsnap-aio"
}

down() {
    local pid
    pid=$(serve_pid)
    if [ -z "$pid" ]; then
        say "not running"
        return 0
    fi
    say "stopping (pid $pid)"
    kill -TERM "$pid"
    while [ -n "$(serve_pid)" ]; do
        sleep 0.5
    done
    tail -n 1 "$LOG"
}

status() {
    local pid
    pid=$(serve_pid)
    if [ -z "$pid" ]; then
        say "not running"
        return 3
    fi
    if [ ! -f "$STATE/cloud.json" ]; then
        say "starting (pid $pid, log: $LOG)"
        return 0
    fi
    "$PY" - "$STATE/cloud.json" <<'EOF'
import json, os, sys
with open(sys.argv[1]) as f:
    cloud = json.load(f)
print('up: %s (serve pid %d)' % (cloud['auth_url'], cloud['pid']))
for name, pid in sorted(cloud['pids'].items()):
    alive = os.path.exists('/proc/%d' % pid)
    print('  %-18s pid %-7d %s' % (name, pid, 'running' if alive else 'GONE'))
for stype, url in sorted(cloud['urls'].items()):
    print('  %-18s %s' % (stype, url))
EOF
}

case "${1:-}" in
    up) shift; up "$@" ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up [--no-compute] [--no-guest] | down | status" >&2; exit 2 ;;
esac
