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

# Install the Horizon that vnfsnap's dashboard tests run (the plugin's unit
# tests, tox -e dashboard, and the browser tests of
# vnfsnap/tests/fixtures/horizon_services.py):
#
#  1. tools/install.sh with the "test" bindep profile: among the Debian
#     packages, chromium and chromium-driver for the browser tests.
#  2. Horizon and gunicorn from PyPI into their own virtualenv, every
#     package pinned by constraints.txt beside this script.  The plugin
#     (dashboard/) and the client library (client/) are not installed there:
#     the tests put the checkout's copies on PYTHONPATH, so that several
#     checkouts share one Horizon.
#
# Idempotent and quick when done: pip only runs when the constraints or the
# interpreter changed since the last successful run.  Works from any
# directory.  Must run as root (apt-get).
#
# Environment:
#   PYTHON                  interpreter for the virtualenv (default: python3)
#   VNFSNAP_HORIZON_VENV    where the virtualenv lives
#                           (default: /opt/vnfsnap/horizon-venv)
#   VNFSNAP_SKIP_APT        1: leave the Debian packages alone (tools/install.sh)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
VENV=${VNFSNAP_HORIZON_VENV:-/opt/vnfsnap/horizon-venv}
PYTHON=${PYTHON:-python3}
CONSTRAINTS=$HERE/constraints.txt
PACKAGES=(horizon gunicorn)

# shellcheck source=tools/lib/pinned-venv.sh
. "$ROOT/tools/lib/pinned-venv.sh"
say() { printf '[horizon-aio] %s\n' "$*"; }
die() { printf '[horizon-aio] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root"
VNFSNAP_BINDEP_PROFILES="test" "$ROOT/tools/install.sh"

py=$(command -v "$PYTHON") || die "no $PYTHON on PATH"
want="$("$py" -c 'import sys; print(sys.version.split()[0], sys.base_prefix)') $(
    sha256sum <"$CONSTRAINTS" | cut -d' ' -f1) ${PACKAGES[*]}"
pinned_venv "$VENV" .vnfsnap-horizon-stamp "$want" \
    'import openstack_dashboard, horizon, django, gunicorn' "$py" \
    -c "$CONSTRAINTS" "${PACKAGES[@]}"
