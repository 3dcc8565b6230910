// The package from CommonJS: `require` and destructuring.
'use strict'
const assert = require('node:assert/strict')
const { Engine, Pricer, Quote } = require('ordercore')

const quote = new Pricer({}).quote({ currency: 'USD', lines: [{ sku: 'A', unit_price: '2.50', quantity: 2 }] })
assert.ok(quote instanceof Quote)
assert.equal(quote.grand_total, '5.00')
assert.equal(typeof new Engine({}).execute, 'function')
console.log('cjs: ok')
