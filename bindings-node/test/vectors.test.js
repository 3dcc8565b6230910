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
      if (c.expect_error) {
        assert.throws(() => ordercore.priceRequest(request), (error) => {
          subset(c.expect_error, { code: error.code, field: error.field })
          return true
        })
      } else {
        subset(c.expect, ordercore.priceRequest(request))
      }
    })
  })
}
