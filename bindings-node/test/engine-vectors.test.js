// The shared engine scenarios (tests/vectors/engine, format in tests/vectors/README.md)
// replayed through the Node package: the same files the Rust, Python and C suites replay.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { ordercore } = require('./helpers')

const DIR = path.join(__dirname, '..', '..', 'tests', 'vectors', 'engine')
const ADMIN = { type: 'staff', id: 'ops', role: 'admin' }
const DECIMAL = /^-?\d+(\.\d+)?$/

// A decimal's text without its trailing zeros: "5.00" and "5" are the same amount.
function canonical (text) {
  const [whole, fraction = ''] = String(text).split('.')
  const digits = fraction.replace(/0+$/, '')
  return whole.replace(/^(-?)0+(?=\d)/, '$1') + (digits ? `.${digits}` : '')
}

function substitute (value, saved) {
  if (typeof value === 'string' && value.startsWith('$') && value.slice(1) in saved) return saved[value.slice(1)]
  if (Array.isArray(value)) return value.map((v) => substitute(v, saved))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, saved)]))
  return value
}

// `actual` contains `expected`: objects by their keys, arrays element by element, amounts by value.
function contains (expected, actual, at = '$') {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
    expected.forEach((v, i) => contains(v, actual[i], `${at}[${i}]`))
  } else if (expected && typeof expected === 'object') {
    assert.ok(actual && typeof actual === 'object', `${at}: expected an object, got ${JSON.stringify(actual)}`)
    for (const [k, v] of Object.entries(expected)) contains(v, actual[k], `${at}.${k}`)
  } else if (expected !== actual) {
    const same = DECIMAL.test(String(expected)) && DECIMAL.test(String(actual)) && canonical(expected) === canonical(actual)
    assert.ok(same, `${at}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

function wanted (error) {
  return { ...(error.details || {}), code: error.code, ...(error.field ? { field: error.field } : {}) }
}

async function run (engine, step, saved) {
  if (step.clock) engine.setClock(step.clock)
  const actor = substitute(step.actor || ADMIN, saved)
  let value
  try {
    if (step.command) value = (await engine.execute(actor, substitute(step.command, saved), step.key)).value
    else if (step.query) value = (await engine.query(actor, substitute(step.query, saved))).value
    else if (step.price) {
      const price = substitute(step.price, saved)
      value = await engine.price(price.cart, price.context)
    } else if (step.webhook) {
      const { secret, payload, timestamp, signature } = step.webhook
      value = engine.verifyWebhook(secret, payload, timestamp, signature) ?? null
    } else if (step.tick) value = await engine.tick(actor)
    else return
  } catch (error) {
    assert.ok(step.expect && step.expect.error, `unexpected ${error.code}: ${error.message}`)
    contains(wanted(step.expect.error), error, 'error')
    return
  }
  assert.ok(!(step.expect && step.expect.error), `expected ${step.expect && step.expect.error && step.expect.error.code}`)
  if (step.expect) contains(substitute(step.expect.ok, saved), value)
  for (const [name, pointer] of Object.entries(step.save || {})) {
    saved[name] = pointer.split('/').slice(1).reduce((v, part) => v[part], value)
  }
}

for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
  test(`engine scenario ${file.slice(0, -5)}`, async () => {
    const scenario = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'))
    if (scenario.build_error) {
      assert.throws(() => new ordercore.Engine(scenario.engine), (error) => { contains(wanted(scenario.build_error), error, 'error'); return true })
      return
    }
    const engine = new ordercore.Engine(scenario.engine)
    const saved = {}
    for (const [i, step] of scenario.steps.entries()) {
      try {
        await run(engine, step, saved)
      } catch (failure) {
        failure.message = `step ${i}: ${failure.message}`
        throw failure
      }
    }
  })
}

test('the scenarios raise every error code', () => {
  const raised = new Set()
  for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.json'))) {
    const scenario = JSON.parse(fs.readFileSync(path.join(DIR, file), 'utf8'))
    if (scenario.build_error) raised.add(scenario.build_error.code)
    for (const step of scenario.steps || []) if (step.expect && step.expect.error) raised.add(step.expect.error.code)
  }
  assert.deepEqual([...raised].sort(), [...ordercore.errorCodes()].sort())
})
