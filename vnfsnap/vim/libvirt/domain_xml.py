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

"""Reading and rewriting the parts of libvirt domain XML the driver uses.

The XML may come from an imported memory state file, so it is parsed with
defusedxml.
"""

import xml.etree.ElementTree as ET

from defusedxml import ElementTree as safe_ET

from vnfsnap.common import exception


def disks(xml):
    """The domain's snapshottable disks: [{'target', 'source', 'format'}].

    Only file-backed disks are supported; any other writable disk makes the
    domain unsupported rather than silently left out of a snapshot.
    """
    found = []
    for disk in safe_ET.fromstring(xml).findall('./devices/disk'):
        if disk.get('device', 'disk') != 'disk':
            continue
        target = disk.find('target').get('dev')
        if disk.find('readonly') is not None:
            continue
        source = disk.find('source')
        if disk.get('type') != 'file' or source is None:
            raise exception.VimCapabilityMissing(
                what='snapshot disk %s' % target,
                reason='only file-backed disks are supported (type %s)'
                % disk.get('type'))
        driver = disk.find('driver')
        found.append({'target': target, 'source': source.get('file'),
                      'format': driver.get('type') if driver is not None
                      else 'raw'})
    return found


def parse(xml):
    return safe_ET.fromstring(xml)


def with_disk_sources(xml, sources, disk_format='qcow2'):
    """``xml`` with each disk in ``sources`` ({target: path}) pointing at a
    ``disk_format`` file and without any <backingStore>: libvirt must
    probe the new chain itself, or QEMU reads a stale image."""
    root = safe_ET.fromstring(xml)
    for disk in root.findall('./devices/disk'):
        target = disk.find('target').get('dev')
        if target not in sources:
            continue
        disk.find('source').set('file', sources[target])
        driver = disk.find('driver')
        if driver is not None:
            driver.set('type', disk_format)
        for backing in disk.findall('backingStore'):
            disk.remove(backing)
    return ET.tostring(root, encoding='unicode')
