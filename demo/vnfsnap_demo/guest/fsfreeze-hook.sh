#!/bin/sh
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
# /etc/qemu/fsfreeze-hook of the vnfsnap test guest: qemu-ga -F runs it
# with "freeze" before freezing the file systems and with "thaw" after
# thawing them.
#
# It holds the vnfsnap counter while frozen: on "freeze" it asks the counter
# to hold (SIGUSR1, with a token in __RUN_DIR__/hold-request) and waits, at
# most 2 s, until the counter answers "TOKEN VALUE" in __RUN_DIR__/held;
# on "thaw" it lets it resume (SIGUSR2).  Then, like Debian's hook, it runs
# the executables of fsfreeze-hook.d with the same argument (none here).
#
# Unlike Debian's hook it logs to tmpfs (never to a disk being frozen), a
# failure on "freeze" fails the freeze (qemu-ga then does not freeze and
# reports the error), and it uses shell builtins only: every fork+exec
# costs about 0.1 s in a TCG guest, and this runs inside the freeze.
#
# Words in double underscores are replaced, when guest_image.py builds
# the image, by its constants of that name (RUN_DIR...).
RUN=__RUN_DIR__
LOG=__HOOK_LOG__
D=/etc/qemu/fsfreeze-hook.d

log() {
    read -r up _ </proc/uptime
    echo "$up $*" >>"$LOG"
}

counter_pid() {
    pid=
    [ -r "$RUN/counter.pid" ] && read -r pid <"$RUN/counter.pid"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

hold_counter() {
    counter_pid || { log "freeze: no counter running"; return 0; }
    read -r up _ </proc/uptime
    token="$$-$up"
    echo "$token" >"$RUN/hold-request"
    kill -USR1 "$pid"
    read -r start _ </proc/uptime
    start="${start%.*}${start#*.}"
    while :; do
        reply=
        [ -r "$RUN/held" ] && read -r reply <"$RUN/held"
        case "$reply" in "$token "*) break ;; esac
        read -r now _ </proc/uptime
        if [ $(( ${now%.*}${now#*.} - start )) -gt 200 ]; then
            log "freeze: counter $pid did not hold within 2 s"
            kill -USR2 "$pid"
            return 1
        fi
    done
    log "freeze: counter $pid holds at ${reply#* }"
}

resume_counter() {
    counter_pid || { log "thaw: no counter running"; return 0; }
    kill -USR2 "$pid"
    log "thaw: counter $pid resumes"
}

run_scripts() {  # run_scripts ARG: the executables of fsfreeze-hook.d
    done_list=
    for f in "$D"/*; do
        if [ ! -f "$f" ] || [ ! -x "$f" ]; then
            continue
        fi
        log "$1: $f"
        "$f" "$1" >>"$LOG" 2>&1
        status=$?
        [ "$status" -eq 0 ] && { done_list="$f $done_list"; continue; }
        log "$1: $f failed with status $status"
        if [ "$1" = freeze ]; then
            for g in $done_list; do
                "$g" thaw >>"$LOG" 2>&1
            done
            return "$status"
        fi
    done
    return 0
}

case "$1" in
freeze)
    hold_counter || exit 1
    run_scripts freeze || { resume_counter; exit 1; }
    ;;
thaw)
    run_scripts thaw
    resume_counter
    ;;
*)
    log "unknown argument: $1"
    exit 2
    ;;
esac
exit 0
