// Subscription plans through the camelCase methods: amounts as decimal text (an integer number
// taken exactly), versions kept, errors with the core's codes.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const { ordercore, ADMIN } = require('./helpers')

const TEAM = {
  id: 'team', name: 'Team', currency: 'USD', amount: '12.00',
  interval: { unit: 'month', count: 1 }, pricing: 'per_seat', setup_fee: 5,
}

test('a new price is a new version; the old one stays', async () => {
  const engine = new ordercore.Engine({ clock: '2026-06-01T12:00:00Z' })
  const created = await engine.createPlan(ADMIN, { plan: TEAM })
  assert.deepEqual([created.latest.version, created.latest.setup_fee], [1, '5.00'])
  const repriced = await engine.repricePlan(ADMIN, { plan_id: 'team', amount: '15.00' })
  assert.deepEqual(repriced.earlier.map((v) => v.amount), ['12.00'])
  assert.deepEqual([repriced.latest.version, repriced.latest.amount], [2, '15.00'])
  assert.deepEqual(await engine.getPlan({ type: 'customer', id: 'c1' }, { plan_id: 'team' }), repriced)
  const archived = await engine.archivePlan(ADMIN, { plan_id: 'team' })
  assert.deepEqual([archived.latest.status, archived.earlier[0].status], ['archived', 'archived'])
})

test('plan errors carry the core codes and fields', async () => {
  const engine = new ordercore.Engine({ clock: '2026-06-01T12:00:00Z' })
  await assert.rejects(engine.createPlan({ type: 'customer', id: 'c1' }, { plan: TEAM }), { code: 'forbidden' })
  await engine.createPlan(ADMIN, { plan: TEAM })
  await assert.rejects(engine.createPlan(ADMIN, { plan: TEAM }), { code: 'invalid_input', field: 'plan.id' })
  await assert.rejects(engine.repricePlan(ADMIN, { plan_id: 'team', amount: '1.001' }),
    { code: 'too_many_decimals', field: 'amount' })
  await assert.rejects(engine.getPlan(ADMIN, { plan_id: 'nope' }), { code: 'not_found' })
})
