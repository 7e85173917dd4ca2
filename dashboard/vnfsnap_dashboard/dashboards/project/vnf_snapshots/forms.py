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

"""The forms of the VNF snapshots panel: choose a VNF instance, snapshot
it, revert it to a snapshot."""

from django import http
from django import urls
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from horizon import forms
from horizon import messages

from vnfsnap_dashboard.api import vnf_snapshots as api
from vnfsnap_dashboard.api import vnfsnap

QUIESCE_AUTO, QUIESCE_YES, QUIESCE_NO = 'auto', 'yes', 'no'
# additionalParams option -> (vim_capabilities key, what a VIM lacking it
# cannot do).
CAPABILITIES = {
    'with_memory': ('memorySnapshot', _('capture memory')),
    'quiesce': ('quiesce', _('freeze file systems (guest agent)')),
    'pause_vnf': ('pause', _('pause VNFCs')),
}


def create_url(vnf_instance_id):
    return '%s?%s' % (urls.reverse('horizon:project:vnf_snapshots:create'),
                      urlencode({'vnf_instance_id': vnf_instance_id}))


class ChooseVnfInstance(forms.SelfHandlingForm):
    """First step of "Create Snapshot" when no VNF instance was given."""

    vnf_instance_id = forms.ThemableChoiceField(
        label=_('VNF Instance'),
        help_text=_('The VNF instance to snapshot: only instantiated ones '
                    'are listed.'))

    def __init__(self, request, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        try:
            instances = api.snapshottable_instances(request)
        except Exception:
            instances = []
            vnfsnap.handle(request, _('Unable to retrieve VNF instances.'))
        choices = [(i['id'], i.get('vnfInstanceName') or i['id'])
                   for i in instances]
        self.fields['vnf_instance_id'].choices = (
            [('', _('Select a VNF instance'))] + choices if choices
            else [('', _('No VNF instance to snapshot'))])

    def handle(self, request, data):
        # A plain redirect: the modal follows it and shows the next form.
        return http.HttpResponseRedirect(create_url(data['vnf_instance_id']))


def vnfc_choices(instance):
    """(vnfcResourceInfo id, label) of each VNFC of a VnfInstance."""
    vnfcs = (instance.get('instantiatedVnfInfo') or {}).get(
        'vnfcResourceInfo') or ()
    return [(v['id'], '%s (%s)' % (v['id'], v.get('vduId', '?')))
            for v in vnfcs]


def lacking(capabilities, key):
    """{VNFC id: why its VIM cannot, or None when it simply cannot} of
    the VNFCs whose VIM lacks ``key``, from a vim_capabilities answer."""
    found = {}
    for entry in (capabilities or {}).get('vnfcs') or ():
        if 'capabilities' not in entry:
            found[entry['vnfcResourceInfoId']] = entry.get('error')
        elif not entry['capabilities'].get(key):
            found[entry['vnfcResourceInfoId']] = None
    return found


def _reason(what, missing):
    parts = []
    for vnfc, error in sorted(missing.items()):
        if error:
            parts.append(_('%(vnfc)s: its VIM did not answer (%(error)s)')
                         % {'vnfc': vnfc, 'error': error})
        else:
            parts.append(_('%(vnfc)s: its VIM cannot %(what)s')
                         % {'vnfc': vnfc, 'what': what})
    return '; '.join(str(p) for p in parts)


class CreateSnapshot(forms.SelfHandlingForm):
    """Snapshot one VNF instance (CreateVnfSnapshotRequest); what its
    VIMs cannot do is greyed out, with the reason."""

    vnf_instance_id = forms.CharField(widget=forms.HiddenInput())
    name = forms.CharField(
        label=_('Name'), max_length=255, required=False,
        help_text=_('Kept in the snapshot\'s userDefinedData “name”; the '
                    'table filters on it.'))
    description = forms.CharField(
        label=_('Description'), required=False, max_length=1024,
        widget=forms.Textarea(attrs={'rows': 3}),
        help_text=_('Kept in the snapshot\'s userDefinedData '
                    '“description”.'))
    with_memory = forms.BooleanField(
        label=_('Capture memory'), required=False,
        help_text=_('Also capture each VNFC\'s memory and device state (a '
                    '“warm” snapshot): a revert resumes the VNFCs where '
                    'they were.'))
    quiesce = forms.ThemableChoiceField(
        label=_('Quiesce'), initial=QUIESCE_AUTO,
        choices=[(QUIESCE_AUTO, _('Where the VIM can')),
                 (QUIESCE_YES, _('Always (fail where the VIM cannot)')),
                 (QUIESCE_NO, _('Never'))],
        help_text=_('Freeze the guests\' file systems through their guest '
                    'agents while the VNFC snapshots are taken.'))
    pause_vnf = forms.BooleanField(
        label=_('Pause VNF'), required=False,
        help_text=_('Pause every running VNFC before the first VNFC '
                    'snapshot and resume them after the last: one '
                    'crash-consistent point for the whole VNF.'))
    vnfc_ids = forms.MultipleChoiceField(
        label=_('VNFCs'), required=False,
        widget=forms.CheckboxSelectMultiple(),
        help_text=_('Snapshot only these VNFCs. None ticked: every VNFC '
                    'the snapshot descriptor includes.'))

    def __init__(self, request, *args, **kwargs):
        instance = kwargs.pop('instance')
        capabilities = kwargs.pop('capabilities')
        super().__init__(request, *args, **kwargs)
        self.fields['vnfc_ids'].choices = vnfc_choices(instance)
        all_vnfcs = {v for v, _label in self.fields['vnfc_ids'].choices}
        self.missing = {}
        for field, (key, what) in CAPABILITIES.items():
            if capabilities is None:
                continue
            missing = lacking(capabilities, key)
            self.missing[field] = (what, missing)
            if not missing:
                continue
            help_text = self.fields[field].help_text
            if all_vnfcs and all_vnfcs <= set(missing):
                self.fields[field].disabled = True
                self.fields[field].help_text = '%s %s' % (
                    help_text, _('Not possible here: %s.')
                    % _reason(what, missing))
            else:
                self.fields[field].help_text = '%s %s' % (
                    help_text, _('Not for %s.') % _reason(what, missing))

    def clean(self):
        data = super().clean()
        if data.get('quiesce') == QUIESCE_YES and data.get('pause_vnf'):
            raise forms.ValidationError(
                _('Quiesce and Pause VNF exclude each other: a paused '
                  'guest cannot freeze its file systems.'))
        chosen = set(data.get('vnfc_ids') or ())
        for field, (what, missing) in self.missing.items():
            value = data.get(field)
            if not value or value in (QUIESCE_AUTO, QUIESCE_NO):
                continue
            cannot = {v: e for v, e in missing.items() if v in chosen}
            if cannot:
                self.add_error(field, _reason(what, cannot))
        return data

    @staticmethod
    def additional_params(data):
        params = {}
        if data.get('with_memory'):
            params['withMemory'] = True
        if data.get('quiesce') in (QUIESCE_YES, QUIESCE_NO):
            params['quiesce'] = data['quiesce'] == QUIESCE_YES
        if data.get('pause_vnf'):
            params['pauseVnf'] = True
        if data.get('vnfc_ids'):
            params['vnfcInstanceIds'] = list(data['vnfc_ids'])
        return params

    @staticmethod
    def user_defined_data(data):
        return {key: data[key] for key in ('name', 'description')
                if data.get(key)}

    def handle(self, request, data):
        try:
            snapshot_id, op_id = api.vnf_snapshot_create(
                request, data['vnf_instance_id'],
                additional_params=self.additional_params(data),
                user_defined_data=self.user_defined_data(data))
        except Exception:
            vnfsnap.handle(request, _('Unable to create the snapshot.'))
            return False
        messages.success(request, _(
            'Snapshot %(name)s of VNF instance %(instance)s started '
            '(operation %(op)s).') % {
                'name': data.get('name') or snapshot_id,
                'instance': data['vnf_instance_id'], 'op': op_id})
        return True


class RevertToSnapshot(forms.SelfHandlingForm):
    """Revert a VNF instance to a snapshot (RevertToVnfSnapshotRequest);
    the modal around it lists what each VNFC loses."""

    snapshot_id = forms.CharField(widget=forms.HiddenInput())
    vnf_instance_id = forms.CharField(widget=forms.HiddenInput())
    safety_snapshot = forms.BooleanField(
        label=_('Take a safety snapshot first'), required=False,
        help_text=_('Snapshot every VNFC as it is now (disks only) into a '
                    'new VNF snapshot before the first VNFC is reverted: '
                    'reverting to it undoes this revert.'))
    state_after = forms.ThemableChoiceField(
        label=_('State after the revert'), required=False,
        choices=[('', _('As when the snapshot was taken')),
                 ('running', _('Running')), ('paused', _('Paused')),
                 ('shutoff', _('Shut off'))],
        help_text=_('The state of the reverted VNFCs afterwards.'))

    @staticmethod
    def additional_params(data):
        params = {}
        if data.get('safety_snapshot'):
            params['safetySnapshot'] = True
        if data.get('state_after'):
            params['stateAfterRevert'] = data['state_after']
        return params

    def handle(self, request, data):
        try:
            op_id = api.revert_to_snapshot(
                request, data['vnf_instance_id'], data['snapshot_id'],
                additional_params=self.additional_params(data))
        except Exception:
            vnfsnap.handle(request, _('Unable to revert to the snapshot.'))
            return False
        messages.success(request, _(
            'Revert of VNF instance %(instance)s to snapshot %(snapshot)s '
            'started (operation %(op)s).') % {
                'instance': data['vnf_instance_id'],
                'snapshot': data['snapshot_id'], 'op': op_id})
        return True
