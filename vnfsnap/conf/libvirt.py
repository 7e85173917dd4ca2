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

"""Options of the [libvirt] group: the local QEMU/KVM VIM driver."""

from oslo_config import cfg

group = cfg.OptGroup('libvirt', title='libvirt VIM driver options')

opts = [
    cfg.StrOpt('uri', default='qemu:///system',
               help='libvirt connection URI used when a VimConnectionInfo '
                    'of vimType VNFSNAP.LIBVIRT.V_1 gives no '
                    'interfaceInfo.uri.'),
    cfg.StrOpt('snapshot_dir', default='$state_path/libvirt',
               help='Directory for the files the driver creates: disk '
                    'overlays, memory state files, exported VNFC '
                    'snapshots. QEMU (user libvirt-qemu on Debian) must be '
                    'able to traverse and read it.'),
    cfg.StrOpt('qemu_log_dir', default='/var/log/libvirt/qemu',
               help='Directory where libvirtd writes the QEMU log of each '
                    'domain (<name>.log), read for the diagnostics of a '
                    'root-cause package when the connection is local '
                    '(qemu:///session uses ~/.cache/libvirt/qemu/log).'),
    cfg.IntOpt('reconnect_timeout', default=60, min=0,
               help='Seconds the driver waits for libvirtd to accept '
                    'connections again (a restart of libvirtd) before a '
                    'call fails. The steps that undo an interruption '
                    '(thaw, resume) and the guards that back them up keep '
                    'trying this long, so that a libvirtd restarted '
                    'mid-operation leaves no VNFC frozen or paused.'),
    cfg.IntOpt('agent_timeout', default=10, min=1,
               help='Seconds to wait for a guest agent command.'),
    cfg.IntOpt('block_job_timeout', default=600, min=10,
               help='Seconds to wait for a block job (the live merge that '
                    'deleting a snapshot starts) to finish.'),
    cfg.IntOpt('shutdown_timeout', default=30, min=0,
               help='Seconds a graceful shutdown of a VNFC may take before '
                    'the domain is destroyed.'),
    cfg.IntOpt('detach_timeout', default=60, min=1,
               help='Seconds the guest of a running VNFC may take to '
                    'release a volume vnfsnap detaches from it (snapshot '
                    'descriptor detachDisksBefore) before the snapshot '
                    'fails; the guest must answer the hot-unplug request.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
