// Prices the 20-line cart of tests/vectors/pricing/generated_usd_20_lines_order_discount.json
// (10% order discount rounded once and spread over the lines, 8.25% tax per line on the
// discounted amount) from Node, with ordercore and with dinero.js, in one run; prints µs/call
// and the ratio. Run through ./run.sh (it builds the release addon first).
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'
import { allocate, add, dinero, multiply, subtract, toDecimal, transformScale, halfUp, USD } from 'dinero.js'

const require = createRequire(import.meta.url)
const ordercore = require('../../bindings-node')
const vector = JSON.parse(readFileSync(new URL('../../tests/vectors/pricing/generated_usd_20_lines_order_discount.json', import.meta.url)))
const expected = vector.cases[0].expect

// ordercore: a Pricer built once (promotions and tax validated once), then one call per cart:
// JS object in, full breakdown out (per line: adjustments, tax lines, per-unit splits).
const pricer = new ordercore.Pricer({ config: vector.cases[0].config, tax_rules: vector.tax_rules, promotions: vector.promotions })
const priceWithOrdercore = () => pricer.price(vector.cart, vector.context)

// dinero.js: the same arithmetic written by hand with its API — parse prices, line bases,
// discount rounded once, allocation over line bases, tax per line, totals as decimal strings.
const minor = (text) => { const [units, cents = ''] = text.split('.'); return Number(units + cents.padEnd(2, '0')) }
const TEN_PERCENT = { amount: 10, scale: 2 }
const TAX = { amount: 825, scale: 4 }
function priceWithDinero () {
  const bases = vector.cart.lines.map((l) => multiply(dinero({ amount: minor(l.unit_price), currency: USD }), l.quantity))
  const subtotal = bases.reduce((a, b) => add(a, b))
  const discount = transformScale(multiply(subtotal, TEN_PERCENT), 2, halfUp)
  const shares = allocate(discount, bases.map((b) => b.toJSON().amount))
  const lines = bases.map((base, i) => {
    const net = subtract(base, shares[i])
    const tax = transformScale(multiply(net, TAX), 2, halfUp)
    return { base: toDecimal(base), discount: toDecimal(shares[i]), net: toDecimal(net), tax: toDecimal(tax), total: toDecimal(add(net, tax)), taxMoney: tax, totalMoney: add(net, tax) }
  })
  const taxTotal = lines.map((l) => l.taxMoney).reduce((a, b) => add(a, b))
  const grandTotal = lines.map((l) => l.totalMoney).reduce((a, b) => add(a, b))
  return { subtotal: toDecimal(subtotal), discount_total: toDecimal(discount), tax_total: toDecimal(taxTotal), grand_total: toDecimal(grandTotal), lines }
}

function measure (fn, { batches = 15, perBatch = 2000 } = {}) {
  for (let i = 0; i < perBatch; i++) fn() // warm up
  const samples = []
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < perBatch; i++) fn()
    samples.push(Number(process.hrtime.bigint() - start) / perBatch / 1000)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]
}

const ours = priceWithOrdercore()
const theirs = priceWithDinero()
const agree = ['subtotal', 'discount_total', 'tax_total', 'grand_total'].filter((k) => theirs[k] === expected[k])
const lineAgree = theirs.lines.filter((l, i) => l.discount === expected.lines[i].discount && l.tax === expected.lines[i].tax).length
console.log(`ordercore grand_total ${ours.grand_total} (expected ${expected.grand_total})`)
console.log(`dinero.js grand_total ${theirs.grand_total}; totals matching the vector: ${agree.length}/4; lines matching: ${lineAgree}/${theirs.lines.length}`)

// Interleave the two so machine noise hits both alike.
// Where the time of Pricer.price goes: V8's own JSON work on the same documents.
const cartJson = JSON.stringify(vector.cart)
const contextJson = JSON.stringify(vector.context)
const breakdownJson = JSON.stringify(ours)
const quoted = pricer.quote(vector.cart, vector.context)
if (quoted.grand_total !== expected.grand_total) throw new Error(`quote: ${quoted.grand_total}`)
const rows = {
  'ordercore `Pricer.quote` (JS objects in, `Quote` out), reading `grand_total`': () => pricer.quote(vector.cart, vector.context).grand_total,
  'ordercore `Pricer.quote`, reading `lines` too': () => { const q = pricer.quote(vector.cart, vector.context); return [q.lines, q.grand_total] },
  'ordercore `Pricer.price` (JS objects in and out, full breakdown)': priceWithOrdercore,
  'ordercore `Pricer.priceJson` (JSON text in and out)': () => pricer.priceJson(cartJson, contextJson),
  'ordercore `priceRequest` (pricer built per call)': () => ordercore.priceRequest({ ...vector, config: vector.cases[0].config }),
  'dinero.js 2.0.2 (the arithmetic by hand, totals as text)': priceWithDinero,
  'V8 alone: `JSON.stringify(cart)`': () => JSON.stringify(vector.cart),
  [`V8 alone: \`JSON.parse(breakdown)\` (${breakdownJson.length} bytes)`]: () => JSON.parse(breakdownJson),
}
// Rounds interleave every row so machine noise hits them alike; the median round counts.
const results = Object.fromEntries(Object.keys(rows).map((k) => [k, []]))
for (let r = 0; r < 3; r++) for (const [k, fn] of Object.entries(rows)) results[k].push(measure(fn))
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const dn = median([...results['dinero.js 2.0.2 (the arithmetic by hand, totals as text)']])
console.log('\n| 20-line cart from Node | µs per call | vs dinero.js |')
console.log('|---|---:|---:|')
for (const k of Object.keys(rows)) {
  const us = median(results[k])
  console.log(`| ${k} | ${us.toFixed(1)} | ${(us / dn).toFixed(2)}× |`)
}
