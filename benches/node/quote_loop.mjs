// Times only `Pricer.quote(...).grand_total` on the 20-line vector cart, in a tight loop (best
// of 7 batches) — the figure issue #5's target is about, without the other rows' noise.
import { createRequire } from 'node:module'
import { readFileSync } from 'node:fs'

const require = createRequire(import.meta.url)
const ordercore = require('../../bindings-node')
const vector = JSON.parse(readFileSync(new URL('../../tests/vectors/pricing/generated_usd_20_lines_order_discount.json', import.meta.url)))
const pricer = new ordercore.Pricer({ config: vector.cases[0].config, tax_rules: vector.tax_rules, promotions: vector.promotions })
const run = () => pricer.quote(vector.cart, vector.context).grand_total
if (run() !== vector.cases[0].expect.grand_total) throw new Error('quote disagrees with the vector')
const batch = 20000
let best = Infinity
for (let round = 0; round < 7; round++) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < batch; i++) run()
  best = Math.min(best, Number(process.hrtime.bigint() - start) / batch / 1000)
}
console.log(`Pricer.quote(...).grand_total: ${best.toFixed(1)} µs per call (best of 7 × ${batch})`)
