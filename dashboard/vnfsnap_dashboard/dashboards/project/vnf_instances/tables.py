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


"""The VNF instances table: one row per registered VNF, built from one
list of the VNF instances and one of the VNF snapshots (no per-row call)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from horizon import tables
from horizon.utils import filters
from openstack_dashboard.api import base

from vnfsnap_dashboard.api import vnf_instances as api
from vnfsnap_dashboard.api import vnfsnap

# Words a key must not contain to be shown: the API omits the secrets it
# keeps, and the panels never show one that a registration may have put
# where the API does not expect it (metadata, a descriptor...).
SECRET_WORDS = ('password', 'secret', 'token')


def without_secrets(value):
    """``value`` with every mapping key naming a password, secret or
    token left out, at any depth."""
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items()
                if not any(w in str(k).lower() for w in SECRET_WORDS)}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


class VnfInstance(base.APIDictWrapper):
    """A VnfInstance as the API answers it (secrets left out), with the
    table's derived attributes."""

    _apidict = {}

    def __init__(self, apidict, last_snapshot=None, project=None):
        super().__init__(without_secrets(apidict))
        self.last_snapshot = last_snapshot
        self.project = project

    @property
    def name(self):
        return self._apidict.get('vnfInstanceName')

    @property
    def name_or_id(self):
        return self.name or self._apidict['id']

    @property
    def instantiated(self):
        return self._apidict.get('instantiatedVnfInfo') or {}

    @property
    def vnfcs(self):
        return self.instantiated.get('vnfcResourceInfo') or []

    @property
    def vnfc_count(self):
        return len(self.vnfcs)

    @property
    def vim_connections(self):
        return self._apidict.get('vimConnectionInfo') or {}

    @property
    def vim(self):
        return ', '.join(sorted(self.vim_connections)) or None

    @property
    def state(self):
        """The VNF's state (STARTED, STOPPED) when instantiated, else its
        instantiation state."""
        return (self.instantiated.get('vnfState')
                or self._apidict.get('instantiationState'))


def wrap(instances, last_snapshots=None, projects=None):
    """Table rows of the API's VnfInstance dicts."""
    last_snapshots = last_snapshots or {}
    projects = projects or {}
    return [VnfInstance(i, last_snapshot=last_snapshots.get(i['id']),
                        project=projects.get(i['id'])) for i in instances]


class RegisterVnf(tables.LinkAction):
    name = 'register'
    verbose_name = _('Register VNF')
    url = 'horizon:project:vnf_instances:register'
    classes = ('ajax-modal',)
    icon = 'plus'
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_instance:create'),)


class EditSnapshotDescriptor(tables.LinkAction):
    name = 'edit_descriptor'
    verbose_name = _('Edit Snapshot Descriptor')
    url = 'horizon:project:vnf_instances:descriptor'
    classes = ('ajax-modal',)
    icon = 'pencil'
    policy_rules = (('vnfsnap',
                     'vnfsnap:vnf_instance:update_snapshot_descriptor'),)


class DeleteVnfInstance(tables.DeleteAction):
    help_text = _('The VNF keeps running and its VNF snapshots stay; '
                  'vnfsnap no longer protects it.')
    policy_rules = (('vnfsnap', 'vnfsnap:vnf_instance:delete'),)

    @staticmethod
    def action_present(count):
        return ngettext_lazy('Delete VNF Instance', 'Delete VNF Instances',
                             count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy('Deleted VNF Instance', 'Deleted VNF Instances',
                             count)

    def delete(self, request, obj_id):
        try:
            api.vnf_instance_delete(request, obj_id)
        except Exception:
            # The toast carries the API's detail; escalate so that the
            # action counts the row as failed without a second message.
            vnfsnap.handle(request,
                           _('Unable to delete VNF instance %s.') % obj_id,
                           escalate=True)


STATE_DISPLAY_CHOICES = (
    ('STARTED', _('Started')),
    ('STOPPED', _('Stopped')),
    ('INSTANTIATED', _('Instantiated')),
    ('NOT_INSTANTIATED', _('Not instantiated')),
)


def detail_link(url_name):
    def link(datum):
        return reverse(url_name, args=(datum.id,))
    return link


class VnfInstancesTable(tables.DataTable):
    """The Project dashboard's table; the Admin dashboard's adds a
    Project column and drops every action."""

    DETAIL_URL = 'horizon:project:vnf_instances:detail'

    name = tables.WrappingColumn(
        'name_or_id', verbose_name=_('Name'),
        link=detail_link(DETAIL_URL))
    product = tables.Column('vnfProductName', verbose_name=_('Product'))
    vim = tables.Column('vim', verbose_name=_('VIM'), empty_value='-')
    vnfc_count = tables.Column('vnfc_count', verbose_name=_('VNFCs'))
    state = tables.Column('state', verbose_name=_('State'),
                          display_choices=STATE_DISPLAY_CHOICES)
    last_snapshot = tables.Column(
        'last_snapshot', verbose_name=_('Last Snapshot'), empty_value='-',
        filters=(filters.parse_isotime, filters.timesince_sortable),
        attrs={'data-type': 'timesince'})

    def get_object_display(self, datum):
        return datum.name_or_id

    class Meta(object):
        name = 'vnf_instances'
        verbose_name = _('VNF Instances')
        table_actions = (RegisterVnf, DeleteVnfInstance)
        row_actions = (EditSnapshotDescriptor, DeleteVnfInstance)
