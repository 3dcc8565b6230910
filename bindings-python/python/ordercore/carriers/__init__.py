"""Carriers on multi-carrier APIs' official SDKs, as optional parts of the package:

- :mod:`ordercore.carriers.easypost` — EasyPost's rates, labels, address verification and
  tracking webhooks (``pip install "ordercore[easypost]"``).

Each implements the engine's carrier protocol (``rates``, ``create_label``,
``validate_address``; see :class:`ordercore.Carrier`) and translates the provider's signed
tracking webhooks into the engine's ``tracking_update`` command.
"""
