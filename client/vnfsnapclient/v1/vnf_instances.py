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

"""``/vnflcm/v2/vnf_instances``: registered VNFs and their snapshot tasks
(SOL003 clause 5.4.2-5.4.3, 5.4.21-5.4.22, and vnfsnap's extensions)."""

from vnfsnapclient import http
from vnfsnapclient.v1 import base


class VnfInstanceManager(base.Manager):
    API = http.VNFLCM
    PATH = '/vnf_instances'

    def register(self, body):
        """Register a VNF (vnfsnap's "Create VNF identifier" with an
        optional instantiatedVnfInfo); the new VnfInstance."""
        return self.http.send_json('POST', self.API, self.PATH, body).json()

    def modify(self, instance_id, changes, if_match=None):
        """Modify VNF information (a merge patch); the id of the
        MODIFY_INFO op occurrence that carries it out."""
        resp = self.http.send_json(
            'PATCH', self.API, self._path(instance_id), changes,
            content_type=http.MERGE_PATCH_JSON,
            headers={'If-Match': if_match})
        return http.last_segment(resp.headers.get('Location'))

    def delete(self, instance_id):
        self._delete(instance_id)

    def _task(self, instance_id, task, vnf_snapshot_info_id,
              additional_params, **extra):
        body = {'vnfSnapshotInfoId': vnf_snapshot_info_id}
        if additional_params is not None:
            body['additionalParams'] = additional_params
        body.update({k: v for k, v in extra.items() if v is not None})
        resp = self.http.send_json('POST', self.API,
                                   self._path(instance_id, task), body)
        return http.last_segment(resp.headers.get('Location'))

    def create_snapshot(self, instance_id, vnf_snapshot_info_id,
                        additional_params=None, user_defined_data=None):
        """Start a CREATE_SNAPSHOT into the (empty) VNF snapshot
        ``vnf_snapshot_info_id``; the op occurrence id."""
        return self._task(instance_id, 'create_snapshot',
                          vnf_snapshot_info_id, additional_params,
                          userDefinedData=user_defined_data)

    def revert_to_snapshot(self, instance_id, vnf_snapshot_info_id,
                           additional_params=None):
        """Start a REVERT_TO_SNAPSHOT; the op occurrence id."""
        return self._task(instance_id, 'revert_to_snapshot',
                          vnf_snapshot_info_id, additional_params)

    def vim_capabilities(self, instance_id):
        """What each VNFC's VIM can do for snapshots, asked now."""
        return self.http.get_json(
            self.API, self._path(instance_id, 'vim_capabilities'))

    def get_snapshot_descriptor(self, instance_id):
        return self.http.get_json(
            self.API, self._path(instance_id, 'snapshot_descriptor'))

    def set_snapshot_descriptor(self, instance_id, descriptor):
        """Replace the snapshot descriptor; the one now in force."""
        return self.http.send_json(
            'PUT', self.API, self._path(instance_id, 'snapshot_descriptor'),
            descriptor).json()

    def get_snapshot_notifications(self, instance_id):
        """The VNF's notification endpoint, without its secrets ({} when
        none is set)."""
        return self.http.get_json(
            self.API, self._path(instance_id, 'snapshot_notifications'))

    def set_snapshot_notifications(self, instance_id, body):
        return self.http.send_json(
            'PUT', self.API,
            self._path(instance_id, 'snapshot_notifications'), body).json()

    def delete_snapshot_notifications(self, instance_id):
        self.http.request('DELETE', self.API,
                          self._path(instance_id, 'snapshot_notifications'))
