// The Stripe gateway against recorded exchanges shaped like Stripe's documented answers (no
// network: nock answers the SDK's HTTPS calls): a saved card charged with the engine's key, a
// decline, 3-D Secure settled by a signed webhook, a timeout retried under the same key charging
// once; webhooks with bad signatures refused.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const nock = require('nock')
const Stripe = require('stripe')
const { StripeGateway, StripeWebhooks, minorUnits } = require('../stripe.js')
const { ordercore, ADMIN, C1, placeOrder } = require('./helpers')

const SECRET = 'whsec_test_secret'
const stripe = new Stripe('sk_test_123', { maxNetworkRetries: 0 })

const intent = (status, extra = {}) => ({
  id: 'pi_3Abc', object: 'payment_intent', amount: 2000, currency: 'usd', status, client_secret: 'pi_3Abc_secret_x',
  last_payment_error: null, metadata: { order_id: 'ord_000002', payment_id: 'pay_000003', customer_id: 'c1' }, ...extra,
})

async function shop () {
  const gateway = new StripeGateway(stripe, { paymentMethod: () => 'pm_card_visa' })
  const engine = new ordercore.Engine({ clock: '2026-06-01T12:00:00Z', products: [{ sku: 'A', name: 'Alpha', unit_price: '10.00' }] }, { gateway })
  await engine.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 5 })
  return engine
}

test.beforeEach(() => nock.disableNetConnect())
test.afterEach(() => nock.cleanAll())

test('a saved card is charged once, with the engine key and the order ids', async () => {
  let sent
  let key
  nock('https://api.stripe.com').post('/v1/payment_intents').reply(function (uri, body) {
    sent = new URLSearchParams(body)
    key = this.req.headers['idempotency-key']
    return [200, intent('succeeded')]
  })
  const order = (await (await shop()).execute(C1, placeOrder(2), 'checkout-1')).value
  assert.equal(order.payments[0].provider_reference, 'pi_3Abc')
  assert.deepEqual([sent.get('amount'), sent.get('currency'), sent.get('capture_method'), sent.get('confirm'), sent.get('payment_method')],
    ['2500', 'usd', 'automatic', 'true', 'pm_card_visa'])
  assert.equal(sent.get('metadata[order_id]'), order.id)
  assert.ok(String(key).startsWith(order.payments[0].id))
})

test('a declined card is payment_declined with the code Stripe gave', async () => {
  nock('https://api.stripe.com').post('/v1/payment_intents').reply(402, {
    error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  })
  await assert.rejects((await shop()).execute(C1, placeOrder(2)), (e) => e.code === 'payment_declined' && e.reason === 'card_declined')
})

test('3-D Secure waits for the signed webhook, which settles the order once', async () => {
  nock('https://api.stripe.com').post('/v1/payment_intents').reply(200, intent('requires_action'))
  const engine = await shop()
  const order = (await engine.execute(C1, placeOrder(2))).value
  assert.equal(order.payments[0].state, 'pending')
  const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded',
    data: { object: intent('succeeded', { metadata: { order_id: order.id } }) } })
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET })
  const command = new StripeWebhooks(stripe, SECRET).command(payload, signature)
  assert.deepEqual(command, { command: 'payment_webhook', provider: 'stripe', event_id: 'evt_1', reference: 'pi_3Abc',
    outcome: 'succeeded', order_id: order.id })
  const paid = (await engine.execute({ type: 'system' }, command)).value
  assert.equal(paid.state_label, 'paid')
  assert.deepEqual((await engine.execute({ type: 'system' }, command)).value, paid, 'a replayed webhook changes nothing')
})

test('a timeout, then a retry under the same key, charges once', async () => {
  const keys = []
  nock('https://api.stripe.com').post('/v1/payment_intents').replyWithError({ code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' })
  nock('https://api.stripe.com').post('/v1/payment_intents').reply(function () {
    keys.push(this.req.headers['idempotency-key'])
    return [200, intent('succeeded')]
  })
  const engine = await shop()
  await assert.rejects(engine.execute(C1, placeOrder(2), 'checkout-7'), (e) => e.code === 'gateway_unavailable')
  const order = (await engine.execute(C1, placeOrder(2), 'checkout-7')).value
  assert.equal(order.state_label, 'paid')
  assert.equal(keys.length, 1)
})

test('webhooks signed otherwise are refused; other events are ignored; amounts go in minor units', () => {
  const payload = JSON.stringify({ id: 'evt_2', object: 'event', type: 'charge.refunded', data: { object: { id: 'ch_1' } } })
  const webhooks = new StripeWebhooks(stripe, SECRET)
  const forged = stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_someone_else' })
  assert.throws(() => webhooks.command(payload, forged), (e) => e.code === 'invalid_signature')
  assert.equal(webhooks.command(payload, stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET })), null)
  assert.deepEqual([minorUnits('19.99'), minorUnits('1200'), minorUnits('1.234')], [1999, 1200, 1234])
})

test("a subscription's invoice charged by the scheduler is settled by its webhook", async () => {
  let sent
  nock('https://api.stripe.com').post('/v1/payment_intents').reply(function (uri, body) {
    sent = new URLSearchParams(body)
    return [200, intent('requires_action')]
  })
  const engine = await shop()
  await engine.execute(ADMIN, { command: 'create_plan', plan: { id: 'pro', name: 'Pro', currency: 'USD', amount: '20.00', interval: { unit: 'month', count: 1 } } })
  const subscription = (await engine.execute(C1, { command: 'subscribe', customer_id: 'c1', plan_id: 'pro', payment_method: 'card' })).value
  const invoiceId = subscription.latest_invoice
  assert.deepEqual((await engine.tick()).billing.map((s) => s.step), ['pending'])
  assert.deepEqual([sent.get('metadata[invoice_id]'), sent.get('amount')], [invoiceId, '2000'])
  const payload = JSON.stringify({ id: 'evt_2', object: 'event', type: 'payment_intent.succeeded',
    data: { object: intent('succeeded', { metadata: { order_id: '', invoice_id: invoiceId } }) } })
  const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET })
  const command = new StripeWebhooks(stripe, SECRET).command(payload, signature)
  assert.deepEqual(command, { command: 'payment_webhook', provider: 'stripe', event_id: 'evt_2', reference: 'pi_3Abc',
    outcome: 'succeeded', invoice_id: invoiceId })
  assert.equal((await engine.execute({ type: 'system' }, command)).value.state, 'paid')
  assert.equal((await engine.getSubscription(C1, { subscription_id: subscription.id })).state, 'active')
})
