# shellcheck shell=bash
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

# Sourced by tools/openstack-aio/install.sh and tools/horizon-aio/install.sh:
# a virtualenv of pinned packages that is made again only when what it was
# made from changed.  The caller defines say and die.

# pinned_venv VENV STAMP_NAME WANT PROBE PYTHON PIP_ARGS...
#
# Nothing to do when VENV/STAMP_NAME says WANT (the interpreter, the
# constraints' digest and the packages, as the caller puts them) and PROBE
# (Python code) still runs in VENV.  Otherwise VENV is created again (only
# if it is a virtualenv: anything else there is left alone), PIP_ARGS
# installed with PYTHON's venv, PROBE run, and WANT written to the stamp.
pinned_venv() {
    local venv=$1 stamp=$1/$2 want=$3 probe=$4 py=$5 log started
    shift 5
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
            && "$venv/bin/python" -c "$probe" 2>/dev/null; then
        say "ready in $venv"
        return 0
    fi
    rm -f "$stamp"
    if [ -e "$venv" ]; then
        [ -f "$venv/pyvenv.cfg" ] ||
            die "$venv exists and is not a virtualenv; not touching it"
        say "recreating $venv (versions or interpreter changed, or broken)"
        rm -rf "$venv"
    fi
    mkdir -p "$(dirname "$venv")"
    say "creating virtualenv $venv with $("$py" --version 2>&1)"
    "$py" -m venv "$venv"
    log=$venv/pip-install.log
    say "pip install $* (log: $log)"
    started=$SECONDS
    "$venv/bin/python" -m pip install -q "$@" >"$log" 2>&1 ||
        { tail -n 30 "$log" >&2; die "pip install failed (full log: $log)"; }
    "$venv/bin/python" -W ignore -c "$probe" ||
        die "installed but does not import (log: $log)"
    echo "$want" >"$stamp"
    say "installed in $venv in $((SECONDS - started))s"
}
