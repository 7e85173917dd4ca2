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
# /sbin/vnfsnap-init, PID 1 of the vnfsnap test guest: mounts, the
# network (when the kernel command line gives an address), the guest
# agent, the counter workload, the HTTP service under a supervisor loop,
# then reaps children.
# Words in double underscores are replaced, when guest_image.py builds
# the image, by its constants of that name (RUN_DIR...).
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
umask 022

log() { echo "vnfsnap-init: $*" >/dev/console; }

mountpoint -q /proc || mount -t proc -o nosuid,nodev,noexec proc /proc
mountpoint -q /sys || mount -t sysfs -o nosuid,nodev,noexec sysfs /sys
mountpoint -q /dev || mount -t devtmpfs -o nosuid devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts -o nosuid,noexec,gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /dev/shm
mount -t tmpfs -o nosuid,nodev,mode=755 tmpfs /run
mount -t tmpfs -o nosuid,nodev,mode=1777 tmpfs /tmp
exec </dev/null >/dev/console 2>&1

name=vnfsnap-guest
address=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
    case "$arg" in
        vnfsnap.name=?*) name=${arg#vnfsnap.name=} ;;
        vnfsnap.ip=?*) address=${arg#vnfsnap.ip=} ;;
    esac
done
hostname "$name"
mkdir -p __RUN_DIR__

# Loopback always; eth0 (the virtio NIC a domain may have) gets the
# address of vnfsnap.ip=ADDRESS/PREFIX.  busybox's ip, from Debian's
# busybox package (no applet links: called as "busybox ip").
busybox ip link set lo up
if [ -n "$address" ]; then
    i=0
    while [ ! -e /sys/class/net/eth0 ]; do
        i=$((i + 1))
        [ "$i" -le 50 ] || { log "no eth0 for $address"; break; }
        sleep 0.1
    done
    if busybox ip addr add "$address" dev eth0 &&
        busybox ip link set eth0 up; then
        log "eth0 $address"
    else
        log "cannot configure eth0 with $address"
    fi
fi

if [ -b /dev/vdb ]; then
    mkdir -p __DATA_MOUNT__
    if mount -t ext4 -o rw,noatime /dev/vdb __DATA_MOUNT__; then
        mkdir -p __DATA_MOUNT__/vnfsnap
        : >__RUN_DIR__/data-mounted
    else
        log "cannot mount /dev/vdb"
    fi
fi

# What udev would do: /dev/virtio-ports/<name> -> ../vportNpM
mkdir -p /dev/virtio-ports
i=0
while :; do
    for d in /sys/class/virtio-ports/*; do
        [ -r "$d/name" ] || continue
        read -r port <"$d/name" || true
        [ -n "$port" ] && ln -sf "../${d##*/}" "/dev/virtio-ports/$port"
    done
    [ -e /dev/virtio-ports/__AGENT_CHANNEL__ ] && break
    i=$((i + 1))
    [ "$i" -le 50 ] || { log "no virtio port __AGENT_CHANNEL__"; break; }
    sleep 0.1
done

# The guest agent; restarted if it ever exits.
(
    while :; do
        qemu-ga -m virtio-serial -p /dev/virtio-ports/__AGENT_CHANNEL__ \
            -F/etc/qemu/fsfreeze-hook -f /run/qemu-ga.pid -t /run
        log "qemu-ga exited with status $?; restarting"
        sleep 1
    done
) &

# The workload: not restarted (its memory state would be lost silently).
(
    /usr/local/sbin/vnfsnap-counter
    log "vnfsnap-counter exited with status $?"
) &

# The HTTP service, under a supervisor: started again when it exits,
# after __HTTPD_RESTART_DELAY__ s (a supervisor's back-off).
(
    while :; do
        /usr/local/sbin/vnfsnap-httpd
        log "vnfsnap-httpd exited with status $?; restarting"
        sleep __HTTPD_RESTART_DELAY__
    done
) &

# The same service on the second serial port, where there is one (a Nova
# server of a cloud without networks; see vnfsnap-httpd).
if grep -q '^1: uart:[0-9]' /proc/tty/driver/serial 2>/dev/null; then
    (
        while :; do
            /usr/local/sbin/vnfsnap-httpd /dev/ttyS1
            log "vnfsnap-httpd on ttyS1 exited with status $?; restarting"
            sleep __HTTPD_RESTART_DELAY__
        done
    ) &
fi

log "started ($name, boot id $(cat /proc/sys/kernel/random/boot_id))"
while :; do
    wait
    sleep 1
done
