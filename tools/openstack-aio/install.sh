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

# Install a single-machine OpenStack for vnfsnap's OpenStack functional tests
# (vnfsnap/tests/fixtures/openstack_services.py, tools/openstack-aio/run.sh).
#
#  1. tools/install.sh with the "test" and "openstack" bindep profiles: the
#     Debian packages (MariaDB, RabbitMQ, libvirt and QEMU, memcached,
#     nfs-common, ...), vnfsnap's own .venv (the tests and run.sh run there)
#     and Swift in its own virtualenv (tools/swift-aio/install.sh).
#  2. Keystone, Glance, Placement, Nova, Cinder and Neutron from PyPI, with
#     gunicorn (their WSGI server here), python-memcached, PyMySQL and
#     libvirt-python, into one virtualenv, every package pinned by
#     constraints.txt beside this script.
#  3. keystonemiddleware and python-memcached (its token cache) into Swift's
#     virtualenv, pinned by the same file, so that the Swift proxy of the
#     cloud accepts Keystone tokens.
#
# Idempotent and quick when done: pip only runs when a pinned version, the
# constraints or the interpreter changed since the last successful run.
# Works from any directory.  Must run as root (apt-get; the cloud itself
# mounts file systems and runs libvirt guests).
#
# Environment:
#   PYTHON                   interpreter for the virtualenvs (default: python3)
#   VNFSNAP_OPENSTACK_VENV   where the OpenStack virtualenv lives
#                            (default: /opt/vnfsnap/openstack-venv)
#   VNFSNAP_SWIFT_VENV       Swift's virtualenv (default: /opt/vnfsnap/swift-venv)
#   VNFSNAP_SKIP_APT         1: leave the Debian packages alone (tools/install.sh)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV=${VNFSNAP_OPENSTACK_VENV:-/opt/vnfsnap/openstack-venv}
SWIFT_VENV=${VNFSNAP_SWIFT_VENV:-/opt/vnfsnap/swift-venv}
PYTHON=${PYTHON:-python3}
CONSTRAINTS=$HERE/constraints.txt
# The services (one release series) and what the cloud runs them with.
PACKAGES=(keystone glance openstack-placement nova cinder neutron
    gunicorn python-memcached PyMySQL libvirt-python)

# shellcheck source=tools/lib/pinned-venv.sh
. "$ROOT/tools/lib/pinned-venv.sh"
say() { printf '[openstack-aio] %s\n' "$*"; }
die() { printf '[openstack-aio] ERROR: %s\n' "$*" >&2; exit 1; }

# "name==version" of a package as constraints.txt pins it.
pinned() {
    local line
    line=$(grep -i "^$1==" "$CONSTRAINTS") || die "$1 is not pinned in $CONSTRAINTS"
    echo "$line"
}

[ "$(id -u)" = 0 ] || die "must run as root"
VNFSNAP_BINDEP_PROFILES="test openstack" "$ROOT/tools/install.sh"

# --------------------------------------------------------------------------
# The OpenStack virtualenv
# --------------------------------------------------------------------------
py=$(command -v "$PYTHON") || die "no $PYTHON on PATH"
want="$("$py" -c 'import sys; print(sys.version.split()[0], sys.base_prefix)') $(
    sha256sum <"$CONSTRAINTS" | cut -d' ' -f1) ${PACKAGES[*]}"
specs=()
for p in "${PACKAGES[@]}"; do
    specs+=("$(pinned "$p")")
done
pinned_venv "$VENV" .vnfsnap-openstack-stamp "$want" \
    'import keystone, glance, placement, nova, cinder, neutron, gunicorn, memcache, pymysql, libvirt' \
    "$py" -c "$CONSTRAINTS" "${specs[@]}"

# --------------------------------------------------------------------------
# keystonemiddleware for Swift's proxy
# --------------------------------------------------------------------------
ksm=("$(pinned keystonemiddleware)" "$(pinned python-memcached)")
swift_stamp=$SWIFT_VENV/.vnfsnap-keystonemiddleware-stamp
swift_want="${ksm[*]} $(cat "$ROOT/tools/swift-aio/constraints.txt" "$CONSTRAINTS" |
    sha256sum | cut -d' ' -f1) $(cat "$SWIFT_VENV/.vnfsnap-swift-stamp" 2>/dev/null)"
if [ -f "$swift_stamp" ] && [ "$(cat "$swift_stamp")" = "$swift_want" ] \
        && "$SWIFT_VENV/bin/python" -c 'import keystonemiddleware, memcache' \
        2>/dev/null; then
    say "${ksm[*]} ready in $SWIFT_VENV"
else
    log=$SWIFT_VENV/pip-keystonemiddleware.log
    say "pip install ${ksm[*]} into $SWIFT_VENV (log: $log)"
    "$SWIFT_VENV/bin/python" -m pip install -q -c "$ROOT/tools/swift-aio/constraints.txt" \
        -c "$CONSTRAINTS" "${ksm[@]}" >"$log" 2>&1 ||
        { tail -n 30 "$log" >&2; die "pip install failed (full log: $log)"; }
    echo "$swift_want" >"$swift_stamp"
fi
say "done in ${SECONDS}s"
