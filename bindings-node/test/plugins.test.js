// Payment gateway, carrier and tax service written in JS — synchronous and Promise-returning:
// what they are asked, how their answers are used, their exceptions out unchanged.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ordercore, ADMIN, C1, ADDRESS } = require('./helpers')

const later = (value) => new Promise((resolve) => setTimeout(() => resolve(value), 1))
const PRODUCTS = { clock: '2026-06-01T12:00:00Z', products: [{ sku: 'A', name: 'Alpha', unit_price: '10.00' }] }
const CA = { ...ADDRESS, region: 'CA' }
const order = (extra = {}) => ({
  command: 'place_order', customer_id: 'c1', lines: [{ sku: 'A', quantity: 2 }], shipping_address: CA,
  payment: { method: 'card' }, ...extra,
})

async function engine (hosts) {
  const e = new ordercore.Engine(PRODUCTS, hosts)
  await e.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 10 })
  return e
}

/** Remembers every request; answers from a queue (approve when empty). */
function stripeish (async, ...answers) {
  return {
    requests: [],
    execute (request) {
      this.requests.push(request)
      const answer = answers.length ? answers.shift() : { status: 'approved', reference: `ch_${this.requests.length}` }
      if (answer instanceof Error) {
        if (async) return Promise.reject(answer)
        throw answer
      }
      return async ? later(answer) : answer
    },
  }
}

for (const async of [false, true]) {
  const kind = async ? 'Promise-returning' : 'synchronous'

  test(`a ${kind} JS gateway is asked with decimal-string amounts and provider idempotency keys`, async () => {
    const gateway = stripeish(async)
    const e = await engine({ gateway })
    const placed = (await e.execute(C1, order())).value
    assert.equal(placed.payments[0].provider_reference, 'ch_1')
    assert.equal(gateway.requests[0].operation, 'authorize_and_capture')
    assert.equal(gateway.requests[0].amount, '20.00')
    await e.execute(ADMIN, { command: 'refund_payment', order_id: placed.id, amount: '5' })
    assert.deepEqual([gateway.requests[1].operation, gateway.requests[1].amount, gateway.requests[1].provider_reference], ['refund', '5.00', 'ch_1'])
    assert.notEqual(gateway.requests[0].idempotency_key, gateway.requests[1].idempotency_key)
  })

  test(`a ${kind} JS gateway answering a value with no JSON form is a provider_error, not a napi error`, async () => {
    const thenable = { then () { throw new Error('not a real Promise') } }
    for (const answer of [Symbol('approved'), thenable, () => 'approved']) {
      const e = await engine({ gateway: stripeish(async, answer) })
      await assert.rejects(e.execute(C1, order(), 'k'), (err) => {
        if (async && answer === thenable) {
          // A Promise resolved with a thenable adopts it: the rejection is the host's own error.
          assert.equal(err.message, 'not a real Promise')
          return true
        }
        assert.equal(err.code, 'provider_error')
        assert.match(err.message, /no JSON form/)
        return true
      })
    }
  })

  test(`a ${kind} JS gateway's declines, unavailability and exceptions`, async () => {
    class CardNetworkDown extends Error {}
    const e = await engine({
      gateway: stripeish(async, { status: 'declined', reason: 'insufficient_funds' }, { status: 'unavailable', message: 'timeout' }, new CardNetworkDown('network')),
    })
    await assert.rejects(e.execute(C1, order()), (err) => err.code === 'payment_declined')
    await assert.rejects(e.execute(C1, order(), 'retry-me'), (err) => err.code === 'gateway_unavailable')
    await assert.rejects(e.execute(C1, order()), (err) => err instanceof CardNetworkDown)
    const placed = (await e.execute(C1, order(), 'retry-me')).value
    assert.equal(placed.state_label, 'paid')
    // The order whose gateway threw was secured before the gateway was asked: it holds its
    // stock, its payment awaiting an answer, until a retry or the scheduler settles it.
    const orders = (await e.query(ADMIN, { query: 'list_orders' })).value.orders
    const waiting = orders.filter((o) => o.payments.length && o.payments[0].state === 'pending')
    assert.equal(waiting.length, 1)
    assert.equal(waiting[0].payments[0].provider_reference, null)
    const stock = await e.query(ADMIN, { query: 'stock_levels', sku: 'A' })
    assert.equal(stock.value[0].reserved, 4, 'the paid order and the one awaiting its answer')
  })

  test(`a ${kind} JS tax service and carrier price, label and check addresses`, async () => {
    const queries = []
    const tax = {
      rates (query) {
        queries.push(query)
        // A number where an amount belongs is taken exactly: 7.25 → "7.25".
        const rates = query.address.region === 'CA' ? [{ id: 'ca', name: 'CA sales tax', jurisdiction: 'US-CA', percentage: 7.25 }] : []
        return async ? later(rates) : rates
      },
    }
    const labels = []
    const carrier = {
      rates: (request) => {
        assert.equal(typeof request.subtotal, 'string')
        const rates = [{ option_id: 'courier', carrier: 'acme', service: 'next day', amount: '9.90', estimated_days: 1 }]
        return async ? later(rates) : rates
      },
      createLabel: (request) => {
        labels.push(request)
        return { carrier: 'acme', tracking_number: `ACME${labels.length}`, label_reference: 'lbl' }
      },
    }
    const e = await engine({ tax, carrier })
    const placed = (await e.execute(C1, order({ shipping_option: 'courier' }))).value
    assert.equal(placed.pricing.shipping_total, '9.90')
    assert.equal(placed.pricing.taxes[0].rate_id, 'ca')
    assert.equal(placed.pricing.tax_total, '2.17') // 7.25% of 20.00 (1.45) and of 9.90 (0.72)
    assert.equal(queries[0].currency, 'USD')
    const shipped = (await e.execute(ADMIN, { command: 'ship_order', order_id: placed.id })).value
    assert.equal(shipped.shipments[0].tracking_number, 'ACME1')
    assert.equal(labels[0].option_id, 'courier')
    const picky = await engine({ carrier: { ...carrier, validateAddress: () => (async ? later('no such street') : 'no such street') } })
    await assert.rejects(picky.execute(C1, order()), (err) => err.code === 'invalid_input' && err.field === 'shipping_address')
  })
}

test('a plug-in that misses a method, or answers the wrong shape, is named in the error', async () => {
  assert.throws(() => new ordercore.Engine(PRODUCTS, { carrier: { rates: () => [] } }),
    (e) => e.code === 'invalid_input' && e.field === 'carrier.createLabel')
  assert.throws(() => new ordercore.Engine({ ...PRODUCTS, tax_rules: [{ id: 'x', name: 'x', country: 'US', percentage: 1 }] }, { tax: { rates: () => [] } }),
    (e) => e.code === 'invalid_input' && e.field === 'tax_rules')
  const e = await engine({ gateway: { execute: () => ({ ok: true }) } })
  await assert.rejects(e.execute(C1, order()), (err) => err.code === 'provider_error' && err.component === 'gateway')
})
