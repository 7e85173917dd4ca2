#!/usr/bin/env bash
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

# plugin.sh - vnfsnap's DevStack plugin: "enable_plugin vnfsnap <repo>".
#
# DevStack sources this file with the mode and phase it is in (the plugin
# contract: https://docs.openstack.org/devstack/latest/plugins.html).
# doc/source/install/devstack.rst says what each phase does.

# shellcheck source=devstack/lib/vnfsnap
source "$(dirname "${BASH_SOURCE[0]}")/lib/vnfsnap"

if is_service_enabled vnfsnap-api vnfsnap-conductor; then
    case "$1/${2:-}" in
        stack/install)
            echo_summary "Installing vnfsnap and python-vnfsnapclient"
            install_vnfsnap
            install_vnfsnapclient
            ;;
        stack/post-config)
            echo_summary "Configuring vnfsnap"
            configure_vnfsnap
            create_vnfsnap_accounts
            ;;
        stack/extra)
            echo_summary "Initializing and starting vnfsnap"
            init_vnfsnap
            start_vnfsnap
            ;;
        unstack/*)
            stop_vnfsnap
            ;;
        clean/*)
            cleanup_vnfsnap
            ;;
    esac
fi

# The Horizon plugin: on any node with Horizon, which may run no vnfsnap
# service itself (its panels find the API in the catalog).
if is_vnfsnap_dashboard_enabled; then
    case "$1/${2:-}" in
        stack/install)
            echo_summary "Installing vnfsnap-dashboard"
            if ! is_service_enabled vnfsnap-api vnfsnap-conductor; then
                install_vnfsnapclient
            fi
            install_vnfsnap_dashboard
            ;;
        stack/post-config)
            echo_summary "Enabling vnfsnap's panels in Horizon"
            configure_vnfsnap_dashboard
            ;;
        clean/*)
            cleanup_vnfsnap_dashboard
            ;;
    esac
fi

# The Heat plugin: on any node with heat-engine, which may run no vnfsnap
# service itself (the resources find the API in the catalog).  Between
# Heat's own post-config phase (heat.conf) and its extra phase (heat-engine
# starts): see check_vnfsnap_heat_plugin_order.
if is_vnfsnap_heat_enabled; then
    case "$1/${2:-}" in
        stack/install)
            check_vnfsnap_heat_plugin_order
            echo_summary "Installing vnfsnap-heat into Heat's Python environment"
            if ! is_service_enabled vnfsnap-api vnfsnap-conductor &&
                ! is_vnfsnap_dashboard_enabled; then
                install_vnfsnapclient
            fi
            install_vnfsnap_heat
            ;;
        stack/post-config)
            echo_summary "Adding vnfsnap's resource types to Heat's plugin_dirs"
            configure_vnfsnap_heat
            ;;
    esac
fi
