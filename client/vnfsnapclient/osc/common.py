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

"""What every vnfsnap command shares: output, --wait, files and secrets.

* Output goes through cliff's formatters: nested dicts and lists become
  :class:`NestedColumn` (indented JSON in a table, the structure itself
  under ``-f json`` / ``-f yaml``).
* ``--wait`` polls through the client library; progress is written to
  stderr only when stderr is a terminal and the output is for a human
  (``-f table``), so ``-f json`` prints exactly one JSON document.  An
  operation that ends FAILED_TEMP, FAILED, ROLLED_BACK or ERROR makes the
  command exit non-zero with the ProblemDetails detail.
* Documents (VnfInfo, descriptors, subscriptions) are read from JSON or
  YAML files, ``-`` being stdin.
* Secrets come from a file or from a prompt that does not echo; they are
  never printed.
"""

import argparse
import getpass
import json
import logging
import re
import sys

from cliff import columns
from osc_lib import exceptions as osc_exceptions
from osc_lib.command import command
import yaml

from vnfsnapclient import exceptions
from vnfsnapclient.v1 import base

LOG = logging.getLogger(__name__)

# cliff formatters whose output a program reads: no progress with them.
MACHINE_FORMATS = frozenset(['json', 'yaml', 'value', 'csv', 'shell'])
# The largest document a command reads from a file: registration bodies
# and descriptors are small; anything bigger is a mistake.
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
MAX_SECRET_BYTES = 64 * 1024
_UUID = re.compile(r'^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$')


class NestedColumn(columns.FormattableColumn):
    """A dict or list attribute: indented JSON for people, the value itself
    for the machine-readable formatters."""

    def human_readable(self):
        if self._value is None:
            return ''
        return json.dumps(self._value, indent=2, sort_keys=True,
                          ensure_ascii=False)

    def machine_readable(self):
        return self._value


def column_value(value):
    """Wrap a structured value so that cliff formats it well."""
    if isinstance(value, (dict, list)):
        return NestedColumn(value)
    return value


def get_path(item, path):
    """The value at ``path`` ("a/b/c", SOL013 attribute notation) of a
    resource dict, or None."""
    value = item
    for key in path.split('/'):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def show_item(item, hidden=()):
    """(names, values) of a resource dict for a ShowOne command: every
    attribute under its API name, sorted, so ``-c`` takes the names of the
    ETSI data model."""
    names = tuple(sorted(k for k in item if k not in hidden))
    return names, tuple(column_value(item[n]) for n in names)


def list_items(items, spec):
    """(headers, rows) for a Lister command; ``spec`` is a sequence of
    (header, attribute path) pairs."""
    headers = tuple(h for h, _ in spec)
    rows = (tuple(column_value(get_path(item, p)) for _, p in spec)
            for item in items)
    return headers, rows


def positive_number(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError('%r is not a number' % text)
    if value <= 0:
        raise argparse.ArgumentTypeError('%r must be greater than 0' % text)
    return value


def add_wait_arguments(parser, what='the operation'):
    """--wait and --wait-timeout, for commands that start something."""
    parser.add_argument(
        '--wait', action='store_true',
        help='Wait until %s ends, showing its progress on a terminal '
             '(never with -f json/yaml/value/csv); exit non-zero with the '
             'error detail when it fails.' % what)
    parser.add_argument(
        '--wait-timeout', metavar='<seconds>', type=positive_number,
        default=None,
        help='With --wait, give up waiting after this many seconds (exit '
             'non-zero; %s goes on). Default: no limit.' % what)


def human_bytes(count):
    value = float(count)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return ('%d %s' % (value, unit) if unit == 'B'
                    else '%.1f %s' % (value, unit))
        value /= 1024
    return None


def describe_bytes(done, total):
    """"42% 1.2 MiB of 2.9 MiB", or the bytes alone when the total is not
    known."""
    if total:
        return '%d%% %s of %s' % (min(100, done * 100 // total),
                                  human_bytes(done), human_bytes(total))
    return human_bytes(done)


class Progress:
    """One line of progress on stderr, rewritten in place; only on a
    terminal and only for human output."""

    def __init__(self, parsed_args=None, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        formatter = getattr(parsed_args, 'formatter', None)
        isatty = getattr(self.stream, 'isatty', None)
        self.enabled = bool(isatty and isatty()
                            and formatter not in MACHINE_FORMATS)
        self._width = 0

    def show(self, text):
        if not self.enabled:
            return
        pad = ' ' * max(self._width - len(text), 0)
        self.stream.write('\r' + text + pad)
        self.stream.flush()
        self._width = len(text)

    def bytes(self, done, total=None):
        """A byte progress callback of the client library."""
        self.show(describe_bytes(done, total))

    def op_occ(self, op):
        """An on_poll callback for VnfLcmOpOcc waits."""
        text = '%s %s' % (op.get('operation', 'operation'),
                          op.get('operationState', ''))
        if op.get('isCancelPending'):
            text += ' (cancel pending)'
        self.show(text)

    def package(self, pkg):
        """An on_poll callback for VNF snapshot package waits."""
        text = 'package %s' % pkg.get('state', '')
        progress = pkg.get('progress') or {}
        if 'bytesDone' in progress:
            text += ' ' + describe_bytes(progress['bytesDone'],
                                         progress.get('bytesTotal'))
        self.show(text)

    def finish(self):
        if self.enabled and self._width:
            self.stream.write('\n')
            self.stream.flush()
        self._width = 0


def _wait(waiter, resource_id, parsed_args, on_poll, accept=()):
    """Run a client library wait; its failures become a CommandError, so
    the command exits non-zero with the ProblemDetails detail.  An end in
    one of the ``accept`` states is what the command asked for (a
    rollback ends ROLLED_BACK): the final resource then."""
    try:
        return waiter(resource_id, on_poll=on_poll,
                      timeout=parsed_args.wait_timeout)
    except exceptions.OperationFailed as exc:
        if _state_of(exc.resource) in accept:
            return exc.resource
        raise osc_exceptions.CommandError(failure_message(exc))
    except exceptions.Timeout as exc:
        raise osc_exceptions.CommandError(
            'Gave up waiting for %s after %s s: %s'
            % (resource_id, parsed_args.wait_timeout, exc))


def _state_of(resource):
    """The state of an op occurrence or a package."""
    resource = resource or {}
    return resource.get('operationState') or resource.get('state')


def failure_message(exc):
    """The message of a failed operation: its state and the detail of its
    ProblemDetails."""
    resource = exc.resource or {}
    state = _state_of(resource)
    what = resource.get('operation') or 'Operation'
    detail = (exc.problem or {}).get('detail') or str(exc)
    message = '%s %s ended %s: %s' % (what, resource.get('id', ''), state,
                                      detail)
    if state == 'FAILED_TEMP':
        message += ('\nIt holds the VNF instance until it is settled: '
                    'openstack vnf operation retry|rollback|fail %s'
                    % resource.get('id'))
    return message


def wait_for_op_occ(client, op_id, parsed_args, accept=()):
    """Wait for a VnfLcmOpOcc to end; return its final dict (COMPLETED, or
    one of the ``accept`` states)."""
    progress = Progress(parsed_args)
    try:
        return _wait(client.vnf_lcm_op_occs.wait, op_id, parsed_args,
                     progress.op_occ, accept)
    finally:
        progress.finish()


def wait_for_package(client, pkg_id, parsed_args):
    """Wait for a VNF snapshot package to leave its transient state."""
    progress = Progress(parsed_args)
    try:
        return _wait(client.vnf_snapshot_packages.wait, pkg_id, parsed_args,
                     progress.package)
    finally:
        progress.finish()


def load_document(path, what='document'):
    """Parse a JSON or YAML file (``-``: stdin) into a dict."""
    try:
        if path == '-':
            text = sys.stdin.read(MAX_DOCUMENT_BYTES + 1)
        else:
            with open(path, encoding='utf-8') as f:
                text = f.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise osc_exceptions.CommandError(
            'Cannot read the %s %s: %s' % (what, path, exc))
    if len(text) > MAX_DOCUMENT_BYTES:
        raise osc_exceptions.CommandError(
            'The %s %s is larger than %d bytes'
            % (what, path, MAX_DOCUMENT_BYTES))
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise osc_exceptions.CommandError(
            'The %s %s is neither JSON nor YAML: %s' % (what, path, exc))
    if not isinstance(document, dict):
        raise osc_exceptions.CommandError(
            'The %s %s must hold an object (a mapping), not %s'
            % (what, path, type(document).__name__))
    return document


def read_secret(path, prompt):
    """A secret from ``path`` (its first line, ``-``: stdin) or, without
    one, from a prompt on the terminal that does not echo."""
    if path:
        try:
            if path == '-':
                text = sys.stdin.read(MAX_SECRET_BYTES)
            else:
                with open(path, encoding='utf-8') as f:
                    text = f.read(MAX_SECRET_BYTES)
        except (OSError, UnicodeDecodeError) as exc:
            raise osc_exceptions.CommandError(
                'Cannot read the secret file %s: %s' % (path, exc))
        secret = text.splitlines()[0] if text else ''
    elif sys.stdin.isatty():
        secret = getpass.getpass(prompt)
    else:
        raise osc_exceptions.CommandError(
            'No terminal to prompt for the secret: give it in a file')
    if not secret:
        raise osc_exceptions.CommandError('The secret is empty')
    return secret


def key_value(text):
    """KEY=VALUE of a --property option."""
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise argparse.ArgumentTypeError(
            '%r is not KEY=VALUE' % text)
    return key, value


def client_of(command):
    """The vnfsnap client of a command's application."""
    return command.app.client_manager.vnfsnap


def sol013_filter(expression=None, **conditions):
    """Join a user's ``--filter`` expression and (eq,attr,value)
    conditions (attribute paths as keyword-free tuples) into one SOL013
    filter, or None."""
    parts = [expression] if expression else []
    for path, value in conditions.get('eq', ()):
        if value is not None:
            parts.append('(eq,%s,%s)' % (path, base.filter_value(value)))
    for path, values in conditions.get('in_', ()):
        if values:
            parts.append('(in,%s,%s)' % (
                path, ','.join(base.filter_value(v) for v in values)))
    return ';'.join(parts) or None


def is_uuid(text):
    return bool(_UUID.match(text or ''))


def find_vnf_instance_id(client, name_or_id):
    """The id of the VNF instance named (vnfInstanceName) or identified
    by ``name_or_id``; None for None (an option not given)."""
    if name_or_id is None:
        return None
    return find_id(client.vnf_instances, 'vnfInstanceName', name_or_id,
                   'VNF instance')


class DeleteCommand(command.Command):
    """Delete each resource given, reporting every failure: the base of
    the delete commands, which say ``what`` they delete (a noun),
    ``manager`` (the client's manager of it) and, for resources given by
    name, ``find`` (client, name or id) -> id."""

    what = None
    manager = None
    find = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'resources', nargs='+',
            metavar='<%s>' % self.what.lower().replace(' ', '-'),
            help='%s(s) to delete (%s).' % (
                self.what, 'name or ID' if self.find else 'ID'))
        return parser

    def take_action(self, parsed_args):
        client = client_of(self)
        manager = getattr(client, self.manager)
        find = self.find or (lambda client, resource_id: resource_id)
        delete_all(parsed_args.resources,
                   lambda r: manager.delete(find(client, r)), self.what)


def add_filter_argument(parser, example):
    """--filter of a list command: a SOL013 expression, e.g. ``example``."""
    parser.add_argument(
        '--filter', metavar='<expression>',
        help='SOL013 attribute filter, e.g. "%s"; the other filter '
             'options add their conditions to it.' % example)


def delete_all(ids, delete, what):
    """Delete each of ``ids``; report every failure, then exit non-zero
    when one failed (the OpenStackClient way)."""
    failed = 0
    for resource_id in ids:
        try:
            delete(resource_id)
        except (exceptions.ClientError, osc_exceptions.CommandError) as exc:
            failed += 1
            LOG.error('Failed to delete %s %s: %s', what, resource_id, exc)
    if failed:
        raise osc_exceptions.CommandError(
            'Failed to delete %d of %d %ss' % (failed, len(ids), what))


def add_authentication_arguments(parser, whom):
    """Options of a SOL013 SubscriptionAuthentication: how vnfsnap
    authenticates when it calls ``whom``."""
    parser.add_argument(
        '--auth-type', choices=['basic', 'oauth2'],
        help='How vnfsnap authenticates to %s: HTTP Basic (--username and '
             'a password) or the OAuth 2.0 client credentials grant '
             '(--client-id, --token-endpoint and a client password). '
             'Default: no authentication.' % whom)
    parser.add_argument(
        '--username', metavar='<user-name>',
        help='With --auth-type basic: the user name.')
    parser.add_argument(
        '--client-id', metavar='<client-id>',
        help='With --auth-type oauth2: the client id.')
    parser.add_argument(
        '--token-endpoint', metavar='<url>',
        help='With --auth-type oauth2: the token endpoint.')
    parser.add_argument(
        '--password-file', metavar='<file>',
        help='Read the password (basic) or client password (oauth2) from '
             'the first line of this file ("-": standard input). Without '
             'it you are prompted; the password is never echoed, shown or '
             'logged.')


def authentication(parsed_args):
    """The SubscriptionAuthentication of the options, or None; the
    password is read from --password-file or a prompt."""
    auth_type = parsed_args.auth_type
    given = [o for o in ('username', 'client_id', 'token_endpoint',
                         'password_file') if getattr(parsed_args, o)]
    if auth_type is None:
        if given:
            raise osc_exceptions.CommandError(
                '--%s needs --auth-type' % given[0].replace('_', '-'))
        return None
    if auth_type == 'basic':
        if not parsed_args.username:
            raise osc_exceptions.CommandError(
                '--auth-type basic needs --username')
        password = read_secret(parsed_args.password_file,
                               'Password of %s: ' % parsed_args.username)
        return {'authType': ['BASIC'],
                'paramsBasic': {'userName': parsed_args.username,
                                'password': password}}
    if not (parsed_args.client_id and parsed_args.token_endpoint):
        raise osc_exceptions.CommandError(
            '--auth-type oauth2 needs --client-id and --token-endpoint')
    password = read_secret(parsed_args.password_file,
                           'Client password of %s: ' % parsed_args.client_id)
    return {'authType': ['OAUTH2_CLIENT_CREDENTIALS'],
            'paramsOauth2ClientCredentials': {
                'clientId': parsed_args.client_id,
                'clientPassword': password,
                'tokenEndpoint': parsed_args.token_endpoint}}


def find_id(manager, name_attribute, name_or_id, what):
    """The id of the resource of ``manager`` named or identified by
    ``name_or_id``: an id is taken as is (the API answers 404 when it
    does not exist), a name must match exactly one resource."""
    if is_uuid(name_or_id):
        return name_or_id
    found = list(manager.list(
        filter=sol013_filter(eq=[(name_attribute, name_or_id)]),
        fields=name_attribute))
    if not found:
        raise osc_exceptions.CommandError(
            'No %s with the name or id %r' % (what, name_or_id))
    if len(found) > 1:
        raise osc_exceptions.CommandError(
            'More than one %s is named %r: give its id (%s)'
            % (what, name_or_id, ', '.join(i['id'] for i in found)))
    return found[0]['id']
