// The store contract (`ordercore/testing`) on the JS stores of this suite — and stores that
// break it are caught, naming the rule.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { checkStore } = require('../testing.js')
const { JsStore } = require('./helpers')

test('the JS store keeps the contract, sync and async', async () => {
  await checkStore(new JsStore())
  await checkStore(new JsStore({ async: true }))
})

test('a store that keeps the inserts of a refused commit is caught', async () => {
  class KeepsRefusedInserts extends JsStore {
    commit (request) {
      const status = super.commit(request)
      if (status === 'version_conflict') {
        for (const write of request.writes.filter((w) => w.expected_version === 0)) {
          super.commit({ writes: [write], events: [], idempotency: null })
        }
      }
      return status
    }
  }
  await assert.rejects(checkStore(new KeepsRefusedInserts()), /a refused commit writes no document/)
})

test('a store that ignores counter bounds is caught', async () => {
  class IgnoresBounds extends JsStore {
    commit (request) {
      const counters = request.counters.map((c) => ({ ...c, min: null, max: null }))
      return super.commit({ ...request, counters })
    }
  }
  await assert.rejects(checkStore(new IgnoresBounds()), /a counter below its minimum is a conflict/)
})

test('a store that hands out delivered events again is caught', async () => {
  class ForgetsDeliveries extends JsStore {
    markDelivered () { return this.answer(undefined) }
  }
  await assert.rejects(checkStore(new ForgetsDeliveries()), /delivered events are not handed out again/)
})
