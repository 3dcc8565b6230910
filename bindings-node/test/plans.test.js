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

test('subscribing invoices the first period; a cancellation at its end can be withdrawn', async () => {
  const engine = new ordercore.Engine({ clock: '2026-01-31T09:00:00Z' })
  await engine.createPlan(ADMIN, { plan: TEAM })
  const c1 = { type: 'customer', id: 'c1' }
  const subscription = await engine.subscribe(c1, { customer_id: 'c1', plan_id: 'team', quantity: 2 })
  assert.deepEqual([subscription.state, subscription.current_period_end], ['incomplete', '2026-02-28T09:00:00Z'])
  const invoice = await engine.getInvoice(c1, { invoice_id: subscription.latest_invoice })
  assert.deepEqual([invoice.number, invoice.state, invoice.amount_due], ['INV-000001', 'open', '29.00'])
  const paid = await engine.payInvoice(c1, { invoice_id: invoice.id })
  assert.deepEqual([paid.state, paid.attempts], ['paid', 1])
  assert.equal((await engine.getSubscription(c1, { subscription_id: subscription.id })).state, 'active')
  await assert.rejects(engine.payInvoice(c1, { invoice_id: invoice.id }), { code: 'invalid_transition' })
  const more = await engine.changeSubscription(c1, {
    subscription_id: subscription.id, quantity: 3, proration_behavior: 'always_invoice',
  })
  const renewed = await engine.renewSubscription({ type: 'system' }, { subscription_id: subscription.id })
  assert.equal(renewed.latest_invoice, more.latest_invoice, 'nothing due yet')
  const prorated = await engine.getInvoice(c1, { invoice_id: more.latest_invoice })
  assert.deepEqual(prorated.lines.map((line) => [line.kind, line.amount]),
    [['proration_charge', '36.00'], ['proration_credit', '-24.00']])
  await assert.rejects(engine.getSubscription({ type: 'customer', id: 'c2' }, { subscription_id: subscription.id }),
    { code: 'not_found' })
  await engine.createPlan(ADMIN, { plan: { ...TEAM, id: 'trial', trial_days: 14 } })
  const trialing = await engine.subscribe(c1, { customer_id: 'c1', plan_id: 'trial' })
  const scheduled = await engine.cancelSubscription(c1, { subscription_id: trialing.id, at_period_end: true })
  assert.deepEqual([scheduled.state, scheduled.cancel_at_period_end], ['trialing', true])
  assert.equal((await engine.keepSubscription(c1, { subscription_id: trialing.id })).cancel_at_period_end, false)
  assert.equal((await engine.pauseSubscription(c1, { subscription_id: trialing.id })).state, 'paused')
  const resumed = await engine.resumeSubscription(c1, { subscription_id: trialing.id })
  assert.deepEqual([resumed.state, resumed.next_period], ['active', 1])
  assert.equal((await engine.cancelSubscription(c1, { subscription_id: trialing.id })).state, 'canceled')
  const support = { type: 'staff', id: 's1', role: 'support' }
  assert.equal((await engine.voidInvoice(support, { invoice_id: resumed.latest_invoice })).state, 'void')
  const page = await engine.listSubscriptions(c1, { limit: 1 })
  assert.deepEqual(page.subscriptions.map((s) => s.id), [subscription.id])
  const rest = await engine.listSubscriptions(c1, { after: page.next })
  assert.deepEqual([rest.subscriptions.map((s) => s.id), rest.next], [[trialing.id], null])
  const invoices = await engine.listInvoices(c1, { subscription_id: subscription.id })
  assert.deepEqual(invoices.invoices.map((i) => i.id), [subscription.latest_invoice, more.latest_invoice])
  const open = await engine.listInvoices(c1, { subscription_id: subscription.id, state: 'open' })
  assert.deepEqual(open.invoices.map((i) => i.id), [more.latest_invoice])
  const upcoming = await engine.upcomingInvoice(c1, { subscription_id: subscription.id })
  assert.deepEqual([upcoming.state, upcoming.number, upcoming.total], ['draft', null, '36.00'])
})

test('the scheduler charges a subscription with a payment method; a coupon discounts it', async () => {
  const engine = new ordercore.Engine({ clock: '2026-01-31T09:00:00Z', promotions: [
    { id: 'welcome', code: 'WELCOME', effect: { type: 'percentage', percentage: '50' }, duration_periods: 1 }] })
  await engine.createPlan(ADMIN, { plan: TEAM })
  const c1 = { type: 'customer', id: 'c1' }
  const subscription = await engine.subscribe(c1, { customer_id: 'c1', plan_id: 'team', quantity: 2, payment_method: 'card', coupon: 'WELCOME' })
  assert.equal(subscription.discount, null, 'its one period is used by the first invoice')
  const report = await engine.tick()
  assert.deepEqual(report.billing.map((s) => [s.step, s.invoice_id]), [['paid', subscription.latest_invoice]])
  const paid = await engine.getInvoice(c1, { invoice_id: subscription.latest_invoice })
  assert.deepEqual([paid.discount_total, paid.state], ['14.50', 'paid'])
  await assert.rejects(engine.subscribe({ type: 'customer', id: 'c2' }, { customer_id: 'c2', plan_id: 'team', coupon: 'NOPE' }),
    { code: 'coupon_rejected' })
})
