#!/bin/busybox sh
# shellcheck shell=sh
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
# /init of the vnfsnap test guest's initramfs: load the virtio modules
# (modules in Debian's cloud kernel), mount the root disk, switch_root.
/bin/busybox mkdir -p /bin /proc /sys /dev /newroot
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
    echo "vnfsnap initramfs: $*" >/dev/console
    echo "vnfsnap initramfs: powering off" >/dev/console
    sync
    echo o >/proc/sysrq-trigger
    sleep 60
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
while read -r m; do
    insmod "/lib/modules/$m" || echo "vnfsnap initramfs: insmod $m failed"
done </etc/modules

root=/dev/vda
init=/sbin/vnfsnap-init
read -r cmdline </proc/cmdline
for arg in $cmdline; do
    case "$arg" in
        root=/dev/*) root=${arg#root=} ;;
        vnfsnap.init=*) init=${arg#vnfsnap.init=} ;;
    esac
done
i=0
while [ ! -b "$root" ]; do
    i=$((i + 1))
    [ "$i" -le 100 ] || fail "no root device $root"
    sleep 0.1
done
mount -t ext4 -o rw,noatime "$root" /newroot || fail "cannot mount $root"
[ -x "/newroot$init" ] || fail "no $init on $root"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot "$init"
