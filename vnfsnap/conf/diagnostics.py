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

"""Options of the [diagnostics] group: what vnfsnap keeps of its own log
lines per LCM operation occurrence, and how much of each item a
root-cause package (``diagnostics: true``) carries
(doc/source/user/root-cause.rst)."""

from oslo_config import cfg

group = cfg.OptGroup('diagnostics', title='Root-cause capture options')

opts = [
    cfg.BoolOpt('capture_op_logs', default=True,
                help='Keep, in the database, the conductor log records of '
                     'each LCM operation occurrence (with their request '
                     'ids and secrets masked), for the diagnostics part of '
                     'a root-cause package.'),
    cfg.StrOpt('capture_level', default='INFO',
               choices=('DEBUG', 'INFO', 'WARNING', 'ERROR'),
               help='Lowest level of the log records kept per operation '
                    'occurrence.'),
    cfg.IntOpt('max_records_per_op', default=2000, min=10,
               help='Most log records kept per operation occurrence: the '
                    'first tenth and the latest of them (where a failure '
                    'is); the ones in between are dropped and counted.'),
    cfg.IntOpt('max_record_length', default=4096, min=256,
               help='Longest message, in characters, of a kept log record '
                    '(a traceback included); longer ones keep their end.'),
    cfg.IntOpt('retention_days', default=30, min=1,
               help='Log records of operation occurrences older than this '
                    'many days are deleted.'),
    cfg.IntOpt('max_item_size', default=1024 * 1024, min=4096,
               help='Largest size, in bytes, of one item of a diagnostics '
                    'part (a VIM log, a console log, the log records of '
                    'one operation occurrence): longer ones keep their '
                    'tail, and say so.'),
    cfg.IntOpt('max_op_occs', default=50, min=1,
               help='Most operation occurrences (the latest) whose log '
                    'records a diagnostics part carries.'),
]


def register_opts(conf):
    conf.register_group(group)
    conf.register_opts(opts, group=group)


def list_opts():
    return opts
