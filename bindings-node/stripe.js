'use strict'
// A payment gateway on Stripe's PaymentIntents through the official SDK (`stripe`, the host's own
// dependency), and the translator of Stripe's webhooks into the engine's `payment_webhook`
// command — the same mapping as Python's `ordercore.gateways.stripe`:
//
// - `authorize` / `authorize_and_capture` create a PaymentIntent (`capture_method` manual /
//   automatic; the order, payment and customer ids as metadata); with `paymentMethod(request)`
//   answering a saved `pm_…` it is confirmed at once: `succeeded` / `requires_capture` approved,
//   `requires_action` (3-D Secure) or `processing` pending until the webhook, a card error
//   declined with Stripe's code; without one it waits for the browser (pending);
// - `capture`, `refund` (pending while Stripe says so) and `void` (cancel) act on the intent;
// - every call sends the engine's provider key as Stripe's `Idempotency-Key`, so a retry after a
//   timeout is answered from Stripe's record; connection errors, rate limits and 5xx answers
//   are `unavailable`; other Stripe errors reject the engine call unchanged.
//
// Amounts go to Stripe in minor units from the amount's own scale ("19.99" → 1999).

/** The engine's error shape (`name` OrderCoreError, a stable `code`), as its own errors have. */
function orderCoreError (code, message) {
  const error = new Error(message)
  error.name = 'OrderCoreError'
  error.code = code
  return error
}

/** `amount` ("19.99", "1200") in minor units at its own scale. */
function minorUnits (amount) {
  const text = String(amount)
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new RangeError(`not a decimal amount: ${text}`)
  return Number(text.replace('.', ''))
}

const approved = (reference) => ({ status: 'approved', reference })
const pending = (reference) => ({ status: 'pending', reference })

class StripeGateway {
  #stripe
  #paymentMethod

  /** @param stripe a `new Stripe(key)` client; `paymentMethod(request)` answers a saved `pm_…` id. */
  constructor (stripe, { paymentMethod } = {}) {
    this.#stripe = stripe
    this.#paymentMethod = paymentMethod
  }

  /** Runs one operation of the engine's gateway protocol on Stripe. */
  async execute (request) {
    const options = { idempotencyKey: request.idempotency_key }
    try {
      switch (request.operation) {
        case 'authorize':
        case 'authorize_and_capture':
          return await this.#create(request, options)
        case 'capture': {
          const intent = await this.#stripe.paymentIntents.capture(request.provider_reference,
            { amount_to_capture: minorUnits(request.amount) }, options)
          return approved(intent.id)
        }
        case 'refund': {
          const refund = await this.#stripe.refunds.create(
            { payment_intent: request.provider_reference, amount: minorUnits(request.amount) }, options)
          if (refund.status === 'failed') return { status: 'declined', reason: refund.failure_reason ?? 'refund_failed' }
          return refund.status === 'succeeded' ? approved(refund.id) : pending(refund.id)
        }
        case 'void':
          return approved((await this.#stripe.paymentIntents.cancel(request.provider_reference, {}, options)).id)
        default:
          throw new RangeError(`unknown gateway operation ${request.operation}`)
      }
    } catch (error) {
      if (error?.type === 'StripeCardError') return { status: 'declined', reason: error.code ?? 'card_declined' }
      const down = ['StripeConnectionError', 'StripeRateLimitError'].includes(error?.type) ||
        (error?.type === 'StripeAPIError' && (error.statusCode ?? 500) >= 500)
      if (down) return { status: 'unavailable', message: error.message }
      throw error
    }
  }

  async #create (request, options) {
    const params = {
      amount: minorUnits(request.amount),
      currency: String(request.currency).toLowerCase(),
      capture_method: request.operation === 'authorize' ? 'manual' : 'automatic',
      metadata: metadata(request),
    }
    const method = this.#paymentMethod ? await this.#paymentMethod(request) : null
    if (method) Object.assign(params, { payment_method: method, confirm: true })
    const intent = await this.#stripe.paymentIntents.create(params, options)
    if (intent.status === 'succeeded' || intent.status === 'requires_capture') return approved(intent.id)
    if (intent.status === 'canceled') return { status: 'declined', reason: 'canceled' }
    if (intent.status === 'requires_payment_method' && method) {
      return { status: 'declined', reason: intent.last_payment_error?.code ?? 'card_declined' }
    }
    return pending(intent.id)
  }
}

// What the PaymentIntent carries back in its webhooks: the order (empty for an invoice's charge)
// or the invoice, the engine's payment and the customer.
function metadata (request) {
  const carried = { order_id: request.order_id, payment_id: request.payment_id, customer_id: request.customer_id }
  if (request.invoice_id) carried.invoice_id = request.invoice_id
  return carried
}

class StripeWebhooks {
  #stripe
  #secret

  /** @param stripe a `new Stripe(key)` client (its `webhooks` checks signatures). */
  constructor (stripe, endpointSecret) {
    this.#stripe = stripe
    this.#secret = endpointSecret
  }

  /**
   * The `payment_webhook` command for a `payment_intent.succeeded` or `.payment_failed` event
   * (null for the others); throws an `OrderCoreError` with code `invalid_signature` when the
   * raw body is not signed by the endpoint's secret (the SDK's check, five-minute tolerance).
   */
  command (rawBody, signature) {
    let event
    try {
      event = this.#stripe.webhooks.constructEvent(rawBody, signature, this.#secret)
    } catch (error) {
      throw orderCoreError('invalid_signature', error.message)
    }
    const outcome = { 'payment_intent.succeeded': 'succeeded', 'payment_intent.payment_failed': 'failed' }[event.type]
    if (!outcome) return null
    const intent = event.data.object
    const command = { command: 'payment_webhook', provider: 'stripe', event_id: event.id, reference: intent.id, outcome }
    // The charge's metadata names what it paid: an order, or a subscription's invoice.
    if (intent.metadata?.order_id) command.order_id = intent.metadata.order_id
    if (intent.metadata?.invoice_id) command.invoice_id = intent.metadata.invoice_id
    if (outcome === 'failed') command.reason = intent.last_payment_error?.code ?? 'payment_failed'
    return command
  }
}

module.exports = { StripeGateway, StripeWebhooks, minorUnits }
