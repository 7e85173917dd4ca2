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

"""Options of the [conductor] group: how LCM operations are run."""

from oslo_config import cfg

group = cfg.OptGroup('conductor', title='Conductor options')

opts = [
    cfg.StrOpt('topic', default='vnfsnap-conductor',
               help='RPC topic the conductors listen on.'),
    cfg.IntOpt('workers', default=8, min=1,
               help='Number of LCM operations one conductor runs at the '
                    'same time (each one on its own VNF instance).'),
    cfg.IntOpt('graceful_shutdown_timeout', default=60, min=0,
               help='Seconds a stopping conductor waits for the operations '
                    'it runs to finish. Those still running after that are '
                    'cut short; the conductor marks them FAILED_TEMP when it '
                    'starts again, and the client retries or rolls back.'),
    cfg.IntOpt('freeze_deadline', default=60, min=5,
               help='Seconds a VNFC may stay quiesced (file systems '
                    'frozen). The VIM driver thaws it after that even when '
                    'the conductor that froze it died or hangs (the libvirt '
                    'driver runs a guard process for it); the guest agent '
                    'never thaws by itself.'),
    cfg.IntOpt('pause_deadline', default=300, min=5,
               help='Seconds a VNFC may stay paused for a VNF-wide '
                    'snapshot point (additionalParams pauseVnf): the pause '
                    'spans the capture of every VNFC of the VNF, memory '
                    'included, so it is longer than freeze_deadline. The '
                    'VIM driver resumes the VNFC after that even when the '
                    'conductor that paused it died or hangs (the libvirt '
                    'driver runs a guard process for it), and the '
                    'operation then fails: its VNF-wide point is lost.'),
    cfg.IntOpt('power_off_deadline', default=900, min=5,
               help='Seconds a VNFC stopped for its snapshot (snapshot '
                    'descriptor powerOffBefore) may stay off before the VIM '
                    'driver starts it again, in the power state it had, '
                    'even when the conductor that stopped it died or hangs '
                    '(a libvirt guard process); a snapshot still running '
                    'then fails. Covers the graceful shutdown '
                    '([libvirt]shutdown_timeout) and a cold capture of its '
                    'disks.'),
    cfg.IntOpt('detach_deadline', default=900, min=5,
               help='Seconds a volume detached for a snapshot (snapshot '
                    'descriptor detachDisksBefore) may stay detached before '
                    'the VIM driver attaches it again, even when the '
                    'conductor that detached it died or hangs (a libvirt '
                    'guard process); a snapshot still running then fails. '
                    'Volumes the descriptor keeps detached after the '
                    'snapshot (attachDisksAfter false) are not guarded.'),
    cfg.IntOpt('sweep_interval', default=10, min=1,
               help='Seconds between two looks for LCM operation '
                    'occurrences that no conductor runs although they should '
                    'run (their message was lost); each conductor runs the '
                    'ones it can claim.'),
    cfg.IntOpt('flow_workers', default=4, min=1,
               help='Threads one flow may use for the steps that run in '
                    'parallel: the VNFCs of one order group, and so the '
                    'most VNFCs a revert puts back at once. Keep it at '
                    'least the number of VNFCs a VNF snapshot freezes '
                    'together, or their freeze is staggered.'),
    cfg.StrOpt('package_work_dir', default='$state_path/package-work',
               help='Directory where a conductor builds, verifies and '
                    'extracts VNF snapshot packages. It needs free space for '
                    'about twice the largest package; each operation cleans '
                    'up its own sub-directory when it ends.'),
    cfg.IntOpt('package_upload_stall_timeout', default=600, min=30,
               help='Seconds an upload of VNF snapshot package content '
                    '(PUT package_content, streamed by an API process) may '
                    'go without progress before a conductor marks the '
                    'package ERROR; this catches an API process that died '
                    'mid-upload.'),
    cfg.IntOpt('heartbeat_interval', default=10, min=1,
               help='Seconds between two heartbeats a conductor writes in '
                    'the database (the conductors table).'),
    cfg.IntOpt('heartbeat_timeout', default=60, min=2,
               help='Seconds without a heartbeat after which a conductor '
                    'is offline: a live conductor then takes over the LCM '
                    'operation occurrences and VNF snapshot package jobs it '
                    'held (resumes them, as the conductor would at its own '
                    'restart). A conductor whose own heartbeat failed (the '
                    'database was away) takes nobody over until its '
                    'heartbeats were written again this long. Must exceed '
                    'heartbeat_interval, and the '
                    'clocks of the conductor hosts must agree (NTP) to '
                    'well within it.'),
]


def check(conf):
    """Refuse option values that contradict each other."""
    if conf.conductor.heartbeat_timeout <= conf.conductor.heartbeat_interval:
        raise cfg.Error(
            '[conductor]heartbeat_timeout (%d) must exceed '
            '[conductor]heartbeat_interval (%d): otherwise live conductors '
            'would be taken for dead between two heartbeats'
            % (conf.conductor.heartbeat_timeout,
               conf.conductor.heartbeat_interval))


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
