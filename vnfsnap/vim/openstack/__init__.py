"""The OpenStack VIM driver (Nova, Cinder, Glance through Keystone v3)."""
