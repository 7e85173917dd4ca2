"""vnfsnap: consistent snapshots, revert and snapshot packages for VNFs."""

from oslo_service import backend as _oslo_service_backend

# vnfsnap runs on threads, never eventlet: select oslo.service's threading
# backend before oslo.messaging loads its looping calls.
try:
    _oslo_service_backend.init_backend(
        _oslo_service_backend.BackendType.THREADING)
except _oslo_service_backend.exceptions.BackendAlreadySelected:
    pass
