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

"""VNF snapshots, op occurrences, a VNF instance and its VIM capabilities
as vnfsnap's API answers them, for the VNF snapshot panels' tests."""

from horizon import exceptions

from vnfsnap_dashboard.api import vnf_snapshots as api

INSTANCE_ID = '3f0c7d1e-7a4b-4c6e-9d2a-1b2c3d4e5f60'
AVAILABLE_ID = '8d1f2e3a-4b5c-4d6e-8f70-8192a3b4c5d6'
CREATING_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'
OP_ID = 'c0ffee00-1111-4222-8333-444455556666'


def instance():
    return {
        'id': INSTANCE_ID, 'vnfInstanceName': 'web-vnf',
        'instantiationState': 'INSTANTIATED',
        'instantiatedVnfInfo': {'vnfcResourceInfo': [
            {'id': 'vnfc-web', 'vduId': 'web'},
            {'id': 'vnfc-db', 'vduId': 'db'}]},
    }


def capabilities(web=None, db=None):
    """Both VNFCs can do everything unless told otherwise."""
    full = {'quiesce': True, 'memorySnapshot': True, 'pause': True,
            'liveSnapshot': True}
    return {'vnfInstanceId': INSTANCE_ID, 'vnfcs': [
        {'vnfcResourceInfoId': 'vnfc-web', 'vimConnectionId': 'vim-1',
         'capabilities': dict(full, **(web or {}))},
        {'vnfcResourceInfoId': 'vnfc-db', 'vimConnectionId': 'vim-1',
         'capabilities': dict(full, **(db or {}))}]}


def vnfc_snapshot(vnfc_id, memory, quiesced=True):
    info = {'consistencyLevel': 'filesystem' if quiesced else 'crash',
            'memoryCaptured': memory}
    if quiesced:
        info.update(quiescedAt='2026-12-06T10:00:01.000Z',
                    thawedAt='2026-12-06T10:00:02.250Z')
    return {
        'id': 'snap-' + vnfc_id, 'vnfcInstanceId': vnfc_id,
        'vnfcResourceInfoId': vnfc_id,
        'creationStartedAt': '2026-12-06T10:00:00Z',
        'creationFinishedAt': '2026-12-06T10:00:05Z',
        'computeSnapshotResource': {
            'vimConnectionId': 'vim-1', 'resourceId': 'dom-' + vnfc_id,
            'vimLevelAdditionalResourceInfo': {'additionalInfo': info}},
        'storageSnapshotResources': [
            {'storageResourceId': 'vol-' + vnfc_id,
             'storageSnapshotResource': {'vimConnectionId': 'vim-1',
                                         'resourceId': 'vsnap-' + vnfc_id}}],
    }


def available_info(memory=True):
    return {
        'id': AVAILABLE_ID,
        'vnfSnapshot': {
            'id': 'e5e5e5e5-0000-4000-8000-000000000001',
            'vnfInstanceId': INSTANCE_ID, 'vnfdId': 'vnfd-web',
            'creationStartedAt': '2026-12-06T10:00:00Z',
            'creationFinishedAt': '2026-12-06T10:00:05Z',
            'vnfInstance': {'id': INSTANCE_ID},
            'vnfcSnapshots': [vnfc_snapshot('vnfc-web', memory),
                              vnfc_snapshot('vnfc-db', False, False)],
            'userDefinedData': {'name': 'before-upgrade',
                                'description': 'Taken before 2.0'}},
        '_links': {'self': {'href': '/x'}},
    }


def creating_op(state='PROCESSING', error=None):
    op = {'id': OP_ID, 'operation': 'CREATE_SNAPSHOT',
          'operationState': state, 'vnfInstanceId': INSTANCE_ID,
          'vnfSnapshotInfoId': CREATING_ID,
          'startTime': '2026-12-06T11:00:00Z'}
    if error:
        op['error'] = {'status': 500, 'detail': error}
    return op


def available():
    return api.VnfSnapshot(available_info())


def creating(state='PROCESSING'):
    return api.VnfSnapshot({'id': CREATING_ID, '_links': {}},
                           creating_op(state))


def message_texts(response):
    """The texts of the toasts a rendered response carries (without the
    details Horizon folds away behind its separator)."""
    context = getattr(response, 'context', None)
    if not context or 'messages' not in context:
        return []
    return [str(m).split(exceptions.SEPARATOR)[0]
            for m in context['messages']]


def row_update(client, index_url, snapshot_id):
    """The request Horizon's JS makes to refresh one row of the table."""
    return client.get(
        index_url, {'action': 'row_update', 'table': 'vnf_snapshots',
                    'obj_id': snapshot_id},
        HTTP_X_REQUESTED_WITH='XMLHttpRequest')
