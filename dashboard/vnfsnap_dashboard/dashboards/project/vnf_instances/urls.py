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

from django.urls import re_path

from vnfsnap_dashboard.dashboards.project.vnf_instances import views
from vnfsnap_dashboard.dashboards.project.vnf_instances.online_tests import (
    views as test_views,
)

INSTANCE = r'^(?P<instance_id>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^register/$', views.RegisterView.as_view(), name='register'),
    re_path(INSTANCE + r'$', views.DetailView.as_view(), name='detail'),
    re_path(INSTANCE + r'snapshot_descriptor/$',
            views.EditSnapshotDescriptorView.as_view(), name='descriptor'),
    re_path(INSTANCE + r'online_tests/start/$',
            test_views.StartOnlineTestView.as_view(),
            name='start_online_test'),
    re_path(INSTANCE + r'online_tests/(?P<test_id>[^/]+)/$',
            test_views.OnlineTestView.as_view(), name='online_test'),
]
