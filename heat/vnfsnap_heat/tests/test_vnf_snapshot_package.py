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


"""OS::VnfSnap::VnfSnapshotPackage against the fake vnfsnap client."""

from heat.common import exception

from vnfsnap_heat.resources import vnf_snapshot_package
from vnfsnap_heat.tests import base

TEMPLATE = '''
heat_template_version: 2021-04-16
resources:
  package:
    type: OS::VnfSnap::VnfSnapshotPackage
    properties:
      vnf_snapshot: snap-1
      name: fw-baseline
      user_defined_data: {site: paris, tier: edge}
      vnfc_snapshot_ids: [vnfc-snap-a]
'''


class VnfSnapshotPackageTest(base.ResourceTestCase):

    def package(self, template=TEMPLATE):
        return self.resource(template, 'package')

    def built(self):
        rsrc = self.package()
        rsrc.handle_create()
        self.fake.finish_build(rsrc.resource_id)
        self.assertTrue(rsrc.check_create_complete(None))
        return self.created(rsrc)

    def test_resource_mapping(self):
        self.assertEqual({'OS::VnfSnap::VnfSnapshotPackage':
                          vnf_snapshot_package.VnfSnapshotPackage},
                         vnf_snapshot_package.resource_mapping())

    def test_create_builds_until_available(self):
        rsrc = self.package()
        rsrc.handle_create()
        pkg = self.fake.vnf_snapshot_packages.items[rsrc.resource_id]
        self.assertEqual('fw-baseline', pkg['name'])
        self.assertEqual({'site': 'paris', 'tier': 'edge'},
                         pkg['userDefinedData'])
        self.assertEqual([{'vnfSnapshotInfoId': 'snap-1',
                           'vnfcSnapshotsInfoIds': ['vnfc-snap-a']}],
                         self.fake.builds)
        self.assertFalse(rsrc.check_create_complete(None))
        self.fake.finish_build(rsrc.resource_id)
        self.assertTrue(rsrc.check_create_complete(None))

    def test_build_error_fails_with_detail(self):
        rsrc = self.package()
        rsrc.handle_create()
        self.fake.finish_build(rsrc.resource_id, 'ERROR',
                               detail='image of vnfc_a unreadable')
        error = self.assertRaises(exception.Error,
                                  rsrc.check_create_complete, None)
        self.assertIn('image of vnfc_a unreadable', str(error))

    def test_build_refused_keeps_the_package_for_delete(self):
        self.fake.refuse('VnfSnapshotPackages', 'build', 422,
                         'VNF snapshot snap-1 is empty')
        rsrc = self.package()
        error = self.assertRaises(exception.Error, rsrc.handle_create)
        self.assertIn('VNF snapshot snap-1 is empty', str(error))
        self.assertIn(rsrc.resource_id,
                      self.fake.vnf_snapshot_packages.items)
        self.assertTrue(rsrc.check_delete_complete(rsrc.handle_delete()))
        self.assertEqual({}, self.fake.vnf_snapshot_packages.items)

    def test_update_in_place(self):
        rsrc = self.built()
        rsrc.handle_update(None, {}, {'name': 'fw-gold',
                                      'user_defined_data': {'site': 'lyon'}})
        self.assertEqual([{'name': 'fw-gold',
                           'userDefinedData': {'site': 'lyon',
                                               'tier': None}}],
                         self.fake.package_updates)
        pkg = self.fake.vnf_snapshot_packages.items[rsrc.resource_id]
        self.assertEqual({'site': 'lyon'}, pkg['userDefinedData'])

    def test_update_refused_with_detail(self):
        rsrc = self.built()
        self.fake.refuse('VnfSnapshotPackages', 'update', 412, 'changed')
        error = self.assertRaises(exception.Error, rsrc.handle_update,
                                  None, {}, {'name': 'x'})
        self.assertIn('changed', str(error))

    def test_replacing_properties(self):
        schema = vnf_snapshot_package.VnfSnapshotPackage.properties_schema
        self.assertEqual({'name', 'user_defined_data'},
                         {k for k, s in schema.items() if s.update_allowed})

    def test_delete_cancels_a_build(self):
        rsrc = self.package()
        rsrc.handle_create()
        progress = rsrc.handle_delete()
        self.assertEqual([rsrc.resource_id], self.fake.cancels)
        self.assertFalse(rsrc.check_delete_complete(progress))
        self.fake.finish_build(rsrc.resource_id, 'ERROR', detail='cancelled')
        self.assertTrue(rsrc.check_delete_complete(progress))
        self.assertEqual({}, self.fake.vnf_snapshot_packages.items)

    def test_delete_already_gone(self):
        rsrc = self.built()
        del self.fake.vnf_snapshot_packages.items[rsrc.resource_id]
        self.assertIsNone(rsrc.handle_delete())

    def test_attributes(self):
        rsrc = self.built()
        self.assertEqual('AVAILABLE', rsrc.FnGetAtt('state'))
        self.assertEqual({'algorithm': 'SHA-256', 'hash': 'ab' * 32},
                         rsrc.FnGetAtt('checksum'))
        self.assertEqual(4096, rsrc.FnGetAtt('size'))
        self.assertTrue(self.fake.content.closed)
        self.assertEqual(
            'http://vnfsnap/vnfsnapshotpkgm/v1/vnf_snapshot_packages/%s/'
            'package_content' % rsrc.resource_id,
            rsrc.FnGetAtt('download_url'))
        self.assertEqual('fw-baseline', rsrc.FnGetAtt('package')['name'])
