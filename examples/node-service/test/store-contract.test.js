// The PostgreSQL store keeps the store contract (`ordercore/testing`), on the throwaway
// PostgreSQL the test script starts — in a schema of its own, so it never meets the tables of
// the service's tests (test files may run at the same time).
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const test = require('node:test')
const assert = require('node:assert/strict')
const { checkStore } = require('ordercore/testing')
const { PgStore } = require('ordercore/pg')

const DATABASE_URL = process.env.DATABASE_URL

test('the pg store keeps the store contract', { skip: !DATABASE_URL && 'needs DATABASE_URL' }, async () => {
  const { Pool } = require('pg')
  const setup = new Pool({ connectionString: DATABASE_URL })
  await setup.query('DROP SCHEMA IF EXISTS store_contract CASCADE; CREATE SCHEMA store_contract')
  await setup.end()
  const pool = new Pool({ connectionString: DATABASE_URL, options: '-c search_path=store_contract' })
  try {
    const store = new PgStore(pool)
    await Promise.all([store.migrate(), store.migrate()]) // processes racing at deploy
    const { rows } = await pool.query('SELECT version FROM ordercore_migrations ORDER BY version')
    const shipped = fs.readdirSync(path.join(path.dirname(require.resolve('ordercore/pg')), 'migrations', 'pg'))
      .map((file) => file.replace(/\.sql$/, '')).sort()
    assert.deepEqual(rows.map((r) => r.version), shipped, 'each migration applied once')
    await checkStore(store)
  } finally {
    await pool.end()
  }
})
