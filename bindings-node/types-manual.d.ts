/* ordercore — TypeScript declarations. `napi build` prepends this file (types-header.d.ts) to
 * the declarations it generates from the Rust source. Its first part (types-manual.d.ts) is
 * written by hand: the host components' interfaces, errors, quotes; the document types after it
 * are generated from the Rust types. Documents use the core's own keys (snake_case, as in the
 * shared test vectors and the Python and C APIs); methods are camelCase. */

/** What every rejected call rejects with: `code` is one of `errorCodes()`; the details of the
 * error (`field`, `state`, `action`, `allowed`, `sku`, `requested`, `available`, …) are
 * properties. */
export interface OrderCoreError extends Error {
  /** Always `'OrderCoreError'`. */
  name: 'OrderCoreError'
  /** The stable error code (`insufficient_stock`, `invalid_transition`, …). */
  code: string
  /** For invalid input: the path of the offending field (`lines[2].quantity`). */
  field?: string
  /** The error's other details, by name. */
  [detail: string]: unknown
}

/** Storage implemented by the host (e.g. over PostgreSQL with `pg`): the host-store protocol of
 * `ordercore::host::store`, the same in every language, each method given the request as one
 * object. Every method may answer a value or a Promise; documents, events and records are
 * opaque JSON strings to store as given. An exception thrown (or a Promise rejected) here
 * rejects the engine call with that same exception. */
export interface Store {
  /** A stored document with its version, or nothing when there is none. */
  load(request: LoadRequest): MaybePromise<StoredDocument | null | undefined>
  /** The counters' values in the order asked (0 for a counter never changed). */
  counters(request: CountersRequest): MaybePromise<number[]>
  /** Apply everything in one transaction, or nothing: each write as version
   * `expected_version + 1`, each counter's `delta` added (its new value within `min`/`max`,
   * `null`: open), the events, the record. Answer nothing (done), `'version_conflict'` (a
   * version did not match, or a counter left its bounds) or `'idempotency_conflict'`. */
  commit(request: CommitRequest): MaybePromise<CommitStatus | null | undefined | void>
  /** Documents of `kind` (`'order'`, `'subscription'`) matching the filter
   * (`due_at <= due_before`), ordered by `(created_at, id)` after the cursor, at most `limit`,
   * and whether more follow. */
  find(request: FindRequest): MaybePromise<FoundAnswer>
  /** The record stored under an idempotency key, or nothing. */
  idempotency(request: IdempotencyRequest): MaybePromise<string | null | undefined>
  /** Undelivered events, oldest first, at most `limit`. */
  pendingEvents(request: PendingEventsRequest): MaybePromise<PendingEvent[]>
  /** Marks events delivered by position. */
  markDelivered(request: MarkDeliveredRequest): MaybePromise<void>
}

/** A value, or a Promise of it: what a host method may answer. */
export type MaybePromise<T> = T | Promise<T>

/** Components the host supplies instead of the built-in ones (`new Engine(config, hosts)`).
 * Each may answer values or Promises; an exception thrown (or a Promise rejected) by any of them
 * rejects the engine call with that same exception. */
export interface EngineHosts {
  /** Storage; the memory store if absent. */
  store?: Store
  /** The payment provider; the fake gateway if absent. */
  gateway?: PaymentGateway
  /** The carrier; the configuration's table-rate carrier if absent. */
  carrier?: Carrier
  /** The tax service; the configuration's tax table if absent. */
  tax?: TaxProvider
  /** How long one call to a host method may take, its Promise included (default 30,000 ms).
   * Past it the engine call fails with `provider_error`; the method's late answer is ignored,
   * so a store write may still land — retry the command with its idempotency key. */
  hostTimeoutMs?: number
  /** Receives a record of every command and query (pino's shape: a pino logger will do). */
  logger?: Logger
}

/** A logger of the engine's records: `info` for answers (refusals included), `warn` for store
 * and provider faults. */
export interface Logger {
  /** An answer's record. */
  info(fields: EngineRecord, msg: string): void
  /** A fault's record. */
  warn(fields: EngineRecord, msg: string): void
}

/** What the engine records of one call. */
export interface EngineRecord {
  /** A command or a query. */
  kind: 'command' | 'query'
  /** Its name (`place_order`, `get_order`, …). */
  name: string
  /** Who asked (`customer:c1`, `staff:s1:admin`, `system`). */
  actor: string
  /** What it touched (`order/ord_1`, `stock/A@main`), when known. */
  aggregate?: string
  /** `ok`, or the error's code. */
  outcome: string
  /** How many times it was decided again after a conflict. */
  retries: number
  /** How long it took, in microseconds. */
  duration_us?: number
  /** The request it served (`correlated(id, fn)`). */
  correlation_id?: string
}

/** Runs `fn` with `id` as the correlation id of every engine call made inside it (awaits and
 * callbacks included): the engine puts it in its records and in the events the calls emit.
 * Answers what `fn` answers. */
export declare function correlated<T>(id: string, fn: () => T): T

/** What a payment gateway answers: the provider's outcome, or that it could not be reached. */
export type GatewayAnswer = GatewayOutcome | GatewayUnavailable

/** A timeout or transient failure: nothing is persisted; retry with the same idempotency key. */
export interface GatewayUnavailable {
  /** Always `'unavailable'`. */
  status: 'unavailable'
  /** What went wrong, for the logs. */
  message?: string
}

/** A payment provider written in JS (wrapping Stripe, Adyen, …). */
export interface PaymentGateway {
  /** Runs one operation; send `request.idempotency_key` to the provider as its idempotency key. */
  execute(request: GatewayRequest): MaybePromise<GatewayAnswer>
}

/** What a tax service is asked: the base's address, tax class and currency, at an instant. */
export interface TaxQuery {
  /** Where the goods go. */
  address: Address
  /** The line's (or shipping's) tax class. */
  tax_class: string
  /** The currency of the amounts. */
  currency: string
  /** When the sale happens. */
  at: Instant
}

/** A tax service written in JS. */
export interface TaxProvider {
  /** The rates that apply to one base (`[]`: untaxed), all applied to the same base. */
  rates(query: TaxQuery): MaybePromise<TaxRate[]>
}

/** What a carrier is asked for rates. */
export interface RateQuery {
  /** Where the parcel goes. */
  address: Address
  /** The currency to quote in. */
  currency: string
  /** The order's subtotal. */
  subtotal: Amount
  /** The parcel's weight. */
  weight: Amount
}

/** What a carrier is asked to make a label for. */
export interface LabelRequest {
  /** The shipment the label is for. */
  shipment_id: string
  /** The chosen shipping option. */
  option_id: string
  /** Where the parcel goes. */
  address: Address
}

/** A carrier written in JS. */
export interface Carrier {
  /** The shipping options and their prices for a parcel. */
  rates(request: RateQuery): MaybePromise<ShippingRate[]>
  /** Buys a label for a shipment. */
  createLabel(request: LabelRequest): MaybePromise<Label>
  /** Answers nothing (the address is fine) or what is wrong with it; optional. */
  validateAddress?(request: { address: Address }): MaybePromise<string | null | undefined | void>
}

/**
 * A priced cart (`Pricer.quote`): the breakdown's keys, as getters. Totals are decimal strings;
 * a list (`lines`, `taxes`, `promotions`, `not_applied`, `shipping`) is built on its first read
 * and kept on the quote (later reads return the same objects). `JSON.stringify(quote)` gives
 * the whole breakdown. (Written in JS, `ordercore.js`: see there why.)
 */
export declare class Quote {
  private constructor()
  /** ISO-4217 code of every amount. */
  get currency(): string
  /** Whether unit prices included tax. */
  get prices_include_tax(): boolean
  /** How amounts between two minor units were rounded (`half_up`, `half_even`). */
  get rounding(): string
  /** Whether tax was rounded per line or per order (`per_line`, `per_order`). */
  get tax_rounding(): string
  /** Σ line bases. */
  get subtotal(): string
  /** Σ discounts on lines and shipping. */
  get discount_total(): string
  /** Shipping before discounts. */
  get shipping_total(): string
  /** Σ tax on lines and shipping. */
  get tax_total(): string
  /** What the customer pays. */
  get grand_total(): string
  /** The priced lines (built on the first read, then kept). */
  get lines(): PriceBreakdown['lines']
  /** The priced shipping charge, or null (built on the first read, then kept). */
  get shipping(): PriceBreakdown['shipping']
  /** Tax by rate (built on the first read, then kept). */
  get taxes(): PriceBreakdown['taxes']
  /** The promotions applied (built on the first read, then kept). */
  get promotions(): PriceBreakdown['promotions']
  /** Promotions and codes considered but not applied, with the reason (built on the first read, then kept). */
  get not_applied(): PriceBreakdown['not_applied']
  /** The whole breakdown as new JS objects (what `Pricer.price` returns); `JSON.stringify` uses it. */
  toJSON(): PriceBreakdown
  /** The whole breakdown as JSON text, without building JS objects. */
  json(): string
}

export interface Pricer {
  /**
   * `price`, answering a `Quote`: the totals at once, the lists when read — the fast path when
   * a caller needs the totals rather than every line's every figure.
   */
  quote(cart: Cart, context?: PricingContext): Quote
}

/** What a `Pricer` is built from (see docs/pricing.md). */
export interface PricerSpec {
  /** Rounding and tax settings. */
  config?: Record<string, unknown>
  /** The tax table's rules. */
  tax_rules?: Array<Record<string, unknown>>
  /** The promotions. */
  promotions?: Array<Record<string, unknown>>
}

/** One pricing request (`priceRequest`): a cart with the pricer's configuration beside it. */
export interface PriceRequest {
  /** The cart to price. */
  cart: Cart
  /** Rounding and tax settings. */
  config?: Record<string, unknown>
  /** The tax table's rules. */
  tax_rules?: Array<Record<string, unknown>>
  /** The promotions. */
  promotions?: Array<Record<string, unknown>>
  /** When the cart is priced (promotion windows, tax dates). */
  context?: PricingContext
}

/** What one relay pass did. */
export interface RelayReport {
  /** Events every handler took. */
  delivered: number
  /** Events a handler failed on this pass (to be retried). */
  failed: number
  /** Events given up on this pass. */
  deadLettered: number
  /** Events left for later: backing off, or behind an earlier event of their aggregate. */
  waiting: number
}

/** An event a handler kept failing on. */
export interface DeadLetter {
  /** Its outbox position. */
  position: number
  /** The event. */
  event: DomainEvent
  /** What the handler threw last. */
  error: unknown
  /** How many times it was tried. */
  attempts: number
}

/** How a relay retries. */
export interface RelayOptions {
  /** Tries before an event goes to `deadLetters` (default 5). */
  maxAttempts?: number
  /** Delays between tries, in milliseconds; the last one repeats (default 1 s, 5 s, 30 s, 2 min, 10 min). */
  backoffMs?: number[]
  /** Events read per pass (default 100). */
  batch?: number
  /** Milliseconds now (default `Date.now`; a test passes its own). */
  clock?: () => number
}

/**
 * Drains an engine's outbox to handlers registered by event type: at least once (handlers
 * tolerate a repeat; `event.id` is unique), in order per aggregate, failing handlers retried
 * with backoff, then set aside in `deadLetters`. One relay per outbox.
 */
export declare class Relay {
  constructor(engine: Pick<Engine, 'pendingEvents' | 'markDelivered'>, options?: RelayOptions)
  /** Events given up on, oldest first. */
  deadLetters: DeadLetter[]
  /** Registers a handler (sync or async) for events of `eventType` (`'*'`: every event). */
  on(eventType: string, handler: (event: DomainEvent) => unknown): this
  /** Delivers what is due among the oldest undelivered events. */
  runOnce(): Promise<RelayReport>
  /** Runs passes until `signal` aborts, resting `idleMs` after a pass that delivered nothing. */
  runForever(signal: AbortSignal, idleMs?: number): Promise<void>
}
