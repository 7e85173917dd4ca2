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

"""The VNF snapshot descriptor's rules (GR NFV-TST 005 table 7.3-1)."""

import collections
import datetime

from vnfsnap import descriptor
from vnfsnap.common import exception
from vnfsnap.tests import base

UTC = datetime.timezone.utc
Vnfc = collections.namedtuple('Vnfc', 'id vdu_id')

FULL = {
    'createSnapshot': {'allowed': True, 'grant': 'policy'},
    'revertToSnapshot': {'allowed': True, 'grant': 'none'},
    'timeWindows': [{'days': ['SAT', 'SUN'], 'start': '01:00',
                     'stop': '05:00', 'timeZone': 'Europe/Paris'}],
    'consistentOnly': True,
    'vnfcs': {'db': {
        'include': True, 'snapshotType': 'cold', 'memory': 'internal',
        'disk': {'location': 'external', 'mode': 'sequential'},
        'powerOffBefore': False, 'powerOffAfter': False,
        'powerOnAfter': False, 'detachDisksBefore': False,
        'attachDisksAfter': False, 'snapshotWhenPoweredOff': True,
        'revertWhenPoweredOn': True, 'volumes': ['data']}},
    'createOrder': [['db'], ['app']],
    'revertOrder': [['db'], ['app']],
}


class TestValidate(base.TestCase):

    def test_every_parameter(self):
        descriptor.validate(FULL)
        descriptor.validate({})

    def test_refusals(self):
        for doc, words in (
                ({'colour': 1}, 'colour'),
                ({'createSnapshot': {'allowed': 'yes'}}, 'allowed'),
                ({'vnfcs': {'db': {'snapshotType': 'hot'}}}, 'hot'),
                ({'timeWindows': [{'days': ['MON'], 'start': '25:00',
                                   'stop': '02:00'}]}, '25:00'),
                ({'timeWindows': [{'days': ['MON'], 'start': '02:00',
                                   'stop': '02:00'}]}, 'same time'),
                ({'timeWindows': [{'days': ['MON'], 'start': '01:00',
                                   'stop': '02:00',
                                   'timeZone': 'Mars/Olympus'}]},
                 'Mars/Olympus'),
                ({'createOrder': [['db'], ['db', 'app']]},
                 'more than one group'),
                ({'revertOrder': []}, 'revertOrder')):
            with self.subTest(doc=doc):
                e = self.assertRaises(exception.UnprocessableEntity,
                                      descriptor.validate, doc)
                self.assertIn(words, e.message)

    def test_from_vnfd(self):
        self.assertIsNone(descriptor.from_vnfd(None))
        self.assertEqual({'consistentOnly': True}, descriptor.from_vnfd(
            {'vnfLcmOperationsConfiguration': {
                'snapshot': {'consistentOnly': True}}}))


class TestRules(base.TestCase):

    def test_empty_allows_everything(self):
        rules = descriptor.Descriptor(None)
        rules.check_allowed('CREATE_SNAPSHOT')
        rules.check_allowed('REVERT_TO_SNAPSHOT')
        rules.check_time()
        rules.check_create({'withMemory': True, 'quiesce': False}, {})
        self.assertTrue(rules.included('any'))
        self.assertTrue(rules.wants_memory('any', True))
        self.assertFalse(rules.wants_memory('any', False))

    def test_operations_forbidden(self):
        rules = descriptor.Descriptor({
            'createSnapshot': {'allowed': False},
            'revertToSnapshot': {'allowed': False}})
        for op in ('CREATE_SNAPSHOT', 'REVERT_TO_SNAPSHOT'):
            e = self.assertRaises(exception.Conflict, rules.check_allowed,
                                  op)
            self.assertEqual(409, e.code)
            self.assertIn('forbids %s' % op, e.message)

    def test_time_windows_in_their_zone_and_across_midnight(self):
        rules = descriptor.Descriptor({'timeWindows': [
            {'days': ['SAT'], 'start': '01:00', 'stop': '05:00',
             'timeZone': 'Europe/Paris'},
            {'days': ['FRI'], 'start': '22:00', 'stop': '02:00'}]})
        # Saturday 02:00 in Paris (winter) is 01:00 UTC.
        rules.check_time(datetime.datetime(2026, 11, 28, 1, 0, tzinfo=UTC))
        # Friday 23:30 UTC and Saturday 01:30 UTC (after midnight).
        rules.check_time(datetime.datetime(2026, 11, 27, 23, 30,
                                           tzinfo=UTC))
        rules.check_time(datetime.datetime(2026, 11, 28, 0, 30, tzinfo=UTC))
        # Saturday 05:00 in Paris is outside (stop is exclusive).
        e = self.assertRaises(exception.Conflict, rules.check_time,
                              datetime.datetime(2026, 11, 28, 4, 0,
                                                tzinfo=UTC))
        self.assertIn('SAT 01:00-05:00 Europe/Paris', e.message)
        self.assertIn('Sat 04:00 UTC', e.message)
        # Thursday night: FRI's window does not open on Thursday.
        self.assertRaises(exception.Conflict, rules.check_time,
                          datetime.datetime(2026, 11, 26, 23, 0, tzinfo=UTC))

    def test_requests_narrow_never_widen(self):
        rules = descriptor.Descriptor({
            'consistentOnly': True,
            'vnfcs': {'db': {'snapshotType': 'cold'},
                      'app': {'snapshotType': 'warm'},
                      'old': {'include': False, 'snapshotType': 'cold'}}})
        vnfcs = {'vnfcResourceInfo': [{'vduId': 'db'}, {'vduId': 'app'},
                                      {'vduId': 'old'}]}
        e = self.assertRaises(exception.UnprocessableEntity,
                              rules.check_create, {'withMemory': True},
                              vnfcs)
        self.assertIn('VDU(s) db cold', e.message)
        e = self.assertRaises(exception.UnprocessableEntity,
                              rules.check_create, {'quiesce': False}, vnfcs)
        self.assertIn('consistentOnly', e.message)
        rules.check_create({'quiesce': False, 'pauseVnf': True}, vnfcs)
        rules.check_create({}, vnfcs)
        # warm VDUs are warm even when not asked; cold ones never.
        self.assertTrue(rules.wants_memory('app', False))
        self.assertFalse(rules.wants_memory('db', True))
        self.assertFalse(rules.included('old'))

    def test_methods_vnfsnap_cannot_take_are_refused(self):
        vnfcs = {'vnfcResourceInfo': [{'vduId': 'db'}]}
        for rules, params, words in (
                ({'disk': {'location': 'internal'}}, {},
                 'internal disk snapshots'),
                ({'disk': {'mode': 'incremental'}}, {},
                 'incremental disk snapshots'),
                ({'memory': 'internal'}, {'withMemory': True},
                 'memory kept inside'),
                ({'memory': 'internal', 'snapshotType': 'warm'}, {},
                 'memory kept inside')):
            with self.subTest(rules=rules):
                e = self.assertRaises(
                    exception.UnprocessableEntity,
                    descriptor.Descriptor({'vnfcs': {'db': rules}})
                    .check_create, params, vnfcs)
                self.assertIn(words, e.message)
        # Fine: what vnfsnap does, or cold with memory rules.
        descriptor.Descriptor({'vnfcs': {'db': {
            'disk': {'location': 'external', 'mode': 'sequential'},
            'memory': 'internal'}}}).check_create({}, vnfcs)
        external = descriptor.Descriptor({'vnfcs': {'db': {
            'memory': 'external'}}})
        external.check_create({'withMemory': True}, vnfcs)

    STORAGE = [{'id': 'd1', 'virtualStorageDescId': 'data'},
               {'id': 'l1', 'virtualStorageDescId': 'logs'}]

    def plan(self, rules):
        plan = descriptor.Descriptor({'vnfcs': {'db': rules}}).volume_plan(
            'db', self.STORAGE)
        return ([s['id'] for s in plan.kept],
                [s['id'] for s in plan.left_out], plan.detach,
                bool(plan.attach_after))

    def test_volume_plans(self):
        # Vnfsd.016 alone: the others are left out but stay attached.
        self.assertEqual((['d1', 'l1'], [], False, False), self.plan({}))
        self.assertEqual((['d1'], ['l1'], False, False),
                         self.plan({'volumes': ['data']}))
        # 011: detached for the capture (all, without a volumes list) and,
        # 012 unless false, attached again after it.
        self.assertEqual(([], ['d1', 'l1'], True, True),
                         self.plan({'detachDisksBefore': True}))
        self.assertEqual((['d1'], ['l1'], True, False),
                         self.plan({'detachDisksBefore': True,
                                    'volumes': ['data'],
                                    'attachDisksAfter': False}))
        # Nothing left out: nothing to detach.
        self.assertEqual((['d1', 'l1'], [], False, False),
                         self.plan({'detachDisksBefore': True,
                                    'volumes': ['data', 'logs']}))

    def test_warm_snapshots_leave_out_only_detached_volumes(self):
        info = {'vnfcResourceInfo': [{'id': 'v1', 'vduId': 'db',
                                      'storageResourceIds': ['d1', 'l1']}],
                'virtualStorageResourceInfo': self.STORAGE}
        rules = descriptor.Descriptor({'vnfcs': {'db': {
            'volumes': ['data']}}})
        rules.check_create({}, info)
        e = self.assertRaises(exception.UnprocessableEntity,
                              rules.check_create, {'withMemory': True},
                              info)
        self.assertIn('volume(s) l1 out while attached', e.message)
        descriptor.Descriptor({'vnfcs': {'db': {
            'volumes': ['data'], 'detachDisksBefore': True}}}).check_create(
                {'withMemory': True}, info)

    def test_attach_after_needs_detach_before(self):
        e = self.assertRaises(
            exception.UnprocessableEntity, descriptor.validate,
            {'vnfcs': {'db': {'attachDisksAfter': True}}})
        self.assertIn('vnfcs/db: attachDisksAfter', e.message)
        descriptor.validate({'vnfcs': {'db': {'attachDisksAfter': True,
                                              'detachDisksBefore': True}}})

    def test_order_groups(self):
        rules = descriptor.Descriptor({'createOrder': [['db'],
                                                       ['app', 'gone']],
                                       'revertOrder': [['app']]})
        vnfcs = [Vnfc('a1', 'app'), Vnfc('d', 'db'), Vnfc('a2', 'app'),
                 Vnfc('l', 'lb'), Vnfc('m', 'mon')]

        def ids(groups):
            return [[v.id for v in g] for g in groups]
        self.assertEqual([['d'], ['a1', 'a2'], ['l', 'm']],
                         ids(rules.order('CREATE_SNAPSHOT', vnfcs)))
        self.assertEqual([['a1', 'a2'], ['d', 'l', 'm']],
                         ids(rules.order('REVERT_TO_SNAPSHOT', vnfcs)))
        empty = descriptor.Descriptor({})
        self.assertEqual([['a1', 'd', 'a2', 'l', 'm']],
                         ids(empty.order('CREATE_SNAPSHOT', vnfcs)))
        self.assertEqual([['a1', 'd', 'a2', 'l', 'm']],
                         ids(empty.order('REVERT_TO_SNAPSHOT', vnfcs)))
