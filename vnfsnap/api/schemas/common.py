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
