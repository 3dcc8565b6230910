// The shared pricing vectors (tests/vectors/pricing) give exactly the results Rust gives.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { ordercore } = require('./helpers')

const VECTORS = path.join(__dirname, '..', '..', 'tests', 'vectors', 'pricing')

function subset (expected, actual, at = '$') {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${at}: not an array`)
    assert.equal(actual.length, expected.length, `${at}: length`)
    expected.forEach((e, i) => subset(e, actual[i], `${at}[${i}]`))
  } else if (expected !== null && typeof expected === 'object') {
    assert.ok(actual !== null && typeof actual === 'object', `${at}: not an object`)
    for (const [key, value] of Object.entries(expected)) {
      assert.ok(key in actual, `${at}.${key} missing`)
      subset(value, actual[key], `${at}.${key}`)
    }
  } else {
    assert.equal(actual, expected, at)
  }
}

const files = fs.readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort()

test('there are vector files to run', () => assert.ok(files.length >= 9))

for (const file of files) {
  const vector = JSON.parse(fs.readFileSync(path.join(VECTORS, file), 'utf8'))
  vector.cases.forEach((c, i) => {
    test(`${file}#${i}`, () => {
      const request = { config: c.config ?? {} }
      for (const key of ['tax_rules', 'promotions', 'context', 'cart']) request[key] = c[key] ?? vector[key]
      // The same case through a Pricer built once: the same breakdown, or the same error.
      const pricer = () => new ordercore.Pricer({ config: request.config, tax_rules: request.tax_rules, promotions: request.promotions })
      const viaPricer = () => pricer().price(request.cart, request.context)
      const viaQuote = () => pricer().quote(request.cart, request.context)
      if (c.expect_error) {
        for (const call of [() => ordercore.priceRequest(request), viaPricer, viaQuote]) {
          assert.throws(call, (error) => {
            subset(c.expect_error, { code: error.code, field: error.field })
            return true
          })
        }
      } else {
        const breakdown = ordercore.priceRequest(request)
        subset(c.expect, breakdown)
        assert.deepEqual(viaPricer(), breakdown)
        // A quote holds the same breakdown: as a whole, as text and key by key.
        const quote = viaQuote()
        assert.deepEqual(JSON.parse(JSON.stringify(quote)), breakdown)
        assert.deepEqual(JSON.parse(quote.json()), breakdown)
        for (const key of Object.keys(breakdown)) assert.deepEqual(quote[key], breakdown[key], key)
        assert.strictEqual(quote.lines, quote.lines, 'a list read once is kept')
        assert.deepEqual(Object.keys(quote), [], 'kept lists stay out of the way of spreads and keys')
      }
    })
  })
}

test('a quote without a context reads its lists as priced at the instant it was made', async () => {
  // A promotion that ends a moment after the quote: the totals and the lists read after the
  // end must agree (the lists are priced again, at the quote's own instant).
  const until = new Date(Date.now() + 300).toISOString()
  const pricer = new ordercore.Pricer({
    promotions: [{ id: 'flash', name: 'Flash', target: { type: 'order' }, effect: { type: 'percentage', percentage: '10' }, conditions: { ends_at: until } }]
  })
  const cart = { currency: 'USD', lines: [{ sku: 'A', unit_price: '20.00', quantity: 1 }] }
  const quote = pricer.quote(cart)
  assert.ok(quote instanceof ordercore.Quote)
  assert.equal(quote.grand_total, '18.00')
  await new Promise((resolve) => setTimeout(resolve, 400))
  assert.equal(pricer.quote(cart).grand_total, '20.00', 'the promotion has ended')
  assert.equal(quote.lines[0].total, '18.00')
  assert.equal(quote.toJSON().grand_total, '18.00')
  assert.equal(JSON.parse(quote.json()).discount_total, '2.00')
})

test('a quote of something JSON cannot hold throws the coded error price throws', () => {
  const pricer = new ordercore.Pricer({})
  for (const cart of [{ currency: 'USD', lines: [{ sku: 'A', unit_price: 1n, quantity: 1 }] }, undefined, () => 1]) {
    let quoted, priced
    try { pricer.quote(cart) } catch (error) { quoted = error }
    try { pricer.price(cart) } catch (error) { priced = error }
    assert.ok(quoted && priced)
    assert.deepEqual([quoted.code, quoted.field, quoted.message], [priced.code, priced.field, priced.message])
  }
})
