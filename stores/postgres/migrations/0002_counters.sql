-- Counters: a stock item's available and reserved units and a promotion's uses are changed by
-- guarded deltas (`INSERT … ON CONFLICT DO UPDATE … RETURNING value`), so concurrent checkouts of
-- one sku no longer conflict. The counts held until now in the stock and promotion-usage
-- documents move into them; the stock documents keep their settings.
CREATE TABLE IF NOT EXISTS counters (
  name  text   PRIMARY KEY,
  value bigint NOT NULL
);
INSERT INTO counters (name, value)
  SELECT 'available/' || id,
         ((body::jsonb)->'body'->>'on_hand')::bigint - ((body::jsonb)->'body'->>'reserved')::bigint
    FROM documents WHERE kind = 'stock' AND (body::jsonb)->'body' ? 'on_hand'
  UNION ALL
  SELECT 'reserved/' || id, ((body::jsonb)->'body'->>'reserved')::bigint
    FROM documents WHERE kind = 'stock' AND (body::jsonb)->'body' ? 'reserved'
  UNION ALL
  SELECT 'promotion_uses/' || replace(replace(id, '%', '%25'), '/', '%2F'),
         ((body::jsonb)->'body'->>'total')::bigint
    FROM documents WHERE kind = 'promotion_usage'
  UNION ALL
  SELECT 'promotion_customer_uses/' || replace(replace(d.id, '%', '%25'), '/', '%2F')
           || '/' || replace(replace(c.customer, '%', '%25'), '/', '%2F'),
         c.uses::bigint
    FROM documents d, jsonb_each_text((d.body::jsonb)->'body'->'by_customer') AS c(customer, uses)
   WHERE d.kind = 'promotion_usage'
ON CONFLICT (name) DO NOTHING;
DELETE FROM documents WHERE kind = 'promotion_usage';
-- The relay's scan for undelivered events reads only them, however long the outbox grows.
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (position) WHERE NOT delivered;
