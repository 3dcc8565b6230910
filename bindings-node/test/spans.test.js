// OpenTelemetry spans around engine calls once the host registers a tracer provider: one span
// per command or query, named after it, inside the host's active span, with the correlation id
// and the outcome (a refusal's code, and the span's status an error).
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const otel = require('@opentelemetry/api')
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base')
const { ordercore, ADMIN, C1, CONFIG, placeOrder } = require('./helpers')

test('each command and query of an engine made with a provider is a span inside the host\'s own, with its outcome', async () => {
  const quiet = new ordercore.Engine(CONFIG)
  await quiet.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 5 }) // no provider yet: no span, no error

  const exporter = new InMemorySpanExporter()
  otel.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  otel.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
  const engine = new ordercore.Engine(CONFIG)
  const tracer = otel.trace.getTracer('shop')
  await tracer.startActiveSpan('POST /orders', async (request) => {
    await ordercore.correlated('req-42', async () => {
      await engine.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 5 })
      const order = await engine.placeOrder(C1, { ...placeOrder(1), command: undefined })
      await assert.rejects(engine.getOrder({ type: 'customer', id: 'c2' }, { order_id: order.id }), { code: 'not_found' })
      await engine.queryJson(ADMIN, { query: 'get_order', order_id: order.id })
    })
    request.end()
  })
  await quiet.execute(ADMIN, { command: 'set_stock', sku: 'A', on_hand: 6 }) // made before the provider: unwrapped
  const spans = exporter.getFinishedSpans()
  const names = spans.map((span) => span.name).sort()
  assert.deepEqual(names, ['POST /orders', 'ordercore.command place_order', 'ordercore.command set_stock',
    'ordercore.query get_order', 'ordercore.query get_order'])
  const parent = spans.find((span) => span.name === 'POST /orders')
  const placing = spans.find((span) => span.name === 'ordercore.command place_order')
  assert.equal(placing.parentSpanContext?.spanId ?? placing.parentSpanId, parent.spanContext().spanId)
  assert.deepEqual(placing.attributes, {
    'ordercore.kind': 'command', 'ordercore.name': 'place_order', 'ordercore.correlation_id': 'req-42', 'ordercore.outcome': 'ok',
  })
  const reads = spans.filter((span) => span.name === 'ordercore.query get_order')
  assert.deepEqual(reads.map((span) => span.attributes['ordercore.outcome']).sort(), ['not_found', 'ok'])
  assert.deepEqual(reads.map((span) => span.status.code).sort(), [otel.SpanStatusCode.UNSET, otel.SpanStatusCode.ERROR].sort())
})
