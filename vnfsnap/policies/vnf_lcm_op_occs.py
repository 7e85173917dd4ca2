"""Policies for /vnflcm/v2/vnf_lcm_op_occs and its tasks."""

from vnfsnap.policies import base

P = '/vnflcm/v2/vnf_lcm_op_occs'
ONE = P + '/{vnfLcmOpOccId}'

rules = [
    base.rule('vnfsnap:vnf_lcm_op_occ:get_all', base.PROJECT_READER_OR_ADMIN,
              'List LCM operation occurrences.', [('GET', P)]),
    base.rule('vnfsnap:vnf_lcm_op_occ:get', base.PROJECT_READER_OR_ADMIN,
              'Show an LCM operation occurrence.', [('GET', ONE)]),
] + [
    base.rule('vnfsnap:vnf_lcm_op_occ:%s' % task,
              base.PROJECT_MEMBER_OR_ADMIN,
              '%s a failed or running LCM operation occurrence.'
              % task.capitalize(), [('POST', ONE + '/' + task)])
    for task in ('retry', 'rollback', 'fail', 'cancel')
]


def list_rules():
    return rules
