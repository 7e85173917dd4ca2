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

"""Secrets planted in every kind of content a root-cause package
carries; none may survive vnfsnap.common.redact."""

import json

import testtools

from vnfsnap.common import redact

# Each planted secret is unique, so that any survivor is found.
SECRETS = {
    'transport': 'RabbitPw-7f3a', 'auth_url': 'KsUrlPw-91bc',
    'password': 'CfgPw-22d1', 'token': 'gAAAAABtok-5e6f', 'bearer':
    'eyJhbGciOi.bear-8c1d', 'basic': 'dXNlcjpiYXNpYy0zYTk=',
    'subject': 'gAAAAsubj-0a9b', 'json_pw': 'JsonPw-3c4d',
    'xml_pw': 'XmlPw-6e7f', 'yaml_pw': 'YamlPw-1a2b',
    'cli_pw': 'CliPw-9d8c', 'app_secret': 'AppSecret-4b3a',
    'tempurl': 'b2d1f3a4c5e6d7f8a9b0c1d2e3f4a5b6c7d8e9f0',
    'pem': 'MIIEpAIBAAKCAQEAsecretkeybody', 'vim_pw': 'VimPass-5f6e',
    'db': 'DbPw-8a7b', 'oauth': 'OauthSecret-2c3d',
    'quoted': 'QuotedPw-7e8f', 'vnc': 'VncPw-4d5e',
    'cookie': 'session=CookieVal-6f7a',
}


def planted_text():
    s = SECRETS
    return '\n'.join([
        '[DEFAULT]',
        'transport_url = rabbit://openstack:%s@10.0.0.1:5672,'
        'other:%s@10.0.0.2:5672/' % (s['transport'], s['transport']),
        'auth_url = https://admin:%s@keystone.example:5000/v3'
        % s['auth_url'],
        'password = %s' % s['password'],
        'connection = mysql+pymysql://vnfsnap:%s@db/vnfsnap' % s['db'],
        'REQ: curl -g -i -X GET https://nova/v2.1 -H "X-Auth-Token: %s"'
        % s['token'],
        'Authorization: Bearer %s' % s['bearer'],
        'Authorization: Basic %s' % s['basic'],
        'X-Subject-Token: %s' % s['subject'],
        '{"password": "%s", "user": "u"}' % s['json_pw'],
        '<password>%s</password>' % s['xml_pw'],
        "<graphics type='vnc' passwd='%s'/>" % s['vnc'],
        'password: %s' % s['yaml_pw'],
        'openstack --os-password %s server list' % s['cli_pw'],
        'applicationCredentialSecret=%s' % s['app_secret'],
        'GET https://swift/v1/AUTH_x/c/o?temp_url_sig=%s&temp_url_expires=9'
        % s['tempurl'],
        '-----BEGIN RSA PRIVATE KEY-----', s['pem'], 'moreKeyData',
        '-----END RSA PRIVATE KEY-----',
        'connecting with %s as the password' % s['vim_pw'],
        "{'clientPassword': '%s'}" % s['oauth'],
        "admin_password='%s'" % s['quoted'],
        'Cookie: %s' % s['cookie'],
    ])


class TestText(testtools.TestCase):

    def assertClean(self, out):
        for name, secret in SECRETS.items():
            self.assertNotIn(secret, out, name)

    def test_no_planted_secret_survives(self):
        out = redact.text(planted_text(), {SECRETS['vim_pw']})
        self.assertClean(out)
        # What is not secret stays readable.
        self.assertIn('rabbit://openstack:***@10.0.0.1:5672', out)
        self.assertIn('https://admin:***@keystone.example:5000/v3', out)
        self.assertIn('temp_url_expires=9', out)
        self.assertIn('"user": "u"', out)
        self.assertIn('server list', out)

    def test_bytes_in_bytes_out(self):
        out = redact.text(planted_text().encode(), {SECRETS['vim_pw']})
        self.assertIsInstance(out, bytes)
        self.assertClean(out.decode())

    def test_a_key_truncated_by_a_bound_is_still_masked(self):
        out = redact.text('-----BEGIN PRIVATE KEY-----\nabcdef%s'
                          % SECRETS['pem'])
        self.assertNotIn(SECRETS['pem'], out)

    def test_ordinary_words_stay(self):
        line = 'Keystone refused the credentials of user vnfm; password ' \
               'for user ok, token expired'
        self.assertEqual(line, redact.text(line))


class TestDocument(testtools.TestCase):

    def test_secret_keys_and_strings(self):
        doc = {
            'vimConnectionInfo': {'vim1': {
                'vimType': 'VNFSNAP.LIBVIRT.V_1',
                'interfaceInfo': {'uri': 'qemu+tls://u:%s@h/system'
                                  % SECRETS['auth_url']},
                'accessInfo': {'username': 'vnfm',
                               'password': SECRETS['vim_pw']}}},
            'paramsBasic': {'userName': 'n', 'password': SECRETS['basic']},
            'nested': [{'adminPass': SECRETS['password'],
                        'note': 'password=%s' % SECRETS['json_pw']}],
            'X-Auth-Token': SECRETS['token'],
            'name': 'fw', 'count': 3, 'none': None,
        }
        out = redact.document(doc)
        dumped = json.dumps(out)
        for name, secret in SECRETS.items():
            self.assertNotIn(secret, dumped, name)
        self.assertEqual('fw', out['name'])
        self.assertEqual(3, out['count'])
        self.assertIsNone(out['none'])
        self.assertEqual('***', out['vimConnectionInfo']['vim1'][
            'accessInfo'])
        self.assertEqual('VNFSNAP.LIBVIRT.V_1',
                         out['vimConnectionInfo']['vim1']['vimType'])

    def test_known_secrets_of_vim_connections(self):
        found = redact.known_secrets({
            'a': {'vimType': 't', 'accessInfo': {
                'username': 'vnfm', 'password': 'pw-1234',
                'region': 'RegionOne',
                'applicationCredentialSecret': 'acs-5678'}},
            'b': {'vimType': 't', 'interfaceInfo': {'token': 'tok-9'}},
            'c': 'not a dict'})
        self.assertEqual({'pw-1234', 'acs-5678', 'tok-9'}, found)
