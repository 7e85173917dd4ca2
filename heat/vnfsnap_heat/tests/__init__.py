# heat.tests.common selects oslo.service's threading backend, as Heat's
# own tests run; it must come before anything of heat.engine, which
# would select the eventlet one, so the test package imports it first.
from heat.tests import common  # noqa: F401
