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

# Set up a Debian 12 machine for vnfsnap development and tests.
#
#  1. Installs the Debian packages that bindep.txt lists for this platform
#     (build tools and headers, and the RabbitMQ, PostgreSQL and MariaDB
#     servers that the functional tests start as private instances).  No
#     service is started: a temporary /usr/sbin/policy-rc.d refuses every
#     start while the packages are installed.
#  2. Creates .venv in the repository root with the machine's python3 and
#     installs vnfsnap, from client/ python-vnfsnapclient and from demo/
#     vnfsnap-demo (all editable) with the test requirements into it.
#  3. With the "test" profile, installs the pinned OpenStack Swift that the
#     functional tests run, into its own virtualenv
#     (tools/swift-aio/install.sh).
#
# Idempotent: apt is only used when a package is missing (and "apt-get
# update" only runs when the package lists are older than a day), and pip
# only runs when setup.cfg, setup.py, a requirements file or the interpreter
# changed since the last successful run.  Works from any directory.
#
# Environment:
#   PYTHON            interpreter for the virtualenv (default: python3)
#   VNFSNAP_VENV      where the virtualenv lives (default: <repo>/.venv)
#   VNFSNAP_SKIP_APT  set to 1 to leave the Debian packages alone
#   VNFSNAP_BINDEP_PROFILES  bindep profiles besides the default one to
#                     install (default: test; "none" for runtime only)
#   VNFSNAP_SWIFT_VENV  where Swift's virtualenv lives
#                     (default: /opt/vnfsnap/swift-venv)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VNFSNAP_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3}
BINDEP_PROFILES=${VNFSNAP_BINDEP_PROFILES:-test}
POLICY_RC_D=/usr/sbin/policy-rc.d
APT_STAMP=/var/lib/apt/periodic/update-success-stamp
# Processes a package's maintainer script could leave running.
DAEMON_NAMES=" beam.smp epmd erl_child_setup mariadbd mysqld postgres "
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run to finish instead of failing at once.
APT_OPTS=(-o DPkg::Lock::Timeout=600)

say() { printf '[install] %s\n' "$*"; }
die() { printf '[install] ERROR: %s\n' "$*" >&2; exit 1; }

# --------------------------------------------------------------------------
# Debian packages
# --------------------------------------------------------------------------

# Print the packages of bindep.txt that apply to this machine.  Understands
# the subset of the bindep syntax the file uses: "name [selector ...]" where
# a selector is platform:NAME or a profile name, optionally negated with "!".
bindep_packages() {
    local id="" version_id="" version_codename=""
    # shellcheck disable=SC1091
    if [ -r /etc/os-release ]; then
        id=$(. /etc/os-release && echo "${ID:-}")
        version_id=$(. /etc/os-release && echo "${VERSION_ID:-}")
        version_codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    fi
    awk -v platforms="dpkg $id $id-$version_id $id-$version_codename" \
        -v profiles="default $BINDEP_PROFILES" '
        BEGIN {
            n = split(platforms, p, " ")
            for (i = 1; i <= n; i++) plat["platform:" p[i]] = 1
            n = split(profiles, q, " ")
            for (i = 1; i <= n; i++) prof[q[i]] = 1
        }
        {
            sub(/#.*/, "")
            if ($0 ~ /^[ \t]*$/) next
            sels = ""
            if (match($0, /\[[^]]*\]/)) sels = substr($0, RSTART + 1, RLENGTH - 2)
            ns = split(sels, s, /[ \t]+/)
            plat_pos = plat_match = plat_neg = 0
            prof_pos = prof_match = prof_neg = 0
            for (i = 1; i <= ns; i++) {
                x = s[i]
                if (x == "") continue
                neg = 0
                if (substr(x, 1, 1) == "!") { neg = 1; x = substr(x, 2) }
                if (x ~ /^platform:/) {
                    if (neg) { if (x in plat) plat_neg = 1 }
                    else { plat_pos = 1; if (x in plat) plat_match = 1 }
                } else {
                    if (neg) { if (x in prof) prof_neg = 1 }
                    else { prof_pos = 1; if (x in prof) prof_match = 1 }
                }
            }
            if (plat_neg || prof_neg) next
            if (plat_pos && !plat_match) next
            if (prof_pos && !prof_match) next
            print $1
        }' "$ROOT/bindep.txt"
}

# PIDs of running processes whose name is in DAEMON_NAMES, one per line.
daemon_pids() {
    local d comm
    for d in /proc/[0-9]*; do
        comm=$(cat "$d/comm" 2>/dev/null) || continue
        case "$DAEMON_NAMES" in
            *" $comm "*) echo "${d#/proc/}" ;;
        esac
    done | sort
}

apt_lists_fresh() {
    # apt keeps the server's Last-Modified time on the list files, so our
    # own stamp (the one Debian's update-notifier uses too) is the reliable
    # "last update" time; a list file fetched within the day also counts.
    if [ -n "$(find "$APT_STAMP" -mmin -1440 2>/dev/null)" ]; then
        return 0
    fi
    [ -n "$(find /var/lib/apt/lists -maxdepth 1 -type f -name '*_Packages*' \
            -mmin -1440 2>/dev/null | head -n 1)" ]
}

APT_LOG=""
apt_update() {
    say "apt-get update"
    if ! apt-get "${APT_OPTS[@]}" update >>"$APT_LOG" 2>&1; then
        tail -n 30 "$APT_LOG" >&2
        die "apt-get update failed (full log: $APT_LOG)"
    fi
    mkdir -p "$(dirname "$APT_STAMP")"
    touch "$APT_STAMP"
}

apt_install() {
    apt-get "${APT_OPTS[@]}" install -y -q --no-install-recommends "$@" \
        >>"$APT_LOG" 2>&1
}

POLICY_BACKUP=""
POLICY_INSTALLED=0
block_service_starts() {
    if [ -e "$POLICY_RC_D" ]; then
        POLICY_BACKUP=$(mktemp /tmp/vnfsnap-policy-rc.d.XXXXXX)
        cp -p "$POLICY_RC_D" "$POLICY_BACKUP"
    fi
    POLICY_INSTALLED=1
    cat >"$POLICY_RC_D.vnfsnap" <<'EOF'
#!/bin/sh
# Written by vnfsnap's tools/install.sh while it installs packages, and
# removed again afterwards: refuse to start any service.
exit 101
EOF
    chmod 755 "$POLICY_RC_D.vnfsnap"
    mv -f "$POLICY_RC_D.vnfsnap" "$POLICY_RC_D"
}

restore_service_starts() {
    [ "$POLICY_INSTALLED" = 1 ] || return 0
    if [ -n "$POLICY_BACKUP" ]; then
        mv -f "$POLICY_BACKUP" "$POLICY_RC_D"
    else
        rm -f "$POLICY_RC_D"
    fi
    POLICY_INSTALLED=0
}

# "STATE PPID" of a process, from /proc/PID/stat (empty when it is gone).
proc_state_ppid() {
    sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $1, $2}'
}

pid_running() {
    local st
    st=$(proc_state_ppid "$1")
    [ -n "$st" ] && [ "${st%% *}" != Z ] && [ "${st%% *}" != X ]
}

# Stop, by PID, daemons that appeared while packages were being installed.
stop_new_daemons() {
    local before=$1 after pid st new=()
    after=$(daemon_pids)
    for pid in $(comm -13 <(echo "$before") <(echo "$after")); do
        # Only live daemons (parent: init) that no test fixture started.
        st=$(proc_state_ppid "$pid")
        pid_running "$pid" && [ "${st#* }" = 1 ] || continue
        grep -qz '^VNFSNAP_TEST_SERVICE_ID=' "/proc/$pid/environ" 2>/dev/null &&
            continue
        new+=("$pid")
    done
    [ "${#new[@]}" -gt 0 ] || return 0
    say "stopping daemons left running by the package install: ${new[*]}"
    kill -TERM "${new[@]}" 2>/dev/null || true
    for _ in $(seq 1 50); do
        local alive=()
        for pid in "${new[@]}"; do
            pid_running "$pid" && alive+=("$pid")
        done
        [ "${#alive[@]}" -eq 0 ] && return 0
        sleep 0.2
    done
    kill -KILL "${new[@]}" 2>/dev/null || true
}

install_debian_packages() {
    if [ "${VNFSNAP_SKIP_APT:-0}" = 1 ]; then
        say "VNFSNAP_SKIP_APT=1: not checking Debian packages"
        return 0
    fi
    command -v dpkg-query >/dev/null || die "not a Debian system (no dpkg-query)"

    local pkg status missing=() packages
    packages=$(bindep_packages)
    for pkg in $packages; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
        [ "$status" = installed ] || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "Debian packages: all $(echo "$packages" | wc -w) present"
        return 0
    fi
    [ "$(id -u)" = 0 ] || die "must run as root to install: ${missing[*]}"

    APT_LOG=$(mktemp /tmp/vnfsnap-install-apt.XXXXXX.log)
    local updated=0
    if ! apt_lists_fresh; then
        apt_update
        updated=1
    fi

    local before
    before=$(daemon_pids)
    trap restore_service_starts EXIT
    trap 'exit 130' INT TERM
    block_service_starts
    say "apt-get install ${missing[*]}"
    local ok=0
    apt_install "${missing[@]}" && ok=1
    if [ "$ok" = 0 ] && [ "$updated" = 0 ]; then
        # Lists from earlier today may still name files the mirror dropped.
        apt_update
        apt_install "${missing[@]}" && ok=1
    fi
    restore_service_starts
    trap - EXIT INT TERM
    stop_new_daemons "$before"
    if [ "$ok" = 0 ]; then
        tail -n 30 "$APT_LOG" >&2
        die "apt-get install failed (full log: $APT_LOG)"
    fi
    rm -f "$APT_LOG"
    say "Debian packages installed"
}

# --------------------------------------------------------------------------
# Python virtualenv
# --------------------------------------------------------------------------

setup_venv() {
    local py want_version venv_version
    py=$(command -v "$PYTHON") || die "no $PYTHON on PATH"
    "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
        die "$PYTHON is $("$py" --version 2>&1); vnfsnap needs Python >= 3.11"
    want_version=$("$py" -c 'import sys; print(sys.version.split()[0], sys.base_prefix)')

    venv_version=""
    if [ -x "$VENV/bin/python" ]; then
        venv_version=$("$VENV/bin/python" -c \
            'import sys; print(sys.version.split()[0], sys.base_prefix)' 2>/dev/null || true)
    fi
    if [ "$venv_version" != "$want_version" ]; then
        if [ -e "$VENV" ]; then
            say "recreating $VENV (interpreter changed or virtualenv broken)"
            rm -rf "$VENV"
        fi
        say "creating virtualenv $VENV with $("$py" --version 2>&1)"
        "$py" -m venv "$VENV"
    fi

    local stamp="$VENV/.vnfsnap-install-stamp" want_hash
    want_hash=$(
        cd "$ROOT"
        {
            echo "$want_version"
            for f in setup.cfg setup.py requirements.txt \
                    test-requirements.txt demo/pyproject.toml \
                    client/pyproject.toml; do
                echo "== $f"
                cat "$f" 2>/dev/null || true
            done
        } | sha256sum | cut -d' ' -f1
    )
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_hash" ] \
            && "$VENV/bin/python" -c 'import vnfsnap, vnfsnap_demo, vnfsnapclient, stestr' \
            2>/dev/null; then
        say "virtualenv up to date (requirements unchanged)"
        return 0
    fi
    rm -f "$stamp"

    # pbr takes the version from git; a checkout without any commit (or a
    # copy without .git) needs it spelled out.
    if ! git -C "$ROOT" rev-parse --verify -q HEAD >/dev/null 2>&1; then
        export PBR_VERSION=${PBR_VERSION:-0.0.0}
    fi

    local log="$VENV/pip-install.log"
    : >"$log"
    say "pip install --upgrade pip"
    "$VENV/bin/python" -m pip install -q --upgrade pip >>"$log" 2>&1 || {
        tail -n 30 "$log" >&2; die "upgrading pip failed (full log: $log)"; }
    # The product (vnfsnap), from client/ its client library and openstack
    # CLI plugin, and from demo/ the demo and the test guest.
    say "pip install -e . -e ./client -e ./demo -r test-requirements.txt (log: $log)"
    (cd "$ROOT" && "$VENV/bin/python" -m pip install \
        -e . -e ./client -e ./demo -r test-requirements.txt) >>"$log" 2>&1 || {
        tail -n 30 "$log" >&2; die "pip install failed (full log: $log)"; }
    echo "$want_hash" >"$stamp"
    say "virtualenv ready"
}

install_debian_packages
setup_venv
# OpenStack Swift, for the functional tests of the swift package store, in
# a virtualenv of its own ($VNFSNAP_SWIFT_VENV); only with the "test"
# profile, like the other servers the tests start.
case " $BINDEP_PROFILES " in
    *" test "*) "$ROOT/tools/swift-aio/install.sh" ;;
esac
say "done in ${SECONDS}s"
