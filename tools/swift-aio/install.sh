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

# Install OpenStack Swift into a virtualenv of its own, for the functional
# tests that run a real Swift (vnfsnap/tests/fixtures/swift_services.py).
#
# Swift is a server with its own dependency tree (eventlet, PasteDeploy,
# PyECLib, ...) that vnfsnap itself never imports, so it does not go into
# vnfsnap's virtualenv: vnfsnap only talks to it through python-swiftclient.
# The version is pinned so that every machine tests against the same Swift.
#
# Swift's dependencies are pinned too, by constraints.txt beside this
# script (no upper-constraints file is reachable from here).  Idempotent and
# quick when done: pip only runs when the pinned version, the constraints or
# the interpreter changed since the last successful run.  Works from any
# directory.  Needs no Debian package beyond what bindep.txt already lists
# (python3-venv; PyECLib's wheel brings liberasurecode with it).
#
# Environment:
#   PYTHON               interpreter for the virtualenv (default: python3)
#   VNFSNAP_SWIFT_VENV   where the virtualenv lives
#                        (default: /opt/vnfsnap/swift-venv)
set -euo pipefail

SWIFT_VERSION=2.38.3
VENV=${VNFSNAP_SWIFT_VENV:-/opt/vnfsnap/swift-venv}
PYTHON=${PYTHON:-python3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONSTRAINTS=$HERE/constraints.txt

say() { printf '[swift-aio] %s\n' "$*"; }
die() { printf '[swift-aio] ERROR: %s\n' "$*" >&2; exit 1; }

py=$(command -v "$PYTHON") || die "no $PYTHON on PATH"
want="swift==$SWIFT_VERSION $("$py" -c \
    'import sys; print(sys.version.split()[0], sys.base_prefix)') $(
    sha256sum <"$CONSTRAINTS" | cut -d' ' -f1)"
stamp=$VENV/.vnfsnap-swift-stamp

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && [ -x "$VENV/bin/swift-proxy-server" ] \
        && "$VENV/bin/python" -c 'import swift' 2>/dev/null; then
    say "Swift $SWIFT_VERSION ready in $VENV"
    exit 0
fi
rm -f "$stamp"

if [ -e "$VENV" ]; then
    [ -f "$VENV/pyvenv.cfg" ] ||
        die "$VENV exists and is not a virtualenv; not touching it"
    say "recreating $VENV (version or interpreter changed, or broken)"
    rm -rf "$VENV"
fi
mkdir -p "$(dirname "$VENV")"
say "creating virtualenv $VENV with $("$py" --version 2>&1)"
"$py" -m venv "$VENV"

log=$VENV/pip-install.log
say "pip install swift==$SWIFT_VERSION (log: $log)"
"$VENV/bin/python" -m pip install -q -c "$CONSTRAINTS" \
        "swift==$SWIFT_VERSION" >"$log" 2>&1 || {
    tail -n 30 "$log" >&2; die "pip install failed (full log: $log)"; }
"$VENV/bin/python" -c 'import swift, pyeclib' ||
    die "Swift installed but does not import (log: $log)"
echo "$want" >"$stamp"
say "Swift $SWIFT_VERSION installed in $VENV in ${SECONDS}s"
