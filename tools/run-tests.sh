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

# Run vnfsnap's tests: the test command of this project, which CI runs too
# (.ci/run).  Every check is a tox environment of tox.ini; this script sets
# the machine up, runs those environments and adds up their results.
#
#   tools/run-tests.sh                      lint, unit, then functional
#   tools/run-tests.sh lint                 tox -e pep8,docs,api-ref,
#                                           releasenotes,genconfig,genpolicy
#   tools/run-tests.sh unit [ARGS...]       tox -e py3 -- ARGS
#   tools/run-tests.sh dashboard [ARGS...]  tox -e dashboard -- ARGS (the
#                                           Horizon plugin's unit tests)
#   tools/run-tests.sh heat [ARGS...]       tox -e heat -- ARGS (the Heat
#                                           resource plugin's unit tests)
#   tools/run-tests.sh functional [ARGS...] tox -e functional -- ARGS
#
# ARGS (only with a part named) go to "stestr run", e.g. a test filter:
#   tools/run-tests.sh functional test_services.TestMariaDBServer
# or, for the dashboard, to Django's "manage.py test" (test labels), for
# heat to "python -m unittest discover" (e.g. -k test_snapshot).
#
# First runs tools/install.sh (Debian packages and .venv; quick when nothing
# changed), before the functional tests tools/openstack-aio/install.sh
# (the single-machine OpenStack some of them use), before the dashboard
# and functional tests tools/horizon-aio/install.sh (Horizon), and before
# the heat and functional tests tools/heat-aio/install.sh (Heat).  tox runs
# from .venv with --current-env (tox-current-env): in .venv itself, not in
# virtualenvs of its own.  With no part named, lint and the OpenStack,
# Horizon and Heat installs run in the background while the unit tests
# run, and their output follows.
# Exits non-zero when a part fails.  It ends with a summary: a line per
# part (its counts, then each failed test's id) and, last, the total,
# "N passed, N failed, N skipped".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VNFSNAP_VENV:-$ROOT/.venv}
LINT_ENVS=pep8,docs,api-ref,releasenotes,genconfig,genpolicy

say() { printf '[run-tests] %s\n' "$*"; }

usage() {
    awk '/^# Run vnfsnap/ {p = 1} /^set -euo/ {exit} p {sub(/^# ?/, ""); print}' \
        "${BASH_SOURCE[0]}"
}

part=all
case "${1:-}" in
    lint|unit|dashboard|heat|functional|all) part=$1; shift ;;
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
esac
if { [ "$part" = lint ] || [ "$part" = all ]; } && [ "$#" -gt 0 ]; then
    echo "extra arguments need a part: unit, dashboard, heat or" \
        "functional" >&2
    exit 2
fi

"$ROOT/tools/install.sh"

cd "$ROOT"
# Its own work directory: tox would otherwise delete the virtualenv a plain
# "tox -e ENV" made in .tox/ENV, and make it again on the next plain run.
TOX=("$VENV/bin/tox" --current-env --workdir "$ROOT/.tox/current-env")
STESTR=$VENV/bin/stestr
SUBUNIT_STATS=$VENV/bin/subunit-stats
SUBUNIT_FILTER=$VENV/bin/subunit-filter
SUBUNIT_LS=$VENV/bin/subunit-ls
for exe in "${TOX[0]}" "$STESTR" "$SUBUNIT_STATS" "$SUBUNIT_FILTER" \
        "$SUBUNIT_LS"; do
    [ -x "$exe" ] || { echo "$exe missing" >&2; exit 1; }
done

# Given to the test runner only (not to this script), and passed on by the
# fixtures to the servers they start: finds what a crashed test left.
RUN_ID=$(cat /proc/sys/kernel/random/uuid)
LOG_DIR=$(mktemp -d /tmp/vnfsnap-run-tests.XXXXXX)
declare -A background_pids=()
# shellcheck disable=SC2329  # the EXIT trap runs it
cleanup() {
    # Background parts still running (the script was interrupted).
    local pid
    for pid in "${background_pids[@]}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    rm -rf "$LOG_DIR"
}
trap cleanup EXIT

total_passed=0
total_failed=0
total_skipped=0
status=0
summaries=()

latest_run_id() {
    # The highest run id in the stestr repository, -1 when there is none.
    local ids
    ids=$("$STESTR" history list -f value 2>/dev/null \
        | awk '{print $1}' | grep -E '^[0-9]+$' | sort -n | tail -n 1) \
        || true
    echo "${ids:--1}"
}

# The number of tests of the last stestr run with the given subunit-stats
# label ("Passed", "Failed", "Skipped").
count() {
    awk -F: -v label="$1 tests" \
        '$1 == label {gsub(/ /, "", $2); print $2}' <<<"$2"
}

# run_tests NAME TOX_ENV [stestr run args...]
run_tests() {
    local name=$1 env=$2
    shift 2
    local before after rc=0 stats passed=0 failed=0 skipped=0 failures=""
    before=$(latest_run_id)
    say "$name tests: tox -e $env -- $*"
    VNFSNAP_TEST_RUN_ID=$RUN_ID "${TOX[@]}" -e "$env" -- "$@" || rc=$?
    after=$(latest_run_id)
    if [ "$after" -gt "$before" ]; then
        stats=$("$STESTR" last --subunit | "$SUBUNIT_STATS" 2>/dev/null) \
            || true
        passed=$(count Passed "$stats")
        failed=$(count Failed "$stats")
        skipped=$(count Skipped "$stats")
        passed=${passed:-0} failed=${failed:-0} skipped=${skipped:-0}
        # The ids of the failed tests, for the summary at the very end.
        failures=$("$STESTR" last --subunit \
            | "$SUBUNIT_FILTER" --only-genuine-failures --no-passthrough \
            | "$SUBUNIT_LS") || true
    fi
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        # No test recorded as failed, yet the run failed: a test module
        # that does not import, no test found, a crashed worker...
        say "$name tests: tox exited with $rc without a failed test;" \
            "counting 1 failure"
        failed=1
    fi
    if [ "$rc" -eq 0 ] && [ $((passed + failed + skipped)) -eq 0 ]; then
        say "$name tests: no test ran; counting 1 failure"
        failed=1
        rc=1
    fi
    [ "$rc" -eq 0 ] || status=1
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    summaries+=("$name: $passed passed, $failed failed, $skipped skipped")
    local id
    while IFS= read -r id; do
        [ -z "$id" ] || summaries+=("  FAILED $id")
    done <<<"$failures"
}

# run_unittest_report NAME TOX_ENV [args...]: tests run by a runner of
# unittest's kind in a virtualenv of their own (not stestr): the Horizon
# plugin's by Django's test runner in Horizon's, the Heat plugin's by
# "python -m unittest" in Heat's.  Their counts and failed tests come from
# the runner's own report ("Ran N tests", "FAIL: ...", "ERROR: ...").
run_unittest_report() {
    local name=$1 env=$2
    shift 2
    local rc=0 out ran=0 failed=0 skipped=0 id
    say "$name tests: tox -e $env -- $*"
    out=$LOG_DIR/$name.log
    "${TOX[@]}" -e "$env" -- "$@" 2>&1 | tee "$out" || rc=$?
    ran=$(sed -n 's/^Ran \([0-9]*\) tests\? in .*/\1/p' "$out" | tail -n 1)
    failed=$(grep -cE '^(FAIL|ERROR): ' "$out") || true
    skipped=$(sed -n 's/.*skipped=\([0-9]*\).*/\1/p' "$out" | tail -n 1)
    ran=${ran:-0} failed=${failed:-0} skipped=${skipped:-0}
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        say "$name tests: tox exited with $rc without a failed test;" \
            "counting 1 failure"
        failed=1
    fi
    if [ "$rc" -eq 0 ] && [ "$ran" -eq 0 ]; then
        say "$name tests: no test ran; counting 1 failure"
        failed=1
        rc=1
    fi
    [ "$rc" -eq 0 ] || status=1
    local passed
    passed=$((ran - failed - skipped))
    [ "$passed" -ge 0 ] || passed=0
    total_passed=$((total_passed + passed))
    total_failed=$((total_failed + failed))
    total_skipped=$((total_skipped + skipped))
    summaries+=("$name: $passed passed, $failed failed, $skipped skipped")
    while IFS= read -r id; do
        [ -z "$id" ] || summaries+=("  FAILED $id")
    done < <(sed -n 's/^\(FAIL\|ERROR\): //p' "$out")
}

# start_background NAME COMMAND...: runs COMMAND with its output in a log.
start_background() {
    local name=$1
    shift
    say "$name: running in the background"
    # In a process group of its own (set -m), which cleanup stops whole.
    set -m
    "$@" >"$LOG_DIR/$name.log" 2>&1 &
    background_pids[$name]=$!
    set +m
}

# finish_background NAME: waits for it, shows its output; returns its status.
finish_background() {
    local name=$1 rc=0
    wait "${background_pids[$name]}" || rc=$?
    unset "background_pids[$name]"
    say "---- $name output ----"
    cat "$LOG_DIR/$name.log"
    say "---- end of $name output (exit status $rc) ----"
    return "$rc"
}

lint() {
    say "lint: tox -e $LINT_ENVS"
    "${TOX[@]}" -e "$LINT_ENVS"
}

lint_result() {
    if [ "$1" -eq 0 ]; then
        summaries+=("lint: clean")
    else
        status=1
        summaries+=("lint: FAILED (see above)")
    fi
}

# The single-machine OpenStack of the OpenStack functional tests, the
# Horizon of the dashboard tests and the Heat of the heat tests (quick when
# already installed).
openstack_aio_install() {
    "$ROOT/tools/openstack-aio/install.sh" &&
        "$ROOT/tools/horizon-aio/install.sh" &&
        "$ROOT/tools/heat-aio/install.sh"
}

horizon_aio_install() {
    "$ROOT/tools/horizon-aio/install.sh"
}

heat_aio_install() {
    "$ROOT/tools/heat-aio/install.sh"
}

# run_plugin NAME TOX_ENV INSTALL_STATUS WHAT [args...]: a plugin's unit
# tests, unless the install of WHAT (Horizon, Heat) failed.
run_plugin() {
    local name=$1 env=$2 rc=$3 what=$4
    shift 4
    if [ "$rc" -ne 0 ]; then
        say "$name: the $what install failed"
        status=1
        total_failed=$((total_failed + 1))
        summaries+=("$name: not run ($what install failed)")
        return 0
    fi
    run_unittest_report "$name" "$env" "$@"
}

run_functional() {
    if [ "$1" -ne 0 ]; then
        say "functional: the OpenStack, Horizon or Heat install failed"
        status=1
        total_failed=$((total_failed + 1))
        summaries+=("functional: not run (OpenStack, Horizon or Heat install failed)")
        return 0
    fi
    run_tests functional functional "${@:2}"
}

# Stop, by PID, server processes of this run that are still there (a test
# worker that crashed never ran its fixtures' cleanups).
stop_leftovers() {
    local env_file pid leftovers=()
    for env_file in /proc/[0-9]*/environ; do
        pid=${env_file#/proc/}
        pid=${pid%/environ}
        if grep -qzxF "VNFSNAP_TEST_RUN_ID=$RUN_ID" "$env_file" \
                2>/dev/null; then
            leftovers+=("$pid")
        fi
    done
    [ "${#leftovers[@]}" -gt 0 ] || return 0
    say "WARNING: stopping processes the tests left running: ${leftovers[*]}"
    ps -o pid,ppid,args -p "$(IFS=,; echo "${leftovers[*]}")" || true
    kill -TERM "${leftovers[@]}" 2>/dev/null || true
    sleep 5
    kill -KILL "${leftovers[@]}" 2>/dev/null || true
}

rc=0
case "$part" in
    lint)
        lint || rc=$?
        lint_result "$rc"
        ;;
    unit)
        run_tests unit py3 "$@"
        ;;
    dashboard)
        horizon_aio_install || rc=$?
        run_plugin dashboard dashboard "$rc" Horizon "$@"
        ;;
    heat)
        heat_aio_install || rc=$?
        run_plugin heat heat "$rc" Heat "$@"
        ;;
    functional)
        openstack_aio_install || rc=$?
        run_functional "$rc" "$@"
        ;;
    all)
        # Two cores: the unit tests use both, lint and the OpenStack,
        # Horizon and Heat installs (mostly waiting for pip) fit beside
        # them.
        start_background lint lint
        start_background openstack-aio openstack_aio_install
        run_tests unit py3
        finish_background lint || rc=$?
        lint_result "$rc"
        rc=0
        finish_background openstack-aio || rc=$?
        run_plugin dashboard dashboard "$rc" "OpenStack, Horizon or Heat"
        run_plugin heat heat "$rc" "OpenStack, Horizon or Heat"
        run_functional "$rc"
        ;;
esac
stop_leftovers

for line in "${summaries[@]}"; do
    say "$line"
done
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit "$status"
