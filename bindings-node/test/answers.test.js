// How the engine answers in Node: orders are plain objects whose fields are parsed when first
// read (the same data as the whole document), and engines on built-in components settle their
// Promises without a trip to the worker pool — with the same Promise-and-rejection behaviour.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ordercore, ADMIN, C1, ADDRESS, placeOrder, shop, JsStore } = require('./helpers')

test('an answered order reads as the whole document, field by field or all at once', async () => {
  const engine = await shop()
  const { command, ...fields } = placeOrder(2, 'c1', { shipping_address: { ...ADDRESS, name: 'Zoë 😀 Müller' } })
  const order = await engine.placeOrder(C1, fields)
  const whole = (await engine.query(C1, { query: 'get_order', order_id: order.id })).value
  assert.equal(order.id, whole.id)
  assert.equal(order.shipping_address.name, 'Zoë 😀 Müller', 'places past non-ASCII text')
  assert.deepStrictEqual(Object.keys(order), Object.keys(whole))
  assert.deepStrictEqual(order, whole)
  assert.deepStrictEqual(JSON.parse(JSON.stringify(order)), whole)
  assert.deepStrictEqual({ ...order }, whole)
  assert.equal(order.pricing.grand_total, whole.pricing.grand_total)
  // A field read twice is the same object; a field written is the value written.
  assert.equal(order.lines, order.lines)
  order.state = 'mine'
  assert.equal(order.state, 'mine')
  const stock = await engine.setStock(ADMIN, { sku: 'A', on_hand: 7 })
  assert.equal(stock.on_hand, 7)
})

test('on built-in components a call still answers a Promise, and refusals reject it', async () => {
  const engine = await shop()
  const pending = engine.getOrder(ADMIN, { order_id: 'nope' })
  assert.ok(pending instanceof Promise)
  await assert.rejects(pending, (e) => e.code === 'not_found')
  await assert.rejects(engine.placeOrder(C1, { customer_id: 'c1', lines: [] }), (e) => e.code === 'invalid_input')
  await assert.rejects(engine.execute(C1, 'not a command'), (e) => e.code === 'invalid_input')
})

test('with a JS store the same answers come through the worker pool', async () => {
  const engine = await shop({}, new JsStore({ async: true }))
  const { command, ...fields } = placeOrder(1)
  const order = await engine.placeOrder(C1, fields)
  assert.deepStrictEqual(order, (await engine.query(C1, { query: 'get_order', order_id: order.id })).value)
  await assert.rejects(engine.getOrder(ADMIN, { order_id: 'nope' }), (e) => e.code === 'not_found')
  assert.ok(ordercore.Engine)
})

test('executeJson and queryJson answer the value as the core writes it', async () => {
  const engine = await shop()
  const { command, ...fields } = placeOrder(1)
  const text = await engine.executeJson(C1, { command: 'place_order', ...fields }, 'k1')
  const order = JSON.parse(text)
  assert.equal(typeof text, 'string')
  assert.equal(order.pricing.grand_total, (await engine.getOrder(C1, { order_id: order.id })).pricing.grand_total)
  assert.equal(await engine.queryJson(C1, { query: 'get_order', order_id: order.id }), text)
  await assert.rejects(engine.queryJson(C1, { query: 'get_order', order_id: 'nope' }), (e) => e.code === 'not_found')
})

test('an order view prints, copies, and takes deletions and new fields like a plain object', async () => {
  const engine = await shop()
  const { command, ...fields } = placeOrder(1)
  const order = await engine.placeOrder(C1, fields)
  const printed = require('node:util').inspect(order, { depth: 0 })
  assert.match(printed, /pricing: \[Object\]/)
  delete order.returns
  assert.equal('returns' in order, false)
  assert.equal(Object.keys(order).includes('returns'), false)
  order.extra = 1
  assert.deepStrictEqual(Object.keys(order).slice(-1), ['extra'])
  const { ...copy } = order
  assert.deepStrictEqual(copy, order)
})
