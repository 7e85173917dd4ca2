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

"""Manifest signatures: signing, verification with openssl, import policy.

Every certificate is made at test time (fixtures/pki.py); verification runs the
real openssl, as the service does.
"""

import json
import os
import shutil
import subprocess
import zipfile

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
import fixtures
from oslo_config import fixture as config_fixture
import testtools

from vnfsnap import conf
from vnfsnap import package
from vnfsnap.common import exception
from vnfsnap.package import archive
from vnfsnap.package import signature
from vnfsnap.package import verify
from vnfsnap.tests.fixtures import pki

MANIFEST = b'{"formatVersion": "1.0"}\n'


def sign(cert_key, data=MANIFEST, chain=()):
    return signature.Signer(cert_key[0], cert_key[1], chain)(data)


@testtools.skipUnless(shutil.which('openssl'), 'openssl is not installed')
class SignatureFixture(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.pki = self.useFixture(pki.Pki())
        self.conf = self.useFixture(config_fixture.Config(conf.CONF))

    def assertInvalid(self, fragment, func, *args, **kwargs):
        exc = self.assertRaises(exception.SignatureInvalid, func, *args,
                                **kwargs)
        self.assertIsInstance(exc, exception.PackageInvalid)
        self.assertEqual(422, exc.code)
        self.assertIn(fragment, str(exc))
        return exc


class TestSigner(SignatureFixture):

    def test_detached_der_sha256(self):
        der = sign(self.pki.signer)
        certs = pkcs7.load_der_pkcs7_certificates(der)
        self.assertEqual([self.pki.signer[0]], certs)
        # Detached: the manifest bytes are not inside the signature.
        self.assertNotIn(MANIFEST, der)
        # id-sha256 is in the SignerInfo's digestAlgorithm.
        self.assertIn(bytes.fromhex('0609608648016503040201'), der)

    def test_verify_returns_signer(self):
        status = signature.verify(MANIFEST, sign(self.pki.signer),
                                  self.pki.ca_file)
        self.assertEqual(
            signature.SignatureStatus(
                signed=True, verified=True,
                signer='CN=test package signer,O=vnfsnap tests',
                signer_sha256=self.pki.signer[0].fingerprint(
                    hashes.SHA256()).hex()),
            status)

    def test_chain_is_embedded(self):
        # The CA file holds the root only; the intermediate travels in the
        # signature.
        der = sign(self.pki.chained, chain=[self.pki.intermediate[0]])
        status = signature.verify(MANIFEST, der, self.pki.ca_file)
        self.assertIn('test chained signer', status.signer)
        self.assertInvalid('unable to get local issuer certificate',
                           signature.verify, MANIFEST,
                           sign(self.pki.chained), self.pki.ca_file)

    def test_rsa_key(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        signer = pki.make_cert('test rsa signer', self.pki.ca, key=key)
        status = signature.verify(MANIFEST, sign(signer), self.pki.ca_file)
        self.assertTrue(status.verified)

    def test_from_config(self):
        self.assertIsNone(signature.Signer.from_config())
        cert = self.pki.write_certs('s.pem', self.pki.chained[0],
                                    self.pki.intermediate[0])
        key = self.pki.write_key('s.key', self.pki.chained[1])
        self.conf.config(signing_cert_file=cert, signing_key_file=key,
                         group='package')
        signer = signature.Signer.from_config()
        self.assertEqual((self.pki.chained[0], (self.pki.intermediate[0],)),
                         (signer.certificate, signer.chain))
        self.assertTrue(signature.verify(MANIFEST, signer(MANIFEST),
                                         self.pki.ca_file).verified)

    def assertConfigInvalid(self, fragment, cert=None, key=None):
        self.conf.config(signing_cert_file=cert, signing_key_file=key,
                         group='package')
        exc = self.assertRaises(exception.SigningConfigInvalid,
                                signature.Signer.from_config)
        self.assertIn(fragment, str(exc))

    def test_bad_config(self):
        cert = self.pki.write_certs('s.pem', self.pki.signer[0])
        key = self.pki.write_key('s.key', self.pki.signer[1])
        other = self.pki.write_key('o.key', self.pki.other_signer[1])
        locked = self.pki.write_key('l.key', self.pki.signer[1], b'secret')
        self.assertConfigInvalid('must be set together', cert=cert)
        self.assertConfigInvalid('must be set together', key=key)
        self.assertConfigInvalid('does not belong to certificate '
                                 'CN=test package signer', cert, other)
        self.assertConfigInvalid('unencrypted PEM private key', cert, locked)
        self.assertConfigInvalid('cannot load certificates from', key, key)
        self.assertConfigInvalid('No such file', self.pki.path('gone'), key)

    def test_key_type(self):
        exc = self.assertRaises(exception.SigningConfigInvalid,
                                signature.Signer, self.pki.signer[0],
                                ed25519.Ed25519PrivateKey.generate())
        self.assertIn('only RSA and EC keys', str(exc))


class TestVerifyRefusals(SignatureFixture):
    """Each hostile signature is refused with the reason openssl gave."""

    def test_tampered_manifest(self):
        der = sign(self.pki.signer)
        self.assertInvalid('content verify error', signature.verify,
                           MANIFEST.replace(b'1.0', b'1.1'), der,
                           self.pki.ca_file)

    def test_self_signed_signer(self):
        self.assertInvalid('self-signed certificate', signature.verify,
                           MANIFEST, sign(self.pki.self_signed),
                           self.pki.ca_file)

    def test_signer_of_untrusted_ca(self):
        self.assertInvalid('unable to get local issuer certificate',
                           signature.verify, MANIFEST,
                           sign(self.pki.other_signer), self.pki.ca_file)
        # With its own root embedded, the chain ends at an untrusted root.
        self.assertInvalid('self-signed certificate in certificate chain',
                           signature.verify, MANIFEST,
                           sign(self.pki.other_signer, chain=[
                               self.pki.other_ca[0]]),
                           self.pki.ca_file)

    def test_expired_signer(self):
        self.assertInvalid('certificate has expired', signature.verify,
                           MANIFEST, sign(self.pki.expired),
                           self.pki.ca_file)

    def test_system_ca_store_is_not_trusted(self):
        # openssl would trust SSL_CERT_DIR by default; the service must
        # trust signature_ca_file only.
        store = self.useFixture(fixtures.TempDir()).path
        shutil.copy(self.pki.write_certs('other.pem', self.pki.other_ca[0]),
                    store)
        subprocess.run(['openssl', 'rehash', store], check=True,
                       capture_output=True)
        self.useFixture(fixtures.EnvironmentVariable('SSL_CERT_DIR', store))
        self.useFixture(fixtures.EnvironmentVariable(
            'SSL_CERT_FILE', self.pki.path('other.pem')))
        self.assertInvalid('unable to get local issuer certificate',
                           signature.verify, MANIFEST,
                           sign(self.pki.other_signer), self.pki.ca_file)

    def test_garbage(self):
        for data in (b'', b'garbage', os.urandom(4096),
                     b'\x30\x82\xff\xff' + b'\0' * 64):
            self.assertInvalid('is not a DER CMS SignedData',
                               signature.verify, MANIFEST, data,
                               self.pki.ca_file)

    def test_der_that_is_not_cms(self):
        cert_der = self.pki.signer[0].public_bytes(
            serialization.Encoding.DER)
        self.assertInvalid('is not a DER CMS SignedData', signature.verify,
                           MANIFEST, cert_der, self.pki.ca_file)
        # A good signature, but PEM where the format says DER.
        pem = pkcs7.PKCS7SignatureBuilder().set_data(MANIFEST).add_signer(
            self.pki.signer[0], self.pki.signer[1], hashes.SHA256()).sign(
                serialization.Encoding.PEM,
                [pkcs7.PKCS7Options.DetachedSignature])
        self.assertInvalid('is not a DER CMS SignedData', signature.verify,
                           MANIFEST, pem, self.pki.ca_file)

    def test_no_signer_certificate(self):
        der = pkcs7.PKCS7SignatureBuilder().set_data(MANIFEST).add_signer(
            self.pki.signer[0], self.pki.signer[1], hashes.SHA256()).sign(
                serialization.Encoding.DER,
                [pkcs7.PKCS7Options.DetachedSignature,
                 pkcs7.PKCS7Options.NoCerts])
        self.assertInvalid('carrying its signer certificate',
                           signature.verify, MANIFEST, der, self.pki.ca_file)

    def test_too_large(self):
        self.assertInvalid('larger than 262144 bytes', signature.verify,
                           MANIFEST, b'\0' * (256 * 1024 + 1),
                           self.pki.ca_file)

    def test_trusted_signature_over_other_content(self):
        # Content embedded in the CMS is never what gets verified.
        der = pkcs7.PKCS7SignatureBuilder().set_data(b'other').add_signer(
            self.pki.signer[0], self.pki.signer[1], hashes.SHA256()).sign(
                serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary])
        self.assertInvalid('content verify error', signature.verify,
                           MANIFEST, der, self.pki.ca_file)

    def test_verifier_unavailable(self):
        der = sign(self.pki.signer)
        exc = self.assertRaises(exception.SignatureCheckUnavailable,
                                signature.verify, MANIFEST, der,
                                self.pki.path('no-ca.pem'))
        self.assertIn('no-ca.pem does not exist', str(exc))
        self.assertEqual(500, exc.code)
        self.useFixture(fixtures.MonkeyPatch(
            'vnfsnap.package.signature.OPENSSL', '/nonexistent/openssl'))
        exc = self.assertRaises(exception.SignatureCheckUnavailable,
                                signature.verify, MANIFEST, der,
                                self.pki.ca_file)
        self.assertIn('/nonexistent/openssl', str(exc))


class TestPolicy(SignatureFixture):

    def test_unsigned(self):
        self.assertIs(signature.UNSIGNED,
                      signature.check(MANIFEST, None, signature.Policy()))
        self.assertInvalid('not signed (no vnfsnap-manifest.cms) and '
                           '[package]require_signature is set',
                           signature.check, MANIFEST, None,
                           signature.Policy(self.pki.ca_file, require=True))

    def test_signed_without_ca(self):
        logger = self.useFixture(fixtures.FakeLogger())
        status = signature.check(MANIFEST, sign(self.pki.self_signed),
                                 signature.Policy())
        self.assertEqual((True, False), (status.signed, status.verified))
        self.assertIn('signature_ca_file', status.reason)
        self.assertIn('recorded as not verified', logger.output)
        self.assertInvalid('cannot be checked and [package]'
                           'require_signature is set', signature.check,
                           MANIFEST, sign(self.pki.signer),
                           signature.Policy(require=True))

    def test_garbage_refused_without_ca(self):
        self.assertInvalid('is not a DER CMS SignedData', signature.check,
                           MANIFEST, b'garbage', signature.Policy())

    def test_policy_from_config(self):
        self.assertEqual(signature.Policy(), signature.Policy.from_config())
        self.conf.config(signature_ca_file=self.pki.ca_file,
                         require_signature=True, group='package')
        self.assertEqual(signature.Policy(self.pki.ca_file, True),
                         signature.Policy.from_config())


class TestSignedPackage(SignatureFixture):
    """Signed packages through build, verify_package and extract."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.disk = self.path('disk.raw')
        with open(self.disk, 'wb') as f:
            f.write(b'\1' * 4096)
            f.truncate(2 * 1024 * 1024)
        self.trusted = signature.Policy(self.pki.ca_file)

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def build(self, name='pkg.zip', signer=None, snapshot_id='snap-1'):
        arts = [archive.DocumentArtifact({'id': snapshot_id},
                                         'vnfsr/record.json',
                                         'vnfSnapshotRecord'),
                archive.FileArtifact(self.disk, 'images/c1/disk.raw',
                                     'vnfcImage', vnfc_snapshot_id='c1',
                                     disk_format='RAW',
                                     container_format='BARE')]
        return archive.build(self.path(name), arts, snapshot_id, 'inst-1',
                             signer=signer)

    def signed(self, cert_key=None, **kwargs):
        self.build(signer=signature.Signer(*(cert_key or self.pki.signer)),
                   **kwargs)
        return self.path(kwargs.get('name', 'pkg.zip'))

    def rewrite(self, src, replace):
        """Copy ``src`` member by member, swapping or adding members."""
        out = self.path('tampered-%d.zip' % len(os.listdir(self.tmp)))
        replace = dict(replace)
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, 'w') as zout:
            for info in zin.infolist():
                data = replace.pop(info.filename, None)
                if data is None:
                    data = zin.read(info)
                zout.writestr(info, data)
            for name, data in replace.items():
                zout.writestr(name, data)
        return out

    def members(self, path):
        with zipfile.ZipFile(path) as zf:
            return {i.filename: zf.read(i) for i in zf.infolist()}

    def test_build_signed(self):
        built = self.build(signer=signature.Signer(*self.pki.signer))
        self.assertEqual((True, False), (built.signature.signed,
                                         built.signature.verified))
        with zipfile.ZipFile(self.path('pkg.zip')) as zf:
            infos = zf.infolist()
            cms = zf.read(package.SIGNATURE_NAME)
            manifest = zf.read(package.MANIFEST_NAME)
        self.assertEqual([package.MANIFEST_NAME, package.SIGNATURE_NAME],
                         [i.filename for i in infos[-2:]])
        self.assertEqual(zipfile.ZIP_STORED, infos[-1].compress_type)
        self.assertEqual(0o100644, infos[-1].external_attr >> 16)
        self.assertTrue(signature.verify(manifest, cms,
                                         self.pki.ca_file).verified)

    def test_unsigned_build(self):
        built = self.build()
        self.assertIs(signature.UNSIGNED, built.signature)
        self.assertNotIn(package.SIGNATURE_NAME,
                         self.members(self.path('pkg.zip')))

    def test_signer_failure_leaves_nothing(self):
        def broken(data):
            raise RuntimeError('HSM unavailable')
        self.assertRaises(RuntimeError, self.build, signer=broken)
        self.assertInvalid('is not a DER CMS SignedData', self.build,
                           signer=lambda data: b'not a signature')
        self.assertEqual(['disk.raw'], os.listdir(self.tmp))

    def test_verify_and_extract_signed(self):
        pkg = self.signed()
        got = verify.verify_package(pkg, signature_policy=self.trusted)
        self.assertTrue(got.signature.verified)
        self.assertEqual('CN=test package signer,O=vnfsnap tests',
                         got.signature.signer)
        out = self.path('out')
        got = archive.extract(pkg, out, signature_policy=self.trusted)
        self.assertTrue(got.signature.verified)
        members = self.members(pkg)
        for name in (package.MANIFEST_NAME, package.SIGNATURE_NAME):
            with open(os.path.join(out, name), 'rb') as f:
                self.assertEqual(members[name], f.read())

    def test_config_is_the_default_policy(self):
        pkg = self.signed()
        unsigned = self.build(name='plain.zip')
        self.assertIs(signature.UNSIGNED, unsigned.signature)
        # No CA configured: accepted, recorded as not verified.
        got = verify.verify_package(pkg)
        self.assertEqual((True, False), (got.signature.signed,
                                         got.signature.verified))
        self.conf.config(signature_ca_file=self.pki.ca_file,
                         require_signature=True, group='package')
        self.assertTrue(verify.verify_package(pkg).signature.verified)
        self.assertInvalid('not signed', verify.verify_package,
                           self.path('plain.zip'))
        self.assertInvalid('not signed', archive.extract,
                           self.path('plain.zip'), self.path('out'))
        self.assertFalse(os.path.exists(self.path('out')))

    @testtools.skipUnless(shutil.which('unzip'), 'unzip is not installed')
    def test_verify_by_hand_as_documented(self):
        pkg = self.signed()
        # The commands of doc/source/user/package-format.rst.
        script = (
            'set -e; cd "$1"; '
            'unzip -p pkg.zip vnfsnap-manifest.json > manifest.json; '
            'unzip -p pkg.zip vnfsnap-manifest.cms > manifest.cms; '
            'openssl cms -verify -binary -inform DER -in manifest.cms '
            '-content manifest.json -CAfile "$2" -no-CApath -no-CAstore '
            '-purpose any -out /dev/null')
        done = subprocess.run(['sh', '-c', script, 'sh', self.tmp,
                               self.pki.ca_file], capture_output=True,
                              text=True, timeout=60)
        self.assertEqual(0, done.returncode, done.stderr)
        self.assertIn('Verification successful', done.stderr)
        self.assertTrue(os.path.exists(pkg))

    def test_tampered_manifest_with_valid_checksums(self):
        # The attacker edits what the manifest says, keeping every checksum
        # right, and keeps the original signature.
        pkg = self.signed()
        doc = json.loads(self.members(pkg)[package.MANIFEST_NAME])
        doc['vnfInstanceId'] = 'someone-elses-instance'
        doc['artifacts'][0]['metadata'] = {'note': 'trust me'}
        tampered = self.rewrite(pkg, {package.MANIFEST_NAME: json.dumps(
            doc, indent=2, sort_keys=True).encode() + b'\n'})
        verify.verify_package(tampered, signature_policy=signature.Policy(),
                              check_images=False)
        self.assertInvalid('content verify error', verify.verify_package,
                           tampered, signature_policy=self.trusted)
        self.assertInvalid('content verify error', archive.extract,
                           tampered, self.path('out'),
                           signature_policy=self.trusted)
        self.assertFalse(os.path.exists(self.path('out')))

    def test_signature_of_another_package(self):
        # A real signature by the trusted signer, over another manifest.
        pkg = self.signed()
        other = self.signed(name='other.zip', snapshot_id='snap-2')
        tampered = self.rewrite(pkg, {
            package.SIGNATURE_NAME: self.members(other)[
                package.SIGNATURE_NAME]})
        self.assertInvalid('content verify error', verify.verify_package,
                           tampered, signature_policy=self.trusted)

    def test_signed_by_untrusted_self_signed_cert(self):
        pkg = self.signed(self.pki.self_signed)
        self.assertInvalid('self-signed certificate', verify.verify_package,
                           pkg, signature_policy=self.trusted)

    def test_garbage_signature_member(self):
        pkg = self.rewrite(self.signed(),
                           {package.SIGNATURE_NAME: os.urandom(2048)})
        self.assertInvalid('is not a DER CMS SignedData',
                           verify.verify_package, pkg,
                           signature_policy=self.trusted)

    def test_signature_member_that_is_not_cms(self):
        self.build()
        unsigned = self.path('pkg.zip')
        for data in (self.members(unsigned)[package.MANIFEST_NAME],
                     self.pki.signer[0].public_bytes(
                         serialization.Encoding.PEM)):
            pkg = self.rewrite(unsigned, {package.SIGNATURE_NAME: data})
            self.assertInvalid('is not a DER CMS SignedData',
                               verify.verify_package, pkg,
                               signature_policy=self.trusted)
            # Malformed even when no CA is configured to check it.
            self.assertInvalid('is not a DER CMS SignedData',
                               verify.verify_package, pkg,
                               signature_policy=signature.Policy())

    def test_signature_member_too_large(self):
        self.build()
        pkg = self.rewrite(self.path('pkg.zip'),
                           {package.SIGNATURE_NAME: b'\0' * (300 * 1024)})
        self.assertInvalid('at most 262144 allowed', verify.verify_package,
                           pkg, signature_policy=self.trusted)

    def test_signature_name_is_not_an_artifact(self):
        pkg = self.signed()
        doc = json.loads(self.members(pkg)[package.MANIFEST_NAME])
        doc['artifacts'].append(dict(doc['artifacts'][0],
                                     path=package.SIGNATURE_NAME,
                                     role='additionalArtifact'))
        tampered = self.rewrite(pkg, {package.MANIFEST_NAME: json.dumps(
            doc).encode()})
        exc = self.assertRaises(exception.ManifestInvalid,
                                verify.verify_package, tampered,
                                signature_policy=signature.Policy())
        self.assertIn('reserved for the manifest signature', str(exc))

    def test_duplicate_signature_member(self):
        pkg = self.signed()
        with zipfile.ZipFile(pkg, 'a') as zf:
            zf.writestr('VNFSNAP-MANIFEST.CMS', b'x')
        exc = self.assertRaises(exception.UnsafeMember, verify.verify_package,
                                pkg, signature_policy=self.trusted)
        self.assertIn('appears more than once', str(exc))
