'use strict'
// The store contract: what every host store must do, checked against an empty store by calling
// its methods directly with the host-store protocol's documents (the same checks as Python's
// `ordercore.testing`). `await checkStore(store)` throws an AssertionError naming the rule broken:
// a change set is all or nothing; versions start at 1 and grow by one; a record's key is taken
// once; the outbox hands out undelivered events oldest first, at most `limit`, positions growing
// and never reused; orders are listed by (created_at, id), filtered and paged by the cursor.
// Documents are made-up JSON text: the contract never parses them.

const assert = require('node:assert/strict')

const order = (n, customer, { state = 'pending', due = null, created = null } = {}) => ({
  kind: 'order',
  id: `ord_${String(n).padStart(3, '0')}`,
  expected_version: 0,
  document: JSON.stringify({ kind: 'order', body: { id: `ord_${String(n).padStart(3, '0')}`, n } }),
  customer_id: customer,
  state,
  created_at: created ?? `2026-06-01T12:00:${String(n).padStart(2, '0')}Z`,
  due_at: due,
})

const stock = (sku, onHand, expected) => ({
  kind: 'stock',
  id: `${sku}@main`,
  expected_version: expected,
  document: JSON.stringify({ kind: 'stock', body: { sku, on_hand: onHand } }),
  customer_id: null,
  state: null,
  created_at: null,
  due_at: null,
})

const commit = (writes, events = [], record = null) => ({
  writes,
  events,
  idempotency: record === null ? null : { key: record, record: JSON.stringify({ key: record }) },
})

const ok = (status) => status === null || status === undefined || status === 'ok'

async function versionsAndAtomicity (store) {
  assert.equal(await store.load({ kind: 'stock', id: 'A@main' }) ?? null, null, 'an empty store has no documents')
  assert.ok(ok(await store.commit(commit([stock('A', 5, 0)], ['e1']))), 'a new document commits')
  const stored = await store.load({ kind: 'stock', id: 'A@main' })
  assert.equal(stored?.version, 1, 'a new document is version 1')
  assert.equal(JSON.parse(stored.document).body.on_hand, 5, 'the document comes back as written')
  assert.ok(ok(await store.commit(commit([stock('A', 4, 1)]))), 'version 1 → 2 commits')
  assert.equal((await store.load({ kind: 'stock', id: 'A@main' })).version, 2, 'each write adds one to the version')
  const stale = commit([stock('A', 3, 1), order(1, 'c1')], ['e-stale'], 'stale-key')
  assert.equal(await store.commit(stale), 'version_conflict', 'a stale expected version is a conflict')
  assert.equal(await store.load({ kind: 'order', id: 'ord_001' }) ?? null, null, 'a refused commit writes no document')
  assert.equal(await store.idempotency({ key: 'stale-key' }) ?? null, null, 'a refused commit stores no record')
  const events = (await store.pendingEvents({ limit: 10 })).map((e) => e.event)
  assert.deepEqual(events, ['e1'], 'a refused commit appends no event')
  assert.ok(ok(await store.commit(commit([stock('B', 1, 0)]))))
  assert.equal(await store.commit(commit([stock('B', 1, 0)])), 'version_conflict',
    'expected version 0 means the document must not exist yet')
}

async function idempotencyRecords (store) {
  assert.ok(ok(await store.commit(commit([], [], 'k1'))), 'a record alone commits')
  assert.deepEqual(JSON.parse(await store.idempotency({ key: 'k1' })), { key: 'k1' }, 'a record comes back as written')
  assert.equal(await store.commit(commit([stock('C', 1, 0)], ['e-dup'], 'k1')), 'idempotency_conflict',
    "a record's key is taken once")
  assert.equal(await store.load({ kind: 'stock', id: 'C@main' }) ?? null, null, 'an idempotency conflict writes nothing')
  assert.equal(await store.idempotency({ key: 'never-used' }) ?? null, null)
}

async function outbox (store) {
  assert.ok(ok(await store.commit(commit([], ['e2', 'e3', 'e4']))))
  const pending = await store.pendingEvents({ limit: 10 })
  assert.deepEqual(pending.map((e) => e.event), ['e1', 'e2', 'e3', 'e4'], 'oldest first, in commit order')
  const positions = pending.map((e) => e.position)
  assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'positions grow')
  assert.equal(new Set(positions).size, 4, 'positions grow')
  assert.equal((await store.pendingEvents({ limit: 2 })).length, 2, 'at most `limit`')
  await store.markDelivered({ positions: [positions[0], positions[2]] })
  assert.deepEqual((await store.pendingEvents({ limit: 10 })).map((e) => e.event), ['e2', 'e4'],
    'delivered events are not handed out again, whatever order they were delivered in')
  await store.markDelivered({ positions: [positions[1], positions[3]] })
  assert.deepEqual(await store.pendingEvents({ limit: 10 }), [])
  assert.ok(ok(await store.commit(commit([], ['e5']))))
  const [fifth] = await store.pendingEvents({ limit: 10 })
  assert.ok(fifth.position > positions[3], 'positions are never reused')
  await store.markDelivered({ positions: [fifth.position] })
}

async function listing (store) {
  const orders = [order(2, 'c1', { due: '2026-06-01T12:30:00Z' }), order(3, 'c2'), order(4, 'c1', { state: 'shipped' }),
    order(5, 'c1', { created: '2026-06-01T12:00:04Z' })]
  assert.ok(ok(await store.commit(commit(orders))))
  const everything = { customer_id: null, state: null, due_before: null, after_created_at: null, after_id: null, limit: 10 }
  const ids = async (query = {}) => {
    const page = await store.findOrders({ ...everything, ...query })
    return page.documents.map((d) => JSON.parse(d).body.id)
  }
  assert.deepEqual(await ids(), ['ord_002', 'ord_003', 'ord_004', 'ord_005'], 'by (created_at, id)')
  assert.deepEqual(await ids({ customer_id: 'c1' }), ['ord_002', 'ord_004', 'ord_005'], 'filtered by customer')
  assert.deepEqual(await ids({ state: 'shipped' }), ['ord_004'], 'filtered by state')
  assert.deepEqual(await ids({ due_before: '2026-06-01T13:00:00Z' }), ['ord_002'], 'only orders due by then')
  assert.deepEqual(await ids({ due_before: '2026-06-01T12:00:00Z' }), [], 'due_at <= due_before')
  const first = await store.findOrders({ ...everything, limit: 2 })
  assert.ok(first.more === true && first.documents.length === 2, 'a full page says more follow')
  assert.deepEqual(await ids({ after_created_at: '2026-06-01T12:00:03Z', after_id: 'ord_003' }), ['ord_004', 'ord_005'],
    'the cursor pages after (created_at, id)')
  const last = await store.findOrders({ ...everything, after_created_at: '2026-06-01T12:00:04Z', after_id: 'ord_005' })
  assert.ok(last.documents.length === 0 && !last.more, 'nothing after the last order')
}

/** Checks a host store (empty when called; its methods sync or async) against the contract. */
async function checkStore (store) {
  await versionsAndAtomicity(store)
  await idempotencyRecords(store)
  await outbox(store)
  await listing(store)
}

module.exports = { checkStore }
