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

"""/vnflcm/v2/vnf_instances: registration, queries, unregistration and the
create_snapshot / revert_to_snapshot tasks."""

import datetime
import json

import fixtures
from oslo_policy import policy as oslo_policy

from vnfsnap import descriptor
from vnfsnap.common import policy
from vnfsnap.common import states
from vnfsnap.db import api as db_api
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import etsi
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import secrets as secrets_fixtures
from vnfsnap.vim import base as vim_base

URL = '/vnflcm/v2/vnf_instances'
VNFD = {'provider': 'acme', 'productName': 'fw', 'softwareVersion': '1.0',
        'vnfdVersion': '2.1'}
SECRET = 's3cr3t-password'


def registration(n_vnfcs=2, vims=('vim1',)):
    """A valid registration body with ``n_vnfcs`` VNFCs on ``vims``."""
    vnfcs, storages = [], []
    for i in range(n_vnfcs):
        storages.append({'id': 'vol-%d' % i, 'virtualStorageDescId': 'data',
                         'storageResource': {'vimConnectionId': vims[0],
                                             'resourceId': 'vm-%d-vol' % i}})
        vnfcs.append({'id': 'vnfc-%d' % i, 'vduId': 'vdu',
                      'computeResource': {'vimConnectionId': vims[0],
                                          'resourceId': 'vm-%d' % i},
                      'storageResourceIds': ['vol-%d' % i]})
    return {
        'vnfdId': 'vnfd-1',
        'vnfd': dict(VNFD),
        'vimConnectionInfo': {
            name: {'vimId': name, 'vimType': fake_vim.VIM_TYPE,
                   'accessInfo': {'password': SECRET}}
            for name in vims},
        'instantiatedVnfInfo': {
            'flavourId': 'default', 'vnfState': 'STARTED',
            'vnfcResourceInfo': vnfcs,
            'virtualStorageResourceInfo': storages},
    }


class VnfInstancesTestCase(base.ApiTestCase):

    def assertNothingStored(self):
        self.assertEqual([], db_api.list_vnf_instances(None))
        self.assertEqual([], self.get(URL).json)

    def hold_instance(self, instance_id, seconds=0.5):
        """Start a create_snapshot that stays in the VIM for a while."""
        fake_vim.FakeVim.delay[('create', 'vm-0')] = seconds
        info = self.new_snapshot_info()
        resp = self.post('%s/%s/create_snapshot' % (URL, instance_id),
                         {'vnfSnapshotInfoId': info['id']})
        return self.op_id_from(resp), info['id']


class TestRegister(VnfInstancesTestCase):

    def test_register_instantiated(self):
        resp = self.post(URL, registration())
        self.assertEqual(201, resp.status, resp.body)
        inst = resp.json
        self.assertEqual(inst['_links']['self']['href'],
                         resp.headers['Location'])
        self.assertTrue(resp.headers['ETag'])
        self.assertTrue(resp.headers['Last-Modified'])
        self.assertEqual('2.0.0', resp.headers['Version'])
        self.assertEqual(states.INSTANTIATED, inst['instantiationState'])
        self.assertEqual('http://localhost%s/%s' % (URL, inst['id']),
                         inst['_links']['self']['href'])
        self.assertEqual(
            inst['_links']['self']['href'] + '/create_snapshot',
            inst['_links']['createSnapshot']['href'])
        self.assertEqual(
            inst['_links']['self']['href'] + '/revert_to_snapshot',
            inst['_links']['revertToSnapshot']['href'])
        self.assertEqual(2, len(
            inst['instantiatedVnfInfo']['vnfcResourceInfo']))
        # Identity attributes come from the VNFD document.
        self.assertEqual(('acme', 'fw', '1.0', '2.1'), (
            inst['vnfProvider'], inst['vnfProductName'],
            inst['vnfSoftwareVersion'], inst['vnfdVersion']))
        self.assertNotIn(SECRET, resp.body.decode())
        self.assertEqual({'vimId': 'vim1', 'vimType': fake_vim.VIM_TYPE},
                         inst['vimConnectionInfo']['vim1'])
        stored = db_api.get_vnf_instance(None, inst['id'])
        self.assertEqual('default', stored.project_id)
        self.assertEqual(SECRET, stored.vim_connection_info['vim1'][
            'accessInfo']['password'])

    def test_register_not_instantiated(self):
        resp = self.post(URL, {'vnfdId': 'vnfd-2', 'vnfd': VNFD,
                               'vnfInstanceName': 'later'})
        self.assertEqual(201, resp.status, resp.body)
        inst = resp.json
        self.assertEqual(states.NOT_INSTANTIATED, inst['instantiationState'])
        self.assertEqual(['self'], list(inst['_links']))
        self.assertNotIn('instantiatedVnfInfo', inst)
        self.assertEqual('later', inst['vnfInstanceName'])
        self.assertEqual('2.1', inst['vnfdVersion'])

    def test_explicit_identity_wins_over_vnfd(self):
        body = {'vnfdId': 'vnfd-2', 'vnfd': VNFD, 'vnfProvider': 'other',
                'vnfdVersion': '9'}
        inst = self.post(URL, body).json
        self.assertEqual(('other', 'fw', '1.0', '9'), (
            inst['vnfProvider'], inst['vnfProductName'],
            inst['vnfSoftwareVersion'], inst['vnfdVersion']))

    def test_identity_without_vnfd(self):
        body = {'vnfdId': 'vnfd-2', 'vnfProvider': 'p',
                'vnfProductName': 'n', 'vnfSoftwareVersion': 's',
                'vnfdVersion': 'v'}
        resp = self.post(URL, body)
        self.assertEqual(201, resp.status, resp.body)

    def test_charset_in_content_type_is_accepted(self):
        resp = self.post(URL, raw_body=json.dumps(registration()).encode(),
                         content_type='application/json; charset=UTF-8')
        self.assertEqual(201, resp.status, resp.body)

    def test_media_type_is_case_insensitive(self):
        resp = self.post(URL, raw_body=json.dumps(registration()).encode(),
                         content_type='Application/JSON')
        self.assertEqual(201, resp.status, resp.body)

    def test_vim_connection_id_may_be_omitted_with_one_vim(self):
        body = registration()
        for vnfc in body['instantiatedVnfInfo']['vnfcResourceInfo']:
            del vnfc['computeResource']['vimConnectionId']
        resp = self.post(URL, body)
        self.assertEqual(201, resp.status, resp.body)


class TestRegisterBadInput(VnfInstancesTestCase):
    """Every bad registration is a 4xx ProblemDetails and stores nothing."""

    def check(self, status, body=None, raw_body=None,
              content_type='application/json', detail=None):
        if body is not None:
            raw_body = json.dumps(body).encode()
        resp = self.post(URL, raw_body=raw_body, content_type=content_type)
        self.assertProblem(resp, status)
        if detail is not None:
            self.assertIn(detail, resp.json['detail'])
        self.assertNothingStored()
        return resp

    def test_wrong_content_type(self):
        raw = json.dumps(registration()).encode()
        for ctype in ('text/plain', 'application/xml',
                      'application/merge-patch+json'):
            with self.subTest(content_type=ctype):
                self.check(415, raw_body=raw, content_type=ctype)

    def test_no_content_type(self):
        resp = self.request('POST', URL,
                            raw_body=json.dumps(registration()).encode())
        self.assertProblem(resp, 415)
        self.assertNothingStored()

    def test_invalid_json(self):
        for raw in (b'{', b'{"vnfdId": }', b'not json',
                    b'{"vnfdId": "a"} trailing'):
            with self.subTest(raw=raw):
                self.check(400, raw_body=raw, detail='not valid JSON')
        for raw in (b'\xff\xfe', b'{"vnfdId": "\xff"}'):
            with self.subTest(raw=raw):
                self.check(400, raw_body=raw, detail='not UTF-8')

    def test_deeply_nested_json(self):
        self.check(400, raw_body=b'{"vnfd": ' + b'[' * 100000)
        deep = b'{"vnfdId": "x", "vnfd": {"a": ' + b'[' * 100000 + \
            b']' * 100000 + b'}}'
        self.check(400, raw_body=deep)

    def test_not_an_object(self):
        for body in ([], 'vnfd-1', 42, None):
            with self.subTest(body=body):
                self.check(400, raw_body=json.dumps(body).encode())

    def test_empty_body(self):
        self.check(400, raw_body=b'')

    def test_schema_violations(self):
        def without(key):
            body = registration()
            del body[key]
            return body

        def with_info(**changes):
            body = registration()
            body['instantiatedVnfInfo'].update(changes)
            return body

        def with_vnfc(**changes):
            body = registration()
            body['instantiatedVnfInfo']['vnfcResourceInfo'][0].update(changes)
            return body

        cases = {
            'missing vnfdId': (without('vnfdId'), 'vnfdId'),
            'vnfdId not a string': (dict(registration(), vnfdId=7), 'vnfdId'),
            'empty vnfdId': (dict(registration(), vnfdId=''), 'vnfdId'),
            'unknown attribute': (dict(registration(), colour='blue'),
                                  'colour'),
            'vnfd not an object': (dict(registration(), vnfd='x'), 'vnfd'),
            'name not a string': (dict(registration(), vnfInstanceName=1),
                                  'vnfInstanceName'),
            'name too long': (dict(registration(),
                                   vnfInstanceName='n' * 256),
                              'vnfInstanceName'),
            'vimConnectionInfo a list': (
                dict(registration(), vimConnectionInfo=[]),
                'vimConnectionInfo'),
            'vimConnectionInfo without vimType': (
                dict(registration(), vimConnectionInfo={'vim1': {}}),
                'vimType'),
            'metadata not an object': (dict(registration(), metadata=[]),
                                       'metadata'),
            'empty vnfcResourceInfo': (with_info(vnfcResourceInfo=[]),
                                       'vnfcResourceInfo'),
            'missing flavourId': (
                {**registration(), 'instantiatedVnfInfo': {
                    k: v for k, v in registration()[
                        'instantiatedVnfInfo'].items()
                    if k != 'flavourId'}}, 'flavourId'),
            'bad vnfState': (with_info(vnfState='RUNNING'), 'vnfState'),
            'vnfc without computeResource': (
                {**registration(), 'instantiatedVnfInfo': dict(
                    registration()['instantiatedVnfInfo'],
                    vnfcResourceInfo=[{'id': 'a', 'vduId': 'b'}])},
                'computeResource'),
            'resourceId not a string': (
                with_vnfc(computeResource={'resourceId': 5}), 'resourceId'),
            'storageResourceIds repeated': (
                with_vnfc(storageResourceIds=['vol-0', 'vol-0']),
                'storageResourceIds'),
        }
        for name, (body, detail) in cases.items():
            with self.subTest(name):
                self.check(400, body, detail=detail)

    def test_broken_references(self):
        def with_vnfc(index=0, **changes):
            body = registration()
            body['instantiatedVnfInfo']['vnfcResourceInfo'][index].update(
                changes)
            return body

        two_vims = registration(vims=('vim1', 'vim2'))
        del two_vims['instantiatedVnfInfo']['vnfcResourceInfo'][1][
            'computeResource']['vimConnectionId']
        dup_storage = registration()
        dup_storage['instantiatedVnfInfo']['virtualStorageResourceInfo'][1][
            'id'] = 'vol-0'
        bad_storage_vim = registration()
        bad_storage_vim['instantiatedVnfInfo'][
            'virtualStorageResourceInfo'][0]['storageResource'][
            'vimConnectionId'] = 'nowhere'
        cases = {
            'unknown vimConnectionId': (
                with_vnfc(computeResource={'vimConnectionId': 'nowhere',
                                           'resourceId': 'vm-0'}),
                'nowhere'),
            'unknown storage vimConnectionId': (bad_storage_vim, 'nowhere'),
            'unknown storageResourceIds': (
                with_vnfc(storageResourceIds=['vol-0', 'vol-9']), 'vol-9'),
            'duplicate vnfc ids': (with_vnfc(index=1, id='vnfc-0'),
                                   'not unique'),
            'duplicate storage ids': (dup_storage, 'not unique'),
            'missing vimConnectionId with several VIMs': (
                two_vims, 'vimConnectionId is required'),
            'no vimConnectionInfo': (
                {k: v for k, v in registration().items()
                 if k != 'vimConnectionInfo'}, 'vimConnectionInfo'),
            'empty vimConnectionInfo': (
                dict(registration(), vimConnectionInfo={}),
                'vimConnectionInfo'),
        }
        for name, (body, detail) in cases.items():
            with self.subTest(name):
                self.check(422, body, detail=detail)

    def test_missing_identity(self):
        for attr, key in (('vnfProvider', 'provider'),
                          ('vnfProductName', 'productName'),
                          ('vnfSoftwareVersion', 'softwareVersion'),
                          ('vnfdVersion', 'vnfdVersion')):
            with self.subTest(attr):
                body = registration()
                del body['vnfd'][key]
                self.check(422, body, detail=attr)
        body = registration()
        del body['vnfd']
        self.check(422, body, detail='vnfProvider')

    def test_identity_in_vnfd_must_be_a_short_string(self):
        for value in (3, {'name': 'acme'}, ['acme'], True, 'x' * 256):
            with self.subTest(value=value):
                body = registration()
                body['vnfd']['provider'] = value
                self.check(422, body, detail='provider')

    def test_bad_input_does_not_change_existing_instances(self):
        inst = self.post(URL, registration()).json
        before = self.get('%s/%s' % (URL, inst['id']))
        resp = self.post(URL, {'vnfdId': 'x'})
        self.assertProblem(resp, 422)
        after = self.get('%s/%s' % (URL, inst['id']))
        self.assertEqual(before.json, after.json)
        self.assertEqual(before.headers['ETag'], after.headers['ETag'])
        self.assertEqual(1, len(db_api.list_vnf_instances(None)))


class TestQuery(VnfInstancesTestCase):

    def setUp(self):
        super().setUp()
        body = registration()
        body.update(vnfInstanceName='running', metadata={'k': 'v'},
                    extensions={'e': 1}, vnfConfigurableProperties={'p': 2})
        self.running = self.post(URL, body).json
        self.idle = self.post(URL, {'vnfdId': 'vnfd-2', 'vnfd': VNFD}).json

    def test_get_one(self):
        resp = self.get('%s/%s' % (URL, self.running['id']))
        self.assertEqual(200, resp.status)
        self.assertEqual('application/json', resp.content_type)
        self.assertEqual('2.0.0', resp.headers['Version'])
        self.assertTrue(resp.headers['ETag'].startswith('"'))
        self.assertTrue(resp.headers['Last-Modified'].endswith('GMT'))
        inst = resp.json
        self.assertEqual(self.running, inst)
        self.assertEqual(
            {'id', 'vnfInstanceName', 'vnfdId', 'vnfProvider',
             'vnfProductName', 'vnfSoftwareVersion', 'vnfdVersion',
             'vnfConfigurableProperties', 'vimConnectionInfo',
             'instantiationState', 'instantiatedVnfInfo', 'metadata',
             'extensions', '_links'}, set(inst))
        self.assertNotIn('accessInfo', inst['vimConnectionInfo']['vim1'])
        self.assertNotIn(SECRET, resp.body.decode())

    def test_get_one_not_instantiated(self):
        inst = self.get('%s/%s' % (URL, self.idle['id'])).json
        self.assertEqual(states.NOT_INSTANTIATED, inst['instantiationState'])
        self.assertEqual({'self'}, set(inst['_links']))

    def test_get_one_refuses_query_parameters(self):
        resp = self.get('%s/%s?all_fields' % (URL, self.running['id']))
        self.assertProblem(resp, 400)

    def test_get_unknown(self):
        self.assertProblem(self.get('%s/nope' % URL), 404)
        self.assertProblem(self.get('%s/nope/more' % URL), 404)

    def test_list_default_exclusions(self):
        resp = self.get(URL)
        self.assertEqual(200, resp.status)
        self.assertNotIn('Link', resp.headers)
        self.assertEqual([self.running['id'], self.idle['id']],
                         [i['id'] for i in resp.json])
        for inst in resp.json:
            for attr in ('vnfConfigurableProperties', 'vimConnectionInfo',
                         'instantiatedVnfInfo', 'metadata', 'extensions'):
                self.assertNotIn(attr, inst)
            self.assertIn('_links', inst)
        self.assertIn('createSnapshot', resp.json[0]['_links'])
        self.assertNotIn('createSnapshot', resp.json[1]['_links'])

    def test_list_all_fields_never_shows_access_info(self):
        resp = self.get(URL + '?all_fields')
        self.assertEqual(self.running, resp.json[0])
        self.assertNotIn(SECRET, resp.body.decode())
        self.assertNotIn('accessInfo', resp.body.decode())

    def test_list_selectors(self):
        resp = self.get(URL + '?fields=metadata')
        self.assertEqual({'k': 'v'}, resp.json[0]['metadata'])
        self.assertNotIn('instantiatedVnfInfo', resp.json[0])
        resp = self.get(URL + '?exclude_fields=vnfdId')
        self.assertNotIn('vnfdId', resp.json[0])
        self.assertIn('instantiatedVnfInfo', resp.json[0])
        self.assertProblem(self.get(URL + '?exclude_fields=id'), 400)
        self.assertProblem(self.get(URL + '?all_fields&fields=metadata'),
                           400)

    def test_list_filter(self):
        resp = self.get(URL + '?filter=(eq,instantiationState,'
                        'NOT_INSTANTIATED)')
        self.assertEqual([self.idle['id']], [i['id'] for i in resp.json])
        resp = self.get(URL + '?filter=(eq,instantiatedVnfInfo/'
                        'vnfcResourceInfo/computeResource/resourceId,vm-1)')
        self.assertEqual([self.running['id']], [i['id'] for i in resp.json])
        self.assertProblem(self.get(URL + '?filter=(eq,id'), 400)
        self.assertProblem(self.get(URL + '?colour=blue'), 400)

    def test_list_paging(self):
        self.conf.config(max_page_size=1, group='api')
        resp = self.get(URL)
        self.assertEqual([self.running['id']], [i['id'] for i in resp.json])
        link = resp.headers['Link']
        self.assertTrue(link.endswith('>; rel="next"'), link)
        resp = self.get(link[1:link.index('>')])
        self.assertEqual([self.idle['id']], [i['id'] for i in resp.json])
        self.assertNotIn('Link', resp.headers)


def with_cps(body, ext_cps=True):
    """``body`` whose VNFCs each expose one CP with an IPv4 address, and
    with the matching extCpInfo unless ``ext_cps`` is false."""
    info = body['instantiatedVnfInfo']
    for i, vnfc in enumerate(info['vnfcResourceInfo']):
        vnfc['vnfcCpInfo'] = [
            {'id': 'cp-%d-mgmt' % i, 'cpdId': 'mgmt',
             'vnfExtCpId': 'ext-%d' % i,
             'cpProtocolInfo': [{'layerProtocol': 'IP_OVER_ETHERNET',
                                 'ipOverEthernet': {
                                     'macAddress': 'fa:16:3e:00:00:0%d' % i,
                                     'ipAddresses': [{
                                         'type': 'IPV4', 'isDynamic': False,
                                         'addresses': ['192.0.2.%d'
                                                       % (i + 10)],
                                         'subnetId': 'subnet-a'}]}}]},
            {'id': 'cp-%d-int' % i, 'cpdId': 'internal'}]
    if ext_cps:
        info['extCpInfo'] = [
            {'id': 'ext-%d' % i, 'cpdId': 'mgmt-ext',
             'cpConfigId': 'cfg-%d' % i,
             'cpProtocolInfo': [], 'associatedVnfcCpId': 'cp-%d-mgmt' % i,
             'metadata': {'zone': 'dmz'}}
            for i in range(len(info['vnfcResourceInfo']))]
    return body


class TestSol003VnfInstance(VnfInstancesTestCase):
    """Every VnfInstance vnfsnap answers with is valid against the ETSI
    SOL003 OpenAPI definition, instantiatedVnfInfo.extCpInfo (1..N)
    included, whatever the registration gave."""

    def assertSol003(self, instance):
        self.assertEqual([], etsi.errors(etsi.LCM_DEFS, 'VnfInstance',
                                         instance))

    def register(self, body):
        resp = self.post(URL, body)
        self.assertEqual(201, resp.status, resp.body)
        self.assertSol003(resp.json)
        got = self.get('%s/%s' % (URL, resp.json['id']))
        self.assertEqual(resp.json, got.json)
        return got.json['instantiatedVnfInfo']

    def test_every_answer_is_valid(self):
        self.register(registration())
        self.register(with_cps(registration()))
        self.register(with_cps(registration(), ext_cps=False))
        self.post(URL, {'vnfdId': 'vnfd-2', 'vnfd': VNFD})
        listed = self.get(URL + '?all_fields').json
        self.assertEqual(4, len(listed))
        for instance in listed:
            self.assertSol003(instance)

    def test_given_ext_cp_info_is_kept(self):
        body = with_cps(registration())
        info = self.register(body)
        self.assertEqual(body['instantiatedVnfInfo']['extCpInfo'],
                         info['extCpInfo'])
        self.assertEqual(body['instantiatedVnfInfo']['vnfcResourceInfo'],
                         info['vnfcResourceInfo'])

    def test_derived_from_the_exposed_vnfc_cps(self):
        body = with_cps(registration(), ext_cps=False)
        info = self.register(body)
        vnfcs = body['instantiatedVnfInfo']['vnfcResourceInfo']
        self.assertEqual([{
            'id': 'ext-%d' % i, 'cpdId': 'mgmt', 'cpConfigId': 'ext-%d' % i,
            'cpProtocolInfo': vnfcs[i]['vnfcCpInfo'][0]['cpProtocolInfo'],
            'associatedVnfcCpId': 'cp-%d-mgmt' % i} for i in range(2)],
            info['extCpInfo'])
        self.assertEqual(vnfcs, info['vnfcResourceInfo'])
        # Only shown: the stored registration is what was given.
        stored = db_api.list_vnf_instances(None)[0].instantiated_vnf_info
        self.assertNotIn('extCpInfo', stored)

    def test_one_per_vnfc_when_nothing_is_described(self):
        info = self.register(registration())
        self.assertEqual(['vnfc-0-ext-cp', 'vnfc-1-ext-cp'],
                         [e['id'] for e in info['extCpInfo']])
        for ext, vnfc in zip(info['extCpInfo'], info['vnfcResourceInfo'],
                             strict=True):
            cp, = vnfc['vnfcCpInfo']
            self.assertEqual((ext['associatedVnfcCpId'], ext['id']),
                             (cp['id'], cp['vnfExtCpId']))
            self.assertEqual([], ext['cpProtocolInfo'])
            self.assertIn('vnfsnapDerived', ext['metadata'])

    def test_snapshot_copy_is_valid(self):
        inst = self.register_vnf()
        info_id, op = self.take_snapshot(inst['id'])
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % info_id)
        self.assertEqual(200, snap.status, snap.body)
        self.assertEqual([], etsi.errors(etsi.LCM_DEFS, 'VnfSnapshotInfo',
                                         snap.json))
        copy = snap.json['vnfSnapshot']['vnfInstance']
        self.assertSol003(copy)
        self.assertEqual(self.get('%s/%s' % (URL, inst['id'])).json[
            'instantiatedVnfInfo'], copy['instantiatedVnfInfo'])

    def test_copy_taken_before_is_shown_valid(self):
        inst = self.register_vnf()
        info_id, _ = self.take_snapshot(inst['id'])
        row = db_api.get_vnf_snapshot_info(None, info_id)
        old = dict(row.snapshot_vnf_instance)
        old['instantiatedVnfInfo'] = dict(old['instantiatedVnfInfo'])
        del old['instantiatedVnfInfo']['extCpInfo']
        for vnfc in old['instantiatedVnfInfo']['vnfcResourceInfo']:
            vnfc.pop('vnfcCpInfo')
        db_api.update_vnf_snapshot_info(None, info_id,
                                        {'snapshot_vnf_instance': old})
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % info_id)
        self.assertSol003(snap.json['vnfSnapshot']['vnfInstance'])


class TestRegisterConnectionPoints(VnfInstancesTestCase):

    def test_schema_violations(self):
        def changed(change):
            body = with_cps(registration())
            change(body['instantiatedVnfInfo'])
            return body

        def ext(info):
            return info['extCpInfo'][0]

        def ip(info):
            return info['vnfcResourceInfo'][0]['vnfcCpInfo'][0][
                'cpProtocolInfo'][0]['ipOverEthernet']
        cases = [
            lambda i: i.update(extCpInfo=[]),
            lambda i: ext(i).pop('cpConfigId'),
            lambda i: ext(i).pop('associatedVnfcCpId'),
            lambda i: ext(i).update(associatedVipCpId='vip'),
            lambda i: ext(i).update(cpProtocolInfo=[{'layerProtocol': 'X'}]),
            lambda i: ip(i).update(macAddress='fa:16:3e'),
            lambda i: ip(i).update(macAddress=None),
            lambda i: ip(i).pop('macAddress') and ip(i).pop('ipAddresses'),
            lambda i: ip(i)['ipAddresses'][0].update(
                addressRange={'minAddress': '192.0.2.1',
                              'maxAddress': '192.0.2.9'}),
            lambda i: ip(i)['ipAddresses'][0].pop('isDynamic'),
            lambda i: ip(i)['ipAddresses'][0].update(addresses=['300.1.1.1']),
            lambda i: i['vnfcResourceInfo'][0]['vnfcCpInfo'][1].pop('cpdId'),
            lambda i: i.update(scaleStatus=[]),
        ]
        for number, change in enumerate(cases):
            with self.subTest(case=number):
                self.assertProblem(self.post(URL, changed(change)), 400)
        self.assertNothingStored()

    def test_broken_references(self):
        def changed(change):
            body = with_cps(registration())
            change(body['instantiatedVnfInfo'])
            return body

        def vnfc_cp(info, vnfc=0, cp=0):
            return info['vnfcResourceInfo'][vnfc]['vnfcCpInfo'][cp]
        cases = [
            (lambda i: i['extCpInfo'][0].update(associatedVnfcCpId='nope'),
             'associatedVnfcCpId nope'),
            (lambda i: i['extCpInfo'][0].update(
                associatedVnfcCpId='cp-0-int'), 'vnfExtCpId is ext-0'),
            (lambda i: i['extCpInfo'][1].update(id='ext-0'),
             'extCpInfo ids are not unique'),
            (lambda i: vnfc_cp(i, 1, 1).update(id='cp-0-int'),
             'vnfcCpInfo id cp-0-int is not unique'),
            (lambda i: vnfc_cp(i, 0, 1).update(vnfExtCpId='ext-9'),
             'vnfExtCpId ext-9 is not in extCpInfo'),
            (lambda i: i['extCpInfo'][0].update(extLinkPortId='port'),
             'extLinkPortId refers to extVirtualLinkInfo'),
            (lambda i: (i['extCpInfo'][0].pop('associatedVnfcCpId'),
                        i['extCpInfo'][0].update(
                            associatedVnfVirtualLinkId='vl')),
             'associatedVnfVirtualLinkId refers to'),
        ]
        for change, reason in cases:
            with self.subTest(reason=reason):
                resp = self.post(URL, changed(change))
                self.assertProblem(resp, 422)
                self.assertIn(reason, resp.json['detail'])
        self.assertNothingStored()


class TestDelete(VnfInstancesTestCase):

    def test_delete(self):
        inst = self.post(URL, registration()).json
        resp = self.request('DELETE', '%s/%s' % (URL, inst['id']))
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        self.assertProblem(self.get('%s/%s' % (URL, inst['id'])), 404)
        self.assertNothingStored()

    def test_delete_unknown(self):
        self.assertProblem(self.request('DELETE', URL + '/nope'), 404)

    def test_delete_while_an_operation_holds_it(self):
        inst = self.register_vnf()
        op_id, _ = self.hold_instance(inst['id'])
        resp = self.request('DELETE', '%s/%s' % (URL, inst['id']))
        self.assertProblem(resp, 409)
        self.assertIn(op_id, resp.json['detail'])
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op_id).operation_state)
        self.assertEqual(200, self.get('%s/%s' % (URL, inst['id'])).status)
        resp = self.request('DELETE', '%s/%s' % (URL, inst['id']))
        self.assertEqual(204, resp.status, resp.body)

    def test_collection_methods(self):
        resp = self.request('DELETE', URL)
        self.assertProblem(resp, 405)
        self.assertEqual('GET, POST', resp.headers['Allow'])
        resp = self.request('PUT', '%s/%s' % (URL, 'x'))
        self.assertProblem(resp, 405)
        self.assertEqual('GET, PATCH, DELETE', resp.headers['Allow'])


class TaskTestCase(VnfInstancesTestCase):

    def setUp(self):
        super().setUp()
        self.inst = self.register_vnf()
        self.info = self.new_snapshot_info()

    def create(self, instance_id=None, body=None, **kw):
        if body is None:
            body = {'vnfSnapshotInfoId': self.info['id']}
        return self.post('%s/%s/create_snapshot'
                         % (URL, instance_id or self.inst['id']), body, **kw)

    def revert(self, info_id, instance_id=None, **kw):
        return self.post('%s/%s/revert_to_snapshot'
                         % (URL, instance_id or self.inst['id']),
                         {'vnfSnapshotInfoId': info_id}, **kw)

    def assertNoOpStored(self, count=0):
        self.assertEqual(count, len(db_api.list_op_occs(None)))

    def assertUnreserved(self):
        self.assertIsNone(db_api.get_vnf_instance(
            None, self.inst['id']).reservation)
        for info in db_api.list_vnf_snapshot_infos(None):
            self.assertIsNone(info.reservation)

    def assertVnfClean(self):
        """No guest left frozen."""
        for rid, guest in fake_vim.FakeVim.guests.items():
            self.assertFalse(guest['frozen'], rid)


class TestCreateSnapshot(TaskTestCase):

    def test_accepted(self):
        resp = self.create()
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        self.assertEqual('2.0.0', resp.headers['Version'])
        location = resp.headers['Location']
        self.assertTrue(location.startswith(
            'http://localhost/vnflcm/v2/vnf_lcm_op_occs/'), location)
        op_id = self.op_id_from(resp)
        op = self.wait_for_op(op_id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        occ = self.get(location[len('http://localhost'):]).json
        self.assertEqual(states.CREATE_SNAPSHOT, occ['operation'])
        self.assertEqual(self.info['id'], occ['vnfSnapshotInfoId'])
        self.assertEqual(self.inst['id'], occ['vnfInstanceId'])
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % self.info['id']).json
        self.assertEqual(self.inst['id'], snap['vnfSnapshot'][
            'vnfInstanceId'])
        self.assertEqual('vnfd-1', snap['vnfSnapshot']['vnfdId'])
        self.assertEqual(['vnfc-0', 'vnfc-1'], [
            v['vnfcResourceInfoId'] for v in snap['vnfSnapshot'][
                'vnfcSnapshots']])
        self.assertEqual(self.inst['_links']['self']['href'],
                         snap['_links']['takenFrom']['href'])
        self.assertEqual(2, len(fake_vim.FakeVim.snapshots))
        self.assertUnreserved()
        self.assertVnfClean()

    def test_states(self):
        """STARTING until a conductor takes it, PROCESSING while it runs,
        then COMPLETED."""
        manager = self.conductor.manager
        runs = []
        self.useFixture(fixtures.MockPatchObject(
            manager, 'run_lcm_op_occ',
            side_effect=lambda ctx, op_id: runs.append((ctx, op_id))))
        op_id = self.op_id_from(self.create())
        occ_url = '/vnflcm/v2/vnf_lcm_op_occs/%s' % op_id
        occ = self.get(occ_url).json
        self.assertEqual(states.STARTING, occ['operationState'])
        self.assertEqual(['cancel'], sorted(
            set(occ['_links']) - {'self', 'vnfInstance', 'vnfSnapshot'}))
        self.assertEqual([op_id], [r[1] for r in runs])
        fake_vim.FakeVim.delay[('create', 'vm-0')] = 0.3
        type(manager).run_lcm_op_occ(manager, runs[0][0], op_id)
        self.wait_for_op(op_id, wanted={states.PROCESSING})
        self.assertEqual(states.PROCESSING,
                         self.get(occ_url).json['operationState'])
        op = self.wait_for_op(op_id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)

    def test_unknown_instance(self):
        resp = self.create(instance_id='nope')
        self.assertProblem(resp, 404)
        resp = self.create(instance_id='nope',
                           body={'vnfSnapshotInfoId': 'nope'})
        self.assertProblem(resp, 404)
        self.assertNoOpStored()
        self.assertUnreserved()

    def test_not_instantiated(self):
        idle = self.post(URL, {'vnfdId': 'v', 'vnfd': VNFD}).json
        resp = self.create(instance_id=idle['id'])
        self.assertProblem(resp, 409)
        self.assertIn('NOT_INSTANTIATED', resp.json['detail'])
        self.assertNoOpStored()
        self.assertUnreserved()

    def test_another_operation_runs(self):
        op_id, _ = self.hold_instance(self.inst['id'])
        resp = self.create()
        self.assertProblem(resp, 409)
        self.assertIn(op_id, resp.json['detail'])
        self.assertNoOpStored(count=1)
        self.assertIsNone(db_api.get_vnf_snapshot_info(
            None, self.info['id']).reservation)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op_id).operation_state)
        # Once the first is done, the same request is accepted.
        op = self.wait_for_op(self.op_id_from(self.create()))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)

    def test_snapshot_held_by_another_instance_operation(self):
        other = self.register_vnf(prefix='other')
        fake_vim.FakeVim.delay[('create', 'other-0')] = 0.5
        op_id = self.op_id_from(self.create(instance_id=other['id']))
        resp = self.create()
        self.assertProblem(resp, 409)
        self.assertIn(op_id, resp.json['detail'])
        self.assertNoOpStored(count=1)
        self.assertIsNone(db_api.get_vnf_instance(
            None, self.inst['id']).reservation)
        self.wait_for_op(op_id)

    def test_unknown_snapshot(self):
        resp = self.create(body={'vnfSnapshotInfoId': 'nope'})
        self.assertProblem(resp, 422)
        self.assertIn('nope', resp.json['detail'])
        self.assertNoOpStored()
        self.assertUnreserved()

    def test_snapshot_of_another_project(self):
        theirs = self.new_snapshot_info(project='other')
        resp = self.create(body={'vnfSnapshotInfoId': theirs['id']})
        self.assertProblem(resp, 422)
        self.assertNoOpStored()
        self.assertUnreserved()

    def test_snapshot_already_filled(self):
        info_id, op = self.take_snapshot(self.inst['id'])
        self.assertEqual(states.COMPLETED, op.operation_state)
        before = self.get('/vnflcm/v2/vnf_snapshots/%s' % info_id).json
        resp = self.create(body={'vnfSnapshotInfoId': info_id})
        self.assertProblem(resp, 422)
        self.assertIn('already holds', resp.json['detail'])
        self.assertNoOpStored(count=1)
        self.assertEqual(before, self.get(
            '/vnflcm/v2/vnf_snapshots/%s' % info_id).json)

    def test_schema_errors(self):
        sid = self.info['id']
        for body in ({}, {'vnfSnapshotInfoId': 3},
                     {'vnfSnapshotInfoId': ''},
                     {'vnfSnapshotInfoId': 'x' * 37},
                     {'vnfSnapshotInfoId': sid, 'additionalParams': []},
                     {'vnfSnapshotInfoId': sid,
                      'additionalParams': {'withMemory': 'yes'}},
                     {'vnfSnapshotInfoId': sid,
                      'additionalParams': {'quiesce': 1}},
                     {'vnfSnapshotInfoId': sid,
                      'additionalParams': {'pauseVnf': 'yes'}},
                     {'vnfSnapshotInfoId': sid, 'userDefinedData': 'x'},
                     {'vnfSnapshotInfoId': sid, 'colour': 'blue'},
                     [sid]):
            with self.subTest(body=body):
                self.assertProblem(self.create(body=body), 400)
        self.assertProblem(self.post(
            '%s/%s/create_snapshot' % (URL, self.inst['id']),
            raw_body=b'{', content_type='application/json'), 400)
        self.assertProblem(self.post(
            '%s/%s/create_snapshot' % (URL, self.inst['id']),
            raw_body=b'{}', content_type='text/plain'), 415)
        self.assertNoOpStored()
        self.assertUnreserved()

    def test_vnfc_subset(self):
        resp = self.create(body={
            'vnfSnapshotInfoId': self.info['id'],
            'additionalParams': {'vnfcInstanceIds': ['vnfc-1']}})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % self.info['id']).json
        self.assertEqual(['vnfc-1'], [
            v['vnfcResourceInfoId'] for v in snap['vnfSnapshot'][
                'vnfcSnapshots']])
        self.assertEqual(1, len(fake_vim.FakeVim.snapshots))
        self.assertVnfClean()

    def test_vnfc_subset_refused(self):
        for ids, status, detail in (
                (['vnfc-0', 'nope'], 422, 'names no VNFC of this VNF '
                                          'instance: nope'),
                ([], 400, None), (['vnfc-0', 'vnfc-0'], 400, None),
                ('vnfc-0', 400, None)):
            with self.subTest(ids=ids):
                resp = self.create(body={
                    'vnfSnapshotInfoId': self.info['id'],
                    'additionalParams': {'vnfcInstanceIds': ids}})
                self.assertProblem(resp, status)
                if detail:
                    self.assertIn(detail, resp.json['detail'])
        self.assertNoOpStored()
        self.assertUnreserved()
        self.assertEqual({}, fake_vim.FakeVim.snapshots)

    def test_quiesce_and_vnf_wide_pause_exclude_each_other(self):
        resp = self.create(body={
            'vnfSnapshotInfoId': self.info['id'],
            'additionalParams': {'quiesce': True, 'pauseVnf': True}})
        self.assertProblem(resp, 400)
        self.assertIn('paused guest cannot freeze', resp.json['detail'])
        self.assertNoOpStored()
        self.assertUnreserved()

    def test_unknown_additional_params_are_kept(self):
        resp = self.create(body={'vnfSnapshotInfoId': self.info['id'],
                                 'additionalParams': {'vendorKey': 1},
                                 'userDefinedData': {'why': 'test'}})
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.assertEqual({'vendorKey': 1},
                         op.operation_params['additionalParams'])
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % self.info['id'])
        self.assertEqual({'why': 'test'},
                         snap.json['vnfSnapshot']['userDefinedData'])

    def test_with_memory(self):
        info_id, op = self.take_snapshot(self.inst['id'], withMemory=True)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % info_id).json
        for vnfc in snap['vnfSnapshot']['vnfcSnapshots']:
            extra = vnfc['computeSnapshotResource'][
                'vimLevelAdditionalResourceInfo']['additionalInfo']
            self.assertTrue(extra['memoryCaptured'])

    def test_with_memory_without_the_capability(self):
        fake_vim.FakeVim.caps = vim_base.Capabilities(quiesce=True)
        info_id, op = self.take_snapshot(self.inst['id'], withMemory=True)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        occ = self.get('/vnflcm/v2/vnf_lcm_op_occs/%s' % op.id).json
        self.assertEqual(422, occ['error']['status'])
        self.assertIn('memory', occ['error']['detail'])
        self.assertNotIn(('create', 'vm-0'), fake_vim.FakeVim.calls)
        self.assertNotIn(('quiesce', 'vm-0'), fake_vim.FakeVim.calls)
        self.assertEqual({}, fake_vim.FakeVim.snapshots)
        self.assertNotIn('vnfSnapshot', self.get(
            '/vnflcm/v2/vnf_snapshots/%s' % info_id).json)

    def test_quiesce_asked_without_the_capability(self):
        fake_vim.FakeVim.caps = vim_base.Capabilities(memory_snapshot=True)
        info_id, op = self.take_snapshot(self.inst['id'], quiesce=True)
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('quiesce', op.error['detail'])
        self.assertEqual(422, op.error['status'])
        self.assertEqual([], fake_vim.FakeVim.calls)

    def test_quiesce_by_default_only_where_possible(self):
        fake_vim.FakeVim.caps = vim_base.Capabilities()
        info_id, op = self.take_snapshot(self.inst['id'])
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.assertNotIn('quiesce', [c[0] for c in fake_vim.FakeVim.calls])
        snap = self.get('/vnflcm/v2/vnf_snapshots/%s' % info_id).json
        extra = snap['vnfSnapshot']['vnfcSnapshots'][0][
            'computeSnapshotResource']['vimLevelAdditionalResourceInfo'][
            'additionalInfo']
        self.assertEqual({'consistencyLevel': 'crash',
                          'memoryCaptured': False}, extra)

    def test_quiesce_refused_explicitly(self):
        info_id, op = self.take_snapshot(self.inst['id'], quiesce=False)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.assertNotIn('quiesce', [c[0] for c in fake_vim.FakeVim.calls])

    def test_vim_failure_undoes_what_was_done(self):
        inst = self.register_vnf(n_vnfcs=3, prefix='big')
        fake_vim.FakeVim.fail[('create', 'big-2')] = 'disk full'
        # Let the other VNFC snapshots finish before the failure.
        fake_vim.FakeVim.delay[('create', 'big-2')] = 0.1
        info_id, op = self.take_snapshot(inst['id'])
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('disk full', op.error['detail'])
        calls = fake_vim.FakeVim.calls
        for rid in ('big-0', 'big-1', 'big-2'):
            self.assertIn(('quiesce', rid), calls)
            self.assertIn(('unquiesce', rid), calls)
        self.assertIn(('create', 'big-0'), calls)
        self.assertIn(('create', 'big-1'), calls)
        # Discarded by name: the two taken, and the failed one's intent.
        self.assertEqual(3, len([c for c in calls
                                 if c[0] == 'discard_snapshot']))
        self.assertEqual({}, fake_vim.FakeVim.snapshots)
        self.assertVnfClean()
        self.assertNotIn('vnfSnapshot', self.get(
            '/vnflcm/v2/vnf_snapshots/%s' % info_id).json)
        # FAILED_TEMP keeps the instance until the client decides.
        self.assertProblem(self.create(instance_id=inst['id']), 409)

    def test_quiesce_failure_thaws_the_others(self):
        fake_vim.FakeVim.fail[('quiesce', 'vm-1')] = 'agent gone'
        fake_vim.FakeVim.delay[('quiesce', 'vm-1')] = 0.1
        info_id, op = self.take_snapshot(self.inst['id'])
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('agent gone', op.error['detail'])
        self.assertIn(('unquiesce', 'vm-0'), fake_vim.FakeVim.calls)
        self.assertNotIn('create', [c[0] for c in fake_vim.FakeVim.calls])
        self.assertVnfClean()


class TestRevertToSnapshot(TaskTestCase):

    def setUp(self):
        super().setUp()
        op = self.wait_for_op(self.op_id_from(self.create()))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)

    def test_revert(self):
        for guest in fake_vim.FakeVim.guests.values():
            guest['disk']['file'] = 'changed'
        resp = self.revert(self.info['id'])
        self.assertEqual(202, resp.status, resp.body)
        self.assertEqual(b'', resp.body)
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        occ = self.get('/vnflcm/v2/vnf_lcm_op_occs/%s' % op.id).json
        self.assertEqual(states.REVERT_TO_SNAPSHOT, occ['operation'])
        self.assertEqual(self.info['id'], occ['vnfSnapshotInfoId'])
        for guest in fake_vim.FakeVim.guests.values():
            self.assertEqual({'file': 'v0'}, guest['disk'])
        self.assertUnreserved()

    def test_unknown_instance(self):
        self.assertProblem(self.revert(self.info['id'], instance_id='x'),
                           404)
        self.assertNoOpStored(count=1)

    def test_not_instantiated(self):
        idle = self.post(URL, {'vnfdId': 'v', 'vnfd': VNFD}).json
        resp = self.revert(self.info['id'], instance_id=idle['id'])
        self.assertProblem(resp, 409)
        self.assertNoOpStored(count=1)

    def test_another_operation_runs(self):
        op_id, _ = self.hold_instance(self.inst['id'])
        resp = self.revert(self.info['id'])
        self.assertProblem(resp, 409)
        self.assertNoOpStored(count=2)
        self.assertEqual(states.COMPLETED,
                         self.wait_for_op(op_id).operation_state)

    def test_unknown_snapshot(self):
        resp = self.revert('nope')
        self.assertProblem(resp, 422)
        self.assertNoOpStored(count=1)
        self.assertUnreserved()

    def test_snapshot_of_another_project(self):
        theirs = self.new_snapshot_info(project='other')
        self.assertProblem(self.revert(theirs['id']), 422)
        self.assertNoOpStored(count=1)

    def test_empty_snapshot(self):
        empty = self.new_snapshot_info()
        resp = self.revert(empty['id'])
        self.assertProblem(resp, 422)
        self.assertIn('empty', resp.json['detail'])
        self.assertNoOpStored(count=1)
        self.assertUnreserved()

    def test_snapshot_of_another_instance(self):
        other = self.register_vnf(prefix='other')
        resp = self.revert(self.info['id'], instance_id=other['id'])
        self.assertProblem(resp, 422)
        self.assertIn(self.inst['id'], resp.json['detail'])
        self.assertNoOpStored(count=1)
        self.assertIsNone(db_api.get_vnf_instance(
            None, other['id']).reservation)

    def test_schema_errors(self):
        for body in ({}, {'vnfSnapshotInfoId': None},
                     {'vnfSnapshotInfoId': self.info['id'],
                      'additionalParams': 'x'},
                     {'vnfSnapshotInfoId': self.info['id'], 'extra': 1}):
            with self.subTest(body=body):
                self.assertProblem(self.post(
                    '%s/%s/revert_to_snapshot' % (URL, self.inst['id']),
                    body), 400)
        self.assertNoOpStored(count=1)
        self.assertUnreserved()

    def test_vim_failure(self):
        fake_vim.FakeVim.fail[('revert', 'vm-1')] = 'host down'
        op = self.wait_for_op(self.op_id_from(self.revert(self.info['id'])))
        self.assertEqual(states.FAILED_TEMP, op.operation_state)
        self.assertIn('host down', op.error['detail'])


class TestTaskMethods(TaskTestCase):

    def test_only_post(self):
        for task in ('create_snapshot', 'revert_to_snapshot'):
            for method in ('GET', 'PUT', 'PATCH', 'DELETE'):
                with self.subTest(task=task, method=method):
                    resp = self.request(method, '%s/%s/%s' % (
                        URL, self.inst['id'], task))
                    self.assertProblem(resp, 405)
                    self.assertEqual('POST', resp.headers['Allow'])

    def test_unknown_task(self):
        resp = self.post('%s/%s/heal' % (URL, self.inst['id']),
                         {'vnfSnapshotInfoId': self.info['id']})
        self.assertProblem(resp, 404)
        self.assertNoOpStored()


class TestSnapshotDescriptor(TaskTestCase):
    """The descriptor: validated when given, replaceable, enforced before
    any op occurrence is recorded."""

    def descriptor_url(self, instance_id=None):
        return '%s/%s/snapshot_descriptor' % (URL,
                                              instance_id or self.inst['id'])

    def put_descriptor(self, document, **kw):
        return self.request('PUT', self.descriptor_url(), body=document,
                            **kw)

    def test_registration_validates_it(self):
        db_api.delete_vnf_instance(None, self.inst['id'])
        body = registration()
        body['snapshotDescriptor'] = {'consistentOnly': 'yes'}
        resp = self.post(URL, body)
        self.assertProblem(resp, 422)
        self.assertIn('snapshotDescriptor', resp.json['detail'])
        body = registration()
        body['vnfd'] = dict(body['vnfd'], vnfLcmOperationsConfiguration={
            'snapshot': {'timeWindows': [{'days': ['XYZ'], 'start': '01:00',
                                          'stop': '02:00'}]}})
        resp = self.post(URL, body)
        self.assertProblem(resp, 422)
        self.assertIn('vnfd.vnfLcmOperationsConfiguration.snapshot',
                      resp.json['detail'])
        self.assertNothingStored()
        # The VNFD's descriptor applies when none is given.
        body['vnfd']['vnfLcmOperationsConfiguration']['snapshot'] = {
            'consistentOnly': True}
        created = self.post(URL, body).json
        self.assertEqual({'consistentOnly': True}, self.get(
            self.descriptor_url(created['id'])).json)

    def test_get_and_replace(self):
        self.assertEqual({}, self.get(self.descriptor_url()).json)
        document = {'createSnapshot': {'allowed': False}}
        resp = self.put_descriptor(document)
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual(document, self.get(self.descriptor_url()).json)
        resp = self.put_descriptor({'createSnapshot': {'allowed': 'no'}})
        self.assertProblem(resp, 422)
        self.assertEqual(document, self.get(self.descriptor_url()).json)
        self.assertProblem(self.put_descriptor([1]), 400)

    def test_not_while_an_operation_runs(self):
        op_id, _ = self.hold_instance(self.inst['id'])
        resp = self.put_descriptor({'consistentOnly': True})
        self.assertProblem(resp, 409)
        self.assertIn(op_id, resp.json['detail'])
        self.wait_for_op(op_id)
        self.assertEqual({}, self.get(self.descriptor_url()).json)

    def test_forbidden_operations(self):
        self.put_descriptor({'createSnapshot': {'allowed': False},
                             'revertToSnapshot': {'allowed': False}})
        resp = self.create()
        self.assertProblem(resp, 409)
        self.assertIn('forbids CREATE_SNAPSHOT', resp.json['detail'])
        resp = self.revert(self.info['id'])
        self.assertProblem(resp, 409)
        self.assertIn('forbids REVERT_TO_SNAPSHOT', resp.json['detail'])
        self.assertNoOpStored()
        self.assertUnreserved()

    def test_outside_the_time_window(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        closed = [d for d in descriptor.DAYS
                  if d != descriptor.DAYS[now.weekday()]
                  and d != descriptor.DAYS[(now.weekday() - 1) % 7]]
        self.put_descriptor({'timeWindows': [
            {'days': closed, 'start': '00:00', 'stop': '23:59'}]})
        resp = self.create()
        self.assertProblem(resp, 409)
        self.assertIn('time windows', resp.json['detail'])
        self.assertNoOpStored()

    def test_requests_cannot_widen_it(self):
        self.put_descriptor({'consistentOnly': True,
                             'vnfcs': {'vdu0': {'snapshotType': 'cold'}}})
        for params, words in (({'withMemory': True}, 'cold'),
                              ({'quiesce': False}, 'consistentOnly')):
            resp = self.create(body={'vnfSnapshotInfoId': self.info['id'],
                                     'additionalParams': params})
            self.assertProblem(resp, 422)
            self.assertIn(words, resp.json['detail'])
        self.assertNoOpStored()
        op = self.wait_for_op(self.op_id_from(self.create()))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)

    def test_warm_snapshots_leave_out_only_detached_volumes(self):
        resp = self.put_descriptor({'vnfcs': {'vdu0': {
            'attachDisksAfter': True}}})
        self.assertProblem(resp, 422)
        self.assertIn('needs detachDisksBefore', resp.json['detail'])
        self.put_descriptor({'vnfcs': {'vdu0': {'volumes': []}}})
        resp = self.create(body={'vnfSnapshotInfoId': self.info['id'],
                                 'additionalParams': {'withMemory': True}})
        self.assertProblem(resp, 422)
        self.assertIn('vol-0 out while attached', resp.json['detail'])
        self.assertNoOpStored()
        self.put_descriptor({'vnfcs': {'vdu0': {
            'volumes': [], 'detachDisksBefore': True}}})
        op = self.wait_for_op(self.op_id_from(self.create(
            body={'vnfSnapshotInfoId': self.info['id'],
                  'additionalParams': {'withMemory': True}})))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        row = next(r for r in db_api.get_vnf_snapshot_info(
            None, self.info['id']).vnfc_snapshots
            if r.vnfc_resource_info_id == 'vnfc-0')
        self.assertEqual(['vol-0'], sorted(row.vim_details[
            'detached_volumes']))


class TestSnapshotNotifications(TaskTestCase):
    """Where the VNF gets its prepare/done notices; secrets stay inside."""

    def url(self):
        return '%s/%s/snapshot_notifications' % (URL, self.inst['id'])

    def put(self, body):
        return self.request('PUT', self.url(), body=body)

    def test_set_show_and_remove(self):
        self.assertEqual({}, self.get(self.url()).json)
        resp = self.put({'callbackUri': 'https://vnf.example/hooks',
                         'ackTimeout': 20,
                         'authentication': {
                             'authType': ['BASIC'],
                             'paramsBasic': {'userName': 'vnfm',
                                             'password': 'pa55'}}})
        self.assertEqual(200, resp.status, resp.body)
        expected = {'callbackUri': 'https://vnf.example/hooks',
                    'verifyTls': True, 'ackTimeout': 20,
                    'authentication': {'authType': ['BASIC'],
                                       'paramsBasic': {'userName': 'vnfm'}}}
        self.assertEqual(expected, resp.json)
        self.assertEqual(expected, self.get(self.url()).json)
        self.assertNotIn('pa55', secrets_fixtures.stored(
            'vnf_instances', 'snapshot_notifications', self.inst['id']))
        self.assertEqual('pa55', db_api.get_vnf_instance(
            None, self.inst['id']).snapshot_notifications['credentials'][
                'password'])
        resp = self.put({'callbackUri': 'http://10.0.0.5:8080/h',
                         'verifyTls': False, 'authentication': {
                             'authType': ['OAUTH2_CLIENT_CREDENTIALS'],
                             'paramsOauth2ClientCredentials': {
                                 'clientId': 'c', 'clientPassword': 'pw',
                                 'tokenEndpoint': 'http://10.0.0.5/t'}}})
        self.assertEqual({'clientId': 'c', 'tokenEndpoint':
                          'http://10.0.0.5/t'},
                         resp.json['authentication'][
                             'paramsOauth2ClientCredentials'])
        self.assertEqual(204, self.request('DELETE', self.url()).status)
        self.assertEqual({}, self.get(self.url()).json)

    def test_bad_input_changes_nothing(self):
        self.put({'callbackUri': 'https://vnf.example/hooks'})
        for body in ({}, {'callbackUri': 'ftp://x/y'},
                     {'callbackUri': 'https://x/', 'ackTimeout': 0},
                     {'callbackUri': 'https://x/', 'colour': 1},
                     {'callbackUri': 'https://x/', 'authentication': {
                         'authType': ['TLS_CERT']}},
                     {'callbackUri': 'https://x/', 'authentication': {
                         'authType': ['BASIC'], 'paramsBasic': {}}}):
            with self.subTest(body=body):
                self.assertProblem(self.put(body), 400)
        self.assertEqual({'callbackUri': 'https://vnf.example/hooks',
                          'verifyTls': True}, self.get(self.url()).json)

    def test_not_while_an_operation_runs(self):
        op_id, _ = self.hold_instance(self.inst['id'])
        self.assertProblem(self.put({'callbackUri': 'https://x/'}), 409)
        self.wait_for_op(op_id)
        self.assertEqual({}, self.get(self.url()).json)


class TestLocalGrant(TaskTestCase):
    """[grant]mode policy: the grant rules decide at request time."""

    def deny(self, rule):
        enforcer = policy.get_enforcer()
        enforcer.load_rules()
        self.addCleanup(enforcer.clear)
        enforcer.rules[rule] = oslo_policy.RuleDefault(rule, '!').check

    def test_refused_grant(self):
        self.conf.config(mode='policy', group='grant')
        self.deny('vnfsnap:vnf_instance:grant_create_snapshot')
        resp = self.create()
        self.assertProblem(resp, 403)
        self.assertIn('grant_create_snapshot', resp.json['detail'])
        self.assertNoOpStored()
        self.assertUnreserved()

    def test_descriptor_can_ask_for_it(self):
        self.deny('vnfsnap:vnf_instance:grant_create_snapshot')
        op = self.wait_for_op(self.op_id_from(self.create()))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.request('PUT', '%s/%s/snapshot_descriptor' % (
            URL, self.inst['id']), body={'createSnapshot': {
                'grant': 'policy'}})
        resp = self.create(body={
            'vnfSnapshotInfoId': self.new_snapshot_info()['id']})
        self.assertProblem(resp, 403)
