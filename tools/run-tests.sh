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
#
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

# Run vnfsnap's tests: the test command of this project (CI runs it too).
#
#   tools/run-tests.sh                      lint, unit, then functional tests
#   tools/run-tests.sh lint                 flake8 (hacking) and ruff only
#   tools/run-tests.sh unit [ARGS...]       unit tests only
#   tools/run-tests.sh functional [ARGS...] functional tests only
#
# ARGS (only with a part named) go to "stestr run", e.g. a test filter:
#   tools/run-tests.sh functional test_services.TestMariaDBServer
#
# First runs tools/install.sh (Debian packages and .venv; quick when nothing
# changed), then stestr from .venv: the unit tests in parallel, the
# functional tests (which start real RabbitMQ, PostgreSQL and MariaDB
# servers of their own, see vnfsnap/tests/functional/services.py) one at a
# time.  Exits non-zero when a part fails; the last line is the total,
# "N passed, N failed, N skipped".
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV=${VNFSNAP_VENV:-$ROOT/.venv}
UNIT_PATH=./vnfsnap/tests/unit
FUNCTIONAL_PATH=./vnfsnap/tests/functional

say() { printf '[run-tests] %s\n' "$*"; }

usage() {
    sed -n '2,/^# Licensed under/p' "${BASH_SOURCE[0]}" |
        sed -e '$d' -e 's/^# \{0,1\}//' | sed -e '$d'
}

part=all
case "${1:-}" in
    lint|unit|functional|all) part=$1; shift ;;
    -h|--help) usage; exit 0 ;;
    "") ;;
    *) usage >&2; exit 2 ;;
esac
if [ "$part" = all ] && [ "$#" -gt 0 ]; then
    echo "extra arguments need a part: unit or functional" >&2
    exit 2
fi

"$ROOT/tools/install.sh"

cd "$ROOT"
STESTR=$VENV/bin/stestr
SUBUNIT_STATS=$VENV/bin/subunit-stats
[ -x "$STESTR" ] && [ -x "$SUBUNIT_STATS" ] ||
    { echo "stestr or subunit-stats missing from $VENV" >&2; exit 1; }

# Given to the test runner only (not to this script), and passed on by the
# fixtures to the servers they start: finds what a crashed test left.
RUN_ID=$(cat /proc/sys/kernel/random/uuid)

total_passed=0
total_failed=0
total_skipped=0
status=0
summaries=()

latest_run_id() {
    # The highest run id in the stestr repository, -1 when there is none.
    local ids
    ids=$("$STESTR" history list -f value 2>/dev/null | awk '{print $1}' |
          grep -E '^[0-9]+$' | sort -n | tail -n 1) || true
    echo "${ids:--1}"
}

# run_part NAME TEST_PATH [stestr run args...]
run_part() {
    local name=$1 path=$2
    shift 2
    local before after rc=0 stats passed=0 failed=0 skipped=0
    before=$(latest_run_id)
    say "$name tests: stestr --test-path $path run $*"
    VNFSNAP_TEST_RUN_ID=$RUN_ID "$STESTR" --test-path "$path" run "$@" || rc=$?
    after=$(latest_run_id)
    if [ "$after" -gt "$before" ]; then
        stats=$("$STESTR" last --subunit | "$SUBUNIT_STATS" 2>/dev/null) || true
        passed=$(awk -F: '/^Passed tests:/ {gsub(/ /, "", $2); print $2}' <<<"$stats")
        failed=$(awk -F: '/^Failed tests:/ {gsub(/ /, "", $2); print $2}' <<<"$stats")
        skipped=$(awk -F: '/^Skipped tests:/ {gsub(/ /, "", $2); print $2}' <<<"$stats")
        passed=${passed:-0} failed=${failed:-0} skipped=${skipped:-0}
    fi
    if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
        # No test recorded as failed, yet stestr failed: a test module that
        # does not import, no test found, a crashed worker...
        say "$name tests: stestr exited with $rc without a failed test; counting 1 failure"
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
}

# Stop, by PID, server processes of this run that are still there (a test
# worker that crashed never ran its fixtures' cleanups).
stop_leftovers() {
    local env_file pid leftovers=()
    for env_file in /proc/[0-9]*/environ; do
        pid=${env_file#/proc/}
        pid=${pid%/environ}
        if grep -qzxF "VNFSNAP_TEST_RUN_ID=$RUN_ID" "$env_file" 2>/dev/null; then
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

if [ "$part" = all ] || [ "$part" = lint ]; then
    say "lint: flake8 (with hacking) and ruff"
    if "$VENV/bin/flake8" && "$VENV/bin/ruff" check vnfsnap tools; then
        summaries+=("lint: clean")
    else
        status=1
        summaries+=("lint: FAILED (see above)")
    fi
fi
if [ "$part" = all ] || [ "$part" = unit ]; then
    run_part unit "$UNIT_PATH" "$@"
fi
if [ "$part" = all ] || [ "$part" = functional ]; then
    # The single-machine OpenStack of the OpenStack functional tests
    # (quick when already installed).
    "$ROOT/tools/openstack-aio/install.sh"
    run_part functional "$FUNCTIONAL_PATH" --concurrency 1 "$@"
fi
stop_leftovers

for line in "${summaries[@]}"; do
    say "$line"
done
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
exit "$status"
