// The engine's records handed to a pino-shaped logger (`hosts.logger`), with the request's
// correlation id (`correlated(id, fn)`) in the records and in the events its commands emit —
// on the calling thread (built-in components) and on the worker pool (a JS store).
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ordercore, ADMIN, C1, CONFIG, JsStore, placeOrder } = require('./helpers')

/** A logger keeping what it was given, as pino's `info(obj, msg)` / `warn(obj, msg)`. */
function memoryLogger () {
  const lines = []
  return {
    lines,
    info: (fields, msg) => lines.push({ level: 'info', fields, msg }),
    warn: (fields, msg) => lines.push({ level: 'warn', fields, msg }),
  }
}

test('each call is recorded with the request\'s correlation id, on the calling thread and the worker pool', async () => {
  for (const store of [undefined, new JsStore({ async: true })]) {
    const logger = memoryLogger()
    const engine = new ordercore.Engine(CONFIG, { logger, ...(store && { store }) })
    await engine.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 5 })
    logger.lines.length = 0
    const placed = await ordercore.correlated('req-42', async () => {
      const order = await engine.placeOrder(C1, { ...placeOrder(1), command: undefined })
      await assert.rejects(engine.getOrder({ type: 'customer', id: 'c2' }, { order_id: order.id }), { code: 'not_found' })
      return order
    })
    await engine.getOrder(ADMIN, { order_id: placed.id })
    assert.equal(logger.lines.length, 3)
    const [placing, refused, read] = logger.lines
    assert.equal(placing.level, 'info')
    assert.equal(placing.msg, 'command place_order: ok')
    const { duration_us: took, ...fields } = placing.fields
    assert.deepEqual(fields, {
      kind: 'command', name: 'place_order', actor: 'customer:c1', aggregate: `order/${placed.id}`,
      outcome: 'ok', retries: 0, correlation_id: 'req-42',
    })
    assert.ok(Number.isInteger(took) && took >= 0)
    assert.deepEqual([refused.msg, refused.fields.correlation_id], ['query get_order: not_found', 'req-42'])
    assert.equal(read.fields.correlation_id, undefined, 'outside correlated(): none')
    const events = (await engine.pendingEvents(100)).map((e) => e.event).filter((e) => e.order_id === placed.id)
    assert.ok(events.length > 0 && events.every((e) => e.correlation_id === 'req-42'))
  }
})

test('a store fault is a warning', async () => {
  class DownStore extends JsStore {
    commit () { throw new Error('the database is down') }
  }
  const logger = memoryLogger()
  const engine = new ordercore.Engine(CONFIG, { logger, store: new DownStore() })
  await assert.rejects(engine.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 5 }))
  assert.deepEqual(logger.lines.map((l) => [l.level, l.fields.outcome]), [['warn', 'provider_error']])
})

test('without a logger nothing is recorded, the events still carry the correlation id, and a throwing logger changes no answer', async () => {
  const quiet = new ordercore.Engine(CONFIG)
  await quiet.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 5 })
  const order = await ordercore.correlated('req-7', () => quiet.placeOrder(C1, { ...placeOrder(1), command: undefined }))
  const events = (await quiet.pendingEvents(100)).map((e) => e.event).filter((e) => e.order_id === order.id)
  assert.ok(events.every((e) => e.correlation_id === 'req-7'))

  const broken = { info () { throw new Error('the log sink is full') }, warn () {} }
  const engine = new ordercore.Engine(CONFIG, { logger: broken })
  const stock = await engine.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 5 })
  assert.equal(stock.value.on_hand, 5)
  assert.throws(() => new ordercore.Engine(CONFIG, { logger: 'console' }), (e) => e.code === 'invalid_input' && e.field === 'logger')
})
