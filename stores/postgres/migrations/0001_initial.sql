-- The first tables: versioned documents with the order index columns, the outbox, the
-- idempotency records. IF NOT EXISTS: a database made before migrations shipped is adopted.
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
);
