"""Payment gateways on the providers' official SDKs, as optional parts of the package:

- :mod:`ordercore.gateways.stripe` — Stripe's PaymentIntents and webhooks
  (``pip install "ordercore[stripe]"``);
- :mod:`ordercore.gateways.paypal` — PayPal's Orders v2 and webhooks
  (``pip install "ordercore[paypal]"``).

Each implements the engine's gateway protocol (``execute(request) -> answer``, see
:class:`ordercore.PaymentGateway`) and translates the provider's signed webhooks into the
engine's ``payment_webhook`` command.
"""
