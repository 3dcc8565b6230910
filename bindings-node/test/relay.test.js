// The outbox relay: handlers by event type, at least once, in order per aggregate, retries with
// backoff and dead letters under injected handler failures.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ordercore, ADMIN, placeOrder, shop } = require('./helpers')
const { Relay } = require('..')

async function busyShop (orders) {
  const engine = await shop({ products: [{ sku: 'A', name: 'Alpha', unit_price: '10.00' }] })
  for (let i = 0; i < orders; i++) {
    const order = (await engine.execute({ type: 'customer', id: `c${i}` }, placeOrder(1, `c${i}`))).value
    await engine.execute(ADMIN, { command: 'ship_order', order_id: order.id })
  }
  return engine
}

test('handlers get their events once and the outbox is emptied', async () => {
  const engine = await busyShop(3)
  const shipped = []
  const all = []
  const relay = new Relay(engine).on('order_shipped', (e) => shipped.push(e.order_id)).on('*', async (e) => all.push(e.id))
  const report = await relay.runOnce()
  assert.equal(report.delivered, all.length)
  assert.equal(new Set(shipped).size, 3)
  assert.deepEqual(await engine.pendingEvents(), [])
  assert.equal((await relay.runOnce()).delivered, 0)
})

test('under failing handlers every event is taken once, in order per aggregate', async () => {
  const engine = await busyShop(5)
  let now = 0
  const relay = new Relay(engine, { clock: () => now, maxAttempts: 10, backoffMs: [1, 2, 4] })
  const calls = new Map()
  const taken = []
  relay.on('*', async (event) => {
    const n = (calls.get(event.id) ?? 0) + 1
    calls.set(event.id, n)
    if (n <= Number(event.id.split('_')[1]) % 3) throw new Error('broker down') // fails 0, 1 or 2 times
    taken.push(event)
  })
  const first = await relay.runOnce()
  assert.ok(first.failed > 0 && first.waiting > 0, 'a failed event holds back its aggregate')
  for (let i = 0; i < 100; i++) { now += 1000; await relay.runOnce() }
  assert.equal(new Set(taken.map((e) => e.id)).size, taken.length)
  assert.equal(taken.length, calls.size)
  const sequences = new Map()
  for (const e of taken) sequences.set(e.aggregate, [...(sequences.get(e.aggregate) ?? []), e.sequence])
  for (const seq of sequences.values()) assert.deepEqual(seq, [...seq].sort((a, b) => a - b))
  assert.deepEqual(await engine.pendingEvents(), [])
  assert.deepEqual(relay.deadLetters, [])
})

test('a handler that keeps failing sends its event to dead letters and the outbox moves on', async () => {
  const engine = await busyShop(1)
  let now = 0
  const relay = new Relay(engine, { clock: () => now, maxAttempts: 3, backoffMs: [5] })
  const taken = []
  relay.on('*', (event) => {
    if (event.type === 'payment_captured') throw new RangeError('no ledger for this currency')
    taken.push(event.type)
  })
  for (let i = 0; i < 10; i++) { await relay.runOnce(); now += 1000 }
  assert.equal(relay.deadLetters.length, 1)
  const [dead] = relay.deadLetters
  assert.deepEqual([dead.event.type, dead.attempts, dead.error.message], ['payment_captured', 3, 'no ledger for this currency'])
  assert.ok(taken.includes('order_shipped'))
  assert.deepEqual(await engine.pendingEvents(), [])
})

test('a relay refuses bad settings and handlers that are not functions', async () => {
  const engine = new ordercore.Engine({})
  assert.throws(() => new Relay(engine, { maxAttempts: 0 }), RangeError)
  assert.throws(() => new Relay(engine).on('*', 'not a function'), TypeError)
})
