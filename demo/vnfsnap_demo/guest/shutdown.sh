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
# /sbin/shutdown of the vnfsnap test guest (there is no init system):
# qemu-ga's guest-shutdown runs "shutdown -P|-H|-r +0 MESSAGE".
# Words in double underscores are replaced, when guest_image.py builds
# the image, by its constants of that name (RUN_DIR...).
action=o
for arg; do
    case "$arg" in -r) action=b ;; esac
done
(
    sleep 0.2
    if [ -r __RUN_DIR__/counter.pid ]; then
        read -r pid <__RUN_DIR__/counter.pid
        kill -TERM "$pid" 2>/dev/null
        i=0
        while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 20 ]; do
            i=$((i + 1)); sleep 0.1
        done
    fi
    sync
    mountpoint -q __DATA_MOUNT__ && mount -o remount,ro __DATA_MOUNT__
    mount -o remount,ro /
    sync
    echo "$action" >/proc/sysrq-trigger
) </dev/null >/dev/console 2>&1 &
exit 0
