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

"""The real test guest and the host plumbing for the demo and the tests.

- :mod:`vnfsnap_demo.libvirtd`: start ``virtlogd`` and ``libvirtd`` on a
  machine without systemd (and stop, by PID, what was started).
- :mod:`vnfsnap_demo.guest_image`: build the tiny test guest (Debian cloud
  kernel, busybox initramfs, debootstrap root disk running qemu-guest-agent
  and a counter workload), cached by a hash of its inputs.
- :mod:`vnfsnap_demo.domains`: define, boot and clean up libvirt domains of
  that guest (TCG unless KVM really boots it).
- :mod:`vnfsnap_demo.guest_agent`: read and change the guest's memory and
  disk state from the host through the QEMU guest agent.

Nothing here is a fake: these modules drive real daemons and real guests.
They are used by the demo (``vnfsnap-demo``) and the functional tests; the
libvirt VIM driver itself does not import them.
"""
