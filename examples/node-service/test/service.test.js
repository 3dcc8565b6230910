// HTTP-level tests of the order service. With DATABASE_URL (the test script starts a throwaway
// PostgreSQL) the servers run as separate processes on one database — the way the service
// scales out — and race for the same stock; without it they run on the in-memory store.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn } = require('node:child_process')
const path = require('node:path')
const { Engine, signWebhook } = require('ordercore')
const { buildApp } = require('../app')
const { CONFIG } = require('../server')

const DATABASE_URL = process.env.DATABASE_URL
const ADMIN = { 'x-staff-id': 'ops', 'x-staff-role': 'admin' }
const customer = (id) => ({ 'x-customer-id': id })
const ADDRESS = { name: 'Ada', line1: '1 Market St', city: 'San Francisco', region: 'CA', postal_code: '94103', country: 'US' }
const checkout = (customerId, quantity = 1, extra = {}) => ({
  customer_id: customerId, lines: [{ sku: 'mug', quantity }], shipping_address: ADDRESS,
  shipping_option: 'standard', payment: { method: 'card' }, ...extra,
})

/** Starts `node server.js` as its own process; resolves to its base URL. */
function startServer () {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, '..', 'server.js')], {
      env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'],
    })
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (text) => {
      const match = /listening on (\d+)/.exec(text)
      if (match) resolve({ child, url: `http://127.0.0.1:${match[1]}` })
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)))
  })
}

async function call (base, method, url, { headers = {}, body } = {}) {
  const response = await fetch(base + url, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: text ? JSON.parse(text) : null }
}

async function resetDatabase () {
  if (!DATABASE_URL) return
  const { Pool } = require('pg')
  const pool = new Pool({ connectionString: DATABASE_URL })
  await pool.query('DROP TABLE IF EXISTS documents, outbox, idempotency')
  await pool.end()
}

test('the service over HTTP', async (t) => {
  await resetDatabase()
  const servers = await Promise.all((DATABASE_URL ? [1, 2] : [1]).map(startServer))
  t.after(() => servers.forEach((s) => s.child.kill()))
  const [a, b = a] = servers.map((s) => s.url)

  await t.test('stock, checkout, lifecycle, returns and refunds', async () => {
    assert.equal((await call(a, 'GET', '/health')).status, 200)
    let r = await call(a, 'PUT', '/api/stock/mug', { headers: ADMIN, body: { on_hand: 10 } })
    assert.equal(r.status, 200)
    assert.equal(r.body.on_hand, 10)
    r = await call(a, 'POST', '/api/orders', { headers: { ...customer('c1'), 'idempotency-key': 'co-1' }, body: checkout('c1', 2) })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    const order = r.body
    // 25.00 + 5.00 shipping + 7.25% CA tax per line: 1.81 on the mugs, 0.36 on the shipping.
    assert.equal(order.pricing.grand_total, '32.17')
    assert.equal(order.state_label, 'paid')
    // The same key and body on the *other* process answers the same order.
    r = await call(b, 'POST', '/api/orders', { headers: { ...customer('c1'), 'idempotency-key': 'co-1' }, body: checkout('c1', 2) })
    assert.equal(r.status, 201)
    assert.equal(r.body.id, order.id)
    r = await call(b, 'POST', '/api/orders', { headers: { ...customer('c1'), 'idempotency-key': 'co-1' }, body: checkout('c1', 3) })
    assert.equal(r.status, 409)
    assert.equal(r.body.error.code, 'idempotency_conflict')

    r = await call(b, 'GET', `/api/orders/${order.id}`, { headers: customer('c1') })
    assert.equal(r.status, 200)
    assert.equal(r.body.id, order.id)
    r = await call(a, 'GET', '/api/orders?customer_id=c1&limit=10', { headers: ADMIN })
    assert.deepEqual(r.body.orders.map((o) => o.id), [order.id])
    r = await call(a, 'GET', `/api/orders/${order.id}/actions`, { headers: ADMIN })
    assert.ok(r.body.includes('ship'), JSON.stringify(r.body))

    for (const step of ['ship', 'deliver']) {
      r = await call(step === 'ship' ? a : b, 'POST', `/api/orders/${order.id}/${step}`, { headers: ADMIN, body: {} })
      assert.equal(r.status, 200, JSON.stringify(r.body))
    }
    assert.equal(r.body.state, 'delivered')
    r = await call(a, 'POST', '/api/returns', {
      headers: customer('c1'), body: { order_id: order.id, lines: [{ line: 0, quantity: 1, reason: 'defective' }] },
    })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    const rma = r.body
    for (const action of ['approve', 'receive', 'process', 'refund']) {
      r = await call(action === 'receive' ? b : a, 'POST', `/api/returns/${rma.id}/${action}`, { headers: ADMIN, body: { order_id: order.id } })
      assert.equal(r.status, 200, `${action}: ${JSON.stringify(r.body)}`)
    }
    assert.equal(r.body.state, 'refunded')
    r = await call(b, 'GET', `/api/orders/${order.id}`, { headers: customer('c1') })
    assert.equal(r.body.state, 'partially_returned')
    assert.equal(r.body.payments[0].refunded, rma.refund_amount)
    r = await call(a, 'POST', `/api/orders/${order.id}/refunds`, { headers: ADMIN, body: { amount: '1000.00' } })
    assert.equal(r.status, 409)
    assert.equal(r.body.error.code, 'refund_exceeds_captured')
    r = await call(a, 'POST', `/api/orders/${order.id}/refunds`, { headers: ADMIN, body: { amount: '1.00', reason: 'goodwill' } })
    assert.equal(r.status, 201)
  })

  await t.test('cancel answers 204 and releases the stock; errors map to HTTP statuses', async () => {
    let r = await call(a, 'POST', '/api/orders', { headers: customer('c2'), body: checkout('c2', 3) })
    assert.equal(r.status, 201)
    const before = (await call(a, 'GET', '/api/stock/mug', { headers: ADMIN })).body[0].reserved
    r = await call(b, 'DELETE', `/api/orders/${r.body.id}`, { headers: customer('c2') })
    assert.equal(r.status, 204)
    assert.equal((await call(a, 'GET', '/api/stock/mug', { headers: ADMIN })).body[0].reserved, before - 3)

    const expectError = async (status, code, request) => {
      const res = await request
      assert.equal(res.status, status, JSON.stringify(res.body))
      assert.equal(res.body.error.code, code)
      return res.body.error
    }
    const invalid = await expectError(422, 'invalid_input', call(a, 'POST', '/api/orders', { headers: customer('c3'), body: checkout('c3', 0) }))
    assert.equal(invalid.field, 'lines[0].quantity')
    await expectError(403, 'forbidden', call(a, 'POST', '/api/orders', { headers: customer('c3'), body: checkout('c4') }))
    const stock = await expectError(409, 'insufficient_stock', call(b, 'POST', '/api/orders', { headers: customer('c3'), body: checkout('c3', 500) }))
    assert.equal(stock.sku, 'mug')
    r = await call(a, 'POST', '/api/orders', { headers: customer('c3'), body: checkout('c3', 1) })
    await expectError(404, 'not_found', call(b, 'GET', `/api/orders/${r.body.id}`, { headers: customer('someone-else') }))
    const transition = await expectError(409, 'invalid_transition', call(a, 'POST', `/api/orders/${r.body.id}/deliver`, { headers: ADMIN }))
    assert.equal(transition.action, 'deliver')
    assert.equal((await call(a, 'GET', '/api/orders', {})).status, 401)
  })

  await t.test('carrier webhooks are accepted only when signed', async () => {
    const placed = (await call(a, 'POST', '/api/orders', { headers: customer('c5'), body: checkout('c5') })).body
    const shipped = (await call(a, 'POST', `/api/orders/${placed.id}/ship`, { headers: ADMIN, body: {} })).body
    const tracking = shipped.shipments[0].tracking_number
    const payload = JSON.stringify({ event_id: 'trk-1', tracking_number: tracking, status: 'delivered', order_id: placed.id })
    const now = Math.floor(Date.now() / 1000)
    const post = (signature) => fetch(`${b}/webhooks/carrier`, {
      method: 'POST', body: payload,
      headers: { 'content-type': 'application/json', 'x-timestamp': String(now), 'x-signature': signature },
    })
    assert.equal((await post('00'.repeat(32))).status, 401)
    assert.equal((await post(signWebhook('carrier-secret', payload, now))).status, 204)
    const after = (await call(a, 'GET', `/api/orders/${placed.id}`, { headers: ADMIN })).body
    assert.equal(after.state, 'delivered')
  })

  await t.test('racing checkouts across the processes never oversell', { skip: !DATABASE_URL && 'needs DATABASE_URL' }, async () => {
    await call(a, 'PUT', '/api/stock/tee', { headers: ADMIN, body: { on_hand: 10 } })
    const attempts = Array.from({ length: 24 }, (_, i) => call(i % 2 ? a : b, 'POST', '/api/orders', {
      headers: customer(`racer-${i}`), body: { ...checkout(`racer-${i}`), lines: [{ sku: 'tee', quantity: 1 }] },
    }))
    const results = await Promise.all(attempts)
    const placed = results.filter((r) => r.status === 201).length
    const refused = results.filter((r) => r.status !== 201)
    for (const r of refused) assert.equal(r.body.error.code, 'insufficient_stock', JSON.stringify(r.body))
    assert.equal(placed, 10, 'exactly the stock is sold')
    const stock = (await call(b, 'GET', '/api/stock/tee', { headers: ADMIN })).body[0]
    assert.deepEqual([stock.on_hand, stock.reserved], [10, 10])
  })
})

test('payment and gateway failures map to 402 and 503 (in-process, scripted gateway)', async () => {
  const engine = new Engine({
    ...CONFIG,
    payment_script: [{ type: 'decline', reason: 'card_declined' }, { type: 'transient_error' }],
  })
  const app = buildApp({ engine })
  await app.inject({ method: 'PUT', url: '/api/stock/mug', headers: ADMIN, payload: { on_hand: 5 } })
  const place = () => app.inject({ method: 'POST', url: '/api/orders', headers: customer('c1'), payload: checkout('c1') })
  let r = await place()
  assert.equal(r.statusCode, 402)
  assert.equal(r.json().error.code, 'payment_declined')
  r = await place()
  assert.equal(r.statusCode, 503)
  assert.equal(r.json().error.code, 'gateway_unavailable')
  r = await place()
  assert.equal(r.statusCode, 201)
  await app.close()
})

test('the scheduler expires an unpaid order once its reservation lapses (in-process, fixed clock)', async () => {
  const engine = new Engine({ ...CONFIG, clock: '2026-06-01T12:00:00Z' })
  const app = buildApp({ engine })
  await app.inject({ method: 'PUT', url: '/api/stock/mug', headers: ADMIN, payload: { on_hand: 5 } })
  const { payment, ...unpaid } = checkout('c1')
  const order = (await app.inject({ method: 'POST', url: '/api/orders', headers: customer('c1'), payload: unpaid })).json()
  const tick = (headers) => app.inject({ method: 'POST', url: '/api/admin/tick', headers })
  assert.equal((await tick(customer('c1'))).statusCode, 403, 'staff only')
  assert.deepEqual((await tick(ADMIN)).json().expired, [], 'not yet')
  engine.setClock('2026-06-01T12:31:00Z')
  assert.deepEqual((await tick(ADMIN)).json().expired, [order.id])
  const stock = (await app.inject({ method: 'GET', url: '/api/stock/mug', headers: ADMIN })).json()
  assert.equal(stock[0].reserved, 0)
  void payment
  await app.close()
})
