"""keystoneauth's session and auth plugin options in a group of ours, for
the services vnfsnap calls with a Keystone token ([swift], [grant]), as
Nova and Ironic do for their service clients."""

from keystoneauth1 import loading as ks_loading


def register_opts(conf, group):
    ks_loading.register_session_conf_options(conf, group)
    ks_loading.register_auth_conf_options(conf, group)


def list_opts():
    # The options of the chosen auth plugin are registered when it is
    # loaded; the sample lists those of "password", the usual choice.
    return (ks_loading.get_session_conf_options()
            + ks_loading.get_auth_common_conf_options()
            + ks_loading.get_auth_plugin_conf_options('password'))
