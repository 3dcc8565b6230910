// Shared helpers of the Node suite: a shop engine, actors, and a store written in JS.
'use strict'
const ordercore = require('..')

const ADMIN = { type: 'staff', id: 'ops', role: 'admin' }
const C1 = { type: 'customer', id: 'c1' }
const ADDRESS = { name: 'Ada', line1: '1 Main St', city: 'SF', postal_code: '94103', country: 'US' }

const CONFIG = {
  clock: '2026-06-01T12:00:00Z',
  products: [{ sku: 'A', name: 'Alpha', unit_price: '10.00' }],
  tax_rules: [{ id: 'us', name: 'US', country: 'US', percentage: 10 }],
}

function placeOrder (quantity = 2, customer = 'c1', extra = {}) {
  return {
    command: 'place_order',
    customer_id: customer,
    lines: [{ sku: 'A', quantity }],
    shipping_address: ADDRESS,
    shipping_option: 'standard',
    payment: { method: 'card', capture: true },
    ...extra,
  }
}

async function shop (config = {}, store) {
  const engine = new ordercore.Engine({ ...CONFIG, ...config }, store && { store })
  await engine.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 10 })
  return engine
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

/**
 * A store in plain JS over Maps, implementing the `Store` protocol. With `async: true` every
 * method answers a Promise settled on a later turn of the event loop, like a real driver.
 */
class JsStore {
  constructor ({ async = false } = {}) {
    this.async = async
    this.documents = new Map() // "kind/id" -> { version, document, index }
    this.counted = new Map() // name -> value
    this.outbox = [] // { position, event, delivered }
    this.records = new Map()
    this.calls = 0
  }

  answer (value) {
    this.calls += 1
    return this.async ? tick().then(() => value) : value
  }

  load ({ kind, id }) {
    const row = this.documents.get(`${kind}/${id}`)
    return this.answer(row ? { version: row.version, document: row.document } : null)
  }

  counters ({ names }) {
    return this.answer(names.map((name) => this.counted.get(name) ?? 0))
  }

  commit ({ writes, counters = [], events, idempotency }) {
    for (const write of writes) {
      const row = this.documents.get(`${write.kind}/${write.id}`)
      if ((row ? row.version : 0) !== write.expected_version) return this.answer('version_conflict')
    }
    const values = counters.map((c) => (this.counted.get(c.name) ?? 0) + c.delta)
    const outside = (c, v) => (c.min !== null && v < c.min) || (c.max !== null && v > c.max)
    if (counters.some((c, i) => outside(c, values[i]))) return this.answer('version_conflict')
    if (idempotency && this.records.has(idempotency.key)) return this.answer('idempotency_conflict')
    for (const write of writes) {
      this.documents.set(`${write.kind}/${write.id}`, {
        version: write.expected_version + 1, document: write.document, index: write,
      })
    }
    for (const event of events) {
      this.outbox.push({ position: this.outbox.length + 1, event, delivered: false })
    }
    counters.forEach((c, i) => this.counted.set(c.name, values[i]))
    if (idempotency) this.records.set(idempotency.key, idempotency.record)
    return this.answer(null)
  }

  find ({ kind, customer_id: customerId, state, due_before: dueBefore, after_created_at: afterCreatedAt, after_id: afterId, limit }) {
    const rows = [...this.documents.values()]
      .map((row) => row.index)
      .filter((w) => w.kind === kind)
      .filter((w) => customerId == null || w.customer_id === customerId)
      .filter((w) => state == null || w.state === state)
      .filter((w) => dueBefore == null || (w.due_at != null && w.due_at <= dueBefore))
      .filter((w) => afterCreatedAt == null ||
        w.created_at > afterCreatedAt || (w.created_at === afterCreatedAt && w.id > afterId))
      .sort((a, b) => (a.created_at + a.id < b.created_at + b.id ? -1 : 1))
    const page = rows.slice(0, limit).map((w) => this.documents.get(`${kind}/${w.id}`).document)
    return this.answer({ documents: page, more: rows.length > limit })
  }

  idempotency ({ key }) {
    return this.answer(this.records.get(key) ?? null)
  }

  pendingEvents ({ limit }) {
    const rows = this.outbox.filter((e) => !e.delivered).slice(0, limit)
    return this.answer(rows.map(({ position, event }) => ({ position, event })))
  }

  markDelivered ({ positions }) {
    for (const p of positions) this.outbox[p - 1].delivered = true
    return this.answer(undefined)
  }
}

module.exports = { ordercore, ADMIN, C1, ADDRESS, CONFIG, placeOrder, shop, JsStore }
