"""The local QEMU/KVM VIM driver (direct resource management mode)."""
