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

"""Test certificates, made at test time so no key material is committed.

A root CA with a signer it issued directly and one issued through an
intermediate CA; an expired signer; a self-signed certificate and a
second, untrusted CA with a signer of its own.
"""

import datetime
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
import fixtures

_PEM = serialization.Encoding.PEM


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                                         'vnfsnap tests'),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def make_cert(cn, issuer=None, ca=False, days=1, expired=False, key=None):
    """Return (certificate, key); self-signed when ``issuer`` is None,
    otherwise signed by ``issuer`` = (certificate, key)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    if expired:
        start, end = now - datetime.timedelta(days=10), now - \
            datetime.timedelta(days=1)
    else:
        start, end = now - datetime.timedelta(minutes=5), now + \
            datetime.timedelta(days=days)
    issuer_name, issuer_key = ((issuer[0].subject, issuer[1]) if issuer
                               else (_name(cn), key))
    builder = (x509.CertificateBuilder()
               .subject_name(_name(cn)).issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(start).not_valid_after(end)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None),
                              critical=True)
               .add_extension(x509.KeyUsage(
                   digital_signature=not ca, content_commitment=False,
                   key_encipherment=False, data_encipherment=False,
                   key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                   encipher_only=False, decipher_only=False), critical=True))
    return builder.sign(issuer_key, hashes.SHA256()), key


class Pki(fixtures.Fixture):
    """The certificates above, with PEM files in a temporary directory."""

    def _setUp(self):
        self.dir = self.useFixture(fixtures.TempDir()).path
        self.ca = make_cert('test root CA', ca=True)
        self.signer = make_cert('test package signer', self.ca)
        self.intermediate = make_cert('test intermediate CA', self.ca,
                                      ca=True)
        self.chained = make_cert('test chained signer', self.intermediate)
        self.expired = make_cert('test expired signer', self.ca,
                                 expired=True)
        self.self_signed = make_cert('test self-signed signer')
        self.other_ca = make_cert('test untrusted CA', ca=True)
        self.other_signer = make_cert('test untrusted signer', self.other_ca)
        self.ca_file = self.write_certs('ca.pem', self.ca[0])

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_certs(self, name, *certs):
        with open(self.path(name), 'wb') as f:
            for cert in certs:
                f.write(cert.public_bytes(_PEM))
        return self.path(name)

    def write_key(self, name, key, password=None):
        encryption = (serialization.BestAvailableEncryption(password)
                      if password else serialization.NoEncryption())
        with open(self.path(name), 'wb') as f:
            f.write(key.private_bytes(
                _PEM, serialization.PrivateFormat.PKCS8, encryption))
        return self.path(name)
