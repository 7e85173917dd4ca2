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

# Run phases of a DevStack plugin the way stack.sh, unstack.sh and clean.sh
# do, with the DevStack functions of tools/devstack-harness/functions.
#
#   tools/devstack-harness/run.sh CONFIG PLUGIN_DIR stack [PHASE...]
#   tools/devstack-harness/run.sh CONFIG PLUGIN_DIR unstack
#   tools/devstack-harness/run.sh CONFIG PLUGIN_DIR clean
#
# CONFIG is a shell file of DevStack's variables (what stackrc and
# local.conf give DevStack: ENABLED_SERVICES, disable_service lines,
# DATA_DIR, SERVICE_PASSWORD, KEYSTONE_SERVICE_URI, DATABASE_*,
# RABBIT_*...); PLUGIN_DIR is the
# repository that holds devstack/plugin.sh and devstack/settings.  The
# plugin's settings are read first, as when DevStack loads a plugin; then
# plugin.sh runs once per phase, in the order given, in one shell (stack
# phases stop at the first error, as stack.sh does).  With horizon in
# ENABLED_SERVICES (and HORIZON_DIR, a configured Horizon tree), the
# post-config phase is followed by init_horizon, as in stack.sh.  vnfsnap's
# functional test test_devstack_plugin drives it; doc/source/install/
# devstack.rst shows a run.
set -o errexit -o pipefail

if [[ $# -lt 3 ]]; then
    echo "usage: $0 CONFIG PLUGIN_DIR stack|unstack|clean [PHASE...]" >&2
    exit 2
fi
config=$1
plugin_dir=$(cd "$2" && pwd)
mode=$3
shift 3

# shellcheck source=tools/devstack-harness/functions
source "$(dirname "${BASH_SOURCE[0]}")/functions"
# shellcheck disable=SC1090  # the caller's file
source "$config"
# shellcheck source=devstack/settings
source "$plugin_dir/devstack/settings"

if [[ $mode != stack ]]; then
    # unstack.sh and clean.sh go on past a failed step.
    set +o errexit
fi
if [[ $# -eq 0 ]]; then
    set -- ""
fi
for phase in "$@"; do
    echo_summary "plugin.sh $mode${phase:+ $phase}"
    # shellcheck source=devstack/plugin.sh
    source "$plugin_dir/devstack/plugin.sh" "$mode" "$phase"
    if [[ $mode/$phase == stack/post-config ]] && is_service_enabled horizon; then
        # stack.sh: "Starting Horizon" (Apache's restart excepted: there
        # is no Apache here).
        echo_summary "init_horizon"
        init_horizon
    fi
done
