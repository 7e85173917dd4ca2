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

"""ETSI SOL003 state names and the LCM operation occurrence state machine."""

# VnfInstance.instantiationState
INSTANTIATED = 'INSTANTIATED'
NOT_INSTANTIATED = 'NOT_INSTANTIATED'

# LcmOperationType values vnfsnap runs
CREATE_SNAPSHOT = 'CREATE_SNAPSHOT'
REVERT_TO_SNAPSHOT = 'REVERT_TO_SNAPSHOT'
MODIFY_INFO = 'MODIFY_INFO'
# vnfsnap extension: a guarded online test (GR NFV-TST 005 clause 4.1.1),
# run and notified as an LCM operation occurrence of its own.
ONLINE_TEST = 'ONLINE_TEST'
OPERATIONS = (CREATE_SNAPSHOT, REVERT_TO_SNAPSHOT, MODIFY_INFO, ONLINE_TEST)

# LcmOperationStateType
STARTING = 'STARTING'
PROCESSING = 'PROCESSING'
COMPLETED = 'COMPLETED'
FAILED_TEMP = 'FAILED_TEMP'
FAILED = 'FAILED'
ROLLING_BACK = 'ROLLING_BACK'
ROLLED_BACK = 'ROLLED_BACK'

# Final states release the VNF instance; FAILED_TEMP keeps it reserved until
# the client retries, rolls back or fails the occurrence (SOL003 5.6.2.2).
FINAL_STATES = frozenset((COMPLETED, FAILED, ROLLED_BACK))
ACTIVE_STATES = frozenset((STARTING, PROCESSING, ROLLING_BACK))

# CancelModeType
GRACEFUL = 'GRACEFUL'
FORCEFUL = 'FORCEFUL'

# Which state each client task (SOL003 5.4.14-5.4.17) may start from.
TASK_SOURCE_STATES = {
    'retry': frozenset((FAILED_TEMP,)),
    'rollback': frozenset((FAILED_TEMP,)),
    'fail': frozenset((FAILED_TEMP,)),
    'cancel': frozenset((STARTING, PROCESSING, ROLLING_BACK)),
}

# Rolling back a revert would need the pre-revert state, which vnfsnap does
# not keep; such an occurrence can be retried or failed, not rolled back.
NO_ROLLBACK = frozenset((REVERT_TO_SNAPSHOT,))
# An online test is not run again from its start once a fault may have been
# injected: a failed one is rolled back (the VNF restored) or failed.
NO_RETRY = frozenset((ONLINE_TEST,))


def allowed_tasks(operation, state):
    """The client tasks possible for an occurrence, in a stable order."""
    return [task for task in ('retry', 'rollback', 'fail', 'cancel')
            if state in TASK_SOURCE_STATES[task]
            and not (task == 'rollback' and operation in NO_ROLLBACK)
            and not (task == 'retry' and operation in NO_RETRY)]


# Online test verdicts and the phases its record goes through.
VERDICT_PASS = 'PASS'  # noqa: S105 (a verdict, not a password)
VERDICT_FAIL = 'FAIL'
TEST_PHASES = ('BASELINE', 'SNAPSHOT', 'INJECTED', 'JUDGED', 'CLEANUP',
               'FAILED_STATE_CAPTURE', 'RESTORING', 'RESTORED',
               'PACKAGING', 'DONE')


# Consistency levels a VNFC snapshot can record (what was really reached).
CONSISTENCY_APPLICATION = 'application'
CONSISTENCY_FILESYSTEM = 'filesystem'
CONSISTENCY_CRASH = 'crash'


# VnfSnapshotPkgInfo.state (SOL005 clause 11.5.4) and what moves it.
PKG_CREATED = 'CREATED'
PKG_BUILDING = 'BUILDING'
PKG_UPLOADING = 'UPLOADING'
PKG_PROCESSING = 'PROCESSING'
PKG_AVAILABLE = 'AVAILABLE'
PKG_EXTRACTING = 'EXTRACTING'
PKG_ERROR = 'ERROR'
PKG_ERROR_EXTRACTING = 'ERROR_EXTRACTING'
PKG_ACTIVE_STATES = frozenset((PKG_BUILDING, PKG_UPLOADING, PKG_PROCESSING,
                               PKG_EXTRACTING))

# The content operation a package runs or last ran.
PKG_OP_BUILD = 'BUILD'
PKG_OP_UPLOAD = 'UPLOAD'
PKG_OP_UPLOAD_FROM_URI = 'UPLOAD_FROM_URI'
PKG_OP_EXTRACT = 'EXTRACT'

# failureDetails.errorType
BUILD_ERROR = 'BUILD_ERROR'
UPLOAD_ERROR = 'UPLOAD_ERROR'
PROCESS_ERROR = 'PROCESS_ERROR'
CANCELLED = 'CANCELLED'
EXTRACTION_ERROR = 'EXTRACTION_ERROR'

# Which states each request may start from (SOL005 clauses 11.4.3-11.4.9;
# any other state answers 409).
PKG_TASK_SOURCE_STATES = {
    'modify': frozenset((PKG_CREATED, PKG_ERROR_EXTRACTING, PKG_AVAILABLE)),
    'modify_state': frozenset((PKG_ERROR_EXTRACTING,)),
    'delete': frozenset((PKG_CREATED, PKG_ERROR, PKG_AVAILABLE)),
    'read_content': frozenset((PKG_AVAILABLE,)),
    'upload': frozenset((PKG_CREATED, PKG_ERROR)),
    'build': frozenset((PKG_CREATED,)),
    'extract': frozenset((PKG_AVAILABLE,)),
    'cancel': PKG_ACTIVE_STATES,
    'ext_artifacts_access': frozenset((PKG_CREATED, PKG_ERROR)),
}
