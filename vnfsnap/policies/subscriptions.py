"""Policies for /vnflcm/v2/subscriptions."""

from vnfsnap.policies import base

P = '/vnflcm/v2/subscriptions'

rules = [
    base.rule('vnfsnap:subscription:create', base.PROJECT_MEMBER_OR_ADMIN,
              'Subscribe to VNF LCM notifications; the conductors POST '
              'them to the callback URI from their network.', [('POST', P)]),
    base.rule('vnfsnap:subscription:get_all', base.PROJECT_READER_OR_ADMIN,
              'List subscriptions.', [('GET', P)]),
    base.rule('vnfsnap:subscription:get', base.PROJECT_READER_OR_ADMIN,
              'Show a subscription.', [('GET', P + '/{subscriptionId}')]),
    base.rule('vnfsnap:subscription:delete', base.PROJECT_MEMBER_OR_ADMIN,
              'Delete a subscription.',
              [('DELETE', P + '/{subscriptionId}')]),
]


def list_rules():
    return rules
