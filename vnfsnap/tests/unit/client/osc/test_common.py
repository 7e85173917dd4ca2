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

"""vnfsnapclient.osc.common and the plugin module."""

import argparse
import io
import os
from unittest import mock

import fixtures
from osc_lib import exceptions as osc_exceptions
import testtools
from vnfsnapclient import exceptions
from vnfsnapclient.osc import common
from vnfsnapclient.osc import plugin
from vnfsnapclient.v1 import base


class Terminal(io.StringIO):

    def isatty(self):
        return True


def args(formatter='table', wait_timeout=None):
    return argparse.Namespace(formatter=formatter, wait_timeout=wait_timeout)


class TestOutput(testtools.TestCase):

    def test_nested_values_are_json_for_people_and_data_for_programs(self):
        names, values = common.show_item(
            {'id': 'x', 'b': {'k': [1, 'é']}, 'a': None, '_links': {}},
            hidden=('_links',))
        self.assertEqual(('a', 'b', 'id'), names)
        self.assertIsNone(values[0])
        self.assertEqual('{\n  "k": [\n    1,\n    "é"\n  ]\n}',
                         values[1].human_readable())
        self.assertEqual({'k': [1, 'é']}, values[1].machine_readable())
        self.assertEqual('x', values[2])

    def test_list_items_follow_attribute_paths(self):
        headers, rows = common.list_items(
            [{'id': 1, 'a': {'b': 'deep'}}, {'id': 2, 'a': 'flat'}],
            (('ID', 'id'), ('B', 'a/b')))
        self.assertEqual(('ID', 'B'), headers)
        self.assertEqual([(1, 'deep'), (2, None)], list(rows))

    def test_filters(self):
        self.assertIsNone(common.sol013_filter(None, eq=[('a', None)]))
        self.assertEqual('(eq,a,1);(in,b,x,y)', common.sol013_filter(
            eq=[('a', 1)], in_=[('b', ['x', 'y']), ('c', [])]))
        for value, quoted in (('fw', 'fw'), ('a,b', "'a,b'"),
                              ("it's", "'it''s'"), ('x)', "'x)'"),
                              (' pad', "' pad'"), ('a;b', "'a;b'")):
            self.assertEqual(quoted, base.filter_value(value))


class TestProgress(testtools.TestCase):

    def test_on_a_terminal_for_a_table(self):
        stream = Terminal()
        progress = common.Progress(args('table'), stream)
        progress.op_occ({'operation': 'CREATE_SNAPSHOT',
                         'operationState': 'PROCESSING'})
        progress.op_occ({'operation': 'CREATE_SNAPSHOT',
                         'operationState': 'COMPLETED'})
        progress.finish()
        self.assertEqual('\rCREATE_SNAPSHOT PROCESSING'
                         '\rCREATE_SNAPSHOT COMPLETED \n', stream.getvalue())

    def test_nothing_for_programs_or_without_a_terminal(self):
        for formatter in ('json', 'yaml', 'value', 'csv', 'shell'):
            stream = Terminal()
            progress = common.Progress(args(formatter), stream)
            progress.bytes(10, 100)
            progress.finish()
            self.assertEqual('', stream.getvalue())
        stream = io.StringIO()
        progress = common.Progress(args('table'), stream)
        progress.package({'state': 'BUILDING'})
        progress.finish()
        self.assertEqual('', stream.getvalue())

    def test_bytes_and_packages(self):
        stream = Terminal()
        progress = common.Progress(None, stream)
        progress.package({'state': 'BUILDING', 'progress': {
            'bytesDone': 3 * 1024 * 1024, 'bytesTotal': 12 * 1024 * 1024}})
        self.assertEqual('\rpackage BUILDING 25% 3.0 MiB of 12.0 MiB',
                         stream.getvalue())
        self.assertEqual('512 B', common.describe_bytes(512, None))
        self.assertEqual('100% 2.0 KiB of 2.0 KiB',
                         common.describe_bytes(2048, 2048))


class TestWait(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.client = mock.Mock()

    def test_the_final_occurrence(self):
        self.client.vnf_lcm_op_occs.wait.return_value = {'id': 'op'}
        self.assertEqual({'id': 'op'}, common.wait_for_op_occ(
            self.client, 'op', args('json', 60)))
        _, kwargs = self.client.vnf_lcm_op_occs.wait.call_args
        self.assertEqual(60, kwargs['timeout'])

    def test_a_failed_package_gives_its_detail(self):
        pkg = {'id': 'p', 'state': 'ERROR'}
        self.client.vnf_snapshot_packages.wait.side_effect = (
            exceptions.OperationFailed(pkg, {'detail': 'disk full'},
                                       message='disk full'))
        exc = self.assertRaises(osc_exceptions.CommandError,
                                common.wait_for_package, self.client, 'p',
                                args())
        self.assertEqual('Operation p ended ERROR: disk full', str(exc))

    def test_a_timeout(self):
        self.client.vnf_lcm_op_occs.wait.side_effect = exceptions.Timeout(
            'still PROCESSING')
        exc = self.assertRaises(osc_exceptions.CommandError,
                                common.wait_for_op_occ, self.client, 'op',
                                args(wait_timeout=5))
        self.assertIn('after 5 s', str(exc))

    def test_wait_timeout_must_be_positive(self):
        parser = argparse.ArgumentParser()
        common.add_wait_arguments(parser)
        self.assertEqual(2.5, parser.parse_args(
            ['--wait-timeout', '2.5']).wait_timeout)
        with mock.patch('sys.stderr', io.StringIO()):
            for bad in ('0', '-1', 'soon'):
                self.assertRaises(SystemExit, parser.parse_args,
                                  ['--wait-timeout', bad])


class TestFiles(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def write(self, text, name='doc'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_json_and_yaml(self):
        self.assertEqual({'a': [1]},
                         common.load_document(self.write('{"a": [1]}')))
        self.assertEqual({'a': [1]},
                         common.load_document(self.write('a:\n  - 1\n')))

    def test_stdin(self):
        self.useFixture(fixtures.MockPatch('sys.stdin', io.StringIO('a: 1')))
        self.assertEqual({'a': 1}, common.load_document('-'))

    def test_bad_documents(self):
        for text, message in (('[1, 2]', 'must hold an object'),
                              ('a: [', 'neither JSON nor YAML'),
                              ('', 'must hold an object')):
            exc = self.assertRaises(osc_exceptions.CommandError,
                                    common.load_document, self.write(text),
                                    'VNFD')
            self.assertIn(message, str(exc))
            self.assertIn('VNFD', str(exc))
        exc = self.assertRaises(osc_exceptions.CommandError,
                                common.load_document,
                                os.path.join(self.tmp, 'missing'))
        self.assertIn('Cannot read', str(exc))
        self.useFixture(fixtures.MockPatch(
            'vnfsnapclient.osc.common.MAX_DOCUMENT_BYTES', 10))
        exc = self.assertRaises(osc_exceptions.CommandError,
                                common.load_document,
                                self.write('a: 12345678901'))
        self.assertIn('larger than 10 bytes', str(exc))

    def test_secret_file(self):
        self.assertEqual('pw', common.read_secret(self.write('pw\n'), 'P: '))
        exc = self.assertRaises(osc_exceptions.CommandError,
                                common.read_secret, self.write('\n'), 'P: ')
        self.assertIn('empty', str(exc))


class TestFindInstance(testtools.TestCase):

    def test_ids_names_and_ambiguity(self):
        client = mock.Mock()
        uuid = '5d0f7a8e-3333-4aaa-8bbb-000000000003'
        self.assertEqual(uuid, common.find_vnf_instance_id(client, uuid))
        client.vnf_instances.list.assert_not_called()
        client.vnf_instances.list.return_value = iter([{'id': uuid}])
        self.assertEqual(uuid, common.find_vnf_instance_id(client, 'fw'))
        client.vnf_instances.list.return_value = iter([])
        self.assertRaises(osc_exceptions.CommandError,
                          common.find_vnf_instance_id, client, 'fw')
        client.vnf_instances.list.return_value = iter([{'id': 'a'},
                                                       {'id': 'b'}])
        exc = self.assertRaises(osc_exceptions.CommandError,
                                common.find_vnf_instance_id, client, 'fw')
        self.assertIn('a, b', str(exc))


class TestPlugin(testtools.TestCase):

    def test_make_client_asks_osc_for_the_endpoint(self):
        instance = mock.Mock(region_name='RegionTwo', interface='internal')
        instance._api_version = {'vnfsnap': '1'}
        instance.get_endpoint_for_service_type.return_value = (
            'http://vnfsnap:9896')
        client = plugin.make_client(instance)
        instance.get_endpoint_for_service_type.assert_called_once_with(
            'vnfsnap', region_name='RegionTwo', interface='internal')
        adapter = client.http.adapter
        self.assertEqual('http://vnfsnap:9896', adapter.endpoint_override)
        self.assertEqual('internal', adapter.interface)
        self.assertEqual('RegionTwo', adapter.region_name)
        self.assertEqual('vnfsnap', adapter.service_type)

    def test_options_default_from_the_environment(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_VNFSNAP_ENDPOINT_OVERRIDE', 'http://aio:9896'))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        parsed = parser.parse_args([])
        self.assertEqual('http://aio:9896',
                         parsed.os_vnfsnap_endpoint_override)
        self.assertEqual('1', parsed.os_vnfsnap_api_version)
