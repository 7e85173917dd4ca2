"""JSON schema pieces for SOL003/SOL013 types used in request bodies.

They live in vnfsnap.common.schemas, where the conductor validates VNF
snapshot package records with them too.
"""

from vnfsnap.common.schemas import DATE_TIME  # noqa: F401
from vnfsnap.common.schemas import IDENTIFIER  # noqa: F401
from vnfsnap.common.schemas import KEY_VALUE_PAIRS  # noqa: F401
from vnfsnap.common.schemas import RESOURCE_HANDLE  # noqa: F401
from vnfsnap.common.schemas import STRING  # noqa: F401
from vnfsnap.common.schemas import UUID_IDENTIFIER  # noqa: F401
from vnfsnap.common.schemas import VIM_CONNECTION_INFO  # noqa: F401
