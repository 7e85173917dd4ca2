"""The real test guest and the host plumbing for the demo and the tests.

- :mod:`vnfsnap.demo.libvirtd`: start ``virtlogd`` and ``libvirtd`` on a
  machine without systemd (and stop, by PID, what was started).
- :mod:`vnfsnap.demo.guest_image`: build the tiny test guest (Debian cloud
  kernel, busybox initramfs, debootstrap root disk running qemu-guest-agent
  and a counter workload), cached by a hash of its inputs.
- :mod:`vnfsnap.demo.domains`: define, boot and clean up libvirt domains of
  that guest (TCG unless KVM really boots it).
- :mod:`vnfsnap.demo.guest_agent`: read and change the guest's memory and
  disk state from the host through the QEMU guest agent.

Nothing here is a fake: these modules drive real daemons and real guests.
They are used by the demo (``vnfsnap-demo``) and the functional tests; the
libvirt VIM driver itself does not import them.
"""
