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

"""Asking the NFVO for a grant before a snapshot operation touches the VNF
(SOL003 Lifecycle Operation Granting, GR NFV-TST 005 Nfvo.001).

POST <nfvo_url>/grants with a GrantRequest for CREATE_SNAPSHOT or
REVERT_TO_SNAPSHOT whose addResources carry a snapshotResDef per VNFC (and,
for a revert, per volume snapshot); 201 is the grant, 202 means "poll the
Location until it is there" (200), 403 is a refusal whose
ProblemDetails.detail becomes the operation's error. A revert's grant may
map its snapshot resources to VIM resources (vimAssets.snapshotResources):
they must be the ones vnfsnap recorded.
Authentication: a Keystone session ([grant]auth_type) or OAuth 2.0 client
credentials ([grant]client_id, client_secret, token_endpoint).
"""

import time

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import loading as ks_loading
from oslo_log import log as logging
import requests
from taskflow import task

from vnfsnap.common import exception
from vnfsnap.common import urlfetch
from vnfsnap.common import webhook
import vnfsnap.conf

CONF = vnfsnap.conf.CONF
LOG = logging.getLogger(__name__)

NFVO = 'nfvo'


class _Client:
    """requests-like calls with the configured authentication."""

    def __init__(self):
        self.session = None
        self.credentials = None
        if CONF.grant.auth_type:
            auth = ks_loading.load_auth_from_conf_options(CONF, 'grant')
            self.session = ks_loading.load_session_from_conf_options(
                CONF, 'grant', auth=auth)
        elif CONF.grant.client_id:
            self.credentials = urlfetch.Credentials(
                urlfetch.AUTH_OAUTH2, client_id=CONF.grant.client_id,
                client_password=CONF.grant.client_secret or '',
                token_endpoint=CONF.grant.token_endpoint)

    def request(self, method, url, body=None):
        timeout = CONF.grant.request_timeout
        if self.session is not None:
            return self.session.request(url, method, json=body,
                                        raise_exc=False, timeout=timeout,
                                        redirect=False)
        auth, headers = webhook.authenticate(self.credentials, timeout,
                                             CONF.grant.verify_tls)
        headers.update({'Accept': 'application/json', 'Version': '1.6.0'})
        return requests.request(method, url, json=body, headers=headers,
                                auth=auth, timeout=timeout,
                                verify=CONF.grant.verify_tls,
                                allow_redirects=False)


def grant_request(op, instance, vnfcs, vnf_snapshot_id, public_endpoint,
                  vnfc_snapshots=None):
    """A SOL003 GrantRequest for the op occurrence. ``vnf_snapshot_id`` is
    the VnfSnapshot's id; for a revert, ``vnfc_snapshots`` ({VNFC id: VNFC
    snapshot as the drivers get it}) name what each VNFC goes back to: its
    compute snapshot resource, and one STORAGE resource per volume
    snapshot."""
    vnfc_snapshots = vnfc_snapshots or {}
    storage_descs = {s['id']: s.get('virtualStorageDescId') for s in
                     (instance.instantiated_vnf_info or {}).get(
                         'virtualStorageResourceInfo') or ()}
    resources = []
    for vnfc in vnfcs:
        compute = {'vnfSnapshotId': vnf_snapshot_id}
        resources.append({'id': vnfc.id, 'type': 'COMPUTE',
                          'vduId': vnfc.vdu_id,
                          'resourceTemplateId': vnfc.vdu_id,
                          'snapshotResDef': compute})
        snap = vnfc_snapshots.get(vnfc.id)
        if snap is None:
            continue
        compute.update(vnfcSnapshotId=snap['id'],
                       snapshotResource=snap['compute_snapshot_resource'])
        for storage in snap.get('storage_snapshot_resources') or ():
            storage_id = storage['storageResourceId']
            resources.append({
                'id': '%s-%s' % (vnfc.id, storage_id), 'type': 'STORAGE',
                'vduId': vnfc.vdu_id,
                'resourceTemplateId': storage_descs.get(storage_id)
                or storage_id,
                'snapshotResDef': {
                    'vnfSnapshotId': vnf_snapshot_id,
                    'vnfcSnapshotId': snap['id'],
                    'storageSnapshotId': storage_id,
                    'snapshotResource': storage['storageSnapshotResource']}})
    base = (public_endpoint or '').rstrip('/') + '/vnflcm/v2'
    return {
        'vnfInstanceId': instance.id,
        'vnfLcmOpOccId': op.id,
        'vnfdId': instance.vnfd_id,
        'flavourId': (instance.instantiated_vnf_info or {}).get('flavourId'),
        'operation': op.operation,
        'isAutomaticInvocation': bool(op.is_automatic_invocation),
        'addResources': resources,
        '_links': {
            'vnfLcmOpOcc': {'href': '%s/vnf_lcm_op_occs/%s'
                            % (base, op.id)},
            'vnfInstance': {'href': '%s/vnf_instances/%s'
                            % (base, instance.id)}},
    }


def check_snapshot_resources(operation, grant, vnf_snapshot_id,
                             vnfc_snapshots):
    """Honour vimAssets.snapshotResources: the VIM resources the NFVO
    grants a revert with. vnfsnap reverts only to the VIM resources it
    recorded (their driver details come with them), so each mapping must
    name one of those; any other is refused rather than ignored."""
    recorded = {}
    for snap in vnfc_snapshots.values():
        recorded[(snap['id'], None)] = snap['compute_snapshot_resource']
        for storage in snap.get('storage_snapshot_resources') or ():
            recorded[(snap['id'], storage['storageResourceId'])] = \
                storage['storageSnapshotResource']
    for mapping in (grant.get('vimAssets') or {}).get(
            'snapshotResources') or ():
        key = (mapping.get('vnfcSnapshotId'),
               mapping.get('storageSnapshotId'))
        handle = recorded.get(key)
        if mapping.get('vnfSnapshotId') != vnf_snapshot_id or \
                handle is None:
            raise exception.GrantFailed(
                operation=operation,
                reason='the grant maps VNFC snapshot %s%s of VNF snapshot '
                       '%s, which this revert does not use' % (
                           key[0], ' storage %s' % key[1] if key[1] else '',
                           mapping.get('vnfSnapshotId')))
        conn = mapping.get('vimConnectionId')
        if mapping.get('vimSnapshotResourceId') != handle['resourceId'] \
                or (conn and conn != handle.get('vimConnectionId')):
            raise exception.GrantFailed(
                operation=operation,
                reason='the grant names VIM snapshot resource %s%s for '
                       'VNFC snapshot %s%s; vnfsnap recorded %s and reverts '
                       'only to what it recorded' % (
                           mapping.get('vimSnapshotResourceId'),
                           ' on VIM connection %s' % conn if conn else '',
                           key[0], ' storage %s' % key[1] if key[1] else '',
                           handle['resourceId']))


def _reason(resp):
    try:
        doc = resp.json()
    except ValueError:
        doc = None
    detail = doc.get('detail') if isinstance(doc, dict) else None
    if isinstance(detail, str) and detail:
        return webhook.reason_of({'reason': detail})
    return 'HTTP %d' % resp.status_code


def ask(op, instance, vnfcs, vnf_snapshot_id, vnfc_snapshots=None):
    """The NFVO's Grant (a dict); raises GrantRefused or GrantFailed."""
    if not CONF.grant.nfvo_url:
        raise exception.GrantFailed(operation=op.operation,
                                    reason='[grant]nfvo_url is not set')
    client = _Client()
    url = CONF.grant.nfvo_url.rstrip('/') + '/grants'
    body = grant_request(op, instance, vnfcs, vnf_snapshot_id,
                         CONF.api.public_endpoint, vnfc_snapshots)
    try:
        resp = client.request('POST', url, body)
        if resp.status_code == 202:
            location = resp.headers.get('Location')
            if not location:
                raise exception.GrantFailed(operation=op.operation,
                                            reason='202 without a Location')
            LOG.info('NFVO grants %s of VNF instance %s asynchronously; '
                     'polling %s', op.operation, instance.id, location)
            deadline = time.monotonic() + CONF.grant.grant_timeout
            while resp.status_code == 202:
                if time.monotonic() > deadline:
                    raise exception.GrantFailed(
                        operation=op.operation,
                        reason='no grant after %d s ([grant]grant_timeout)'
                        % CONF.grant.grant_timeout)
                time.sleep(CONF.grant.poll_interval)
                resp = client.request('GET', location)
    except (requests.RequestException, ks_exceptions.ClientException) as e:
        raise exception.GrantFailed(operation=op.operation,
                                    reason=type(e).__name__) from None
    if resp.status_code == 403:
        raise exception.GrantRefused(
            operation=op.operation, reason=_reason(resp))
    if resp.status_code not in (200, 201):
        raise exception.GrantFailed(
            operation=op.operation, reason=_reason(resp))
    try:
        grant = resp.json()
    except ValueError:
        raise exception.GrantFailed(operation=op.operation,
                                    reason='the grant is not JSON') from None
    LOG.info('NFVO granted %s of VNF instance %s (grant %s, %d snapshot '
             'resource(s))', op.operation, instance.id, grant.get('id'),
             len((grant.get('vimAssets') or {}).get('snapshotResources')
                 or ()))
    return grant


class RequestGrant(task.Task):
    """First step of a flow whose operation the NFVO grants."""

    def __init__(self, op, instance, vnfcs, vnf_snapshot_id,
                 vnfc_snapshots=None):
        super().__init__(name='request-grant', provides='grant')
        self.op, self.instance, self.vnfcs = op, instance, vnfcs
        self.vnf_snapshot_id = vnf_snapshot_id
        self.vnfc_snapshots = vnfc_snapshots

    def execute(self):
        grant = ask(self.op, self.instance, self.vnfcs,
                    self.vnf_snapshot_id, self.vnfc_snapshots)
        if self.vnfc_snapshots is not None:
            check_snapshot_resources(self.op.operation, grant,
                                     self.vnf_snapshot_id,
                                     self.vnfc_snapshots)
        elif (grant.get('vimAssets') or {}).get('snapshotResources'):
            LOG.warning('The grant of %s %s maps snapshot resources; they '
                        'concern reverts only and are not used',
                        self.op.operation, self.op.id)
        return grant
