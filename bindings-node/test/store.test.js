// Host stores written in JS: synchronous and truly asynchronous (every answer on a later turn
// of the event loop), host exceptions out unchanged, concurrent commands, and the same results
// as the built-in memory store.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ordercore, ADMIN, C1, placeOrder, shop, JsStore } = require('./helpers')

async function lifecycle (engine) {
  let order = (await engine.execute(C1, placeOrder(), 'checkout')).value
  assert.deepEqual((await engine.execute(C1, placeOrder(), 'checkout')).value, order, 'replayed')
  for (const command of ['ship_order', 'deliver_order']) {
    order = (await engine.execute(ADMIN, { command, order_id: order.id })).value
  }
  const page = await engine.query(C1, { query: 'list_orders', customer_id: 'c1' })
  const events = await engine.pendingEvents(100)
  await engine.markDelivered(events.slice(0, 2).map((e) => e.position))
  return { order, page: page.value, events: events.map((e) => e.event), left: (await engine.pendingEvents()).length }
}

for (const async of [false, true]) {
  test(`a ${async ? 'Promise-returning' : 'synchronous'} JS store runs the lifecycle exactly like the memory store`, async () => {
    const store = new JsStore({ async })
    const onHost = await lifecycle(await shop({}, store))
    const inMemory = await lifecycle(await shop())
    assert.deepEqual(onHost, inMemory)
    assert.equal(onHost.order.state, 'delivered')
    assert.ok(store.calls > 10)
    assert.equal(store.records.size, 1, 'one idempotency record, stored by the host')
  })
}

test('concurrent checkouts on an async store never oversell: version conflicts are retried', async () => {
  const store = new JsStore({ async: true })
  const engine = await shop({}, store)
  const results = await Promise.allSettled(
    Array.from({ length: 8 }, (_, i) => engine.execute({ type: 'customer', id: `c${i}` }, placeOrder(2, `c${i}`))))
  const placed = results.filter((r) => r.status === 'fulfilled').length
  const refused = results.filter((r) => r.status === 'rejected')
  assert.equal(placed, 5, '10 units on hand, 2 per order')
  for (const r of refused) assert.ok(['insufficient_stock', 'version_conflict'].includes(r.reason.code), r.reason.message)
  const stock = await engine.query(ADMIN, { query: 'stock_levels', sku: 'A' })
  assert.equal(stock.value[0].reserved, 2 * placed)
})

class HostDown extends Error {}

test('a checkout that loses the last units to a rival process answers insufficient_stock, not a conflict', async () => {
  const store = new JsStore({ async: true })
  const commit = store.commit.bind(store)
  let rival = null
  store.commit = async (request) => {
    if (rival && request.writes.some((w) => w.kind === 'order')) {
      const buyer = rival
      rival = null // between this checkout's read and its write, a rival buys all 10
      await buyer.execute({ type: 'customer', id: 'rival' }, placeOrder(10, 'rival'))
    }
    return commit(request)
  }
  const engine = await shop({ engine: { max_retries: 0 } }, store)
  rival = await shop({}, store)
  await assert.rejects(engine.execute(C1, placeOrder(1)), (e) => e.code === 'insufficient_stock')
})

test('an exception thrown or a Promise rejected by the host store comes out unchanged', async () => {
  // The engine binds the store's methods once, when it is built: the switch lives in the store.
  class FlakyStore extends JsStore {
    commit (change) { return this.fail ? this.fail() : super.commit(change) }
    load (request) { return this.failLoad ? this.failLoad() : super.load(request) }
  }
  for (const fail of [
    () => { throw new HostDown('db is down') },
    () => Promise.reject(new HostDown('db is down')),
  ]) {
    const store = new FlakyStore({ async: true })
    const engine = await shop({}, store)
    store.fail = fail
    await assert.rejects(engine.execute(C1, placeOrder()), (error) => {
      assert.ok(error instanceof HostDown, `${error.constructor.name}: ${error.message}`)
      assert.equal(error.message, 'db is down')
      return true
    })
  }
  const store = new FlakyStore()
  const engine = await shop({}, store)
  store.failLoad = () => Promise.reject('a bare string') // eslint-disable-line prefer-promise-reject-errors
  await assert.rejects(engine.execute(C1, placeOrder()), (error) => error === 'a bare string')
})

test('a store missing a method is refused at construction, naming it', () => {
  const store = new JsStore()
  store.find = undefined
  assert.throws(() => new ordercore.Engine({}, { store }), (e) => e.code === 'invalid_input' && e.field === 'store.find')
})

test('a host call with no answer within hostTimeoutMs fails with provider_error and frees its worker', async () => {
  class StuckStore extends JsStore {
    load (request) { return this.stuck ? new Promise(() => {}) : super.load(request) }
  }
  const store = new StuckStore({ async: true })
  const engine = new ordercore.Engine({}, { store, hostTimeoutMs: 150 })
  await engine.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 10 })
  store.stuck = true
  const started = Date.now()
  // More stuck calls than libuv has workers (4): each gives its worker back when it times out.
  const stuck = await Promise.allSettled(Array.from({ length: 6 }, () => engine.getOrder(ADMIN, { order_id: 'o-1' })))
  for (const call of stuck) {
    assert.equal(call.status, 'rejected')
    assert.equal(call.reason.code, 'provider_error')
    assert.match(call.reason.message, /load: no answer within 150 ms/)
  }
  assert.ok(Date.now() - started >= 150)
  store.stuck = false
  const stock = await engine.stockLevels(ADMIN, { sku: 'A' })
  assert.equal(stock[0].on_hand, 10)
  for (const hostTimeoutMs of [0, -1, 1.5, '100', 86_400_001]) {
    assert.throws(() => new ordercore.Engine({}, { store, hostTimeoutMs }), (e) => e.code === 'invalid_input' && e.field === 'hostTimeoutMs')
  }
})
