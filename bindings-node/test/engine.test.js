// The engine from JS: a full lifecycle, idempotent retries, the number rule, every error code
// with its details, and hostile input that must reject with a coded Error (never abort Node).
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ordercore, ADMIN, C1, ADDRESS, placeOrder, shop, JsStore } = require('./helpers')

async function rejects (promise, code, check = () => {}) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof Error, 'an Error')
    assert.equal(error.name, 'OrderCoreError')
    assert.equal(error.code, code, error.message)
    check(error)
    return true
  })
}

test('place → pay → ship → deliver → return → refund, with decimal-string money', async () => {
  const engine = await shop()
  let order = (await engine.execute(C1, placeOrder(), 'checkout-1')).value
  assert.equal(order.pricing.grand_total, '27.50')
  assert.equal(order.pricing.lines[0].unit_price, '10.00')
  assert.equal(order.state_label, 'paid')
  for (const command of ['ship_order', 'deliver_order']) {
    order = (await engine.execute(ADMIN, { command, order_id: order.id })).value
  }
  assert.equal(order.state, 'delivered')
  order = (await engine.execute(C1, {
    command: 'request_return', order_id: order.id, lines: [{ line: 0, quantity: 1, reason: 'defective' }],
  })).value
  const rma = order.returns[0]
  assert.equal(rma.refund_amount, '11.00')
  for (const action of ['approve', 'receive', 'process', 'refund']) {
    await engine.execute(ADMIN, { command: 'update_return', order_id: order.id, return_id: rma.id, action })
  }
  order = (await engine.query(C1, { query: 'get_order', order_id: order.id })).value
  assert.equal(order.state, 'partially_returned')
  assert.deepEqual(order.payments.map((p) => p.refunded), ['11.00'])
  const actions = await engine.query(C1, { query: 'available_actions', order_id: order.id })
  assert.equal(actions.type, 'actions')
  const events = await engine.pendingEvents(1000)
  const names = events.map((e) => e.event.type)
  assert.equal(names[0], 'stock_adjusted')
  assert.ok(names.includes('refund_issued'))
  await engine.markDelivered(events.map((e) => e.position))
  assert.deepEqual(await engine.pendingEvents(), [])
  engine.setClock(new Date('2026-08-01T00:00:00Z'))
  assert.deepEqual(await engine.tick(), { expired: [], advanced: [], failed: [] })
  const page = await engine.query(ADMIN, { query: 'list_orders', customer_id: 'c1', limit: 10 })
  assert.deepEqual(page.value.orders.map((o) => o.id), [order.id])
})

test('an idempotent retry answers the first result; another payload under the key conflicts', async () => {
  const engine = await shop()
  const first = await engine.execute(C1, placeOrder(), 'k')
  assert.deepEqual(await engine.execute(C1, placeOrder(), 'k'), first)
  await rejects(engine.execute(C1, placeOrder(3), 'k'), 'idempotency_conflict')
  const stock = await engine.query(ADMIN, { query: 'stock_levels', sku: 'A' })
  assert.equal(stock.value[0].reserved, 2, 'the retry reserved nothing more')
})

test('numbers are money only when exact: 19.99 is "19.99", 0.1 + 0.2 is refused with its field', () => {
  const cart = (unitPrice, currency = 'USD') => ({ cart: { currency, lines: [{ sku: 'A', unit_price: unitPrice, quantity: 3 }] } })
  assert.equal(ordercore.priceRequest(cart(19.99)).grand_total, '59.97')
  assert.equal(ordercore.priceRequest(cart('19.99')).grand_total, '59.97')
  assert.equal(ordercore.priceRequest(cart(1999, 'JPY')).grand_total, '5997')
  assert.throws(() => ordercore.priceRequest(cart(0.1 + 0.2)), (e) =>
    e.code === 'too_many_decimals' && e.field === 'lines[0].unit_price')
  assert.throws(() => ordercore.priceRequest(cart(19.5, 'JPY')), (e) => e.code === 'too_many_decimals')
  assert.throws(() => ordercore.priceRequest(cart(1e21)), (e) =>
    e.code === 'invalid_input' && e.field === 'cart.lines[0].unit_price')
  assert.throws(() => ordercore.priceRequest(cart(2 ** 53 + 2)), (e) => e.code === 'invalid_input')
  assert.throws(() => ordercore.priceRequest(cart(10n)), (e) => e.code === 'invalid_input' && /BigInt/.test(e.message))
})

test('every core error code is reachable from JS and rejects with that .code', async () => {
  const seen = new Set()
  const expect = async (code, call, check) => {
    try {
      await call()
    } catch (error) {
      assert.equal(error.code, code, error.message)
      assert.equal(error.name, 'OrderCoreError')
      if (check) check(error)
      seen.add(code)
      return
    }
    assert.fail(`expected ${code}`)
  }
  const engine = await shop()
  const price = (cart) => ordercore.priceRequest({ cart })
  await expect('invalid_input', () => engine.execute(C1, placeOrder(0)), (e) => assert.equal(e.field, 'lines[0].quantity'))
  await expect('unknown_currency', () => price({ currency: 'ZZZ', lines: [{ sku: 'A', unit_price: '1', quantity: 1 }] }))
  await expect('currency_mismatch', () => engine.price({ currency: 'EUR', lines: [{ sku: 'A', unit_price: '1', quantity: 1 }] }),
    (e) => assert.deepEqual([e.expected, e.found], ['USD', 'EUR']))
  await expect('too_many_decimals', () => price({ currency: 'KWD', lines: [{ sku: 'A', unit_price: '1.0005', quantity: 1 }] }))
  await expect('amount_overflow', () => price({ currency: 'USD', lines: [{ sku: 'A', unit_price: '79228162514264337593543950335', quantity: 2 }] }))
  await expect('limit_exceeded', () => price({ currency: 'USD', lines: Array.from({ length: 1001 }, (_, i) => ({ sku: `S${i}`, unit_price: '1', quantity: 1 })) }))
  await expect('not_found', () => engine.query({ type: 'customer', id: 'c2' }, { query: 'get_order', order_id: 'nope' }))
  await expect('forbidden', () => engine.execute({ type: 'customer', id: 'c2' }, placeOrder()))
  await expect('insufficient_stock', () => engine.execute(C1, placeOrder(11)), (e) =>
    assert.deepEqual([e.sku, e.requested, e.available], ['A', 11, 10]))
  const order = (await engine.execute(C1, placeOrder())).value
  await expect('invalid_transition', () => engine.execute(ADMIN, { command: 'deliver_order', order_id: order.id }), (e) => {
    assert.equal(e.state, 'confirmed')
    assert.equal(e.action, 'deliver')
    assert.ok(Array.isArray(e.allowed) && e.allowed.includes('ship'))
  })
  await expect('refund_exceeds_captured', () => engine.execute(ADMIN, { command: 'refund_payment', order_id: order.id, amount: '999' }))
  await expect('coupon_rejected', () => engine.execute(C1, placeOrder(1, 'c1', { coupon_codes: ['NOPE'] })), (e) =>
    assert.equal(e.reason, 'unknown_code'))
  await expect('idempotency_conflict', async () => {
    await engine.execute(C1, placeOrder(1), 'key-1')
    await engine.execute(C1, placeOrder(2), 'key-1')
  })
  const authorizeOnly = (await engine.execute(C1, placeOrder(1, 'c1', { payment: { method: 'card', capture: false } }))).value
  await expect('capture_exceeds_authorized', () => engine.execute(ADMIN, { command: 'capture_payment', order_id: authorizeOnly.id, amount: '1000' }))
  const declining = await shop({ payment_script: [{ type: 'decline', reason: 'card_declined' }] })
  await expect('payment_declined', () => declining.execute(C1, placeOrder()))
  const flaky = await shop({ payment_script: Array(5).fill({ type: 'transient_error' }) })
  await expect('gateway_unavailable', () => flaky.execute(C1, placeOrder()))
  const now = Date.parse('2026-06-01T12:00:00Z') / 1000
  assert.doesNotThrow(() => engine.verifyWebhook('s3cret', '{}', now, ordercore.signWebhook('s3cret', '{}', now)))
  await expect('invalid_signature', () => engine.verifyWebhook('s3cret', '{"a":1}', now, ordercore.signWebhook('s3cret', '{}', now)))
  const conflicted = new JsStore()
  conflicted.commit = () => 'version_conflict'
  await expect('version_conflict', async () => new ordercore.Engine({}, { store: conflicted }).execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 1 }))
  const garbled = new JsStore()
  garbled.load = () => ({ version: 'one', document: 7 })
  await expect('provider_error', async () => new ordercore.Engine({}, { store: garbled }).query(C1, { query: 'get_order', order_id: 'x' }))
  assert.deepEqual([...seen].sort(), [...ordercore.errorCodes()].sort())
})

test('hostile input rejects with a coded error on every entry point, never aborts', async () => {
  const engine = await shop()
  const codes = new Set(ordercore.errorCodes())
  const hostile = [undefined, null, '', '{', 5, [], { command: 'place_order' }, { type: 5 }, 'x'.repeat(10000),
    { command: 'ship_order', order_id: '\u0000' }, () => 1, Symbol('s'), 10n, { a: { b: { c: [[[[]]]] } } }]
  const circular = {}
  circular.self = circular
  hostile.push(circular)
  hostile.push(-1, 1.5, NaN, Infinity, '['.repeat(5000), '{"currency":"USD","lines":[{"sku":"A","unit_price":1e400,"quantity":1}]}')
  const calls = [
    (v) => engine.execute(v, v, v), (v) => engine.execute(ADMIN, v), (v) => engine.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 1 }, v),
    (v) => engine.query(v, v), (v) => engine.query(C1, v), (v) => engine.tick(v), (v) => engine.price(v, v),
    (v) => engine.pendingEvents(v), (v) => engine.markDelivered(v), (v) => engine.setClock(v),
    (v) => engine.verifyWebhook(v, v, v, v), (v) => ordercore.signWebhook(v, v, v),
    (v) => ordercore.priceRequest(v), (v) => new ordercore.Engine(v), (v) => new ordercore.Engine({}, v),
    (v) => new ordercore.Pricer(v), (v) => new ordercore.Pricer().price(v, v), (v) => new ordercore.Pricer().priceJson(v, v), (v) => new ordercore.Pricer().quote(v, v).json(), (v) => new ordercore.Engine({}, { store: v, gateway: v, carrier: v, tax: v }),
  ]
  let rejected = 0
  for (const value of hostile) {
    for (const call of calls) {
      try {
        await call(value)
      } catch (error) {
        assert.ok(error instanceof Error)
        assert.ok(codes.has(error.code), `${error.code}: ${error.message}`)
        rejected += 1
      }
    }
  }
  assert.ok(rejected > hostile.length * 5)
})

test('actors are checked: a customer cannot see another customer\'s order', async () => {
  const engine = await shop()
  const order = (await engine.execute(C1, placeOrder())).value
  await rejects(engine.query({ type: 'customer', id: 'c2' }, { query: 'get_order', order_id: order.id }), 'not_found')
  const rates = await engine.query(C1, { query: 'shipping_rates', address: ADDRESS, lines: [{ sku: 'A', quantity: 1 }] })
  assert.equal(rates.type, 'rates')
  assert.ok(rates.value.length >= 1)
})

test('every command and query has a camelCase method resolving to the answer\'s value', async () => {
  const engine = new ordercore.Engine({ ...require('./helpers').CONFIG, payment_script: [] })
  assert.equal((await engine.setStock(ADMIN, { sku: 'A', on_hand: 5 })).on_hand, 5)
  assert.equal((await engine.adjustStock(ADMIN, { sku: 'A', delta: 5 })).on_hand, 10)
  const { payment, ...unpaid } = placeOrder()
  let order = await engine.placeOrder(C1, { ...unpaid, command: undefined }, 'k-1')
  assert.equal((await engine.placeOrder(C1, { ...unpaid, command: undefined }, 'k-1')).id, order.id, 'idempotent')
  order = await engine.payOrder(C1, { order_id: order.id, method: 'paypal', capture: false })
  order = await engine.capturePayment(ADMIN, { order_id: order.id, amount: '10' })
  order = await engine.capturePayment(ADMIN, { order_id: order.id })
  assert.equal(order.payments[0].captured, order.pricing.grand_total)
  assert.ok((await engine.availableActions(ADMIN, { order_id: order.id })).includes('ship'))
  order = await engine.shipOrder(ADMIN, { order_id: order.id, lines: [{ line: 0, quantity: 1 }] })
  assert.equal(order.state, 'partially_shipped')
  order = await engine.shipOrder(ADMIN, { order_id: order.id })
  await engine.trackingUpdate({ type: 'system' }, { event_id: 'trk-1', tracking_number: order.shipments[0].tracking_number, status: 'in_transit', order_id: order.id })
  order = await engine.deliverOrder(ADMIN, { order_id: order.id })
  order = await engine.requestReturn(C1, { order_id: order.id, lines: [{ line: 0, quantity: 1, reason: 'defective' }] })
  const [rma] = await engine.listReturns(C1, { order_id: order.id })
  for (const action of ['approve', 'receive', 'process', 'refund']) {
    order = await engine.updateReturn(ADMIN, { order_id: order.id, return_id: rma.id, action })
  }
  assert.equal(order.state, 'partially_returned')
  order = await engine.refundPayment(ADMIN, { order_id: order.id, amount: '1.00', reason: 'goodwill' })
  assert.equal((await engine.getOrder(C1, { order_id: order.id })).id, order.id)
  assert.deepEqual((await engine.listOrders(ADMIN, { customer_id: 'c1' })).orders.map((o) => o.id), [order.id])
  assert.equal((await engine.stockLevels(ADMIN, { sku: 'A' }))[0].on_hand, 9)
  assert.equal((await engine.shippingRates(C1, { address: ADDRESS, lines: [{ sku: 'A', quantity: 1 }] }))[0].option_id, 'standard')
  const other = await engine.placeOrder(C1, { ...placeOrder(1), command: undefined })
  assert.equal((await engine.cancelOrder(C1, { order_id: other.id, reason: 'changed my mind' })).state, 'cancelled')
  await assert.rejects(engine.shipOrder(ADMIN, 'not an object'), (e) => e.code === 'invalid_input' && e.field === 'command')
  await assert.rejects(engine.getOrder(C1, { order_id: 'nope' }), (e) => e.code === 'not_found')
  const pending = new ordercore.Engine({ ...require('./helpers').CONFIG, payment_script: [{ type: 'pending' }] })
  await pending.setStock(ADMIN, { sku: 'A', on_hand: 5 })
  const waiting = await pending.placeOrder(C1, { ...placeOrder(1), command: undefined })
  const paid = await pending.paymentWebhook({ type: 'system' }, { provider: 'fake', event_id: 'e1', reference: waiting.payments[0].provider_reference, outcome: 'succeeded', order_id: waiting.id })
  assert.equal(paid.payments[0].state, 'captured')
})

test('strings past the limits table reject with limit_exceeded naming the field', async () => {
  const engine = await shop()
  const big = 'x'.repeat(1_000_000)
  await rejects(engine.execute(C1, placeOrder(2, 'c1', { shipping_address: { ...ADDRESS, name: big } })), 'limit_exceeded',
    (e) => assert.equal(e.field, 'shipping_address.name'))
  await rejects(engine.execute({ type: 'customer', id: big }, placeOrder()), 'limit_exceeded',
    (e) => assert.equal(e.field, 'actor.id'))
  await rejects(engine.execute(ADMIN, { command: 'set_stock', sku: big, on_hand: 1 }), 'limit_exceeded',
    (e) => assert.equal(e.field, 'sku'))
  const order = (await engine.execute(C1, placeOrder())).value
  await rejects(engine.execute(C1, { command: 'cancel_order', order_id: order.id, reason: big }), 'limit_exceeded',
    (e) => assert.equal(e.field, 'reason'))
})
