// The package from an ES module: named imports and the default export are the same objects.
import ordercore, { Engine, Pricer, Quote, errorCodes } from 'ordercore'
import * as named from 'ordercore'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'

// Every export of the CommonJS entry is a named export of the ES module.
const cjs = createRequire(import.meta.url)('ordercore')
for (const key of Object.keys(cjs).filter((k) => !k.startsWith('__'))) {
  assert.equal(named[key], cjs[key], `the ES module does not export ${key}`)
}

assert.equal(Engine, ordercore.Engine)
const quote = new Pricer({}).quote({ currency: 'USD', lines: [{ sku: 'A', unit_price: '2.50', quantity: 2 }] })
assert.ok(quote instanceof Quote)
assert.equal(quote.grand_total, '5.00')
assert.ok(errorCodes().includes('insufficient_stock'))
const engine = new Engine({ products: [{ sku: 'A', name: 'A', unit_price: '2.50' }] })
const stock = await engine.execute({ type: 'staff', id: 'ops', role: 'admin' }, { command: 'set_stock', sku: 'A', on_hand: 1 })
assert.equal(stock.value.on_hand, 1)
const { checkStore } = await import('ordercore/testing')
assert.equal(typeof checkStore, 'function')
const { PgStore } = await import('ordercore/pg')
assert.equal(typeof PgStore.prototype.migrate, 'function')
console.log('esm: ok')
