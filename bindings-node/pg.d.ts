import type { Store, LoadRequest, CountersRequest, StoredDocument, CommitRequest, CommitStatus, FindRequest, FoundAnswer, IdempotencyRequest, PendingEventsRequest, PendingEvent, MarkDeliveredRequest } from './index'

/** What a statement answers (as `pg` does). */
export interface PgResult {
  /** The rows, as objects by column. */
  rows: any[]
  /** How many rows the statement touched. */
  rowCount: number | null
}

/** A connection taken from the pool for a transaction. */
export interface PgClient {
  /** Runs one statement. */
  query(text: string, values?: unknown[]): Promise<PgResult>
  /** Gives the client back. */
  release(): void
}

/** What `PgStore` needs of a `pg` pool (the host's own `pg` dependency). */
export interface PgPool {
  /** Runs one statement. */
  query(text: string, values?: unknown[]): Promise<PgResult>
  /** A client of its own, for a transaction. */
  connect(): Promise<PgClient>
}

/**
 * The host-store protocol on PostgreSQL with `pg`: versioned documents, the outbox, the
 * idempotency records; every commit in one transaction, each write guarded by its version.
 */
export declare class PgStore implements Store {
  constructor(pool: PgPool)
  /** Applies the package's migrations the database lacks (at deploy; safe to race). */
  migrate(): Promise<void>
  /** A stored document with its version, or null. */
  load(request: LoadRequest): Promise<StoredDocument | null>
  /** Counter values in the order asked (0 for one never changed). */
  counters(request: CountersRequest): Promise<number[]>
  /** Everything in one transaction, or nothing. */
  commit(request: CommitRequest): Promise<CommitStatus | null>
  /** Orders by (created_at, id), filtered and paged. */
  find(request: FindRequest): Promise<FoundAnswer>
  /** The record stored under a key, or null. */
  idempotency(request: IdempotencyRequest): Promise<string | null>
  /** Undelivered events, oldest first. */
  pendingEvents(request: PendingEventsRequest): Promise<PendingEvent[]>
  /** Marks events delivered. */
  markDelivered(request: MarkDeliveredRequest): Promise<void>
}
