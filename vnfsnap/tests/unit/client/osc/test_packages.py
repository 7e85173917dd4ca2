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

"""The openstack vnf snapshot package commands: their arguments and the
client library calls they make (the client is a mock here; the
functional tests run the real openstack command against vnfsnap)."""

import os

import fixtures
from osc_lib import exceptions as osc_exceptions
import testtools
from vnfsnapclient import exceptions
from vnfsnapclient.osc.v1 import packages

from vnfsnap.tests.fixtures import osc_commands as oc

PKG_ID = '5d0f7a8e-4444-4aaa-8bbb-000000000004'
PKG = {'id': PKG_ID, 'name': 'fw', 'state': 'AVAILABLE',
       'vnfsr': {'recordPath': 'vnfsr/record.json',
                 'checksum': {'algorithm': 'SHA-256', 'hash': 'aa'}},
       'vnfcSnapshotImages': [{'imagePath': 'images/c1/disk.raw',
                               'size': 3, 'checksum': {
                                   'algorithm': 'SHA-256', 'hash': 'bb'}}],
       'additionalArtifacts': [{'artifactPath': 'tools/x.sh',
                                'artifactUri': 'https://a.test/x.sh',
                                'metadata': {'size': '12'}},
                               {'artifactPath': 'diagnostics/index.json',
                                'checksum': {'algorithm': 'SHA-256',
                                             'hash': 'cc'},
                                'metadata': {'size': '40',
                                             'role': 'diagnostics'}}]}


class PackageCommandTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.app = oc.App()
        self.client = self.app.client_manager.vnfsnap
        self.pkgs = self.client.vnf_snapshot_packages
        self.pkgs.get.return_value = PKG
        self.pkgs.wait.return_value = PKG
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def run_cmd(self, command_class, argv):
        return oc.run(command_class, argv, self.app)


class TestPackageCommands(PackageCommandTestCase):

    def test_create(self):
        self.pkgs.create.return_value = {'id': PKG_ID, 'name': 'fw'}
        shown = oc.as_dict(self.run_cmd(packages.CreatePackage, [
            'fw', '--property', 'site=lab', '--property', 'a=b']))
        self.pkgs.create.assert_called_once_with(
            {'name': 'fw', 'userDefinedData': {'site': 'lab', 'a': 'b'}})
        self.assertEqual(PKG_ID, shown['id'])

    def test_build_partial_and_wait(self):
        shown = oc.as_dict(self.run_cmd(packages.BuildPackage, [
            PKG_ID, '--snapshot', oc.INFO_ID, '--vnfc-snapshot', 'v1',
            '--vnfc-snapshot', 'v2', '--no-import', 'v2', '--wait']))
        self.pkgs.build.assert_called_once_with(PKG_ID, {
            'vnfSnapshotInfoId': oc.INFO_ID,
            'vnfcSnapshotsInfoIds': ['v1', 'v2'],
            'overrideImportForVnfcSnapshotIds': ['v2']})
        self.assertEqual(PKG_ID, self.pkgs.wait.call_args.args[0])
        self.assertEqual('AVAILABLE', shown['state'])

    def test_build_incremental(self):
        base_id = '5d0c3b1e-8a4f-4f7e-9b2a-1c3d5e7f9a0b'
        self.run_cmd(packages.BuildPackage, [
            PKG_ID, '--snapshot', oc.INFO_ID, '--base-package', base_id])
        self.pkgs.build.assert_called_once_with(PKG_ID, {
            'vnfSnapshotInfoId': oc.INFO_ID, 'basePackageId': base_id})

    def test_build_with_diagnostics(self):
        self.run_cmd(packages.BuildPackage, [
            PKG_ID, '--snapshot', oc.INFO_ID, '--diagnostics'])
        self.pkgs.build.assert_called_once_with(PKG_ID, {
            'vnfSnapshotInfoId': oc.INFO_ID, 'diagnostics': True})

    def test_a_name_is_looked_up(self):
        self.pkgs.list.return_value = iter([{'id': PKG_ID, 'name': 'fw'}])
        self.run_cmd(packages.ShowPackage, ['fw'])
        self.pkgs.list.assert_called_once_with(filter='(eq,name,fw)',
                                               fields='name')
        self.pkgs.get.assert_called_once_with(PKG_ID)

    def test_an_ambiguous_name_is_refused(self):
        self.pkgs.list.return_value = iter([{'id': 'a'}, {'id': 'b'}])
        e = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                              packages.ShowPackage, ['fw'])
        self.assertIn('More than one VNF snapshot package is named', str(e))

    def test_send_with_the_password_from_the_environment(self):
        self.pkgs.send.return_value = 201
        self.useFixture(fixtures.EnvironmentVariable('CASE_PW', 's3cret'))
        self.run_cmd(packages.SendPackage, [
            PKG_ID, '--url', 'https://vendor.example/c/1', '--username',
            'acme', '--password-env', 'CASE_PW', '--ca-file', '/ca.pem'])
        args, kwargs = self.pkgs.send.call_args
        self.assertEqual((PKG_ID, 'https://vendor.example/c/1'), args)
        self.assertEqual(('acme', 's3cret', '/ca.pem'), (
            kwargs['username'], kwargs['password'], kwargs['verify']))

    def test_send_without_the_password_variable_is_refused(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'VNFSNAP_SEND_PASSWORD'))
        e = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                              packages.SendPackage, [
                                  PKG_ID, '--url', 'https://v/c',
                                  '--username', 'acme'])
        self.assertIn('VNFSNAP_SEND_PASSWORD', str(e))
        self.pkgs.send.assert_not_called()

    def test_upload_a_file_with_progress(self):
        path = os.path.join(self.tmp, 'p.zip')
        self.run_cmd(packages.UploadPackage, [PKG_ID, '--file', path])
        (pkg_id, sent), kwargs = self.pkgs.upload.call_args
        self.assertEqual((PKG_ID, path), (pkg_id, sent))
        self.assertTrue(callable(kwargs['progress']))
        self.pkgs.wait.assert_not_called()

    def test_upload_from_uri_with_basic_auth(self):
        secret = os.path.join(self.tmp, 'pw')
        with open(secret, 'w') as f:
            f.write('s3cret\n')
        self.run_cmd(packages.UploadPackage, [
            PKG_ID, '--uri', 'https://repo.test/fw.zip', '--auth-type',
            'basic', '--username', 'u', '--password-file', secret])
        self.pkgs.upload_from_uri.assert_called_once_with(PKG_ID, {
            'addressInformation': 'https://repo.test/fw.zip',
            'authType': 'BASIC',
            'paramsBasic': {'userName': 'u', 'password': 's3cret'}})

    def test_upload_file_refuses_credentials(self):
        self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                          packages.UploadPackage, [
                              PKG_ID, '--file', 'p.zip', '--auth-type',
                              'basic', '--username', 'u', '--password-file',
                              os.devnull])
        self.pkgs.upload.assert_not_called()

    def test_upload_needs_a_source(self):
        self.assertRaises(SystemExit, oc.parse, packages.UploadPackage,
                          [PKG_ID])

    def test_wait_failure_gives_the_detail(self):
        failed = dict(PKG, state='ERROR', failureDetails={
            'errorType': 'PROCESS_ERROR',
            'details': {'status': 422, 'detail': 'bad manifest'}})
        self.pkgs.wait.side_effect = exceptions.OperationFailed(
            failed, failed['failureDetails']['details'])
        e = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                              packages.UploadPackage,
                              [PKG_ID, '--file', 'p.zip', '--wait'])
        self.assertIn('bad manifest', str(e))

    def test_download(self):
        self.run_cmd(packages.DownloadPackage, [PKG_ID, '--file', 'out.zip',
                                                '--no-resume'])
        args, kwargs = self.pkgs.download.call_args
        self.assertEqual((PKG_ID, 'out.zip'), args)
        self.assertFalse(kwargs['resume'])
        self.assertTrue(callable(kwargs['progress']))

    def test_extract_into_an_instance_by_name(self):
        self.client.vnf_instances.list.return_value = iter(
            [{'id': oc.INSTANCE_ID}])
        self.pkgs.extract.return_value = (
            'http://vnfsnap.test/vnflcm/v2/vnf_snapshots/%s' % oc.INFO_ID)
        shown = oc.as_dict(self.run_cmd(packages.ExtractPackage, [
            PKG_ID, '--instance', 'fw-1']))
        self.pkgs.extract.assert_called_once_with(
            PKG_ID, {'vnfInstanceId': oc.INSTANCE_ID})
        self.assertEqual(oc.INFO_ID, shown[packages.EXTRACTED_COLUMN])

    def test_cancel(self):
        self.run_cmd(packages.CancelPackage, [PKG_ID, '--cause', 'late'])
        self.pkgs.cancel.assert_called_once_with(PKG_ID, cause='late')

    def test_list_filters(self):
        self.pkgs.list.return_value = iter([PKG])
        rows = oc.rows(self.run_cmd(packages.ListPackage, [
            '--name', 'fw', '--state', 'AVAILABLE', '--state', 'ERROR',
            '--filter', '(eq,isFullSnapshot,true)', '--long']))
        self.pkgs.list.assert_called_once_with(
            filter='(eq,isFullSnapshot,true);(eq,name,fw);'
                   '(in,state,AVAILABLE,ERROR)', all_fields=True)
        self.assertEqual('fw', rows[0]['Name'])

    def test_set(self):
        self.run_cmd(packages.SetPackage, [
            PKG_ID, '--name', 'new', '--property', 'a=1',
            '--unset-property', 'b', '--available'])
        self.pkgs.update.assert_called_once_with(PKG_ID, {
            'name': 'new', 'userDefinedData': {'a': '1', 'b': None},
            'state': 'AVAILABLE'})
        self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                          packages.SetPackage, [PKG_ID])

    def test_delete_reports_each_failure(self):
        self.pkgs.delete.side_effect = [
            None, exceptions.NotFound(404, detail='gone')]
        e = self.assertRaises(osc_exceptions.CommandError, self.run_cmd,
                              packages.DeletePackage, [PKG_ID, PKG_ID])
        self.assertIn('1 of 2', str(e))


class TestArtifactAndAccessCommands(PackageCommandTestCase):

    def test_artifact_list(self):
        rows = oc.rows(self.run_cmd(packages.ListArtifact, [PKG_ID]))
        self.assertEqual([
            ('vnfsr/record.json', 'record', None, 'aa', None),
            ('images/c1/disk.raw', 'image', 3, 'bb', None),
            ('tools/x.sh', 'additional', 12, None, 'https://a.test/x.sh'),
            ('diagnostics/index.json', 'diagnostics', 40, 'cc', None)],
            [(r['Path'], r['Role'], r['Size'], r['SHA-256'],
              r['External URI']) for r in rows])

    def test_artifact_download_to_its_file_name(self):
        self.run_cmd(packages.DownloadArtifact,
                     [PKG_ID, 'images/c1/disk.raw'])
        args, kwargs = self.pkgs.download_artifact.call_args
        self.assertEqual((PKG_ID, 'images/c1/disk.raw', 'disk.raw'), args)

    def test_access_set_from_a_file_and_clear(self):
        doc = os.path.join(self.tmp, 'access.yaml')
        with open(doc, 'w') as f:
            f.write('artifact:\n- artifactUri: https://a.test/x\n')
        self.pkgs.set_ext_artifacts_access.return_value = {'artifact': []}
        self.run_cmd(packages.SetAccess, [PKG_ID, '--file', doc])
        self.run_cmd(packages.SetAccess, [PKG_ID, '--clear'])
        self.assertEqual(
            [((PKG_ID, {'artifact': [{'artifactUri': 'https://a.test/x'}]}),),
             ((PKG_ID, {'artifact': []}),)],
            [(c.args,) for c in
             self.pkgs.set_ext_artifacts_access.call_args_list])

    def test_access_show(self):
        self.pkgs.get_ext_artifacts_access.return_value = {'artifact': []}
        shown = oc.as_dict(self.run_cmd(packages.ShowAccess, [PKG_ID]))
        self.assertEqual({'artifact': []}, shown)
