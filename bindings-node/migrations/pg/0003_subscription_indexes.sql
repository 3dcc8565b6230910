-- Subscriptions carry the same index columns as orders (customer, state, creation and due
-- times): listed by creation, a page at a time, and found by the scheduler when due.
CREATE INDEX IF NOT EXISTS documents_subscriptions ON documents (created_at, id) WHERE kind = 'subscription';
CREATE INDEX IF NOT EXISTS documents_subscriptions_due ON documents (due_at) WHERE kind = 'subscription' AND due_at IS NOT NULL;
