// The ordercore `Store` protocol on PostgreSQL with `pg` (`require('ordercore/pg')`; `pg` is the
// host's own dependency): one table of versioned documents, one of counters, an outbox and the
// idempotency records. Every method is async; the engine waits for the Promises off the JS thread, so the
// event loop keeps serving requests meanwhile.
//
//   const store = new PgStore(new Pool({ connectionString }))
//   await store.migrate()      // at deploy: applies the package's migrations not yet applied
//
// Many processes may share the database: a commit applies all of its writes or none, each write
// guarded by the version it was read at; stock counts and coupon uses are counters changed by
// guarded deltas, so concurrent checkouts of one sku do not conflict, and of two racing for the
// last units one commits and the other gets 'version_conflict' — the engine decides again and
// answers `insufficient_stock`.
'use strict'

const fs = require('node:fs')
const path = require('node:path')

// The migrations shipped with the package, applied in order and recorded in
// `ordercore_migrations` (one row per applied file).
const MIGRATIONS = path.join(__dirname, 'migrations', 'pg')
// The kinds of documents listed with index columns (the engine asks `find` for no other).
const LISTED = ['order', 'subscription']

class PgStore {
  /** @param {import('pg').Pool} pool */
  constructor (pool) {
    this.pool = pool
  }

  /**
   * Applies the package's migrations the database lacks, in order, each in a transaction with
   * its record in `ordercore_migrations`; several processes may race here (an advisory lock
   * serializes them).
   */
  async migrate () {
    const client = await this.pool.connect()
    try {
      await client.query('SELECT pg_advisory_lock(7262)')
      await client.query(`CREATE TABLE IF NOT EXISTS ordercore_migrations (
        version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
      const { rows } = await client.query('SELECT version FROM ordercore_migrations')
      const applied = new Set(rows.map((r) => r.version))
      for (const file of fs.readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()) {
        const version = file.replace(/\.sql$/, '')
        if (applied.has(version)) continue
        await client.query('BEGIN')
        try {
          await client.query(fs.readFileSync(path.join(MIGRATIONS, file), 'utf8'))
          await client.query('INSERT INTO ordercore_migrations (version) VALUES ($1)', [version])
          await client.query('COMMIT')
        } catch (error) {
          await client.query('ROLLBACK')
          throw error
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock(7262)').catch(() => {})
      client.release()
    }
  }

  async load ({ kind, id }) {
    const { rows } = await this.pool.query('SELECT version, body FROM documents WHERE kind = $1 AND id = $2', [kind, id])
    return rows.length ? { version: Number(rows[0].version), document: rows[0].body } : null
  }

  async counters ({ names }) {
    const { rows } = await this.pool.query('SELECT name, value FROM counters WHERE name = ANY($1::text[])', [names])
    const values = new Map(rows.map((r) => [r.name, Number(r.value)]))
    return names.map((name) => values.get(name) ?? 0)
  }

  async commit ({ writes, counters, events, idempotency }) {
    const client = await this.pool.connect()
    try {
      await client.query('BEGIN')
      const abort = async (status) => { await client.query('ROLLBACK'); return status }
      for (const w of writes) {
        const index = [w.customer_id, w.state, w.created_at, w.due_at]
        const result = w.expected_version === 0
          ? await client.query(
            `INSERT INTO documents (kind, id, version, body, customer_id, state, created_at, due_at)
             VALUES ($1, $2, 1, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
            [w.kind, w.id, w.document, ...index])
          : await client.query(
            `UPDATE documents SET version = version + 1, body = $3, customer_id = $4, state = $5,
               created_at = $6, due_at = $7
             WHERE kind = $1 AND id = $2 AND version = $8`,
            [w.kind, w.id, w.document, ...index, w.expected_version])
        if (result.rowCount !== 1) return await abort('version_conflict')
      }
      for (const c of counters) {
        // One statement per counter: created at the delta or incremented, its row locked by
        // this transaction until it ends.
        const { rows } = await client.query(
          `INSERT INTO counters (name, value) VALUES ($1, $2)
           ON CONFLICT (name) DO UPDATE SET value = counters.value + excluded.value RETURNING value`,
          [c.name, c.delta])
        const value = Number(rows[0].value)
        if ((c.min !== null && value < c.min) || (c.max !== null && value > c.max)) {
          return await abort('version_conflict')
        }
      }
      if (idempotency) {
        const result = await client.query(
          'INSERT INTO idempotency (key, record) VALUES ($1, $2) ON CONFLICT DO NOTHING',
          [idempotency.key, idempotency.record])
        if (result.rowCount !== 1) return await abort('idempotency_conflict')
      }
      if (events.length) {
        await client.query('INSERT INTO outbox (event) SELECT unnest($1::text[])', [events])
      }
      await client.query('COMMIT')
      return null
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {})
      throw error
    } finally {
      client.release()
    }
  }

  async find ({ kind, customer_id: customerId, state, due_before: dueBefore, after_created_at: afterCreatedAt, after_id: afterId, limit }) {
    if (!LISTED.includes(kind)) throw new Error(`find: no list of ${kind} documents`)
    // The kind as written in the partial indexes (a bound parameter would keep the planner from
    // using them); checked above against the listed kinds.
    const { rows } = await this.pool.query(
      `SELECT body FROM documents
       WHERE kind = '${kind}'
         AND ($1::text IS NULL OR customer_id = $1)
         AND ($2::text IS NULL OR state = $2)
         AND ($3::text IS NULL OR (due_at IS NOT NULL AND due_at <= $3))
         AND ($4::text IS NULL OR (created_at, id) > ($4, $5))
       ORDER BY created_at, id
       LIMIT $6`,
      [customerId, state, dueBefore, afterCreatedAt, afterId ?? '', limit + 1])
    return { documents: rows.slice(0, limit).map((r) => r.body), more: rows.length > limit }
  }

  async idempotency ({ key }) {
    const { rows } = await this.pool.query('SELECT record FROM idempotency WHERE key = $1', [key])
    return rows.length ? rows[0].record : null
  }

  async pendingEvents ({ limit }) {
    const { rows } = await this.pool.query(
      'SELECT position, event FROM outbox WHERE NOT delivered ORDER BY position LIMIT $1', [limit])
    return rows.map((r) => ({ position: Number(r.position), event: r.event }))
  }

  async markDelivered ({ positions }) {
    await this.pool.query('UPDATE outbox SET delivered = true WHERE position = ANY($1::bigint[])', [positions])
  }
}

module.exports = { PgStore }
