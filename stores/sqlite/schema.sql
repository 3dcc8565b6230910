-- The tables of the Python package's SqlStore at its Alembic revision 0004 (`ordercore/stores/
-- migrations`), statement for statement, each created only when missing: a database either
-- package made is adopted as it is. A new table or index goes here and into a new Alembic
-- revision together (a Python test compares the two schemas).
CREATE TABLE IF NOT EXISTS documents (
	kind VARCHAR(32) NOT NULL,
	id VARCHAR(200) NOT NULL,
	version BIGINT NOT NULL,
	body TEXT NOT NULL,
	customer_id VARCHAR(200),
	state VARCHAR(32),
	created_at VARCHAR(40),
	due_at VARCHAR(40),
	PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS ix_documents_customer_id ON documents (customer_id);
CREATE TABLE IF NOT EXISTS outbox (
	position INTEGER NOT NULL,
	event TEXT NOT NULL,
	delivered BOOLEAN DEFAULT 0 NOT NULL,
	PRIMARY KEY (position)
);
CREATE TABLE IF NOT EXISTS idempotency (
	"key" VARCHAR(300) NOT NULL,
	record TEXT NOT NULL,
	PRIMARY KEY ("key")
);
CREATE TABLE IF NOT EXISTS counters (
	name VARCHAR(300) NOT NULL,
	value BIGINT NOT NULL,
	PRIMARY KEY (name)
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (position) WHERE NOT delivered;
CREATE INDEX IF NOT EXISTS documents_orders ON documents (created_at, id) WHERE kind = 'order';
CREATE INDEX IF NOT EXISTS documents_due ON documents (due_at) WHERE kind = 'order' AND due_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS documents_subscriptions ON documents (created_at, id) WHERE kind = 'subscription';
CREATE INDEX IF NOT EXISTS documents_subscriptions_due ON documents (due_at) WHERE kind = 'subscription' AND due_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS alembic_version (
	version_num VARCHAR(32) NOT NULL,
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
