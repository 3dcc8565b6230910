// The HTTP API of the order service: Fastify routes that turn requests into ordercore commands
// and queries, and ordercore error codes into HTTP statuses. All domain decisions are the
// engine's; this file only translates.
'use strict'

const Fastify = require('fastify')

/** ordercore error code → HTTP status. */
const STATUS = {
  invalid_input: 422,
  unknown_currency: 422,
  currency_mismatch: 422,
  too_many_decimals: 422,
  amount_overflow: 422,
  limit_exceeded: 422,
  coupon_rejected: 422,
  not_found: 404,
  forbidden: 403,
  invalid_transition: 409,
  insufficient_stock: 409,
  version_conflict: 409,
  idempotency_conflict: 409,
  refund_exceeds_captured: 409,
  capture_exceeds_authorized: 409,
  payment_declined: 402,
  gateway_unavailable: 503,
  invalid_signature: 401,
  provider_error: 502,
}

/**
 * Who is asking. A real service gets this from its auth (a verified JWT, a session); the
 * example reads it from headers so the tests can act as any customer or staff member:
 * `x-customer-id: c1`, or `x-staff-id: ops` with `x-staff-role: admin|support|warehouse`.
 */
function actorOf (request) {
  const staff = request.headers['x-staff-id']
  if (staff) return { type: 'staff', id: String(staff), role: String(request.headers['x-staff-role'] ?? 'admin') }
  const customer = request.headers['x-customer-id']
  if (customer) return { type: 'customer', id: String(customer) }
  return null
}

/**
 * @param {{ engine: import('ordercore').Engine, webhookSecret?: string }} options
 */
function buildApp ({ engine, webhookSecret = 'carrier-secret', logger = false }) {
  const app = Fastify({ logger })

  app.setErrorHandler((error, request, reply) => {
    if (error && error.name === 'OrderCoreError') {
      const { name, message, stack, ...details } = error
      return reply.status(STATUS[error.code] ?? 500).send({ error: { ...details, message } })
    }
    if (error.validation || error.statusCode === 400) {
      return reply.status(422).send({ error: { code: 'invalid_input', message: error.message } })
    }
    request.log.error(error)
    return reply.status(500).send({ error: { code: 'internal', message: 'internal error' } })
  })

  // Every /api route needs an actor.
  app.addHook('preHandler', async (request, reply) => {
    if (!request.url.startsWith('/api/')) return
    request.actor = actorOf(request)
    if (!request.actor) return reply.status(401).send({ error: { code: 'unauthenticated', message: 'no actor' } })
  })

  const run = (request, command) => engine.execute(request.actor, command, request.headers['idempotency-key'])
  const order = async (promise) => (await promise).value
  // An answer sent on as the engine's JSON text: no JS objects built for it, none stringified.
  const json = (reply, status, text) => reply.status(status).type('application/json').send(text)
  const runJson = (request, command) =>
    engine.executeJson(request.actor, command, request.headers['idempotency-key'])

  app.get('/health', async () => ({ status: 'ok' }))

  app.post('/api/orders', async (request, reply) =>
    json(reply, 201, await runJson(request, { ...request.body, command: 'place_order' })))

  app.get('/api/orders/:id', async (request, reply) =>
    json(reply, 200, await engine.queryJson(request.actor, { query: 'get_order', order_id: request.params.id })))

  app.get('/api/orders', async (request) => {
    const { customer_id: customerId, status, limit, cursor } = request.query
    const page = await engine.query(request.actor, {
      query: 'list_orders',
      customer_id: customerId ?? null,
      state: status ?? null,
      limit: limit === undefined ? null : Number(limit),
      after: cursor ?? null,
    })
    return page.value
  })

  app.post('/api/orders/:id/pay', async (request, reply) =>
    json(reply, 200, await runJson(request, { ...request.body, command: 'pay_order', order_id: request.params.id })))
  app.post('/api/orders/:id/capture', async (request, reply) =>
    json(reply, 200, await runJson(request, { ...request.body, command: 'capture_payment', order_id: request.params.id })))
  app.post('/api/orders/:id/process', async (request, reply) =>
    json(reply, 200, await runJson(request, { command: 'process_order', order_id: request.params.id })))
  app.post('/api/orders/:id/ship', async (request, reply) =>
    json(reply, 200, await runJson(request, { ...request.body, command: 'ship_order', order_id: request.params.id })))
  app.post('/api/orders/:id/deliver', async (request, reply) =>
    json(reply, 200, await runJson(request, { command: 'deliver_order', order_id: request.params.id })))

  app.delete('/api/orders/:id', async (request, reply) => {
    await run(request, { command: 'cancel_order', order_id: request.params.id, reason: request.query.reason ?? null })
    return reply.status(204).send()
  })

  app.post('/api/orders/:id/refunds', async (request, reply) => {
    const refunded = await order(run(request, { ...request.body, command: 'refund_payment', order_id: request.params.id }))
    return reply.status(201).send(refunded)
  })

  app.get('/api/orders/:id/actions', async (request) =>
    (await engine.query(request.actor, { query: 'available_actions', order_id: request.params.id })).value)

  app.get('/api/orders/:id/returns', async (request) =>
    (await engine.query(request.actor, { query: 'list_returns', order_id: request.params.id })).value)

  app.post('/api/returns', async (request, reply) => {
    const updated = await order(run(request, { ...request.body, command: 'request_return' }))
    return reply.status(201).send(updated.returns[updated.returns.length - 1])
  })

  // approve | reject | schedule_pickup | mark_in_transit | receive | process | refund | cancel
  app.post('/api/returns/:id/:action', async (request) => {
    const { order_id: orderId, received } = request.body ?? {}
    const updated = await order(run(request, {
      command: 'update_return', order_id: orderId, return_id: request.params.id, action: request.params.action, received,
    }))
    return updated.returns.find((r) => r.id === request.params.id)
  })

  app.put('/api/stock/:sku', async (request) =>
    (await run(request, { ...request.body, command: 'set_stock', sku: request.params.sku })).value)

  app.get('/api/stock/:sku', async (request) =>
    (await engine.query(request.actor, { query: 'stock_levels', sku: request.params.sku })).value)

  // Runs the scheduler now (staff): unpaid orders past their reservation expire, scheduled
  // flows advance. server.js also runs it every TICK_SECONDS.
  app.post('/api/admin/tick', (request) => engine.tick(request.actor))

  app.post('/api/shipping/rates', async (request) =>
    (await engine.query(request.actor, { ...request.body, query: 'shipping_rates' })).value)

  // A carrier's tracking callback, signed over the raw body (HMAC-SHA256, Stripe scheme).
  app.register(async (hooks) => {
    hooks.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => done(null, body))
    hooks.post('/webhooks/carrier', async (request, reply) => {
      const timestamp = Number(request.headers['x-timestamp'])
      engine.verifyWebhook(webhookSecret, request.body, timestamp, String(request.headers['x-signature'] ?? ''))
      const update = JSON.parse(request.body)
      await engine.execute({ type: 'system' }, { ...update, command: 'tracking_update' })
      return reply.status(204).send()
    })
  })

  return app
}

module.exports = { buildApp, STATUS }
