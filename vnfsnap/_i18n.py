"""oslo.i18n integration; ``_`` marks user-facing strings."""

import oslo_i18n

_translators = oslo_i18n.TranslatorFactory(domain='vnfsnap')
_ = _translators.primary
