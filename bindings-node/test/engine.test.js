// The engine from JS: a full lifecycle with decimal-string money, the number rule, and hostile
// input that must reject with a coded Error (never abort Node). Idempotency, ownership and every
// error code are the shared engine scenarios' (engine-vectors.test.js).
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ordercore, ADMIN, C1, ADDRESS, placeOrder, shop } = require('./helpers')

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
  assert.deepEqual(await engine.tick(), { expired: [], advanced: [], failed: [], billing: [] })
  const page = await engine.query(ADMIN, { query: 'list_orders', customer_id: 'c1', limit: 10 })
  assert.deepEqual(page.value.orders.map((o) => o.id), [order.id])
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
