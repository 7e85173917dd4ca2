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

"""Detached CMS (PKCS #7) signatures over the package manifest.

The signature covers the exact bytes of ``vnfsnap-manifest.json``; the
manifest covers every artifact by SHA-256, so one signature authenticates
the whole package. Signing uses cryptography's PKCS7SignatureBuilder.
cryptography cannot verify PKCS #7/CMS, so verification runs
``openssl cms -verify`` in a subprocess with a timeout, trusting only the
configured CA file (never the system CA store).
"""

import dataclasses
import os
import subprocess
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from oslo_log import log as logging

from vnfsnap import conf
from vnfsnap import package
from vnfsnap.common import exception

LOG = logging.getLogger(__name__)
CONF = conf.CONF

# A CMS SignedData with a certificate chain is a few KiB.
MAX_SIGNATURE_SIZE = 256 * 1024
OPENSSL = 'openssl'
VERIFY_TIMEOUT = 60


@dataclasses.dataclass(frozen=True)
class SignatureStatus:
    """What is known of a package's manifest signature.

    ``verified`` means the signature holds over the manifest and its
    signer chains to the trusted CA file; ``signer`` (RFC 4514 subject)
    and ``signer_sha256`` (certificate fingerprint) are then set.
    ``reason`` says why a signed package was not verified.
    """

    signed: bool
    verified: bool = False
    signer: str = None
    signer_sha256: str = None
    reason: str = None


UNSIGNED = SignatureStatus(signed=False)


@dataclasses.dataclass(frozen=True)
class Policy:
    """What an import demands of the signature."""

    ca_file: str = None
    require: bool = False

    @classmethod
    def from_config(cls, conf=CONF):
        return cls(ca_file=conf.package.signature_ca_file or None,
                   require=conf.package.require_signature)


class Signer:
    """``signer(manifest_bytes) -> DER``: a detached CMS SignedData, SHA-256.

    The signer certificate and ``chain`` (intermediate CA certificates)
    are embedded so that a verifier needs only the root CA.
    """

    def __init__(self, certificate, private_key, chain=()):
        if not isinstance(private_key, (rsa.RSAPrivateKey,
                                        ec.EllipticCurvePrivateKey)):
            raise exception.SigningConfigInvalid(
                reason='the signing key is a %s; only RSA and EC keys can '
                       'sign CMS' % type(private_key).__name__)
        pem = serialization.Encoding.PEM
        spki = serialization.PublicFormat.SubjectPublicKeyInfo
        if (certificate.public_key().public_bytes(pem, spki)
                != private_key.public_key().public_bytes(pem, spki)):
            raise exception.SigningConfigInvalid(
                reason='the signing key does not belong to certificate %s'
                       % certificate.subject.rfc4514_string())
        self.certificate = certificate
        self.private_key = private_key
        self.chain = tuple(chain)

    @classmethod
    def from_files(cls, cert_file, key_file):
        """The first certificate of ``cert_file`` signs; the rest is chain."""
        try:
            with open(cert_file, 'rb') as f:
                certs = x509.load_pem_x509_certificates(f.read())
        except (OSError, ValueError) as exc:
            raise exception.SigningConfigInvalid(
                reason='cannot load certificates from %s: %s'
                       % (cert_file, exc))
        try:
            with open(key_file, 'rb') as f:
                key = serialization.load_pem_private_key(f.read(), None)
        except (OSError, ValueError, TypeError) as exc:
            # TypeError: the key is encrypted; only plain PEM is supported.
            raise exception.SigningConfigInvalid(
                reason='cannot load an unencrypted PEM private key from '
                       '%s: %s' % (key_file, exc))
        return cls(certs[0], key, certs[1:])

    @classmethod
    def from_config(cls, conf=CONF):
        """The configured Signer, or None when signing is not configured."""
        cert_file = conf.package.signing_cert_file
        key_file = conf.package.signing_key_file
        if not cert_file and not key_file:
            return None
        if not (cert_file and key_file):
            raise exception.SigningConfigInvalid(
                reason='signing_cert_file and signing_key_file must be set '
                       'together')
        return cls.from_files(cert_file, key_file)

    def __call__(self, manifest_bytes):
        builder = pkcs7.PKCS7SignatureBuilder().set_data(
            bytes(manifest_bytes)).add_signer(
                self.certificate, self.private_key, hashes.SHA256())
        for cert in self.chain:
            builder = builder.add_certificate(cert)
        return builder.sign(serialization.Encoding.DER,
                            [pkcs7.PKCS7Options.DetachedSignature,
                             pkcs7.PKCS7Options.Binary])


def _openssl_errors(stderr):
    """The reasons of openssl's error lines, without pids and source
    file names: 'code:lib:func:reason:file:line:data'."""
    reasons = []
    for line in stderr.splitlines():
        parts = line.split(':', 8)
        if len(parts) >= 6 and parts[1] == 'error':
            extra = parts[8].strip() if len(parts) > 8 else ''
            reasons.append(parts[5] + (' (%s)' % extra if extra else ''))
    return '; '.join(reasons) or stderr.strip()[:500] or 'no reason given'


def check_structure(cms_der):
    """Refuse a signature member that is not a DER CMS SignedData with
    its signer certificate; parsed here for a plain answer to garbage,
    openssl makes the cryptographic check."""
    name = package.SIGNATURE_NAME
    if len(cms_der) > MAX_SIGNATURE_SIZE:
        raise exception.SignatureInvalid(
            reason='%s is larger than %d bytes' % (name, MAX_SIGNATURE_SIZE))
    try:
        pkcs7.load_der_pkcs7_certificates(bytes(cms_der))
    except ValueError as exc:
        raise exception.SignatureInvalid(
            reason='%s is not a DER CMS SignedData carrying its signer '
                   'certificate: %s' % (name, exc))


def verify(manifest_bytes, cms_der, ca_file, timeout=VERIFY_TIMEOUT):
    """Check ``cms_der`` over ``manifest_bytes`` against ``ca_file``.

    The signer's certificate must chain to a CA in ``ca_file`` and be
    valid now (CMS signing time is not trusted to say otherwise).
    Returns a verified SignatureStatus. Raises SignatureInvalid when the
    signature does not hold (content changed, signer not trusted, not a
    CMS SignedData), SignatureCheckUnavailable when openssl cannot run.
    """
    check_structure(cms_der)
    if not os.path.isfile(ca_file):
        raise exception.SignatureCheckUnavailable(
            reason='the trusted CA file %s does not exist' % ca_file)
    with tempfile.TemporaryDirectory(prefix='vnfsnap-cms-') as tmp:
        content = os.path.join(tmp, 'manifest')
        sig = os.path.join(tmp, 'signature')
        signers = os.path.join(tmp, 'signers.pem')
        for path, data in ((content, manifest_bytes), (sig, cms_der)):
            with open(path, 'wb') as f:
                f.write(data)
        # -content overrides any content embedded in the CMS, so only the
        # manifest bytes can verify; -no-CA* keep the system store out.
        cmd = [OPENSSL, 'cms', '-verify', '-binary', '-inform', 'DER',
               '-in', sig, '-content', content, '-out', os.devnull,
               '-CAfile', ca_file, '-no-CApath', '-no-CAstore',
               '-purpose', 'any', '-signer', signers]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout,
                                  check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise exception.SignatureCheckUnavailable(
                reason='openssl cms -verify: %s' % exc)
        stderr = done.stderr.decode('utf-8', 'replace')
        if done.returncode < 0:
            raise exception.SignatureCheckUnavailable(
                reason='openssl cms -verify was killed by signal %d'
                       % -done.returncode)
        if done.returncode != 0:
            raise exception.SignatureInvalid(
                reason='%s does not verify against the trusted CAs in %s: '
                       '%s' % (package.SIGNATURE_NAME, ca_file,
                               _openssl_errors(stderr)))
        with open(signers, 'rb') as f:
            signer = x509.load_pem_x509_certificates(f.read())[0]
    return SignatureStatus(
        signed=True, verified=True,
        signer=signer.subject.rfc4514_string(),
        signer_sha256=signer.fingerprint(hashes.SHA256()).hex())


def check(manifest_bytes, cms_der, policy):
    """Apply ``policy`` to a package's signature (``cms_der`` None when
    the package has none); return its SignatureStatus or refuse it."""
    if cms_der is None:
        if policy.require:
            raise exception.SignatureInvalid(
                reason='the package is not signed (no %s) and '
                       '[package]require_signature is set'
                       % package.SIGNATURE_NAME)
        return UNSIGNED
    check_structure(cms_der)
    if policy.ca_file:
        return verify(manifest_bytes, cms_der, policy.ca_file)
    reason = ('no trusted CA is configured ([package]signature_ca_file), so '
              'the signature cannot be checked')
    if policy.require:
        raise exception.SignatureInvalid(
            reason='%s and [package]require_signature is set' % reason)
    LOG.warning('VNF snapshot package is signed but %s; it is recorded as '
                'not verified', reason)
    return SignatureStatus(signed=True, verified=False, reason=reason)
