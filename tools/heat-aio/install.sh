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

# Install the Heat that vnfsnap's Heat tests run: the resource plugin's unit
# tests (tox -e heat) and heat-api and heat-engine of the functional tests
# (vnfsnap/tests/fixtures/heat_services.py), on the single-machine OpenStack
# of tools/openstack-aio.
#
# Heat, python-heatclient, gunicorn (heat-api's WSGI server here), PyMySQL
# (the cloud's MariaDB) and the test libraries heat.tests needs go into their
# own virtualenv, every package pinned by tools/openstack-aio/constraints.txt
# and constraints.txt beside this script.  The plugin (heat/) and the client
# library (client/) are not installed there: the tests put the checkout's
# copies on PYTHONPATH, so that several checkouts share one Heat.
#
# Idempotent and quick when done: pip only runs when the constraints or the
# interpreter changed since the last successful run.  Works from any
# directory.  Must run as root (it writes under /opt).
#
# Environment:
#   PYTHON              interpreter for the virtualenv (default: python3)
#   VNFSNAP_HEAT_VENV   where the virtualenv lives
#                       (default: /opt/vnfsnap/heat-venv)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV=${VNFSNAP_HEAT_VENV:-/opt/vnfsnap/heat-venv}
PYTHON=${PYTHON:-python3}
CONSTRAINTS=$HERE/constraints.txt
CLOUD_CONSTRAINTS=$ROOT/tools/openstack-aio/constraints.txt
PACKAGES=(openstack-heat python-heatclient gunicorn PyMySQL fixtures
    testtools oslotest requests-mock)

# shellcheck source=tools/lib/pinned-venv.sh
. "$ROOT/tools/lib/pinned-venv.sh"
say() { printf '[heat-aio] %s\n' "$*"; }
die() { printf '[heat-aio] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"

py=$(command -v "$PYTHON") || die "no $PYTHON on PATH"
want="$("$py" -c 'import sys; print(sys.version.split()[0], sys.base_prefix)') $(
    cat "$CLOUD_CONSTRAINTS" "$CONSTRAINTS" | sha256sum | cut -d' ' -f1) ${PACKAGES[*]}"
pinned_venv "$VENV" .vnfsnap-heat-stamp "$want" \
    'import heat.engine.resource, heatclient, gunicorn, pymysql, oslotest, requests_mock' \
    "$py" -c "$CLOUD_CONSTRAINTS" -c "$CONSTRAINTS" "${PACKAGES[@]}"
