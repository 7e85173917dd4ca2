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

"""The conductor's VNF snapshot package operations, on the fake VIM and
the file package store: build, process, extract, failures and recovery."""

import contextlib
import dataclasses
import datetime
import errno
import functools
import hashlib
import http.server
import io
import json
import logging
import os
import threading
import time
from unittest import mock
import zipfile

import fixtures
from oslo_utils import timeutils
from oslo_utils import uuidutils
from taskflow import task

from vnfsnap import store
from vnfsnap.common import exception
from vnfsnap.common import states
from vnfsnap.common import urlfetch
from vnfsnap.conductor import packages
from vnfsnap.conductor.flows import common as flows_common
from vnfsnap.conductor.flows import package_build
from vnfsnap.conductor.flows import package_extract
from vnfsnap.conductor.flows import package_process
from vnfsnap.conductor.flows import package_upload
from vnfsnap.db import api as db_api
from vnfsnap.db import progress as progress_mod
from vnfsnap.package import archive
from vnfsnap.package import contents
from vnfsnap.package import layout
from vnfsnap.package import manifest as manifest_mod
from vnfsnap.package import verify
from vnfsnap.tests import base
from vnfsnap.tests.fixtures import database as db_utils
from vnfsnap.tests.fixtures import fake_vim
from vnfsnap.tests.fixtures import fake_vnf
from vnfsnap.tests.fixtures import loopback
from vnfsnap.tests.fixtures import pki

PROJECT = 'p1'


class PackageTestCase(base.ApiTestCase):

    def setUp(self):
        super().setUp()
        self.runner = packages.PackageRunner('test-host')
        self.instance = self.register_vnf(project=PROJECT)
        self.info_id, op = self.take_snapshot(self.instance['id'],
                                              project=PROJECT,
                                              withMemory=True)
        self.assertEqual(states.COMPLETED, op.operation_state)
        self.store = store.get_store()

    def new_pkg(self):
        pkg_id = uuidutils.generate_uuid()
        db_api.create_vnf_snapshot_pkg({
            'id': pkg_id, 'project_id': PROJECT, 'name': 'pkg',
            'state': states.PKG_CREATED})
        return pkg_id

    def run_pkg(self, pkg_id):
        """Run the package's operation here; wait for it to settle (a
        conductor's sweep may have claimed it first)."""
        self.runner.run(pkg_id)
        deadline = time.monotonic() + 30
        while True:
            pkg = db_api.get_vnf_snapshot_pkg(None, pkg_id)
            if pkg.state not in states.PKG_ACTIVE_STATES:
                return pkg
            self.assertLess(time.monotonic(), deadline, pkg.state)
            time.sleep(0.02)

    def build(self, **request):
        pkg_id = self.new_pkg()
        params = dict(request, vnfSnapshotInfoId=self.info_id)
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'build', states.PKG_BUILDING,
            {'operation': states.PKG_OP_BUILD, 'operation_params': params},
            reserve_info=self.info_id)
        return self.run_pkg(pkg_id)

    def upload_file(self, path):
        """A package whose content was uploaded (as PUT does), processed."""
        pkg_id = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'upload', states.PKG_UPLOADING,
            {'operation': states.PKG_OP_UPLOAD, 'content_received': True})
        with open(path, 'rb') as f:
            self.store.put_stream(store.package_key(pkg_id), f)
        db_api.update_vnf_snapshot_pkg(
            None, pkg_id, {'state': states.PKG_PROCESSING},
            from_states=(states.PKG_UPLOADING,))
        return self.run_pkg(pkg_id)

    def download(self, pkg_id):
        path = os.path.join(self.state_path, '%s.zip' % pkg_id)
        self.store.get_to_file(store.package_key(pkg_id), path)
        return path

    def extract(self, pkg_id, **target):
        info_id = target.get('vnfSnapshotInfoId')
        new_info = None
        if info_id is None:
            info_id = uuidutils.generate_uuid()
            new_info = {'id': info_id, 'project_id': PROJECT,
                        'vnf_snapshot_pkg_id': pkg_id}
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'extract', states.PKG_EXTRACTING,
            {'operation': states.PKG_OP_EXTRACT, 'operation_params': {
                'vnfSnapshotInfoId': info_id,
                'vnfInstanceId': target.get('vnfInstanceId'),
                'createdVnfSnapshotInfo': new_info is not None}},
            reserve_info=None if new_info else info_id, new_info=new_info)
        return self.run_pkg(pkg_id), info_id

    def assertFailed(self, pkg, state, error_type, detail_part):
        self.assertEqual(state, pkg.state)
        self.assertEqual(error_type, pkg.failure_details['errorType'])
        self.assertIn(detail_part, pkg.failure_details['details']['detail'])
        self.assertFalse(pkg.is_cancel_pending)
        self.assertIsNone(pkg.host)


class TestBuild(PackageTestCase):

    def test_full_build_is_available_and_described(self):
        pkg = self.build()
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        info = db_api.get_vnf_snapshot_info(None, self.info_id)
        self.assertIsNone(info.reservation)
        self.assertEqual(info.snapshot_id, pkg.vnf_snapshot_id)
        self.assertTrue(pkg.is_full_snapshot)
        self.assertEqual(sorted(r.id for r in info.vnfc_snapshots),
                         pkg.vnfc_snapshot_info_ids)
        self.assertEqual(2, len(pkg.vnfc_snapshot_images))
        image = pkg.vnfc_snapshot_images[0]
        self.assertIn('memoryState', [a['metadata']['role']
                                      for a in pkg.additional_artifacts])
        self.assertEqual('RAW', image['diskFormat'])
        self.assertEqual('BARE', image['containerFormat'])
        self.assertTrue(image['imagePath'].startswith('images/'))
        self.assertEqual('vnfsr/record.json', pkg.vnfsr['recordPath'])
        self.assertIn(contents.OP_HISTORY_PATH,
                      [a['artifactPath'] for a in pkg.additional_artifacts])
        # The checksum is of the stored bytes; the layout finds members.
        path = self.download(pkg.id)
        with open(path, 'rb') as f:
            data = f.read()
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         pkg.checksum['hash'])
        member = pkg.layout['members'][image['imagePath']]
        with zipfile.ZipFile(path) as zf:
            self.assertEqual(zf.read(image['imagePath']),
                             data[member['offset']:member['offset']
                                  + member['compressedSize']])
        self.assertIsNotNone(pkg.vnf_snapshot_pkg_unique_id)
        self.assertEqual({'signed': False, 'verified': False},
                         pkg.layout['signature'])

    def test_one_pass_nothing_read_back(self):
        """The build writes the ZIP once, into the store, and describes it
        from what it wrote: no copy into the store, no extraction or
        fetch of what was just written."""
        with contextlib.ExitStack() as stack:
            not_called = {name: stack.enter_context(mock.patch.object(
                obj, name, side_effect=AssertionError(name)))
                for obj, name in ((type(self.store), 'put_file'),
                                  (type(self.store), 'get_to_file'),
                                  (archive, 'extract'),
                                  (archive, 'build'))}
            pkg = self.build()
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertEqual([], [n for n, m in not_called.items() if m.called])
        # What the build described without reading is what processing
        # the stored file describes.
        path = self.download(pkg.id)
        manifest = verify.verify_package(path)
        self.assertEqual(layout.describe(path, manifest)['members'],
                         pkg.layout['members'])
        with open(path, 'rb') as f:
            self.assertEqual(hashlib.sha256(f.read()).hexdigest(),
                             pkg.checksum['hash'])
        values = package_process.VerifyPackage(
            self.state_path, mock.Mock()).execute(path)
        for column in ('vnfc_snapshot_images', 'additional_artifacts',
                       'vnfsr', 'vnfd_info', 'vnf_snapshot_id',
                       'vnfc_snapshot_info_ids', 'is_full_snapshot'):
            self.assertEqual(values[column], getattr(pkg, column), column)
        self.assertEqual(values['layout'], pkg.layout)

    def test_memory_compression_option(self):
        for choice, compress_type, encoded in (
                ('zstd', zipfile.ZIP_STORED, 'zstd'),
                ('deflate', zipfile.ZIP_DEFLATED, None),
                ('stored', zipfile.ZIP_STORED, None)):
            with self.subTest(choice=choice):
                self.conf.config(memory_compression=choice, group='package')
                pkg = self.build()
                self.assertEqual(states.PKG_AVAILABLE, pkg.state,
                                 pkg.failure_details)
                path = self.download(pkg.id)
                manifest = verify.verify_package(path)
                memory = manifest.by_role(manifest_mod.ROLE_MEMORY)
                self.assertTrue(memory)
                with zipfile.ZipFile(path) as zf:
                    for artifact in memory:
                        self.assertEqual(encoded, artifact.compression)
                        self.assertEqual(compress_type, zf.getinfo(
                            artifact.path).compress_type)
                # And it comes back whole.
                pkg, _ = self.extract(pkg.id)
                self.assertEqual(states.PKG_AVAILABLE, pkg.state,
                                 pkg.failure_details)

    def test_signed_build_is_verified_and_required_on_import(self):
        keys = self.useFixture(pki.Pki())
        cert, key = keys.signer
        self.conf.config(signing_cert_file=keys.write_certs('s.pem', cert),
                         signing_key_file=keys.write_key('s.key', key),
                         signature_ca_file=keys.ca_file,
                         require_signature=True, group='package')
        pkg = self.build()
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        status = pkg.layout['signature']
        self.assertTrue(status['signed'] and status['verified'], status)
        self.assertIn('test package signer', status['signer'])
        # An unsigned package is refused when signatures are required.
        self.conf.config(signing_cert_file=None, signing_key_file=None,
                         group='package')
        pkg = self.upload_file(self.download(self.build_unsigned().id))
        self.assertFailed(pkg, states.PKG_ERROR, states.PROCESS_ERROR,
                          'signature')

    def build_unsigned(self):
        self.conf.config(require_signature=False, group='package')
        try:
            return self.build()
        finally:
            self.conf.config(require_signature=True, group='package')

    def test_partial_build(self):
        info = db_api.get_vnf_snapshot_info(None, self.info_id)
        first = info.vnfc_snapshots[0].id
        pkg = self.build(vnfcSnapshotsInfoIds=[first])
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertFalse(pkg.is_full_snapshot)
        self.assertEqual([first], pkg.vnfc_snapshot_info_ids)
        self.assertEqual(1, len(pkg.vnfc_snapshot_images))

    def test_external_artifacts_are_refused_clearly(self):
        pkg = self.build(importSnapshotResource=False)
        self.assertFailed(pkg, states.PKG_ERROR, states.BUILD_ERROR,
                          'external artifact')
        self.assertFalse(self.store.exists(store.package_key(pkg.id)))
        self.assertIsNone(
            db_api.get_vnf_snapshot_info(None, self.info_id).reservation)

    def test_override_inverts_the_import_policy(self):
        info = db_api.get_vnf_snapshot_info(None, self.info_id)
        ids = [r.id for r in info.vnfc_snapshots]
        pkg = self.build(importSnapshotResource=False,
                         overrideImportForVnfcSnapshotIds=ids)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)

    def test_cancel_during_build(self):
        pkg_id = self.new_pkg()
        info = db_api.get_vnf_snapshot_info(None, self.info_id)
        handle = info.vnfc_snapshots[1].compute_snapshot_resource[
            'resourceId']
        fake_vim.FakeVim.hooks[('export', handle)] = (
            lambda: db_api.request_pkg_cancel(PROJECT, pkg_id, 'operator'))
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'build', states.PKG_BUILDING,
            {'operation': states.PKG_OP_BUILD,
             'operation_params': {'vnfSnapshotInfoId': self.info_id}},
            reserve_info=self.info_id)
        pkg = self.run_pkg(pkg_id)
        self.assertFailed(pkg, states.PKG_ERROR, states.CANCELLED,
                          'operator')
        self.assertFalse(self.store.exists(store.package_key(pkg_id)))

    def test_vim_failure_is_a_build_error(self):
        info = db_api.get_vnf_snapshot_info(None, self.info_id)
        handle = info.vnfc_snapshots[0].compute_snapshot_resource[
            'resourceId']
        fake_vim.FakeVim.fail[('export', handle)] = 'disk vanished'
        pkg = self.build()
        self.assertFailed(pkg, states.PKG_ERROR, states.BUILD_ERROR,
                          'disk vanished')

    def test_full_work_directory_says_so(self):
        info = db_api.get_vnf_snapshot_info(None, self.info_id)
        handle = info.vnfc_snapshots[0].compute_snapshot_resource[
            'resourceId']

        def full():
            raise OSError(errno.ENOSPC, 'No space left on device',
                          os.path.join(
                              self.conf.conf.conductor.package_work_dir,
                              'export', '0', 'disk.raw'))
        fake_vim.FakeVim.hooks[('export', handle)] = full
        pkg = self.build()
        self.assertFailed(pkg, states.PKG_ERROR, states.BUILD_ERROR,
                          "No space left in the conductor's package work "
                          'directory')
        self.assertIn('while writing disk.raw',
                      pkg.failure_details['details']['detail'])
        self.assertEqual(507, pkg.failure_details['details']['status'])


class TestIncremental(PackageTestCase):
    """Packages built relative to a base package (the fake VIM's delta is
    the keys of its disk that changed)."""

    def setUp(self):
        super().setUp()
        fake_vim.FakeVim.caps = dataclasses.replace(
            fake_vim.FakeVim.caps, incremental_package=True)

    def build_from(self, info_id, **request):
        pkg_id = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'build', states.PKG_BUILDING,
            {'operation': states.PKG_OP_BUILD,
             'operation_params': dict(request, vnfSnapshotInfoId=info_id)},
            reserve_info=info_id)
        return self.run_pkg(pkg_id)

    def second_snapshot(self):
        """Change vm-0's disk (vm-1's stays), then snapshot the VNF."""
        guest = fake_vim.FakeVim.guests['vm-0']
        guest['disk'] = dict(guest['disk'], changed='since the base')
        info_id, op = self.take_snapshot(self.instance['id'],
                                         project=PROJECT, withMemory=True)
        self.assertEqual(states.COMPLETED, op.operation_state)
        return info_id

    def images(self, pkg):
        """{image path: (userMetadata, content)} of a package."""
        with zipfile.ZipFile(self.download(pkg.id)) as zf:
            return {img['imagePath']: (img['userMetadata'],
                                       json.loads(zf.read(img['imagePath'])))
                    for img in pkg.vnfc_snapshot_images}

    def test_build_then_extract_rebuilds_the_full_snapshot(self):
        base = self.build()
        self.assertEqual(states.PKG_AVAILABLE, base.state,
                         base.failure_details)
        info_id = self.second_snapshot()
        pkg = self.build_from(info_id, basePackageId=base.id)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        base_sums = {img['imagePath']: img['checksum']['hash']
                     for img in base.vnfc_snapshot_images}
        images = self.images(pkg)
        self.assertEqual(2, len(images))
        for path, (meta, _content) in images.items():
            self.assertTrue(path.endswith('/disk.delta.raw'), path)
            self.assertEqual(base.vnf_snapshot_pkg_unique_id,
                             meta['incrementalBasePkgUniqueId'])
            self.assertEqual(base.checksum['hash'],
                             meta['incrementalBaseChecksum'])
            self.assertEqual(base_sums[meta['incrementalBasePath']],
                             meta['incrementalBaseSha256'])
        self.assertEqual(set(base_sums), {
            meta['incrementalBasePath'] for meta, _ in images.values()})
        # Only what changed travels: vm-0's new key, nothing of vm-1.
        self.assertEqual(
            sorted([{'set': {}, 'unset': []},
                    {'set': {'changed': 'since the base'}, 'unset': []}],
                   key=json.dumps),
            sorted([c for _, c in images.values()], key=json.dumps))
        expected = {r.vnfc_resource_info_id: fake_vim.FakeVim.snapshots[
            r.compute_snapshot_resource['resourceId']]['disk']
            for r in db_api.get_vnf_snapshot_info(None,
                                                  info_id).vnfc_snapshots}
        # Both VNF snapshots go; the incremental package alone (with its
        # base onboarded) gives the second one back in full.
        for gone in (self.info_id, info_id):
            resp = self.request('DELETE', '/vnflcm/v2/vnf_snapshots/%s'
                                % gone, project=PROJECT)
            self.assertEqual(204, resp.status, resp.body)
        self.assertEqual({}, fake_vim.FakeVim.snapshots)
        pkg, new_info = self.extract(pkg.id,
                                     vnfInstanceId=self.instance['id'])
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        rows = db_api.get_vnf_snapshot_info(None, new_info).vnfc_snapshots
        self.assertEqual(expected, {
            r.vnfc_resource_info_id: fake_vim.FakeVim.snapshots[
                r.compute_snapshot_resource['resourceId']]['disk']
            for r in rows})
        self.assertEqual(1, sum('changed' in disk
                                for disk in expected.values()))

    def test_vim_that_cannot_fails_the_build_with_its_reason(self):
        fake_vim.FakeVim.caps = dataclasses.replace(
            fake_vim.FakeVim.caps, incremental_package=False)
        base = self.build()
        pkg = self.build_from(self.second_snapshot(), basePackageId=base.id)
        self.assertFailed(pkg, states.PKG_ERROR, states.BUILD_ERROR,
                          'this driver cannot tell which blocks changed')
        self.assertIn('as a delta of VNFC snapshot',
                      pkg.failure_details['details']['detail'])
        self.assertEqual(422, pkg.failure_details['details']['status'])
        self.assertEqual([], [c for c in fake_vim.FakeVim.calls
                              if c[0] == 'export' and c[1] not in
                              {r.compute_snapshot_resource['resourceId']
                               for r in db_api.get_vnf_snapshot_info(
                                   None, self.info_id).vnfc_snapshots}])

    def test_extraction_without_its_base_fails_and_keeps_nothing(self):
        base = self.build()
        pkg = self.build_from(self.second_snapshot(), basePackageId=base.id)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        db_api.update_vnf_snapshot_pkg(None, base.id, {
            'checksum': dict(base.checksum, hash='0' * 64)})
        snapshots = set(fake_vim.FakeVim.snapshots)
        pkg, info_id = self.extract(pkg.id,
                                    vnfInstanceId=self.instance['id'])
        self.assertFailed(pkg, states.PKG_ERROR_EXTRACTING,
                          states.EXTRACTION_ERROR,
                          'another checksum than the one it was built '
                          'against')
        self.assertEqual(snapshots, set(fake_vim.FakeVim.snapshots))
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info_id)


class TestProcessAndExtract(PackageTestCase):

    def test_round_trip_through_a_file_then_revert(self):
        """Build, download, delete everything, upload, extract, revert:
        the guests come back to the snapshot's disk and memory state."""
        built = self.build()
        path = self.download(built.id)
        resp = self.request('DELETE', '/vnflcm/v2/vnf_snapshots/%s'
                            % self.info_id, project=PROJECT)
        self.assertEqual(204, resp.status, resp.body)
        self.assertEqual({}, fake_vim.FakeVim.snapshots)
        for i in range(2):
            guest = fake_vim.FakeVim.guests['vm-%d' % i]
            guest['disk'] = {'file': 'changed'}
            guest['memory'] = {'counter': 99}

        pkg = self.upload_file(path)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertEqual(built.vnf_snapshot_pkg_unique_id,
                         pkg.vnf_snapshot_pkg_unique_id)
        self.assertEqual(built.checksum, pkg.checksum)

        pkg, info_id = self.extract(pkg.id,
                                    vnfInstanceId=self.instance['id'])
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        info = db_api.get_vnf_snapshot_info(PROJECT, info_id)
        self.assertIsNone(info.reservation)
        self.assertEqual(pkg.id, info.vnf_snapshot_pkg_id)
        self.assertEqual(pkg.vnf_snapshot_id, info.snapshot_id)
        self.assertEqual(2, len(info.vnfc_snapshots))

        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % self.instance['id'],
                         {'vnfSnapshotInfoId': info_id}, project=PROJECT)
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        for i in range(2):
            guest = fake_vim.FakeVim.guests['vm-%d' % i]
            self.assertEqual({'file': 'v0'}, guest['disk'])
            self.assertEqual({'counter': 0}, guest['memory'])

    def test_extract_into_an_existing_empty_snapshot(self):
        pkg = self.build()
        empty = self.new_snapshot_info(project=PROJECT)
        pkg, info_id = self.extract(pkg.id, vnfSnapshotInfoId=empty['id'])
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertEqual(empty['id'], info_id)
        info = db_api.get_vnf_snapshot_info(PROJECT, info_id)
        self.assertEqual(pkg.vnf_snapshot_id, info.snapshot_id)

    def test_failed_extraction_undoes_its_imports(self):
        pkg = self.build()
        before = set(fake_vim.FakeVim.snapshots)
        fake_vim.FakeVim.fail[('import', 'vm-1')] = 'no space'
        pkg, info_id = self.extract(pkg.id,
                                    vnfInstanceId=self.instance['id'])
        self.assertFailed(pkg, states.PKG_ERROR_EXTRACTING,
                          states.EXTRACTION_ERROR, 'no space')
        self.assertEqual(before, set(fake_vim.FakeVim.snapshots))
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None,
                          info_id)
        # The content stays: the package can be made AVAILABLE again.
        self.assertTrue(self.store.exists(store.package_key(pkg.id)))

    def test_extract_for_an_unregistered_instance_fails_clearly(self):
        pkg = self.build()
        self.request('DELETE', '/vnflcm/v2/vnf_snapshots/%s'
                     % self.info_id, project=PROJECT)
        resp = self.request('DELETE', '/vnflcm/v2/vnf_instances/%s'
                            % self.instance['id'], project=PROJECT)
        self.assertEqual(204, resp.status, resp.body)
        empty = self.new_snapshot_info(project=PROJECT)
        pkg, _ = self.extract(pkg.id, vnfSnapshotInfoId=empty['id'])
        self.assertFailed(pkg, states.PKG_ERROR_EXTRACTING,
                          states.EXTRACTION_ERROR, 'is not registered here')
        self.assertIsNone(
            db_api.get_vnf_snapshot_info(None, empty['id']).snapshot_id)

    def _rewrite(self, path, change):
        """A copy of the package ZIP with ``change(name, data)`` applied."""
        out = path + '.changed'
        with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, 'w') as dst:
            for info in src.infolist():
                data = change(info.filename, src.read(info))
                if data is not None:
                    dst.writestr(info, data)
        return out

    def test_garbage_is_a_process_error_and_leaves_nothing(self):
        path = os.path.join(self.state_path, 'garbage.zip')
        with open(path, 'wb') as f:
            f.write(b'not a zip at all' * 100)
        pkg = self.upload_file(path)
        self.assertFailed(pkg, states.PKG_ERROR, states.PROCESS_ERROR,
                          'ZIP')
        self.assertFalse(self.store.exists(store.package_key(pkg.id)))
        self.assertIsNone(pkg.vnf_snapshot_id)

    def test_changed_artifact_fails_its_checksum(self):
        built = self.build()
        image = built.vnfc_snapshot_images[0]['imagePath']
        path = self._rewrite(self.download(built.id), lambda name, data: (
            json.dumps({'file': 'evil'}).encode().ljust(len(data))
            if name == image else data))
        pkg = self.upload_file(path)
        self.assertFailed(pkg, states.PKG_ERROR, states.PROCESS_ERROR,
                          image)

    def test_changed_record_is_refused(self):
        built = self.build()

        def change(name, data):
            if name != built.vnfsr['recordPath']:
                return data
            record = json.loads(data)
            record['vnfcSnapshots'] = record['vnfcSnapshots'][:1]
            return json.dumps(record).encode()
        pkg = self.upload_file(self._rewrite(self.download(built.id),
                                             change))
        self.assertFailed(pkg, states.PKG_ERROR, states.PROCESS_ERROR,
                          built.vnfsr['recordPath'])


def _tasks(flow):
    """The tasks of a flow, depth first."""
    for item in flow:
        if isinstance(item, task.Task):
            yield item
        else:
            yield from _tasks(item)


def _files(folder):
    return sorted(os.path.join(path, name)
                  for path, _, names in os.walk(folder) for name in names)


class FlowUndoMixin:
    """A package flow fails at each of its steps in turn (before the step
    does anything): the steps before it are undone, latest first, and
    nothing is left behind."""

    def start(self, pkg_id, task_name, state, **values):
        db_api.start_vnf_snapshot_pkg_op(PROJECT, pkg_id, task_name, state,
                                         dict(values, host='test-host'))
        return db_api.get_vnf_snapshot_pkg(None, pkg_id)

    def run_failing(self, module, pkg, name, meanwhile=None):
        """Run the package's flow with step ``name`` failing (after
        ``meanwhile()``, when given); return the work directory it used."""
        work = self.useFixture(fixtures.TempDir()).path
        flow, flow_store = module.build(
            pkg, work, progress_mod.PackageProgress(pkg.id), 'test-host')
        victim = next(t for t in _tasks(flow) if t.name == name)

        def boom(*args, **kwargs):
            if meanwhile is not None:
                meanwhile()
            raise exception.VnfsnapException('injected at %s' % name)
        victim.execute = boom
        e = self.assertRaises(exception.VnfsnapException, flows_common.run,
                              flow, flow_store)
        self.assertEqual('injected at %s' % name, str(e))
        return work

    def step_names(self, module, pkg):
        flow, _ = module.build(pkg, self.state_path,
                               progress_mod.PackageProgress(pkg.id),
                               'test-host')
        return [t.name for t in _tasks(flow)]


class TestFlowUndo(FlowUndoMixin, PackageTestCase):

    def test_build(self):
        def building():
            return self.start(
                self.new_pkg(), 'build', states.PKG_BUILDING,
                operation=states.PKG_OP_BUILD,
                operation_params={'vnfSnapshotInfoId': self.info_id})
        names = self.step_names(package_build, building())
        self.assertEqual(['export-0', 'export-1', 'archive',
                          'to-processing', 'verify-package',
                          'make-available'], names)
        for name in names:
            with self.subTest(step=name):
                pkg = building()
                work = self.run_failing(package_build, pkg, name)
                self.assertEqual([], _files(work))
                self.assertFalse(self.store.exists(
                    store.package_key(pkg.id)))

    def test_process_uploaded_content(self):
        path = self.download(self.build().id)

        def processing():
            pkg = self.start(self.new_pkg(), 'upload', states.PKG_UPLOADING,
                             operation=states.PKG_OP_UPLOAD,
                             content_received=True)
            with open(path, 'rb') as f:
                self.store.put_stream(store.package_key(pkg.id), f)
            return db_api.update_vnf_snapshot_pkg(
                None, pkg.id, {'state': states.PKG_PROCESSING},
                from_states=(states.PKG_UPLOADING,))
        names = self.step_names(package_process, processing())
        self.assertEqual(['fetch-package', 'checksum', 'verify-package',
                          'make-available'], names)
        for name in names:
            with self.subTest(step=name):
                pkg = processing()
                self.assertEqual([], _files(self.run_failing(
                    package_process, pkg, name)))
                # The content is the client's upload: the package going
                # to ERROR removes it, not the flow.
                self.assertTrue(self.store.exists(
                    store.package_key(pkg.id)))

    def extracting(self, built, info_id=None):
        """Package ``built`` EXTRACTING into ``info_id`` (None: into a
        VnfSnapshotInfo the request creates); (package, info id)."""
        pkg = db_api.update_vnf_snapshot_pkg(
            None, built.id, {'state': states.PKG_AVAILABLE})
        new_info = None
        if info_id is None:
            info_id = uuidutils.generate_uuid()
            new_info = {'id': info_id, 'project_id': PROJECT,
                        'vnf_snapshot_pkg_id': pkg.id}
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg.id, 'extract', states.PKG_EXTRACTING,
            {'operation': states.PKG_OP_EXTRACT, 'host': 'test-host',
             'operation_params': {
                 'vnfSnapshotInfoId': info_id,
                 'vnfInstanceId': self.instance['id'],
                 'createdVnfSnapshotInfo': new_info is not None}},
            reserve_info=None if new_info else info_id,
            new_info=new_info)
        return db_api.get_vnf_snapshot_pkg(None, pkg.id), info_id

    def test_extract(self):
        built = self.build()
        before = set(fake_vim.FakeVim.snapshots)
        empty = self.new_snapshot_info(project=PROJECT)['id']
        extracting = functools.partial(self.extracting, built)
        names = self.step_names(package_extract, extracting()[0])
        self.assertEqual(
            ['target-snapshot', 'fetch-package', 'unpack-package',
             'fetch-base-images', 'resolve-target']
            + ['import-%s' % i for i in sorted(built.vnfc_snapshot_info_ids)]
            + ['record-vnf-snapshot', 'make-available'], names)
        db_api.release_vnf_snapshot_info(empty, built.id)
        for name in names:
            for target in (None, empty):
                with self.subTest(step=name, target=target):
                    pkg, info_id = extracting(target)
                    work = self.run_failing(package_extract, pkg, name)
                    self.assertEqual([], _files(work))
                    self.assertEqual(before,
                                     set(fake_vim.FakeVim.snapshots))
                    if target is None:
                        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                                          db_api.get_vnf_snapshot_info,
                                          None, info_id)
                        continue
                    info = db_api.get_vnf_snapshot_info(None, info_id)
                    self.assertIsNone(info.snapshot_id)
                    self.assertIsNone(info.vnf_snapshot_pkg_id)
                    self.assertEqual([], info.vnfc_snapshots)
                    db_api.release_vnf_snapshot_info(info_id, built.id)

    def test_extract_undone_when_the_instance_went_meanwhile(self):
        # An extraction does not hold the VNF instance: it may be deleted
        # while one runs. Its imported VNFC snapshots can no longer be
        # reached (the VIM connections went with it); every other undo
        # step still runs.
        built = self.build()
        pkg, info_id = self.extracting(built)
        work = self.run_failing(
            package_extract, pkg, 'record-vnf-snapshot',
            meanwhile=functools.partial(db_api.delete_vnf_instance, PROJECT,
                                        self.instance['id']))
        self.assertEqual([], _files(work))
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info_id)


class TestUploadFromUri(FlowUndoMixin, PackageTestCase):
    """The conductor downloads the package itself, within the rules of
    [package_import]; here a real HTTP server on loopback serves it."""

    def setUp(self):
        super().setUp()
        self.built = self.build()
        self.served = os.path.dirname(self.download(self.built.id))
        server = loopback.Server(functools.partial(
            http.server.SimpleHTTPRequestHandler, directory=self.served))
        self.addCleanup(server.stop)
        self.port = server.port

    def allow_loopback(self):
        self.conf.config(allowed_schemes=['http'], allowed_ports=[self.port],
                         allowed_networks=['127.0.0.1/32'],
                         group='package_import')

    def upload_from(self, uri, credentials=None):
        pkg_id = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'upload', states.PKG_UPLOADING,
            {'operation': states.PKG_OP_UPLOAD_FROM_URI,
             'operation_params': {'addressInformation': uri},
             'credentials': credentials and credentials.to_dict()})
        return self.run_pkg(pkg_id)

    def test_download_verify_available(self):
        self.allow_loopback()
        pkg = self.upload_from('http://127.0.0.1:%d/%s.zip'
                               % (self.port, self.built.id),
                               urlfetch.Credentials(
                                   auth_type='BASIC', username='u',
                                   password='p'))
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertEqual(self.built.checksum, pkg.checksum)
        self.assertIsNone(pkg.credentials)

    def test_loopback_is_refused_by_default(self):
        pkg = self.upload_from('http://127.0.0.1:%d/%s.zip'
                               % (self.port, self.built.id))
        self.assertFailed(pkg, states.PKG_ERROR, states.UPLOAD_ERROR,
                          'http')
        self.assertFalse(self.store.exists(store.package_key(pkg.id)))

    def test_missing_file_is_an_upload_error(self):
        self.allow_loopback()
        pkg = self.upload_from('http://127.0.0.1:%d/nothing.zip' % self.port)
        self.assertFailed(pkg, states.PKG_ERROR, states.UPLOAD_ERROR, '404')
        self.assertFalse(self.store.exists(store.package_key(pkg.id)))

    def test_each_failed_step_undoes_those_before(self):
        self.allow_loopback()
        uri = 'http://127.0.0.1:%d/%s.zip' % (self.port, self.built.id)

        def uploading():
            return self.start(
                self.new_pkg(), 'upload', states.PKG_UPLOADING,
                operation=states.PKG_OP_UPLOAD_FROM_URI,
                operation_params={'addressInformation': uri})
        names = self.step_names(package_upload, uploading())
        self.assertEqual(['download-package', 'to-processing',
                          'fetch-package', 'verify-package',
                          'make-available'], names)
        for name in names:
            with self.subTest(step=name):
                pkg = uploading()
                self.assertEqual([], _files(self.run_failing(
                    package_upload, pkg, name)))
                self.assertFalse(self.store.exists(
                    store.package_key(pkg.id)))


class TestExternalArtifacts(TestUploadFromUri):
    """A package whose first VNFC image stays outside the ZIP: extraction
    downloads it through ext_artifacts_access and checks it."""

    URI = 'https://images.example.com/vnfc-0/disk.raw'

    def external_package(self, served_data=None):
        with zipfile.ZipFile(self.download(self.built.id)) as zf:
            record = json.loads(zf.read(self.built.vnfsr['recordPath']))
            images = {i['imagePath']: zf.read(i['imagePath'])
                      for i in self.built.vnfc_snapshot_images}
        artifacts = [archive.DocumentArtifact(record, 'vnfsr/record.json',
                                              manifest_mod.ROLE_RECORD)]
        for index, vnfc in enumerate(record['vnfcSnapshots']):
            data = images['images/vnfc-%d/disk.raw' % index]
            common = dict(path='images/vnfc-%d/disk.raw' % index,
                          role=manifest_mod.ROLE_IMAGE,
                          vnfc_snapshot_id=vnfc['id'], disk_format='RAW',
                          container_format='BARE',
                          metadata={'target': 'vda',
                                    'powerState': 'running'})
            if index == 0:
                with open(os.path.join(self.served, 'disk.raw'), 'wb') as f:
                    f.write(data if served_data is None else served_data)
                artifacts.append(manifest_mod.Artifact(
                    uri=self.URI, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(), **common))
            else:
                source = os.path.join(self.state_path, 'vnfc-%d.raw' % index)
                with open(source, 'wb') as f:
                    f.write(data)
                artifacts.append(archive.FileArtifact(source=source,
                                                      **common))
        path = os.path.join(self.state_path, 'external.zip')
        archive.build(path, artifacts, record['id'], record['vnfInstanceId'])
        pkg = self.upload_file(path)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        return pkg

    def give_access(self, pkg_id):
        db_api.update_vnf_snapshot_pkg(None, pkg_id, {
            'ext_artifacts_access': {'artifact': [{
                'artifactUri': self.URI,
                'overrideUri': 'http://127.0.0.1:%d/disk.raw' % self.port,
                'authType': 'BASIC',
                'paramsBasic': {'userName': 'u', 'password': 'p'}}]}})

    def test_extract_downloads_then_revert(self):
        pkg = self.external_package()
        image = next(i for i in pkg.vnfc_snapshot_images
                     if i['imagePath'] == 'images/vnfc-0/disk.raw')
        self.assertEqual(self.URI, image['imageUri'])
        self.assertNotIn(image['imagePath'], pkg.layout['members'])
        self.allow_loopback()
        self.give_access(pkg.id)
        for guest in fake_vim.FakeVim.guests.values():
            guest['disk'] = {'file': 'changed'}
        pkg, info_id = self.extract(pkg.id,
                                    vnfInstanceId=self.instance['id'])
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        resp = self.post('/vnflcm/v2/vnf_instances/%s/revert_to_snapshot'
                         % self.instance['id'],
                         {'vnfSnapshotInfoId': info_id}, project=PROJECT)
        op = self.wait_for_op(self.op_id_from(resp))
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        for guest in fake_vim.FakeVim.guests.values():
            self.assertEqual({'file': 'v0'}, guest['disk'])

    def test_download_not_matching_the_manifest_is_refused(self):
        pkg = self.external_package(served_data=b'{"file": "ev"}')
        self.allow_loopback()
        self.give_access(pkg.id)
        before = set(fake_vim.FakeVim.snapshots)
        pkg, info_id = self.extract(pkg.id,
                                    vnfInstanceId=self.instance['id'])
        self.assertFailed(pkg, states.PKG_ERROR_EXTRACTING,
                          states.EXTRACTION_ERROR, 'images/vnfc-0/disk.raw')
        self.assertEqual(before, set(fake_vim.FakeVim.snapshots))
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info_id)

    def test_without_access_the_artifact_uri_is_used_and_checked(self):
        pkg = self.external_package()
        pkg, _ = self.extract(pkg.id, vnfInstanceId=self.instance['id'])
        self.assertFailed(pkg, states.PKG_ERROR_EXTRACTING,
                          states.EXTRACTION_ERROR, 'images.example.com')


class TestRecovery(PackageTestCase):

    def work_dir(self, name, with_file=True):
        path = os.path.join(self.conf.conf.conductor.package_work_dir, name)
        os.makedirs(path, exist_ok=True)
        if with_file:
            with open(os.path.join(path, 'package.zip'), 'wb') as f:
                f.write(b'left by a dead run')
        return path

    def test_build_of_a_stopped_conductor_runs_again(self):
        pkg_id = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'build', states.PKG_BUILDING,
            {'operation': states.PKG_OP_BUILD, 'host': 'test-host',
             'operation_params': {'vnfSnapshotInfoId': self.info_id}},
            reserve_info=self.info_id)
        # What the dead run left: a partial store write, its work files.
        partial = os.path.join(self.conf.conf.package_store.file_dir,
                               pkg_id, '.package.zip.part')
        os.makedirs(os.path.dirname(partial))
        with open(partial, 'wb') as f:
            f.write(b'half a package')
        work = self.work_dir(pkg_id)
        self.runner.recover()
        pkg = db_utils.settled_pkg(pkg_id)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertEqual(1, pkg.job_resumes)
        self.assertFalse(os.path.exists(partial))
        deadline = time.monotonic() + 30    # removed after the last step
        while os.path.exists(work):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual(['package.zip'],
                         os.listdir(os.path.dirname(partial)))
        self.assertIsNone(
            db_api.get_vnf_snapshot_info(None, self.info_id).reservation)

    def test_processing_of_a_stopped_conductor_keeps_the_content(self):
        built = self.build()
        pkg_id = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'upload', states.PKG_PROCESSING,
            {'operation': states.PKG_OP_UPLOAD, 'content_received': True,
             'host': 'test-host'})
        self.store.put_file(store.package_key(pkg_id), self.download(
            built.id))
        self.runner.recover()
        pkg = db_utils.settled_pkg(pkg_id)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertEqual(built.checksum, pkg.checksum)

    def _hold_extract(self, pkg_id, info_id):
        db_api.update_vnf_snapshot_pkg(
            None, pkg_id, {'state': states.PKG_EXTRACTING,
                           'host': 'test-host',
                           'operation': states.PKG_OP_EXTRACT,
                           'operation_params': {
                               'vnfSnapshotInfoId': info_id,
                               'vnfInstanceId': self.instance['id']}},
            from_states=(states.PKG_AVAILABLE,))

    def test_extract_of_a_stopped_conductor_discards_then_runs_again(self):
        pkg = self.build()
        empty = self.new_snapshot_info(project=PROJECT)
        self._hold_extract(pkg.id, empty['id'])
        vnfc = flows_common.resolve_vnfcs(
            db_api.get_vnf_instance(None, self.instance['id']))[0]
        # The dead run: one import finished and recorded, one killed
        # after the VIM made it but before it returned.
        fake_vim.FakeVim.snapshots['done-import'] = {}
        fake_vim.FakeVim.snapshots['vnfsnap-import-x'] = {}
        base_entry = {'instance_id': self.instance['id'],
                      'vnfc_resource_info_id': vnfc.id}
        db_api.set_pkg_vim_resource(pkg.id, 'a', dict(
            base_entry, name='vnfsnap-import-a', imported={
                'id': 'a', 'vim_details': {},
                'compute_snapshot_resource': {
                    'vimConnectionId': vnfc.compute_resource.get(
                        'vimConnectionId'), 'resourceId': 'done-import',
                    'vimLevelResourceType': 'fake'}}))
        db_api.set_pkg_vim_resource(pkg.id, 'b', dict(
            base_entry, name='vnfsnap-import-x', imported=None))
        before = set(fake_vim.FakeVim.snapshots) - {
            'done-import', 'vnfsnap-import-x'}
        self.runner.recover()
        pkg = db_utils.settled_pkg(pkg.id)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertEqual({}, db_api.list_pkg_vim_resources(pkg.id))
        info = db_api.get_vnf_snapshot_info(PROJECT, empty['id'])
        self.assertEqual(pkg.vnf_snapshot_id, info.snapshot_id)
        handles = {r.compute_snapshot_resource['resourceId']
                   for r in info.vnfc_snapshots}
        # Exactly the old snapshots and the resumed run's imports exist.
        self.assertEqual(before | handles, set(fake_vim.FakeVim.snapshots))
        self.assertNotIn('done-import', fake_vim.FakeVim.snapshots)

    def test_extract_recorded_before_the_crash_only_completes(self):
        pkg = self.build()
        pkg, info_id = self.extract(pkg.id,
                                    vnfInstanceId=self.instance['id'])
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        snapshots = set(fake_vim.FakeVim.snapshots)
        self._hold_extract(pkg.id, info_id)
        fake_vim.FakeVim.calls.clear()
        self.runner.recover()
        pkg = db_utils.settled_pkg(pkg.id)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertEqual([], [c for c in fake_vim.FakeVim.calls
                              if c[0] == 'import'])
        self.assertEqual(snapshots, set(fake_vim.FakeVim.snapshots))

    def test_a_job_that_keeps_dying_fails(self):
        pkg_id = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'build', states.PKG_BUILDING,
            {'operation': states.PKG_OP_BUILD, 'host': 'test-host',
             'job_resumes': packages.MAX_RESUMES,
             'operation_params': {'vnfSnapshotInfoId': self.info_id}},
            reserve_info=self.info_id)
        self.runner.recover()
        pkg = db_utils.settled_pkg(pkg_id)
        self.assertFailed(pkg, states.PKG_ERROR, states.BUILD_ERROR,
                          'resumed 3 times already')
        self.assertIn('conductor test-host stopped while running it',
                      pkg.failure_details['details']['detail'])

    def test_an_extraction_that_keeps_dying_fails_and_cleans_up(self):
        pkg = self.build()
        info_id = uuidutils.generate_uuid()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg.id, 'extract', states.PKG_EXTRACTING,
            {'operation': states.PKG_OP_EXTRACT, 'host': 'test-host',
             'job_resumes': packages.MAX_RESUMES,
             'operation_params': {
                 'vnfSnapshotInfoId': info_id,
                 'vnfInstanceId': self.instance['id'],
                 'createdVnfSnapshotInfo': True}},
            new_info={'id': info_id, 'project_id': PROJECT,
                      'vnf_snapshot_pkg_id': pkg.id})
        vnfc = flows_common.resolve_vnfcs(
            db_api.get_vnf_instance(None, self.instance['id']))[0]
        fake_vim.FakeVim.snapshots['vnfsnap-import-y'] = {}
        db_api.set_pkg_vim_resource(pkg.id, 'a', {
            'instance_id': self.instance['id'],
            'vnfc_resource_info_id': vnfc.id, 'name': 'vnfsnap-import-y',
            'imported': None})
        self.runner.recover()
        pkg = db_utils.settled_pkg(pkg.id)
        self.assertFailed(pkg, states.PKG_ERROR_EXTRACTING,
                          states.EXTRACTION_ERROR, 'resumed 3 times')
        self.assertRaises(exception.VnfSnapshotInfoNotFound,
                          db_api.get_vnf_snapshot_info, None, info_id)
        self.assertNotIn('vnfsnap-import-y', fake_vim.FakeVim.snapshots)
        self.assertEqual({}, db_api.list_pkg_vim_resources(pkg.id))
        self.assertTrue(self.store.exists(store.package_key(pkg.id)))

    def test_stale_work_directories_go(self):
        finished = self.build()
        held = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, held, 'upload', states.PKG_UPLOADING,
            {'operation': states.PKG_OP_UPLOAD, 'host': 'other-live-host'})
        names = (finished.id, finished.id + '.dead1', held + '.live1',
                 uuidutils.generate_uuid() + '.gone1', 'test-host-job')
        paths = {name: self.work_dir(name) for name in names}
        self.runner.recover()
        self.assertEqual([held + '.live1'], os.listdir(
            self.conf.conf.conductor.package_work_dir))
        self.assertTrue(os.path.exists(paths[held + '.live1']))

    def test_next_job_keeps_its_work_directory(self):
        """The soak's race: the build's clean-up ran after its flow had
        made the package AVAILABLE and removed the work directory of the
        extraction requested at once (FileNotFoundError on its
        package.zip)."""
        pkg_id = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'build', states.PKG_BUILDING,
            {'operation': states.PKG_OP_BUILD,
             'operation_params': {'vnfSnapshotInfoId': self.info_id}},
            reserve_info=self.info_id)
        available, fetching = threading.Event(), threading.Event()
        left = []
        real_run = flows_common.run
        real_fetch = package_process.FetchPackage.execute

        def run(flow, flow_store):
            real_run(flow, flow_store)
            if flow.name.startswith('build-'):
                # AVAILABLE: nothing of the build may be left (what the
                # fault matrix saw), and the extraction starts before the
                # build's runner finishes.
                left.extend(os.listdir(
                    self.conf.conf.conductor.package_work_dir))
                available.set()
                self.assertTrue(fetching.wait(60))

        def fetch(task_self):
            fetching.set()
            build.join(60)
            self.assertFalse(build.is_alive())
            return real_fetch(task_self)

        self.useFixture(fixtures.MonkeyPatch(
            'vnfsnap.conductor.flows.common.run', run))
        self.useFixture(fixtures.MonkeyPatch(
            'vnfsnap.conductor.flows.package_process.FetchPackage.execute',
            fetch))
        build = threading.Thread(target=self.runner.run, args=(pkg_id,))
        build.start()
        self.addCleanup(build.join, 60)
        self.assertTrue(available.wait(60))
        self.assertEqual([], left)
        self.assertEqual(states.PKG_AVAILABLE,
                         db_api.get_vnf_snapshot_pkg(None, pkg_id).state)
        pkg, _ = self.extract(pkg_id, vnfInstanceId=self.instance['id'])
        self.assertEqual(states.PKG_AVAILABLE, pkg.state,
                         pkg.failure_details)
        self.assertEqual([], os.listdir(
            self.conf.conf.conductor.package_work_dir))

    def test_stalled_upload_fails(self):
        pkg_id = self.new_pkg()
        db_api.start_vnf_snapshot_pkg_op(
            PROJECT, pkg_id, 'upload', states.PKG_UPLOADING,
            {'operation': states.PKG_OP_UPLOAD, 'content_received': True})
        self.store.put_stream(store.package_key(pkg_id),
                              io.BytesIO(b'partial'))
        self.runner.fail_stalled_uploads()
        self.assertEqual(states.PKG_UPLOADING,
                         db_api.get_vnf_snapshot_pkg(None, pkg_id).state)
        old = timeutils.utcnow() - datetime.timedelta(hours=1)
        db_api.update_vnf_snapshot_pkg(None, pkg_id, {})
        with db_api._writer() as session:
            session.execute(db_api.sa.update(
                db_api.models.VnfSnapshotPkg).values(updated_at=old))
        self.runner.fail_stalled_uploads()
        pkg = db_api.get_vnf_snapshot_pkg(None, pkg_id)
        self.assertFailed(pkg, states.PKG_ERROR, states.UPLOAD_ERROR,
                          'no progress')
        self.assertFalse(self.store.exists(store.package_key(pkg_id)))


class TestDiagnostics(PackageTestCase):
    """``diagnostics: true``: the diagnostics part, listed, checksummed,
    importable, and free of secrets planted in every source."""

    VIM_PASSWORD = 'VimPw-planted-71c2'

    def setUp(self):
        # As oslo.log sets it up in the services: INFO records are made.
        root = logging.getLogger()
        self.addCleanup(root.setLevel, root.level)
        root.setLevel(logging.INFO)
        base.ApiTestCase.setUp(self)
        self.runner = packages.PackageRunner('test-host')
        self.store = store.get_store()
        body = {
            'vnfdId': 'vnfd-1', 'vnfInstanceName': 'demo',
            'vnfProvider': 'acme', 'vnfProductName': 'fw',
            'vnfSoftwareVersion': '1.0', 'vnfdVersion': '1.0',
            'vimConnectionInfo': {'vim1': {
                'vimId': 'local', 'vimType': fake_vim.VIM_TYPE,
                'accessInfo': {'username': 'vnfm',
                               'password': self.VIM_PASSWORD}}},
            'instantiatedVnfInfo': fake_vnf.instantiated_vnf_info(2, 'vm'),
        }
        resp = self.post('/vnflcm/v2/vnf_instances', body, project=PROJECT)
        self.assertEqual(201, resp.status, resp.body)
        self.instance = resp.json
        info = self.new_snapshot_info(project=PROJECT)
        resp = self.post('/vnflcm/v2/vnf_instances/%s/create_snapshot'
                         % self.instance['id'],
                         {'vnfSnapshotInfoId': info['id']}, project=PROJECT)
        self.request_id = resp.headers['x-openstack-request-id']
        self.op_id = self.op_id_from(resp)
        op = self.wait_for_op(self.op_id)
        self.assertEqual(states.COMPLETED, op.operation_state, op.error)
        self.info_id = info['id']
        # The records are stored when the run ends, just after the state.
        deadline = time.monotonic() + 10
        while not db_api.list_op_log_records(self.instance['id']):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        # What a VIM could say, with secrets in it.
        fake_vim.FakeVim.diagnostics['vm-0'] = [
            ('vim.log', ('connecting to qemu+tls://vnfm:%s@host/system\n'
                         'X-Auth-Token: gAAAAtoken-9d3e\n'
                         'transport_url=rabbit://u:RabbitPw-5a1b@mq:5672/\n'
                         'the password is %s\n'
                         % (self.VIM_PASSWORD, self.VIM_PASSWORD)).encode()),
            ('big.log', b'old line\n' * 300000 + b'the last line\n')]

    def test_build_carries_the_diagnostics(self):
        self.conf.config(max_item_size=64 * 1024, group='diagnostics')
        pkg = self.build(diagnostics=True)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        path = self.download(pkg.id)
        with zipfile.ZipFile(path) as zf:
            manifest = manifest_mod.Manifest.from_json(
                zf.read('vnfsnap-manifest.json'))
            diag = {a.path: a for a in manifest.artifacts
                    if a.role == manifest_mod.ROLE_DIAGNOSTICS}
            data = {p: zf.read(p) for p in diag}
        # Listed and checksummed like any artifact.
        for p, artifact in diag.items():
            self.assertEqual(artifact.sha256,
                             hashlib.sha256(data[p]).hexdigest(), p)
            self.assertLessEqual(len(data[p]), 64 * 1024, p)
        names = set(diag)
        for expected in ('diagnostics/index.json',
                         'diagnostics/vnf-instance.json',
                         'diagnostics/lcm-op-occs.json',
                         'diagnostics/notifications.json',
                         'diagnostics/logs/%s.log' % self.op_id,
                         'diagnostics/vnfc-vnfc-0/guest.json',
                         'diagnostics/vnfc-vnfc-0/vim.log',
                         'diagnostics/vnfc-vnfc-0/big.log',
                         'diagnostics/vnfc-vnfc-1/guest.json'):
            self.assertIn(expected, names)
        log = data['diagnostics/logs/%s.log' % self.op_id].decode()
        self.assertIn(self.request_id, log)
        self.assertIn('CREATE_SNAPSHOT', log)
        self.assertEqual(self.request_id,
                         diag['diagnostics/logs/%s.log' % self.op_id]
                         .metadata['requestIds'])
        big = data['diagnostics/vnfc-vnfc-0/big.log']
        self.assertTrue(big.startswith(b'[vnfsnap: the first '))
        self.assertTrue(big.endswith(b'the last line\n'))
        vim_log = data['diagnostics/vnfc-vnfc-0/vim.log'].decode()
        self.assertIn('qemu+tls://vnfm:***@host/system', vim_log)
        every = b''.join(data.values())
        for planted in (self.VIM_PASSWORD, 'gAAAAtoken-9d3e',
                        'RabbitPw-5a1b'):
            self.assertNotIn(planted.encode(), every)
        ops = json.loads(data['diagnostics/lcm-op-occs.json'])
        self.assertEqual([self.op_id], [o['id'] for o in ops])
        instance = json.loads(data['diagnostics/vnf-instance.json'])
        self.assertEqual(self.instance['id'], instance['id'])
        index = json.loads(data['diagnostics/index.json'])
        self.assertEqual(64 * 1024, index['maxItemSize'])
        # Described as additional artifacts, readable through the API.
        roles = {a['artifactPath']: a['metadata']['role']
                 for a in pkg.additional_artifacts}
        self.assertEqual('diagnostics', roles['diagnostics/index.json'])
        resp = self.get('/vnfsnapshotpkgm/v1/vnf_snapshot_packages/%s/'
                        'artifacts/diagnostics/vnfc-vnfc-0/vim.log'
                        % pkg.id, project=PROJECT)
        self.assertEqual(200, resp.status, resp.body)
        self.assertEqual(data['diagnostics/vnfc-vnfc-0/vim.log'],
                         resp.body)

        # Importable elsewhere: verified, then extracted for a revert
        # (the diagnostics stay in the package, out of the VIM).
        imported = self.upload_file(path)
        self.assertEqual(states.PKG_AVAILABLE, imported.state,
                         imported.failure_details)
        pkg2, info_id = self.extract(imported.id,
                                     vnfInstanceId=self.instance['id'])
        self.assertEqual(states.PKG_AVAILABLE, pkg2.state,
                         pkg2.failure_details)
        self.assertEqual(2, len(db_api.get_vnf_snapshot_info(
            PROJECT, info_id).vnfc_snapshots))

    def test_without_the_option_there_is_no_diagnostics_part(self):
        pkg = self.build()
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        self.assertNotIn('diagnostics', [
            a['metadata']['role'] for a in pkg.additional_artifacts])
        self.assertNotIn(('collect_diagnostics', 'vm-0'),
                         fake_vim.FakeVim.calls)

    def test_a_vim_that_cannot_answer_does_not_fail_the_build(self):
        fake_vim.FakeVim.fail[('collect_diagnostics', 'vm-1')] = \
            'VIM away, password=%s' % self.VIM_PASSWORD
        pkg = self.build(diagnostics=True)
        self.assertEqual(states.PKG_AVAILABLE, pkg.state, pkg.failure_details)
        with zipfile.ZipFile(self.download(pkg.id)) as zf:
            index = json.loads(zf.read('diagnostics/index.json'))
        self.assertEqual(['VNFC vnfc-1'],
                         [u['what'] for u in index['unavailable']])
        self.assertIn('VIM away', index['unavailable'][0]['reason'])
        self.assertNotIn(self.VIM_PASSWORD, json.dumps(index))
