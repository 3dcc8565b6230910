// The ordercore `Store` protocol on PostgreSQL with `pg`: one table of versioned documents, an
// outbox and the idempotency records. Every method is async; the engine waits for the Promises
// off the JS thread, so the event loop keeps serving requests meanwhile.
//
// Many processes may share the database: a commit applies all of its writes or none, and each
// write is guarded by the version it was read at, so concurrent checkouts of the last units
// cannot both win — the loser gets 'version_conflict', and the engine reloads and retries.
'use strict'

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  kind        text    NOT NULL,
  id          text    NOT NULL,
  version     bigint  NOT NULL,
  body        text    NOT NULL,
  customer_id text,
  state       text,
  created_at  text,
  due_at      text,
  PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS documents_orders ON documents (created_at, id) WHERE kind = 'order';
CREATE INDEX IF NOT EXISTS documents_due ON documents (due_at) WHERE kind = 'order' AND due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS outbox (
  position  bigserial PRIMARY KEY,
  event     text      NOT NULL,
  delivered boolean   NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS idempotency (
  key    text PRIMARY KEY,
  record text NOT NULL
);`

class PgStore {
  /** @param {import('pg').Pool} pool */
  constructor (pool) {
    this.pool = pool
  }

  /** Creates the tables (idempotent; several processes may race here). */
  async migrate () {
    const client = await this.pool.connect()
    try {
      await client.query('SELECT pg_advisory_lock(7262)')
      await client.query(SCHEMA)
    } finally {
      await client.query('SELECT pg_advisory_unlock(7262)').catch(() => {})
      client.release()
    }
  }

  async load ({ kind, id }) {
    const { rows } = await this.pool.query('SELECT version, body FROM documents WHERE kind = $1 AND id = $2', [kind, id])
    return rows.length ? { version: Number(rows[0].version), document: rows[0].body } : null
  }

  async commit ({ writes, events, idempotency }) {
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

  async findOrders ({ customer_id: customerId, state, due_before: dueBefore, after_created_at: afterCreatedAt, after_id: afterId, limit }) {
    const { rows } = await this.pool.query(
      `SELECT body FROM documents
       WHERE kind = 'order'
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
