'use strict'
// An outbox relay: drains an engine's events to handlers registered by event type — the same
// rules as Python's `ordercore.relay` (see there and README):
//
// - at least once: an event is marked delivered after every handler for it succeeded, so a
//   crash in between delivers it again (handlers tolerate a repeat; `event.id` is unique); a
//   handler that succeeded is not called again while another handler of the event is retried;
// - in order per aggregate (`order/ord_1`): while one event waits for a retry, the aggregate's
//   later events wait too; other aggregates go on;
// - a failing handler is retried after the `backoffMs` delays (the last repeats) up to
//   `maxAttempts` times, then the event goes to `deadLetters` and the outbox moves on.
//
// One relay per outbox: two would deliver the same events twice.

class Relay {
  #engine
  #maxAttempts
  #backoffMs
  #batch
  #clock
  #handlers = new Map()
  #attempts = new Map()
  #retryAt = new Map()
  #succeeded = new Map()

  constructor (engine, { maxAttempts = 5, backoffMs = [1000, 5000, 30000, 120000, 600000], batch = 100, clock = Date.now } = {}) {
    if (!(maxAttempts >= 1) || !Array.isArray(backoffMs) || backoffMs.length === 0 || !(batch >= 1)) {
      throw new RangeError('maxAttempts and batch must be at least 1, and backoffMs must not be empty')
    }
    this.#engine = engine
    this.#maxAttempts = maxAttempts
    this.#backoffMs = backoffMs
    this.#batch = batch
    this.#clock = clock
    /** Events given up on, oldest first: `{ position, event, error, attempts }`. */
    this.deadLetters = []
  }

  /** Registers `handler` (sync or async) for events of `eventType` (`'*'`: every event). */
  on (eventType, handler) {
    if (typeof handler !== 'function') throw new TypeError('a handler is a function')
    const handlers = this.#handlers.get(eventType) ?? []
    handlers.push(handler)
    this.#handlers.set(eventType, handlers)
    return this
  }

  /** Delivers what is due among the oldest undelivered events (at most `batch`). */
  async runOnce () {
    const report = { delivered: 0, failed: 0, deadLettered: 0, waiting: 0 }
    const now = this.#clock()
    const blocked = new Set()
    const done = []
    for (const { position, event } of await this.#engine.pendingEvents(this.#batch)) {
      if (blocked.has(event.aggregate) || (this.#retryAt.get(position) ?? now) > now) {
        blocked.add(event.aggregate)
        report.waiting += 1
        continue
      }
      const error = await this.#deliver(position, event)
      if (error === undefined) {
        this.#forget(position)
        done.push(position)
        report.delivered += 1
      } else if (this.#giveUp(position, event, error, now)) {
        done.push(position)
        report.deadLettered += 1
      } else {
        blocked.add(event.aggregate)
        report.failed += 1
      }
    }
    if (done.length) await this.#engine.markDelivered(done)
    return report
  }

  /** Runs passes until `signal` aborts, resting `idleMs` after a pass that delivered nothing. */
  async runForever (signal, idleMs = 1000) {
    while (!signal.aborted) {
      const report = await this.runOnce()
      if (report.delivered === 0 && report.deadLettered === 0) {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, idleMs)
          signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
        })
      }
    }
  }

  async #deliver (position, event) {
    const handlers = [...(this.#handlers.get(event.type) ?? []), ...(this.#handlers.get('*') ?? [])]
    const succeeded = this.#succeeded.get(position) ?? new Set()
    this.#succeeded.set(position, succeeded)
    for (const handler of handlers) {
      if (succeeded.has(handler)) continue
      try {
        await handler(event)
      } catch (error) {
        return error ?? new Error('a handler threw nothing')
      }
      succeeded.add(handler)
    }
    return undefined
  }

  #giveUp (position, event, error, now) {
    const attempts = (this.#attempts.get(position) ?? 0) + 1
    this.#attempts.set(position, attempts)
    if (attempts < this.#maxAttempts) {
      this.#retryAt.set(position, now + this.#backoffMs[Math.min(attempts, this.#backoffMs.length) - 1])
      return false
    }
    this.deadLetters.push({ position, event, error, attempts })
    this.#forget(position)
    return true
  }

  #forget (position) {
    for (const table of [this.#attempts, this.#retryAt, this.#succeeded]) table.delete(position)
  }
}

module.exports = { Relay }
