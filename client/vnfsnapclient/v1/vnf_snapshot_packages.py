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

"""``/vnfsnapshotpkgm/v1/vnf_snapshot_packages``: VNF snapshot packages
(SOL005 clause 11.4): build, upload, download, extract, artifacts."""

import base64
import hashlib
import urllib.parse

import requests

from vnfsnapclient import exceptions
from vnfsnapclient import http
from vnfsnapclient.v1 import base
from vnfsnapclient.v1 import vnf_snapshots

ZIP = 'application/zip'
#: States in which a content operation runs (SOL005 11.6.2).
BUSY_STATES = frozenset(('UPLOADING', 'BUILDING', 'PROCESSING',
                         'EXTRACTING'))
FAILED_STATES = frozenset(('ERROR', 'ERROR_EXTRACTING'))


def artifacts(pkg):
    """Every artifact a VnfSnapshotPkgInfo lists, as dicts of ``path``,
    ``role`` (record, vnfd, image, additional, diagnostics), ``size``
    (or None), ``checksum`` (a SOL005 Checksum) and ``uri`` (an external
    artifact's, or None): the artifacts resource has no listing of its
    own."""
    found = []
    for role, attr, key in (('record', 'vnfsr', 'recordPath'),
                            ('vnfd', 'vnfdInfo', 'vnfdPath')):
        doc = pkg.get(attr) or {}
        if doc.get(key):
            found.append({'path': doc[key], 'role': role, 'size': None,
                          'checksum': doc.get('checksum'), 'uri': None})
    for image in pkg.get('vnfcSnapshotImages') or ():
        found.append({'path': image.get('imagePath'), 'role': 'image',
                      'size': image.get('size'),
                      'checksum': image.get('checksum'),
                      'uri': image.get('imageUri')})
    for entry in pkg.get('additionalArtifacts') or ():
        metadata = entry.get('metadata') or {}
        size = metadata.get('size')
        found.append({'path': entry.get('artifactPath'),
                      'role': ('diagnostics'
                               if metadata.get('role') == 'diagnostics'
                               else 'additional'),
                      'size': int(size) if str(size).isdigit() else None,
                      'checksum': entry.get('checksum'),
                      'uri': entry.get('artifactUri')})
    return found


def artifact_checksum(pkg, artifact_path):
    """The Checksum the package info gives for ``artifact_path``."""
    for artifact in artifacts(pkg):
        if artifact['path'] == artifact_path:
            return artifact['checksum']
    return None


def _display(url):
    """``url`` without its query (a Swift temp URL's signature) and
    credentials, for messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ''
    if parts.port:
        host += ':%d' % parts.port
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, '', ''))


class _HashingReader:
    """A stream's chunks as a file object of known length (so that
    requests sends a Content-Length, not chunks), hashed and counted as
    they are read."""

    def __init__(self, stream, progress):
        self.size = stream.size
        self.chunks = iter(stream)
        self.digest = hashlib.sha256()
        self.done = 0
        self.buffer = b''
        self.progress = progress
        if progress is not None:
            progress(0, self.size)

    def __len__(self):
        return self.size

    def read(self, size=-1):
        while size < 0 or len(self.buffer) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.digest.update(chunk)
            self.done += len(chunk)
            self.buffer += chunk
            if self.progress is not None:
                self.progress(self.done, self.size)
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


class VnfSnapshotPackageManager(base.Manager):
    API = http.VNFSNAPSHOTPKGM
    PATH = '/vnf_snapshot_packages'

    def create(self, body):
        """A new, empty package (CREATED): ``{"name": ...}``."""
        return self.http.send_json('POST', self.API, self.PATH, body).json()

    def update(self, pkg_id, changes, if_match=None):
        """Merge-patch name, userDefinedData or state; the modifications
        as the API applied them."""
        return self.http.send_json(
            'PATCH', self.API, self._path(pkg_id), changes,
            content_type=http.MERGE_PATCH_JSON,
            headers={'If-Match': if_match}).json()

    def delete(self, pkg_id, if_match=None):
        self._delete(pkg_id, if_match=if_match)

    def _content_task(self, pkg_id, task, body):
        return self.http.send_json(
            'POST', self.API, self._path(pkg_id, 'package_content', task),
            body)

    def build(self, pkg_id, body):
        """Start building the package from a VNF snapshot
        (``vnfSnapshotInfoId``...); wait() for its end."""
        self._content_task(pkg_id, 'build', body)

    def upload(self, pkg_id, path_or_file, progress=None, size=None):
        """Stream a package ZIP file (a path or a binary file object;
        ``size``: its length when the object cannot tell it) into the
        package; it is then PROCESSING: wait() for its end."""
        self.http.upload(self.API, self._path(pkg_id, 'package_content'),
                         path_or_file, ZIP, progress=progress, size=size)

    def upload_from_uri(self, pkg_id, body):
        """Have a conductor fetch the package (``addressInformation``,
        optionally credentials)."""
        self._content_task(pkg_id, 'upload_from_uri', body)

    def extract(self, pkg_id, body):
        """Start extracting into a VNF snapshot (``vnfInstanceId`` or
        ``vnfSnapshotInfoId``); the URI of the VNF snapshot it fills."""
        resp = self._content_task(pkg_id, 'extract', body)
        return resp.headers.get('Location')

    def cancel(self, pkg_id, cause=None):
        """Ask the running build, upload, processing or extraction to
        stop at its next chunk or step."""
        self._content_task(pkg_id, 'cancel',
                           {} if cause is None else {'cause': cause})

    def download(self, pkg_id, dest_path, progress=None, resume=True):
        """Stream the package ZIP into ``dest_path``, resuming a download
        that left ``dest_path.part`` (byte range), and check the file's
        SHA-256 against the package's ``checksum``; the size."""
        pkg = self.get(pkg_id)
        return self.http.download(
            self.API, self._path(pkg_id, 'package_content'), dest_path,
            progress=progress, resume=resume, accept=ZIP,
            sha256=vnf_snapshots.sha256_of(pkg.get('checksum')))

    def stream(self, pkg_id):
        """The package ZIP as an http.Stream (its chunks, ``size``,
        ``headers``), read only as the caller iterates: for a caller that
        passes it on, e.g. a web page's download, rather than into a
        file. No checksum check here: the receiver checks what it got
        against the package's ``checksum``."""
        return self.http.stream(
            self.API, self._path(pkg_id, 'package_content'), accept=ZIP)

    def send(self, pkg_id, url, username=None, password=None, verify=True,
             progress=None, timeout=600):
        """PUT the package ZIP, streamed from vnfsnap, to ``url``: a
        vendor's HTTPS receiver (with ``username`` and ``password``, HTTP
        Basic) or a Swift temporary URL (no credentials; its signature
        is in the URL). The package's SHA-256 goes along as
        ``Repr-Digest`` (RFC 9530) and ``X-Object-Meta-Sha256`` (kept
        by Swift); the bytes sent are hashed on the way and must match
        it. Returns the receiver's HTTP status. ``verify``: True, False
        or a CA bundle path, as for requests."""
        pkg = self.get(pkg_id)
        sha256 = vnf_snapshots.sha256_of(pkg.get('checksum'))
        if sha256 is None:
            raise exceptions.ClientError(
                'package %s has no SHA-256 checksum: it is %s, not '
                'AVAILABLE' % (pkg_id, pkg.get('state')))
        stream = self.stream(pkg_id)
        if stream.size is None:
            stream.close()
            raise exceptions.ClientError(
                'vnfsnap did not say the size of package %s' % pkg_id)
        body = _HashingReader(stream, progress)
        headers = {'Content-Type': ZIP,
                   'Repr-Digest': 'sha-256=:%s:' % base64.b64encode(
                       bytes.fromhex(sha256)).decode(),
                   'X-Object-Meta-Sha256': sha256}
        auth = (username, password or '') if username else None
        try:
            resp = requests.put(url, data=body, headers=headers, auth=auth,
                                verify=verify, timeout=timeout,
                                allow_redirects=False)
        except requests.RequestException as e:
            raise exceptions.ClientError(
                'sending package %s to %s failed: %s'
                % (pkg_id, _display(url), e))
        finally:
            stream.close()
        if not 200 <= resp.status_code < 300:
            raise exceptions.ClientError(
                'the receiver at %s answered HTTP %d: %s'
                % (_display(url), resp.status_code,
                   exceptions.bounded(resp.text, 300)))
        if body.digest.hexdigest() != sha256 or body.done != stream.size:
            raise exceptions.ClientError(
                'package %s changed while it was sent (%d bytes with '
                'SHA-256 %s sent, %s expected): send it again'
                % (pkg_id, body.done, body.digest.hexdigest(), sha256))
        return resp.status_code

    def download_artifact(self, pkg_id, artifact_path, dest_path,
                          progress=None, resume=True):
        """Stream one artifact (a member path of the package, e.g.
        ``vnfsr/record.json``) into ``dest_path``, checked against the
        checksum the package info lists for it."""
        pkg = self.get(pkg_id)
        path = self._path(pkg_id, 'artifacts',
                          urllib.parse.quote(artifact_path, safe='/'))
        return self.http.download(
            self.API, path, dest_path, progress=progress, resume=resume,
            sha256=vnf_snapshots.sha256_of(
                artifact_checksum(pkg, artifact_path)))

    def get_ext_artifacts_access(self, pkg_id):
        """The access configuration of external artifacts, without its
        secrets."""
        return self.http.get_json(
            self.API, self._path(pkg_id, 'ext_artifacts_access'))

    def set_ext_artifacts_access(self, pkg_id, body):
        return self.http.send_json(
            'PUT', self.API, self._path(pkg_id, 'ext_artifacts_access'),
            body).json()

    def wait(self, pkg_id, on_poll=None, timeout=None, interval=2.0):
        """Poll until no operation runs on the package; the package.

        Raises exceptions.OperationFailed (with ``failureDetails``'
        ProblemDetails) when it ended ERROR or ERROR_EXTRACTING,
        exceptions.Timeout after ``timeout`` seconds.
        """
        pkg = self.http.wait(
            lambda: self.get(pkg_id),
            lambda p: p.get('state') not in BUSY_STATES,
            on_poll=on_poll, timeout=timeout, interval=interval)
        if pkg.get('state') in FAILED_STATES:
            failure = pkg.get('failureDetails') or {}
            problem = failure.get('details')
            raise exceptions.OperationFailed(
                pkg, problem, message=exceptions.bounded(
                    (problem or {}).get('detail')) or 'package %s ended %s'
                % (pkg_id, pkg['state']))
        return pkg
