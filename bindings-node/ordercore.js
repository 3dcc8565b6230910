'use strict'
// The package's entry: the native addon (`index.js`, the loader napi-rs generates) plus the one
// class written in JS, `Quote`. A quote is made on every cart a shop prices, so it is kept as
// cheap as a plain object: the cart becomes JSON text here (V8's `JSON.stringify` called from
// JS, not through Node-API), the addon answers the totals as one string, and no native value
// is wrapped (wrapping and finalizing one costs more than pricing the cart; see
// benches/README.md). The lists are built when first read, by pricing the same text again in
// the same context — the core is deterministic, so it is the same breakdown.

const { AsyncLocalStorage } = require('node:async_hooks')
const { inspect } = require('node:util')
const native = require('./index.js')

const { Pricer } = native

/**
 * A priced cart (`Pricer.quote`): the breakdown's keys, as getters. Totals are decimal strings;
 * a list (`lines`, `taxes`, `promotions`, `not_applied`, `shipping`) is built on its first read
 * and kept on the quote (later reads return the same objects). `JSON.stringify(quote)` gives
 * the whole breakdown.
 */
class Quote {
  #pricer
  #cart
  #context
  #totals
  #lists = null

  /** @internal Made by `Pricer.quote`. */
  constructor(pricer, cartJson, contextJson, totals) {
    this.#pricer = pricer
    this.#cart = cartJson
    this.#context = contextJson
    this.#totals = totals
  }

  get currency() { return this.#totals[0] }
  get prices_include_tax() { return this.#totals[1] === 'true' }
  get rounding() { return this.#totals[2] }
  get tax_rounding() { return this.#totals[3] }
  get subtotal() { return this.#totals[4] }
  get discount_total() { return this.#totals[5] }
  get shipping_total() { return this.#totals[6] }
  get tax_total() { return this.#totals[7] }
  get grand_total() { return this.#totals[8] }
  get lines() { return this.#kept().lines }
  get shipping() { return this.#kept().shipping }
  get taxes() { return this.#kept().taxes }
  get promotions() { return this.#kept().promotions }
  get not_applied() { return this.#kept().not_applied }

  /** The whole breakdown as new JS objects (what `Pricer.price` returns). */
  toJSON() { return JSON.parse(this.json()) }

  /** The whole breakdown as JSON text, without building JS objects. */
  json() { return this.#pricer.priceJson(this.#cart, this.#context) }

  #kept() {
    if (this.#lists === null) this.#lists = this.toJSON()
    return this.#lists
  }
}

/**
 * `price`, answering a `Quote`: the totals at once, the lists when read — the fast path when a
 * caller needs the totals rather than every line's every figure.
 */
Pricer.prototype.quote = function quote(cart, context) {
  let cartJson
  let contextJson = ''
  try {
    cartJson = JSON.stringify(cart)
    if (context != null) contextJson = JSON.stringify(context)
  } catch {
    cartJson = undefined
  }
  if (typeof cartJson !== 'string' || typeof contextJson !== 'string') {
    // Not JSON (a cycle, a BigInt, a bare function…): `price` reads the same values the same
    // way and throws the coded error that names the argument.
    this.price(cart, context)
    throw new TypeError('cart and context must be JSON documents')
  }
  const totals = this.quoteTotals(cartJson, contextJson).split(' ')
  return new Quote(this, cartJson, totals.length > 9 ? totals[9] : contextJson, totals)
}

// The order's field names (the same for every order), read from the first one answered.
let orderKeys = null

/**
 * An order answered by the engine, kept native (`handle`), as an object whose fields are
 * written as JSON and parsed when first read, then kept as ordinary properties. Writing and
 * parsing a whole 20-line order (≈ 14 KB) costs more than the command that made it, and most
 * callers read the id and the state. For every other purpose it is a plain object of the
 * order's keys: `Object.keys`, spread, `JSON.stringify`, `assert.deepStrictEqual` and
 * `console.log` see the whole order; a field may be set or deleted.
 */
function documentView (handle) {
  if (orderKeys === null) orderKeys = native.orderKeys(handle)
  const target = {}
  let deleted = null
  const pending = (key) => typeof key === 'string' && !Object.prototype.hasOwnProperty.call(target, key) &&
    orderKeys.includes(key) && !(deleted !== null && deleted.has(key))
  const read = (key) => {
    const text = native.orderField(handle, key)
    const value = text === undefined ? undefined : JSON.parse(text)
    target[key] = value
    return value
  }
  const whole = () => {
    for (const key of orderKeys) if (pending(key)) read(key)
    return target
  }
  Object.defineProperty(target, inspect.custom, { value: (depth, options) => inspect({ ...whole() }, options) })
  return new Proxy(target, {
    get: (t, key, receiver) => (pending(key) ? read(key) : Reflect.get(t, key, receiver)),
    has: (t, key) => pending(key) || Reflect.has(t, key),
    ownKeys: (t) => {
      const own = Reflect.ownKeys(t)
      const first = orderKeys.filter((key) => pending(key) || own.includes(key))
      return first.concat(own.filter((key) => !orderKeys.includes(key)))
    },
    getOwnPropertyDescriptor: (t, key) => {
      if (pending(key)) read(key)
      return Reflect.getOwnPropertyDescriptor(t, key)
    },
    defineProperty: (t, key, descriptor) => Reflect.defineProperty(t, key, descriptor),
    deleteProperty: (t, key) => {
      if (orderKeys.includes(key)) (deleted ??= new Set()).add(key)
      return Reflect.deleteProperty(t, key)
    },
  })
}

native.setDocumentView(documentView)

// The request a call serves: `correlated(id, fn)` runs `fn` with `id` as the correlation id of
// every engine call made inside it (awaits and callbacks included), which the engine puts in
// its records and in the events the calls emit.
const correlation = new AsyncLocalStorage()
native.setCorrelationSource(() => correlation.getStore())

let correlating = false

/** Runs `fn` with `id` as the correlation id of the engine calls it makes; answers what it answers. */
function correlated (id, fn) {
  if (!correlating) {
    native.correlating() // from now on the addon asks for the id at each call
    correlating = true
  }
  return correlation.run(id, fn)
}

/**
 * The engine, taking a pino-shaped `hosts.logger` (`info(fields, msg)`, `warn(fields, msg)`):
 * the addon hands it each call's records as one JSON text, written here as one logger call
 * per record.
 */
class Engine extends native.Engine {
  constructor (config, hosts) {
    const logger = hosts != null && typeof hosts === 'object' ? hosts.logger : undefined
    let given = hosts
    if (logger != null) {
      const usable = typeof logger === 'object' || typeof logger === 'function'
      // Not a logger: the addon refuses it, naming `logger`.
      given = { ...hosts, logger: usable ? (text) => writeRecords(logger, text) : 0 }
    }
    super(config, given)
    if (activeTracer() !== null) traceMethods(this)
  }
}

// OpenTelemetry, when the host has it: a span around every engine call once a tracer provider
// is registered (no-op spans are not made: they would cost without telling anyone anything).
let otel = null
try {
  otel = require('@opentelemetry/api')
} catch {
  // The package does not need it.
}
const NoopTracerProvider = otel && new otel.ProxyTracerProvider().getDelegate().constructor

function activeTracer () {
  if (otel === null) return null
  const provider = otel.trace.getTracerProvider()
  const delegate = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider
  return delegate instanceof NoopTracerProvider ? null : otel.trace.getTracer('ordercore')
}

/** Runs `call` (an engine call answering a Promise) in a span `ordercore.<kind> <name>`. */
function traced (kind, name, call) {
  const tracer = activeTracer()
  if (tracer === null) return call()
  const attributes = { 'ordercore.kind': kind, 'ordercore.name': String(name) }
  const request = correlation.getStore()
  if (request !== undefined) attributes['ordercore.correlation_id'] = request
  return tracer.startActiveSpan(`ordercore.${kind} ${name}`, { attributes }, (span) => {
    const settle = (outcome, error) => {
      span.setAttribute('ordercore.outcome', outcome)
      if (error) {
        span.recordException(error)
        span.setStatus({ code: otel.SpanStatusCode.ERROR, message: error.message })
      }
      span.end()
    }
    const failed = (error) => {
      settle(error?.code ?? 'error', error)
      throw error
    }
    let answer
    try {
      answer = call()
    } catch (error) {
      failed(error)
    }
    return Promise.resolve(answer).then((value) => {
      settle('ok')
      return value
    }, failed)
  })
}

// On an engine made while a tracer provider is registered (as the OpenTelemetry SDK does when
// it starts), every command and query method runs in `traced`; the other methods (the outbox,
// the clock, pricing, the scheduler, webhook signatures) are not engine commands. Other engines
// keep the addon's methods as they are: a wrapper on every call costs about a microsecond.
const QUERY_METHODS = new Set(['getOrder', 'listOrders', 'listReturns', 'availableActions', 'stockLevels', 'shippingRates', 'getPlan', 'getSubscription', 'getInvoice', 'listSubscriptions', 'listInvoices', 'upcomingInvoice'])
const UNTRACED = new Set(['constructor', 'markDelivered', 'pendingEvents', 'price', 'setClock', 'tick', 'verifyWebhook'])
const GENERIC = { execute: 'command', executeJson: 'command', query: 'query', queryJson: 'query' }
const snake = (method) => method.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)

function traceMethods (engine) {
  for (const method of Object.getOwnPropertyNames(native.Engine.prototype)) {
    if (UNTRACED.has(method)) continue
    const call = native.Engine.prototype[method]
    const generic = GENERIC[method]
    const kind = generic ?? (QUERY_METHODS.has(method) ? 'query' : 'command')
    Object.defineProperty(engine, method, {
      value: function (...args) {
        const name = generic === undefined ? snake(method) : args[1]?.[kind]
        return traced(kind, name, () => call.apply(this, args))
      },
      writable: true,
      configurable: true,
    })
  }
}

function writeRecords (logger, text) {
  for (const record of JSON.parse(text)) {
    const write = logger[record.level]
    try {
      if (typeof write === 'function') write.call(logger, record.fields, record.msg)
    } catch {
      // A logger that fails loses its record; the engine's answer stands.
    }
  }
}

const { Relay } = require('./relay.js')

const {
  setDocumentView: _view, setCorrelationSource: _source, correlating: _correlating, orderKeys: _keys, orderField: _field,
  ...exported
} = native

module.exports = { ...exported, Engine, Quote, Relay, correlated }
