// The 20-line lifecycle (place with capture, ship, deliver) from Node, on the fixture
// `time_lifecycle fixture` prints (the engine and checkout the Rust benchmark runs): prints the
// median µs per lifecycle over `rounds` batches. Run by `benches/lifecycle/run.sh`; `ab.mjs`
// times two builds with the same batches.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const BATCH = 200
const admin = { type: 'staff', id: 'p', role: 'admin' }
const customer = { type: 'customer', id: 'c1' }

/** An engine of `ordercore` (a loaded package) on `fixture`, and a function timing one batch
 * of its lifecycles: µs per lifecycle. */
export async function lifecycle (ordercore, fixture) {
  const engine = new ordercore.Engine(fixture.config)
  for (const sku of fixture.skus) await engine.execute(admin, { command: 'set_stock', sku, on_hand: 2 ** 52 })
  const place = fixture.place
  return async function batch () {
    const start = process.hrtime.bigint()
    for (let i = 0; i < BATCH; i++) {
      const order = await engine.placeOrder(customer, place)
      await engine.shipOrder(admin, { order_id: order.id })
      await engine.deliverOrder(admin, { order_id: order.id })
    }
    return Number(process.hrtime.bigint() - start) / 1e3 / BATCH
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const require = createRequire(import.meta.url)
  const fixture = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
  const rounds = Number(process.argv[3] || 15)
  const batch = await lifecycle(require('../../bindings-node'), fixture)
  await batch() // warm-up
  const times = []
  for (let i = 0; i < rounds; i++) times.push(await batch())
  times.sort((a, b) => a - b)
  console.log(times[Math.floor(times.length / 2)].toFixed(2))
}
