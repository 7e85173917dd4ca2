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

"""Options of the [package_store] group: where VNF snapshot packages live."""

from oslo_config import cfg

MIB = 1024 * 1024
GIB = 1024 * MIB
TIB = 1024 * GIB

group = cfg.OptGroup('package_store', title='VNF snapshot package store',
                     help='Where the ZIP files of VNF snapshot packages '
                          'are kept: built by the conductor, uploaded and '
                          'downloaded through the API.')

opts = [
    cfg.StrOpt('backend', default='file',
               choices=[('file', 'a local directory, [package_store]'
                                 'file_dir; API and conductor must share '
                                 'it, so only for one host'),
                        ('swift', 'an OpenStack Swift container, '
                                  '[package_store]swift_container; large '
                                  'packages become Static Large Objects')],
               help='Where package files are stored.'),
    cfg.StrOpt('file_dir', default='$state_path/packages',
               help='Directory of the file backend. Created (mode 0700) '
                    'when missing. Each package is a sub-directory named '
                    'after its id; files are written under a temporary '
                    'name and renamed into place once complete.'),
    cfg.IntOpt('max_package_size', default=TIB, min=1,
               help='Largest package, in bytes, that is stored: a bigger '
                    'upload or build is refused with nothing left behind.'),
    cfg.StrOpt('swift_container', default='vnfsnap-packages',
               help='Swift container of the swift backend, created when '
                    'missing. Every object of a package (its file and, '
                    'for a large one, its segments) is named '
                    '"<package id>/...".'),
    cfg.IntOpt('swift_segment_size', default=GIB, min=MIB,
               help='Packages larger than this many bytes are uploaded as '
                    'a Static Large Object made of segments of this size. '
                    'Must not exceed the cluster\'s max_file_size (5 GiB '
                    'unless changed); the cluster\'s SLO '
                    'max_manifest_segments (1000 unless changed) times '
                    'this is the largest package the cluster accepts.'),
    cfg.IntOpt('swift_upload_concurrency', default=4, min=1,
               help='Segments of a local package file uploaded in '
                    'parallel (threads, each reading its own part of the '
                    'file). Uploads received through the API arrive as '
                    'one stream and are sent one segment after another.'),
    cfg.URIOpt('swift_auth_url',
               help='TempAuth (v1) authentication URL, e.g. '
                    'http://swift.example.com:8080/auth/v1.0. Used when '
                    'the [swift] group has no Keystone auth_type.'),
    cfg.StrOpt('swift_user',
               help='TempAuth user, as "account:user".'),
    cfg.StrOpt('swift_key', secret=True,
               help='TempAuth key (password) of swift_user.'),
    cfg.IntOpt('swift_retries', default=5, min=0,
               help='Times python-swiftclient retries a failed request '
                    '(with exponential back-off). A segment read from an '
                    'upload stream cannot be sent again, so stream '
                    'uploads fail at their first error instead.'),
    cfg.IntOpt('swift_timeout', default=60, min=1,
               help='Seconds to wait for Swift to answer a request '
                    '(connect and each read), so that a stalled Swift '
                    'fails the operation instead of hanging it.'),
    cfg.BoolOpt('swift_insecure', default=False,
                help='Do not verify the TLS certificate of a TempAuth '
                     'Swift endpoint. For test clouds only.'),
    cfg.StrOpt('swift_cacert',
               help='CA bundle to verify the TLS certificate of a '
                    'TempAuth Swift endpoint (default: the system\'s).'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
