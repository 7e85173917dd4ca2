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


"""SOL003 "Modify VNF information" (MODIFY_INFO): what a
VnfInfoModificationRequest does to a registered VNF instance.

One pure function, ``modify``, computes the new columns and the
VnfInfoModifications (the op occurrence's changedInfo) from the instance
as it is. The API runs it to refuse at once (422) what cannot be done; the
conductor runs it again on the instance it holds and writes the result.
"""

from vnfsnap.common import exception
from vnfsnap.common import merge_patch
from vnfsnap.common import schemas
from vnfsnap.common import states
from vnfsnap.common import views

# VnfInstance attributes a VnfInfoModificationRequest cannot name.
READ_ONLY = ('id', 'vnfProvider', 'vnfProductName', 'vnfSoftwareVersion',
             'vnfdVersion', 'instantiationState', 'instantiatedVnfInfo',
             '_links')
# Strings that a null removes.
_STRINGS = (('vnfInstanceName', 'vnf_instance_name'),
            ('vnfInstanceDescription', 'vnf_instance_description'))
# KeyValuePairs merged by RFC 7396.
_KEY_VALUE_PAIRS = (('vnfConfigurableProperties',
                     'vnf_configurable_properties'),
                    ('metadata', 'vnf_metadata'),
                    ('extensions', 'extensions'))


def check_names(request, modifiable):
    """422 for the VnfInstance attributes that cannot be modified, 400 for
    names that are no attribute at all."""
    for name in request:
        if name in READ_ONLY:
            raise exception.UnprocessableEntity(
                reason='%s cannot be modified: it is not part of SOL003 '
                       'VnfInfoModificationRequest' % name)
        if name == 'vnfPkgId':
            raise exception.UnprocessableEntity(
                reason='vnfPkgId cannot be modified: vnfsnap manages no VNF '
                       'packages; modify vnfdId')
        if name not in modifiable:
            raise exception.SchemaValidationFailed(
                reason='%s is not an attribute of VnfInfoModificationRequest'
                % name)


def check_vim_references(vims, info):
    """422 unless every ResourceHandle of ``info`` (instantiatedVnfInfo)
    names an entry of ``vims`` (vimConnectionInfo), or may omit it because
    there is exactly one."""
    if not info:
        return
    if not vims:
        raise exception.UnprocessableEntity(
            reason='instantiatedVnfInfo needs at least one '
                   'vimConnectionInfo entry')
    handles = [('vnfcResourceInfo %s' % v['id'], v['computeResource'])
               for v in info['vnfcResourceInfo']]
    handles += [('virtualStorageResourceInfo %s' % s['id'],
                 s['storageResource'])
                for s in info.get('virtualStorageResourceInfo') or []]
    for where, handle in handles:
        conn = handle.get('vimConnectionId')
        if conn is None and len(vims) > 1:
            raise exception.UnprocessableEntity(
                reason='%s: vimConnectionId is required when there are '
                       'several vimConnectionInfo entries' % where)
        if conn is not None and conn not in vims:
            raise exception.UnprocessableEntity(
                reason='%s: vimConnectionId %s is not in vimConnectionInfo'
                % (where, conn))


def _vnfd_id(instance, new, values, changed):
    declared = (instance.vnfd or {}).get('vnfdId')
    if declared is not None and declared != new:
        raise exception.UnprocessableEntity(
            reason='vnfdId %s: the VNFD registered with VNF instance %s is '
                   '%s, and vnfsnap has no VNF package to read VNFD %s from; '
                   'register the VNF again with that VNFD'
                   % (new, instance.id, declared, new))
    values['vnfd_id'] = new
    changed['vnfdId'] = new


def _vim_connections(instance, patch, values, changed):
    result = merge_patch.key_value_pairs(instance.vim_connection_info,
                                         patch, 'vimConnectionInfo')
    for conn, info in sorted(result.items()):
        error = schemas.first_error(schemas.VIM_CONNECTION_INFO, info)
        if error is not None:
            raise exception.UnprocessableEntity(
                reason='vimConnectionInfo %s after the modification: %s'
                % (conn, error))
    check_vim_references(result, instance.instantiated_vnf_info)
    values['vim_connection_info'] = result
    changed['vimConnectionInfo'] = views.public_vim_connection_info(result)


def _vnfc_info(instance, modifications, values, changed):
    """vnfcInfoModifications: each entry's vnfcConfigurableProperties
    merged into the VnfcInfo of that VNFC, made when it has none yet."""
    info = instance.instantiated_vnf_info
    if instance.instantiation_state != states.INSTANTIATED or not info:
        raise exception.UnprocessableEntity(
            reason='vnfcInfoModifications: VNF instance %s is '
                   'NOT_INSTANTIATED and has no VNFC' % instance.id)
    ids = [m['id'] for m in modifications]
    if len(set(ids)) != len(ids):
        raise exception.UnprocessableEntity(
            reason='vnfcInfoModifications ids are not unique')
    vnfcs = {v['id']: v for v in info['vnfcResourceInfo']}
    current = {c['id']: c for c in info.get('vnfcInfo') or ()}
    done = []
    for mod in modifications:
        vnfc = vnfcs.get(mod['id'])
        if vnfc is None:
            raise exception.UnprocessableEntity(
                reason='vnfcInfoModifications: %s is not a VNFC of VNF '
                       'instance %s (VNFC ids are those of '
                       'vnfcResourceInfo)' % (mod['id'], instance.id))
        entry = current.get(mod['id']) or {
            'id': vnfc['id'], 'vduId': vnfc['vduId'],
            'vnfcResourceInfoId': vnfc['id'], 'vnfcState': info['vnfState']}
        props = merge_patch.key_value_pairs(
            entry.get('vnfcConfigurableProperties'),
            mod['vnfcConfigurableProperties'],
            'vnfcConfigurableProperties of VNFC %s' % mod['id'])
        current[mod['id']] = dict(entry, vnfcConfigurableProperties=props)
        done.append({'id': mod['id'], 'vnfcConfigurableProperties': props})
    values['instantiated_vnf_info'] = dict(
        info, vnfcInfo=[current[v] for v in vnfcs if v in current])
    changed['vnfcInfoModifications'] = done


def modify(instance, request):
    """``(values, changed_info)``: the VnfInstance columns after
    ``request`` (a VnfInfoModificationRequest, with its secrets) and the
    SOL003 VnfInfoModifications that says what changed; raises
    UnprocessableEntity for what cannot be done, JsonValueTooLarge for an
    attribute that would grow too large."""
    values, changed = {}, {}
    for attr, column in _STRINGS:
        if attr in request:
            values[column] = request[attr]
            if request[attr] is not None:
                # (A removal has no value VnfInfoModifications can show.)
                changed[attr] = request[attr]
    if 'vnfdId' in request:
        _vnfd_id(instance, request['vnfdId'], values, changed)
    for attr, column in _KEY_VALUE_PAIRS:
        if attr in request:
            values[column] = merge_patch.key_value_pairs(
                getattr(instance, column), request[attr], attr)
            changed[attr] = values[column]
    if 'vimConnectionInfo' in request:
        _vim_connections(instance, request['vimConnectionInfo'], values,
                         changed)
    if 'vnfcInfoModifications' in request:
        _vnfc_info(instance, request['vnfcInfoModifications'], values,
                   changed)
    return values, changed
