// Starts the order service: `DATABASE_URL=postgresql://… node server.js` keeps everything in
// PostgreSQL (many processes may share it); without DATABASE_URL it runs on the engine's
// in-memory store. SHOP_FILE names a JSON file with the engine's configuration (catalog, tax,
// promotions) instead of the demo shop. Prints `listening on <port>` once ready (PORT=0 picks a
// free port).
'use strict'

// With a PostgreSQL store each engine call holds one of libuv's worker threads while it waits
// for the database (the store's Promises); libuv has 4 by default, so no more than 4 checkouts
// could be in flight. Set before the pool starts (its first use).
process.env.UV_THREADPOOL_SIZE ??= '16'

const { randomInt } = require('node:crypto')
const fs = require('node:fs')
const { Engine, Relay } = require('ordercore')
const { buildApp } = require('./app')

/** The demo shop's catalog, tax and engine settings. */
const CONFIG = {
  engine: { currency: 'USD' },
  products: [
    { sku: 'mug', name: 'Mug', unit_price: '12.50', weight: '0.4' },
    { sku: 'tee', name: 'T-shirt', unit_price: '20.00', weight: '0.2' },
  ],
  tax_rules: [{ id: 'us-ca', name: 'CA sales tax', country: 'US', region: 'CA', percentage: '7.25' }],
}

async function start ({ port = Number(process.env.PORT ?? 3000), databaseUrl = process.env.DATABASE_URL } = {}) {
  let store
  let pool
  if (databaseUrl) {
    const { Pool } = require('pg')
    const { PgStore } = require('ordercore/pg')
    pool = new Pool({ connectionString: databaseUrl, max: 10 })
    store = new PgStore(pool)
    await store.migrate()
  }
  // Ids are UUID-shaped from a seed; every process draws its own, so processes sharing the
  // database never hand out the same order id (the core itself has no randomness).
  const shop = process.env.SHOP_FILE ? JSON.parse(fs.readFileSync(process.env.SHOP_FILE, 'utf8')) : CONFIG
  const engine = new Engine({ ...shop, id_seed: randomInt(2 ** 47) }, { store })
  const app = buildApp({ engine })
  const stop = new AbortController()
  // The outbox to the log (a real shop sends emails, publishes to a queue): at least once, in
  // order per order, a failing handler retried with backoff.
  const relay = new Relay(engine).on('*', (event) => app.log.info({ event: event.type, aggregate: event.aggregate }))
  const relaying = relay.runForever(stop.signal, 200)
  // The scheduler every TICK_SECONDS (default 30; 0: never). Every process may run it: a tick's
  // changes are version-guarded, so no order expires twice.
  const tickSeconds = Number(process.env.TICK_SECONDS ?? 30)
  const ticking = tickSeconds > 0
    ? setInterval(() => engine.tick().catch((error) => app.log.error(error)), tickSeconds * 1000)
    : null
  app.addHook('onClose', async () => {
    stop.abort()
    if (ticking) clearInterval(ticking)
    await relaying.catch((error) => app.log.error(error))
    if (pool) await pool.end()
  })
  await app.listen({ port, host: '127.0.0.1' })
  return { app, port: app.server.address().port }
}

if (require.main === module) {
  start().then(({ port }) => {
    console.log(`listening on ${port}`)
  }, (error) => {
    console.error(error)
    process.exit(1)
  })
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0))
}

module.exports = { start, CONFIG }
