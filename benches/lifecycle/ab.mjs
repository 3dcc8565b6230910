// Two builds of the Node package in one process, timed in turn: `node ab.mjs fixture dirA dirB
// [rounds]` loads the package from each directory (each its own addon), then runs rounds of one
// 200-lifecycle batch per build in a shuffled order and prints the median of B's time over A's.
// Batches of the two builds a few milliseconds apart see the same machine, so its swings (a third
// on a shared machine, over seconds) cancel out of each round's ratio. Used for #22's records-off
// figure; an A/A run (the same build copied to two directories) shows the method's own spread.
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { lifecycle } from './lifecycle.mjs'

const require = createRequire(import.meta.url)
const [fixturePath, dirA, dirB, roundsArg] = process.argv.slice(2)
const fixture = JSON.parse(fs.readFileSync(fixturePath, 'utf8'))
const rounds = Number(roundsArg || 200)
const lifecycleOf = (dir) => lifecycle(require(path.resolve(dir)), fixture)

const median = (values) => {
  const sorted = [...values].sort((x, y) => x - y)
  return sorted[Math.floor(sorted.length / 2)]
}

const a = await lifecycleOf(dirA)
const b = await lifecycleOf(dirB)
for (let i = 0; i < 5; i++) { await a(); await b() } // warm-up: both JIT-compiled
const ratios = []
const timesA = []
const timesB = []
for (let round = 0; round < rounds; round++) {
  let ta, tb
  if (Math.random() < 0.5) { ta = await a(); tb = await b() } else { tb = await b(); ta = await a() }
  timesA.push(ta)
  timesB.push(tb)
  ratios.push(tb / ta)
}
// The median ratio, with the spread of medians over halves of the rounds as a rough error bar.
const halves = [ratios.filter((_, i) => i % 2 === 0), ratios.filter((_, i) => i % 2 === 1)].map(median)
console.log(JSON.stringify({
  rounds,
  a_us: Number(median(timesA).toFixed(2)),
  b_us: Number(median(timesB).toFixed(2)),
  ratio: Number(median(ratios).toFixed(4)),
  halves: halves.map((h) => Number(h.toFixed(4)))
}))
