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

"""Options of the [package] group: signing and import limits of VNF
snapshot packages (format: doc/source/user/package-format.rst)."""

from oslo_config import cfg

group = cfg.OptGroup('package', title='VNF snapshot package options')

opts = [
    cfg.StrOpt('signing_cert_file',
               help='PEM file with the X.509 certificate that signs the '
                    'manifest of every package this service builds, '
                    'optionally followed by the intermediate CA '
                    'certificates to embed in the signature. Set together '
                    'with signing_key_file; when both are unset, packages '
                    'are built unsigned.'),
    cfg.StrOpt('signing_key_file',
               help='PEM file with the unencrypted private key (RSA or EC) '
                    'of signing_cert_file. Keep it readable by the vnfsnap '
                    'user only.'),
    cfg.StrOpt('signature_ca_file',
               help='PEM file with the CA certificates trusted to sign '
                    'imported packages; nothing else (in particular not the '
                    'system CA store) is trusted. Use a CA dedicated to '
                    'package signing: any certificate it issues is '
                    'accepted, whatever its key usage. When unset, a signed '
                    'package is imported with its signature recorded as '
                    'not verified (refused if require_signature is set).'),
    cfg.BoolOpt('require_signature', default=False,
                help='Refuse to import a package whose manifest is not '
                     'signed by a certificate that chains to '
                     'signature_ca_file.'),
    cfg.IntOpt('max_members', default=1024, min=2,
               help='Largest number of ZIP members an imported package may '
                    'have.'),
    cfg.IntOpt('max_member_size', default=1024 ** 4, min=1,
               help='Largest uncompressed size, in bytes, of one member of '
                    'an imported package (default 1 TiB).'),
    cfg.IntOpt('max_total_size', default=4 * 1024 ** 4, min=1,
               help='Largest uncompressed size, in bytes, of all members of '
                    'an imported package together (default 4 TiB). This is '
                    'the real zip-bomb guard: set it below the free space '
                    'of the staging area that imports extract into.'),
    cfg.IntOpt('max_compression_ratio', default=100, min=1,
               help='Largest expansion ratio (uncompressed to compressed '
                    'size) of a member of an imported package that is '
                    'over 1 MiB. Disk image and memory state members are '
                    'exempt: they are mostly zeros and legitimately '
                    'compress about 1000:1.'),
    cfg.StrOpt('memory_compression', default='zstd',
               choices=[('stored', 'as it is: no CPU, the most space'),
                        ('zstd', 'one Zstandard frame (level 3, in the '
                                 'building thread) in a stored member, '
                                 'named in the manifest; about 1 ms of '
                                 'CPU per MiB and several times smaller '
                                 'for a typical guest'),
                        ('deflate', 'a ZIP deflate member, which any ZIP '
                                    'tool and older vnfsnap releases '
                                    'read; about five times the CPU of '
                                    'zstd, for a package as large')],
               help='How a package build compresses the memory states of '
                    'VNFC snapshots. Disk images are always stored (qcow2 '
                    'is already dense). Packages with zstd members import '
                    'only into a vnfsnap that knows the "compression" '
                    'artifact field (this release and later). See '
                    'doc/source/admin/package-performance.rst for the '
                    'measurements.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
