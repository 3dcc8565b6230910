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

/* The document types below are generated from the Rust types (docs/schema/) by
 * tools/typegen/make_types.py: do not edit them here. Amounts are decimal text (`Amount`); an
 * input also takes an exact number (`AmountInput`); instants are RFC 3339 text, and `Date` in
 * inputs. */

/** A decimal amount as text (`"19.99"`). */
export type Amount = string
/** An amount given as input: decimal text, or a number that converts exactly. */
export type AmountInput = string | number
/** An RFC 3339 instant (`"2026-06-01T12:00:00Z"`). */
export type Instant = string
/** An instant given as input. */
export type InstantInput = string | Date

/** A shopper: sees and acts on their own orders only. */
export interface CustomerActor {
  /** Which Actor this is. */
  type: 'customer'
  /** Customer id. */
  id: string
}

/** A member of staff with a role. */
export interface StaffActor {
  /** Which Actor this is. */
  type: 'staff'
  /** Staff id. */
  id: string
  /** What they may do. */
  role: StaffRole
}

/** The scheduler and webhooks. */
export interface SystemActor {
  /** Which Actor this is. */
  type: 'system'
}

/** The issuer of every command and query. */
export type Actor = CustomerActor | StaffActor | SystemActor

/** A postal address. Only `country` is needed to price; tax rules may also look at `region`
 * and `postal_code`.
 */
export interface Address {
  /** Recipient name. */
  name?: string | null
  /** First street line. */
  line1?: string | null
  /** Second street line. */
  line2?: string | null
  /** City or town. */
  city?: string | null
  /** State, province or region code (`"CA"`). */
  region?: string | null
  /** Postal or ZIP code. */
  postal_code?: string | null
  /** ISO 3166-1 alpha-2 country code (`"US"`). */
  country?: string
}

/** One promotion's share of a line or of shipping. */
export interface Adjustment {
  /** The promotion. */
  promotion_id: string
  /** What the promotion acted on here (the line's amount left before it, or the value of the
   * discounted units for buy-x-get-y).
   */
  base: Amount
  /** This line's share of the promotion's rounded amount. */
  amount: Amount
}

/** What happens to a subscription when the last retry of its invoice is declined. */
export type AfterRetries = 'cancel' | 'unpaid'

/** Where one order line's units are reserved. */
export interface Allocation {
  /** The line index in the order. */
  line: number
  /** The sku. */
  sku: string
  /** The location. */
  location: string
  /** Units. */
  quantity: number
  /** Units already shipped from here. */
  shipped: number
  /** Shipped units that came back from the customer (restocked here when sellable). */
  returned: number
}

/** A promotion that applied. */
export interface AppliedPromotion {
  /** The promotion. */
  promotion_id: string
  /** The coupon code, for a coupon. */
  code: string | null
  /** What it acted on in all. */
  base: Amount
  /** Its amount before rounding. */
  exact: Amount
  /** Its amount, rounded once, then allocated over the lines. */
  amount: Amount
}

/** How the engine bills subscriptions. */
export interface BillingConfig {
  /** What invoice numbers start with (`INV-` → `INV-000001`); at most 16 bytes. */
  invoice_prefix?: string
  /** How the scheduler collects invoices: retries, what follows the last one, deadlines. */
  dunning?: Dunning
}

/** Where a subscription's periods are anchored. */
export type BillingMode = 'anniversary' | 'calendar'

/** One step the scheduler took for a subscription. */
export interface BillingStep {
  /** The subscription. */
  subscription_id: string
  /** `expired` (its first invoice stayed unpaid), `trial_will_end`, `renewed`, `canceled`
   * (at its period's end), `paid`, `declined`, `pending` (a charge of its invoice) or
   * `dropped` (the invoice was settled or closed meanwhile: nothing to charge).
   */
  step: string
  /** The invoice billed or charged, if any. */
  invoice_id: string | null
}

/** A cart to price. */
export interface Cart {
  /** ISO-4217 code of every amount in the cart. */
  currency: string
  /** The lines. */
  lines: Array<CartLine>
  /** The shipping charge, if any. */
  shipping?: ShippingCharge | null
  /** Coupon codes the customer entered. */
  coupon_codes?: Array<string>
  /** Who buys. */
  customer?: Customer
  /** Where the goods go; without it no tax is computed. */
  address?: Address | null
  /** Whether unit prices and shipping include tax. */
  prices_include_tax?: boolean
}

/** One line of a cart. */
export interface CartLine {
  /** Stock-keeping unit (shared with the breakdown without copying). */
  sku: string
  /** Display name. */
  name?: string
  /** Price of one unit, exact in the cart's currency. */
  unit_price: AmountInput
  /** Units, at least 1. */
  quantity: number
  /** Category, for promotions. */
  category?: string | null
  /** Tags, for promotions. */
  tags?: Array<string>
  /** Tax class. */
  tax_class?: TaxClass
  /** Weight of one unit in kilograms, for shipping rates. */
  weight?: AmountInput | null
}

/** An invoice the scheduler collects: the latest with something to charge. An earlier one
 * still open stays payable (`pay_invoice`, a webhook) but is not retried.
 */
export interface Collection {
  /** The invoice. */
  invoice_id: string
  /** When it is charged next. */
  next_attempt_at: Instant
}

/** See [`PlaceOrder`]. */
export interface PlaceOrderCommand extends PlaceOrder {
  /** Which Command this is. */
  command: 'place_order'
}

/** Pay what an order still owes (customer or staff): authorize, and capture unless told not. */
export interface PayOrderCommand {
  /** Which Command this is. */
  command: 'pay_order'
  /** The order. */
  order_id: string
  /** Method. */
  method?: PaymentMethod
  /** Capture at once (default). */
  capture?: boolean
}

/** Capture authorized money (staff or system); all that is capturable if no amount. */
export interface CapturePaymentCommand {
  /** Which Command this is. */
  command: 'capture_payment'
  /** The order. */
  order_id: string
  /** Amount; all if absent. */
  amount?: AmountInput | null
}

/** Refund captured money (staff); all that is refundable if no amount. */
export interface RefundPaymentCommand {
  /** Which Command this is. */
  command: 'refund_payment'
  /** The order. */
  order_id: string
  /** Amount; all if absent. */
  amount?: AmountInput | null
  /** Why. */
  reason?: string | null
}

/** Start preparing (staff). */
export interface ProcessOrderCommand {
  /** Which Command this is. */
  command: 'process_order'
  /** The order. */
  order_id: string
}

/** Ship units (staff); every remaining unit if `lines` is absent. */
export interface ShipOrderCommand {
  /** Which Command this is. */
  command: 'ship_order'
  /** The order. */
  order_id: string
  /** What to ship. */
  lines?: Array<ShipLine> | null
}

/** Mark every shipment delivered (staff or system). */
export interface DeliverOrderCommand {
  /** Which Command this is. */
  command: 'deliver_order'
  /** The order. */
  order_id: string
}

/** Cancel (the customer while the flow allows it, or staff). */
export interface CancelOrderCommand {
  /** Which Command this is. */
  command: 'cancel_order'
  /** The order. */
  order_id: string
  /** Why. */
  reason?: string | null
}

/** Cancel what a partly shipped order has not shipped (support staff): its stock is
 * released and what those units cost refunded; the order is then shipped.
 */
export interface CancelUnshippedCommand {
  /** Which Command this is. */
  command: 'cancel_unshipped'
  /** The order. */
  order_id: string
  /** Why (kept in the audit trail). */
  reason?: string | null
}

/** A provider's asynchronous payment result (system); deduplicated by `(provider, event_id)`. */
export interface PaymentWebhookCommand {
  /** Which Command this is. */
  command: 'payment_webhook'
  /** Provider name. */
  provider: string
  /** The provider's event id. */
  event_id: string
  /** The payment's provider reference. */
  reference: string
  /** What happened. */
  outcome: WebhookOutcome
  /** The provider's reason for a failure. */
  reason?: string | null
  /** The order, when the provider's metadata carries it (else the engine looks it up by
   * reference, which scans orders: pass it when you can).
   */
  order_id?: string | null
  /** The invoice, for a charge of an invoice (the provider's metadata carries it): the
   * webhook settles the invoice instead of an order's payment.
   */
  invoice_id?: string | null
}

/** A carrier's tracking update (system); deduplicated by `event_id`, never regressing. */
export interface TrackingUpdateCommand {
  /** Which Command this is. */
  command: 'tracking_update'
  /** The carrier's event id. */
  event_id: string
  /** The shipment's tracking number. */
  tracking_number: string
  /** New status. */
  status: ShipmentState
  /** The order, when known (else the engine looks it up by tracking number, which scans
   * orders: pass it when you can).
   */
  order_id?: string | null
}

/** Ask to return delivered units (the customer or staff), within the return window. */
export interface RequestReturnCommand {
  /** Which Command this is. */
  command: 'request_return'
  /** The order. */
  order_id: string
  /** What comes back. */
  lines: Array<ReturnLine>
}

/** Move a return along (staff): approve, reject, schedule pickup, in transit, receive (with
 * conditions), process (restock), refund; the customer may cancel their own.
 */
export interface UpdateReturnCommand {
  /** Which Command this is. */
  command: 'update_return'
  /** The order. */
  order_id: string
  /** The return. */
  return_id: string
  /** What to do. */
  action: ReturnAction
  /** Conditions as received (for `receive`; unlisted lines count as sellable). */
  received?: Array<ReceivedLine>
}

/** Set a stock item (staff). */
export interface SetStockCommand {
  /** Which Command this is. */
  command: 'set_stock'
  /** The sku. */
  sku: string
  /** The location; the first configured location if absent. */
  location?: string | null
  /** Units on hand. */
  on_hand: number
  /** Allow backorder. */
  backorder?: boolean
  /** Low-stock threshold. */
  low_stock_threshold?: number | null
}

/** Add to or remove from on hand (staff). */
export interface AdjustStockCommand {
  /** Which Command this is. */
  command: 'adjust_stock'
  /** The sku. */
  sku: string
  /** The location; the first configured location if absent. */
  location?: string | null
  /** Units to add (negative to remove). */
  delta: number
}

/** Create a subscription plan at version 1 (admin). */
export interface CreatePlanCommand {
  /** Which Command this is. */
  command: 'create_plan'
  /** The plan; `version` 1 or absent. */
  plan: Plan
}

/** A new price for a plan: its next version, the one offered from now on (admin). Its
 * subscribers keep paying the version they are on until they are moved.
 */
export interface RepricePlanCommand {
  /** Which Command this is. */
  command: 'reprice_plan'
  /** The plan. */
  plan_id: string
  /** What one period costs in the new version (per seat for per-seat plans). */
  amount: AmountInput
}

/** Archive a plan in every version: no new subscriptions or changes onto it (admin). */
export interface ArchivePlanCommand {
  /** Which Command this is. */
  command: 'archive_plan'
  /** The plan. */
  plan_id: string
}

/** Subscribe a customer to a plan's offered version (the customer itself, or support
 * staff): trialing when the plan has trial days, else incomplete with its first period
 * invoiced (finalized, numbered, open).
 */
export interface SubscribeCommand {
  /** Which Command this is. */
  command: 'subscribe'
  /** The customer. */
  customer_id: string
  /** The plan. */
  plan_id: string
  /** Seats (per-seat plans); 1 if absent. */
  quantity?: number
  /** Anniversary (default) or calendar periods. */
  billing?: BillingMode
  /** Where the customer is taxed; no tax without it. */
  address?: Address | null
  /** The method the scheduler charges its invoices with (the first one, renewals,
   * dunning retries); absent: invoices wait for `pay_invoice`.
   */
  payment_method?: PaymentMethod | null
  /** A coupon: a promotion's code, checked against the plan's price as a cart's coupon
   * is, one use counted, then applied to the subscription's invoices for as many periods
   * as the promotion's `duration_periods` (every one without it).
   */
  coupon?: string | null
}

/** Cancel a subscription now, or at its current period's end (the customer or support). */
export interface CancelSubscriptionCommand {
  /** Which Command this is. */
  command: 'cancel_subscription'
  /** The subscription. */
  subscription_id: string
  /** Keep it until the current period's end instead of ending it now. */
  at_period_end?: boolean
  /** Ending it now: credit the unused time of the period paid for to the customer's
   * balance (an invoice of its own, paid at once).
   */
  credit_unused?: boolean
}

/** Withdraw a cancellation scheduled for the period's end (the customer or support). */
export interface KeepSubscriptionCommand {
  /** Which Command this is. */
  command: 'keep_subscription'
  /** The subscription. */
  subscription_id: string
}

/** Change a subscription's plan or seats (the customer or support), prorated by the second
 * unless `proration_behavior` is `none` or the change waits for the period's end.
 */
export interface ChangeSubscriptionCommand {
  /** Which Command this is. */
  command: 'change_subscription'
  /** The subscription. */
  subscription_id: string
  /** The plan to move to, at its offered version; absent: the same plan and version (a
   * seat change). Naming the subscription's own plan moves it to the newest price.
   */
  plan_id?: string | null
  /** Seats after the change; unchanged if absent. */
  quantity?: number | null
  /** `create_prorations` (default: on the next invoice), `always_invoice` (invoiced now)
   * or `none`.
   */
  proration_behavior?: ProrationBehavior
  /** Wait for the current period's end (no proration). */
  at_period_end?: boolean
}

/** Bill a subscription's due period now (the system or an admin; the scheduler does it for
 * every due subscription): a trial that is over ends and its first paid period is
 * invoiced; a period that is over is renewed and the next one invoiced, with the
 * prorations kept for it; a cancellation scheduled for the period's end takes effect.
 * Nothing due: the subscription unchanged (a repeat bills nothing).
 */
export interface RenewSubscriptionCommand {
  /** Which Command this is. */
  command: 'renew_subscription'
  /** The subscription. */
  subscription_id: string
}

/** Pause a subscription at once (the customer or support): nothing is billed while it
 * lasts, and the unused time of the period paid for goes to the customer's credit balance.
 */
export interface PauseSubscriptionCommand {
  /** Which Command this is. */
  command: 'pause_subscription'
  /** The subscription. */
  subscription_id: string
}

/** Resume a paused subscription (the customer or support): active on a schedule restarted
 * now, its first period invoiced now.
 */
export interface ResumeSubscriptionCommand {
  /** Which Command this is. */
  command: 'resume_subscription'
  /** The subscription. */
  subscription_id: string
}

/** Void an invoice that is not paid (support): nothing is owed on it; the credit balance it
 * used is given back.
 */
export interface VoidInvoiceCommand {
  /** Which Command this is. */
  command: 'void_invoice'
  /** The invoice. */
  invoice_id: string
}

/** Mark an open invoice uncollectible (support): written off, still payable. */
export interface MarkInvoiceUncollectibleCommand {
  /** Which Command this is. */
  command: 'mark_invoice_uncollectible'
  /** The invoice. */
  invoice_id: string
}

/** Charge what an open invoice is due through the payment gateway (the customer, support
 * or the system). Approved: paid, and its subscription active. Declined:
 * `payment_declined`, with the attempt recorded (an active subscription is then past due).
 */
export interface PayInvoiceCommand {
  /** Which Command this is. */
  command: 'pay_invoice'
  /** The invoice. */
  invoice_id: string
  /** Method. */
  method?: PaymentMethod
}

/** Every mutating command. Serialized as `{"command": "place_order", ...fields}`. */
export type Command = PlaceOrderCommand | PayOrderCommand | CapturePaymentCommand | RefundPaymentCommand | ProcessOrderCommand | ShipOrderCommand | DeliverOrderCommand | CancelOrderCommand | CancelUnshippedCommand | PaymentWebhookCommand | TrackingUpdateCommand | RequestReturnCommand | UpdateReturnCommand | SetStockCommand | AdjustStockCommand | CreatePlanCommand | RepricePlanCommand | ArchivePlanCommand | SubscribeCommand | CancelSubscriptionCommand | KeepSubscriptionCommand | ChangeSubscriptionCommand | RenewSubscriptionCommand | PauseSubscriptionCommand | ResumeSubscriptionCommand | VoidInvoiceCommand | MarkInvoiceUncollectibleCommand | PayInvoiceCommand

/** The order as committed (the very copy the engine handed the store: no copy made). */
export interface OrderCommandOutput {
  /** Which CommandOutput this is. */
  type: 'order'
  /** What the `order` CommandOutput carries. */
  value: Order
}

/** The stock item as committed. */
export interface StockCommandOutput {
  /** Which CommandOutput this is. */
  type: 'stock'
  /** What the `stock` CommandOutput carries. */
  value: StockItem
}

/** The plan as committed, every version. */
export interface PlanCommandOutput {
  /** Which CommandOutput this is. */
  type: 'plan'
  /** What the `plan` CommandOutput carries. */
  value: PlanVersions
}

/** The subscription as committed. */
export interface SubscriptionCommandOutput {
  /** Which CommandOutput this is. */
  type: 'subscription'
  /** What the `subscription` CommandOutput carries. */
  value: Subscription
}

/** The invoice as committed. */
export interface InvoiceCommandOutput {
  /** Which CommandOutput this is. */
  type: 'invoice'
  /** What the `invoice` CommandOutput carries. */
  value: Invoice
}

/** What a command answers. */
export type CommandOutput = OrderCommandOutput | StockCommandOutput | PlanCommandOutput | SubscriptionCommandOutput | InvoiceCommandOutput

/** `commit`'s request: everything one command changes, to store all together or not at all. */
export interface CommitRequest {
  /** Document writes, in key order (kind, then id): a SQL store that locks rows in this order
   * cannot deadlock against another process doing the same.
   */
  writes: Array<WriteRequest>
  /** Counter changes, one per counter, in name order (the same reason): add `delta`, and
   * refuse the commit unless the new value is within `min..=max`.
   */
  counters: Array<CounterRequest>
  /** Events to append to the outbox, as JSON text, in order. */
  events: Array<string>
  /** The idempotency record to store under a new key, if the command had a key. */
  idempotency: RecordRequest | null
}

/** `commit`'s answer (`null` reads as `ok`). */
export type CommitStatus = 'ok' | 'version_conflict' | 'idempotency_conflict'

/** When a promotion applies. Every condition set must hold. */
export interface Conditions {
  /** Not before this instant. */
  starts_at?: InstantInput | null
  /** Only before this instant. */
  ends_at?: InstantInput | null
  /** The cart's subtotal before any discount must reach this (promotion's currency). */
  min_subtotal?: AmountInput | null
  /** The target's units (all lines for order and shipping targets) must reach this. */
  min_quantity?: number | null
  /** The customer must be in one of these groups. */
  customer_groups?: Array<string>
  /** Only for a customer with no previous order. */
  first_order_only?: boolean
}

/** One counter change of a [`CommitRequest`]. */
export interface CounterRequest {
  /** The counter's name (`available/<sku>@<location>`, `promotion_uses/<id>`, …). */
  name: string
  /** Added to the counter (created at 0). */
  delta: number
  /** The new value must be at least this (`null`: no minimum). */
  min: number | null
  /** The new value must be at most this (`null`: no maximum). */
  max: number | null
}

/** `counters`' request. */
export interface CountersRequest {
  /** The counters' names. */
  names: Array<string>
}

/** An ISO-4217 code (`"USD"`), or a registered currency with its minor units. */
export type Currency = string | RegisteredCurrency

/** The customer, as far as promotions and tax need to know. */
export interface Customer {
  /** Customer id; `None` for a guest. */
  id?: string | null
  /** Customer groups (`"vip"`, `"wholesale"`). */
  groups?: Array<string>
  /** Orders placed before this one. */
  previous_orders?: number
  /** Tax-exempt customers get no tax lines. */
  tax_exempt?: boolean
}

/** A coupon on a subscription: applied to each of its invoices' charges (by the promotion
 * engine, as a cart's coupon) for as many period invoices as its promotion says.
 */
export interface Discount {
  /** The coupon code. */
  coupon: string
  /** The promotion it redeems. */
  promotion_id: string
  /** Period invoices it still discounts; `None`: every one, for ever. */
  periods_left: number | null
}

/** One event: who it is about, when, its place in its aggregate's sequence, and what happened. */
export interface DomainEvent {
  /** Unique event id. */
  id: string
  /** The aggregate it belongs to (`order/ord_000001`, `stock/SKU@main`). */
  aggregate: string
  /** 1, 2, 3, … per aggregate, in commit order. */
  sequence: number
  /** The order it concerns, if any. */
  order_id: string | null
  /** The customer it concerns, if any. */
  customer_id: string | null
  /** When it happened (the engine's clock). */
  at: Instant
  /** The host's id for the request whose command emitted it (`CallContext`), if it gave one. */
  correlation_id: string | null
}

/** How the scheduler collects subscriptions (engine config `billing.dunning`). */
export interface Dunning {
  /** Days after each declined automatic charge to try again: `[1, 3, 5, 7]` retries four
   * times, the last one 16 days after the first attempt.
   */
  retry_days?: Array<number>
  /** What the last declined retry leads to. */
  after_retries?: AfterRetries
  /** Hours an incomplete subscription's first invoice may stay unpaid before the
   * subscription expires (`incomplete_expired`, the invoice voided).
   */
  incomplete_hours?: number
  /** Days before a trial ends that `trial_will_end` announces it; 0: no notice. */
  trial_notice_days?: number
}

/** A percentage of the target's amount, rounded once for the whole promotion. */
export interface PercentageEffect {
  /** Which Effect this is. */
  type: 'percentage'
  /** Percent off (`10` = 10%), in (0, 100]. */
  percentage: AmountInput
}

/** A fixed amount off the target as a whole (never more than the target's amount). */
export interface FixedAmountEffect {
  /** Which Effect this is. */
  type: 'fixed_amount'
  /** Amount off, in the promotion's `currency`. */
  amount: AmountInput
}

/** For every `buy + get` eligible units, the `get` cheapest are discounted by `percentage`.
 * Units used to qualify are not discounted.
 */
export interface BuyXGetYEffect {
  /** Which Effect this is. */
  type: 'buy_x_get_y'
  /** Units to buy. */
  buy: number
  /** Units discounted per group. */
  get: number
  /** Percent off the discounted units (`100` = free). */
  percentage: AmountInput
  /** Cap on the number of groups; `None` repeats for every full group. */
  max_applications?: number | null
}

/** What a promotion takes off. */
export type Effect = PercentageEffect | FixedAmountEffect | BuyXGetYEffect

/** Engine configuration. Every choice a demanding shop makes differently is here. */
export interface EngineConfig {
  /** The shop's currency (ISO-4217). */
  currency?: string
  /** Whether catalog prices include tax. */
  prices_include_tax?: boolean
  /** Rounding and limits for pricing. */
  pricing?: PricingConfig
  /** The order flows orders may follow. */
  flows?: Array<OrderFlow>
  /** The flow of orders that name none. */
  default_flow?: string
  /** Stock locations in priority order. */
  locations?: Array<string>
  /** How long an unpaid order holds its stock before the scheduler cancels it. */
  reservation_ttl_minutes?: number
  /** Days after delivery during which returns may be requested. */
  return_window_days?: number
  /** Percent of the returned items' amount kept as a restocking fee. */
  restocking_fee_percent?: AmountInput
  /** Refund the shipping charge with the return that brings back the last units. */
  refund_shipping_on_full_return?: boolean
  /** How many times a command is decided again after a version conflict. */
  max_retries?: number
  /** Subscriptions and invoices. */
  billing?: BillingConfig
}

/** How an engine is built from one document — what the bindings pass as JSON, and what a Rust
 * host can read with serde or write by hand ([`Engine::from_spec`]): `{"engine": {...},
 * "products": [...], "promotions": [...], "tax_rules": [...], "carrier": {...}, "clock":
 * "2026-06-01T12:00:00Z", "id_seed": 7}`; every key is optional. `clock` fixes the time (tests, simulations); without it the system clock is
 * used. `id_seed` makes UUID-shaped ids; without it ids are sequential.
 */
export interface EngineSpec {
  /** Engine configuration. */
  engine?: EngineConfig
  /** The catalog. */
  products?: Array<Product>
  /** Promotions. */
  promotions?: Array<Promotion>
  /** Tax rules of the built-in tax table. */
  tax_rules?: Array<TaxRule>
  /** Table rates; the standard table if absent. */
  carrier?: TableRateCarrier | null
  /** A fixed clock at this instant. */
  clock?: InstantInput | null
  /** Seed for UUID-shaped ids. */
  id_seed?: number | null
  /** Outcomes the built-in fake payment gateway gives its next calls, in order
   * (`[{"type": "decline", "reason": "card_declined"}, {"type": "transient_error"}]`); it
   * approves once they are used up. For tests and demos in any language.
   */
  payment_script?: Array<Scripted>
  /** Outcomes the built-in memory store gives its next commits, in order
   * (`[{"type": "conflict"}, {"type": "fail"}, {"type": "lose_ack"}]`); it commits normally
   * once they are used up. The store faults of `docs/engine.md` ("Faults") on demand.
   */
  store_script?: Array<StoreScripted>
}

/** A field holds a value that is not allowed (zero quantity, negative price, empty sku, …). */
export interface InvalidInputErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'invalid_input'
  /** Path of the offending field, e.g. `lines[2].quantity`. */
  field: string
  /** What is wrong with it. */
  message: string
}

/** A currency code that is neither built in nor registered. */
export interface UnknownCurrencyErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'unknown_currency'
  /** Path of the offending field. */
  field: string
  /** The code as given. */
  currency: string
}

/** Two amounts in different currencies were combined. */
export interface CurrencyMismatchErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'currency_mismatch'
  /** Path of the offending field (or the operation). */
  field: string
  /** The currency that was expected. */
  expected: string
  /** The currency that was found. */
  found: string
}

/** An amount has more decimal places than its currency's minor unit allows
 * (typically a float-derived price such as `19.990000000000002`).
 */
export interface TooManyDecimalsErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'too_many_decimals'
  /** Path of the offending field. */
  field: string
  /** The amount as given. */
  amount: string
  /** The currency. */
  currency: string
  /** Decimal places the currency allows. */
  minor_units: number
}

/** Arithmetic left the representable decimal range. */
export interface AmountOverflowErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'amount_overflow'
  /** Path of the field (or the computation) that overflowed. */
  field: string
}

/** A configured limit (lines per cart, quantity, string length, …) was exceeded. */
export interface LimitExceededErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'limit_exceeded'
  /** Path of the offending field. */
  field: string
  /** The configured limit. */
  limit: number
}

/** No such order, payment, shipment, return or stock item — or one the actor may not see. */
export interface NotFoundErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'not_found'
  /** What was looked for (`order`, `stock`, `product`, …). */
  entity: string
  /** Its id. */
  id: string
}

/** The actor may not do this. */
export interface ForbiddenErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'forbidden'
  /** The action refused. */
  action: string
  /** Who tried. */
  actor: string
}

/** The action is not allowed in the current state. */
export interface InvalidTransitionErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'invalid_transition'
  /** `order`, `payment`, `shipment` or `return`. */
  entity: string
  /** Its current state. */
  state: string
  /** The action refused. */
  action: string
  /** The actions allowed in this state. */
  allowed: Array<string>
}

/** Not enough stock to reserve. */
export interface InsufficientStockErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'insufficient_stock'
  /** The sku. */
  sku: string
  /** Units asked for (all lines of the sku together). */
  requested: number
  /** Units available over all locations. */
  available: number
}

/** Another writer changed a document first; the engine retries a bounded number of times
 * before reporting this.
 */
export interface VersionConflictErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'version_conflict'
  /** The document that changed. */
  key: string
}

/** The idempotency key was used before with a different request. */
export interface IdempotencyConflictErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'idempotency_conflict'
  /** The key. */
  key: string
}

/** The payment provider declined. */
export interface PaymentDeclinedErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'payment_declined'
  /** The provider's reason. */
  reason: string
}

/** The payment provider could not be reached or timed out; retrying the same command with
 * the same idempotency key is safe (the provider sees the same provider key).
 */
export interface GatewayUnavailableErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'gateway_unavailable'
  /** The provider's message. */
  message: string
}

/** A refund larger than what remains captured. */
export interface RefundExceedsCapturedErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'refund_exceeds_captured'
  /** Amount asked for. */
  requested: string
  /** Captured minus refunded. */
  refundable: string
}

/** A capture larger than what remains authorized. */
export interface CaptureExceedsAuthorizedErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'capture_exceeds_authorized'
  /** Amount asked for. */
  requested: string
  /** Authorized minus captured. */
  capturable: string
}

/** A coupon code entered at checkout that does not apply. */
export interface CouponRejectedErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'coupon_rejected'
  /** The code as entered. */
  coupon: string
  /** The rejection reason code (`expired`, `usage_limit_reached`, …). */
  reason: string
}

/** A webhook whose signature or timestamp does not verify. */
export interface InvalidSignatureErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'invalid_signature'
  /** What did not verify. */
  message: string
}

/** A host-provided component (tax provider, store, gateway) failed. */
export interface ProviderErrorErrorDocument {
  /** Which ErrorDocument this is. */
  code: 'provider_error'
  /** Which component failed (`tax_provider`, …). */
  component: string
  /** The component's own message. */
  message: string
}

/** Everything that can go wrong in ordercore.
 *
 * Validation errors carry the path of the offending input field (`lines[3].quantity`), in the
 * same spelling as the serialized input, so a host can point a user at it.
 *
 * Serialized as an object whose `code` is [`Error::code`] and whose other keys are the variant's
 * fields: the shape every binding exposes as error details.
 */
export type ErrorDocument = InvalidInputErrorDocument | UnknownCurrencyErrorDocument | CurrencyMismatchErrorDocument | TooManyDecimalsErrorDocument | AmountOverflowErrorDocument | LimitExceededErrorDocument | NotFoundErrorDocument | ForbiddenErrorDocument | InvalidTransitionErrorDocument | InsufficientStockErrorDocument | VersionConflictErrorDocument | IdempotencyConflictErrorDocument | PaymentDeclinedErrorDocument | GatewayUnavailableErrorDocument | RefundExceedsCapturedErrorDocument | CaptureExceedsAuthorizedErrorDocument | CouponRejectedErrorDocument | InvalidSignatureErrorDocument | ProviderErrorErrorDocument

/** `find`'s request; `null` fields do not filter. */
export interface FindRequest {
  /** The documents' kind: `"order"` or `"subscription"`. */
  kind: string
  /** Only this customer's. */
  customer_id: string | null
  /** Only those in this state. */
  state: string | null
  /** Only those with `due_at <= due_before` (RFC 3339; compare as text). */
  due_before: string | null
  /** Cursor: the creation time of the previous page's last document. */
  after_created_at: string | null
  /** Cursor: the id of the previous page's last document. */
  after_id: string | null
  /** Page size. */
  limit: number
}

/** `find`'s answer. */
export interface FoundAnswer {
  /** The documents' JSON text, ordered by `(created_at, id)`. */
  documents: Array<string>
  /** Whether more match after the last one. */
  more: boolean
}

/** What the gateway is asked to do. */
export type GatewayOperation = 'authorize' | 'authorize_and_capture' | 'capture' | 'refund' | 'void'

/** Done. */
export interface ApprovedGatewayOutcome {
  /** Which GatewayOutcome this is. */
  status: 'approved'
  /** The provider's reference. */
  reference: string
}

/** Refused; nothing happened. */
export interface DeclinedGatewayOutcome {
  /** Which GatewayOutcome this is. */
  status: 'declined'
  /** The provider's reason. */
  reason: string
}

/** Accepted; the result comes later by webhook. */
export interface PendingGatewayOutcome {
  /** Which GatewayOutcome this is. */
  status: 'pending'
  /** The provider's reference, which the webhook will name. */
  reference: string
}

/** What the provider answered. */
export type GatewayOutcome = ApprovedGatewayOutcome | DeclinedGatewayOutcome | PendingGatewayOutcome

/** One call to the payment provider. */
export interface GatewayRequest {
  /** What to do. */
  operation: GatewayOperation
  /** Send this to the provider as its idempotency key: a retry of the same operation carries
   * the same key.
   */
  idempotency_key: string
  /** The payment. */
  payment_id: string
  /** The order; empty for an invoice's charge (`invoice_id` names the invoice). */
  order_id: string
  /** The invoice, for an invoice's charge. */
  invoice_id: string | null
  /** The customer. */
  customer_id: string
  /** Amount of this operation. */
  amount: Amount
  /** ISO-4217 currency. */
  currency: string
  /** Payment method. */
  method: PaymentMethod
  /** The provider's reference from the authorization, for later operations. */
  provider_reference: string | null
}

/** `idempotency`'s request. */
export interface IdempotencyRequest {
  /** The idempotency key. */
  key: string
}

/** A billing interval: `count` units (every 3 months, every 2 weeks). */
export interface Interval {
  /** The unit. */
  unit: IntervalUnit
  /** How many units (at least 1; at most three years in all). */
  count: number
}

/** The unit of a billing interval. */
export type IntervalUnit = 'day' | 'week' | 'month' | 'year'

/** An invoice. */
export interface Invoice {
  /** Invoice id. */
  id: string
  /** Its number, given when it is finalized (gapless per store). */
  number: string | null
  /** The customer. */
  customer_id: string
  /** The subscription it bills, if any. */
  subscription_id: string | null
  /** ISO-4217 currency of every amount. */
  currency: string
  /** Where it stands. */
  state: InvoiceState
  /** Its lines: charges, then credits, each in the order given. */
  lines: Array<InvoiceLine>
  /** Σ line amounts (credits negative). */
  subtotal: Amount
  /** Σ discounts. */
  discount_total: Amount
  /** Σ tax (credits' tax negative). */
  tax_total: Amount
  /** What the lines come to, never below zero. */
  total: Amount
  /** What the credits exceeded the charges by: added to the customer's credit balance. */
  credit_carried: Amount
  /** The customer's credit balance used to pay it. */
  credit_applied: Amount
  /** What is left to charge: total − credit applied. */
  amount_due: Amount
  /** When it was drafted. */
  created_at: Instant
  /** When it was finalized (numbered and open for payment). */
  finalized_at: Instant | null
  /** Charges asked of the provider so far (approved, declined or pending). */
  attempts: number
  /** A charge the provider accepted and will settle later (by webhook): no other is made
   * meanwhile.
   */
  payment_pending: boolean
  /** The provider's reference of the last charge. */
  payment_reference: string | null
  /** Why the last charge was declined. */
  last_payment_error: string | null
  /** When it was paid. */
  paid_at: Instant | null
  /** The sequence number of its last event. */
  event_sequence: number
  /** Provider webhooks applied (`provider:event_id`), so a redelivered one changes nothing. */
  processed_webhooks: Array<string>
}

/** Something to bill (a credit's amount is given as a positive number: its kind says it is one). */
export interface InvoiceItem {
  /** What it is for. */
  kind: LineKind
  /** What the customer reads. */
  description: string
  /** The amount of one unit, at the currency's scale, not negative. */
  unit_amount: Amount
  /** Units (seats), at least 1. */
  quantity: number
  /** Its tax class. */
  tax_class: TaxClass
  /** The period it covers, if any. */
  period: Period | null
}

/** A priced invoice line; a credit's amounts are negative. */
export interface InvoiceLine {
  /** What it is for. */
  kind: LineKind
  /** What the customer reads. */
  description: string
  /** Units. */
  quantity: number
  /** The amount of one unit (positive, also for credits). */
  unit_amount: Amount
  /** Units × unit amount (negative for a credit). */
  amount: Amount
  /** Promotions' share of it (negative on a credit: it gives back less). */
  discount: Amount
  /** Its tax (negative for a credit). */
  tax: Amount
  /** Amount − discount + tax (tax-exclusive prices). */
  total: Amount
  /** The period it covers, if any. */
  period: Period | null
}

/** One page of invoices. */
export interface InvoicePage {
  /** The invoices. */
  invoices: Array<Invoice>
  /** Pass as `after` for the next page; `None` on the last page. */
  next: string | null
}

/** A filter over one subscription's invoices, oldest first. */
export interface InvoiceQuery {
  /** The subscription. */
  subscription_id: string
  /** Only invoices in this state. */
  state?: InvoiceState | null
  /** Continue after this cursor (from the previous page: an invoice id). */
  after?: string | null
  /** Page size (default 50, at most 500). */
  limit?: number | null
}

/** Where an invoice stands. */
export type InvoiceState = 'draft' | 'open' | 'paid' | 'void' | 'uncollectible'

/** The condition of a returned item, as received. */
export type ItemCondition = 'sellable' | 'opened' | 'damaged' | 'unsellable'

/** A label bought for a shipment. */
export interface Label {
  /** The carrier that carries it. */
  carrier: string
  /** Tracking number. */
  tracking_number: string
  /** Reference of the label document at the carrier. */
  label_reference: string
}

/** Input limits; exceeding one is a `limit_exceeded` error naming the field. */
export interface Limits {
  /** Lines per cart. */
  max_lines?: number
  /** Units per line. */
  max_quantity?: number
  /** Bytes per string (ids, skus, names, codes, address fields, references). */
  max_string_len?: number
  /** Bytes of free text (cancel, refund and webhook reasons). */
  max_text_len?: number
  /** Coupon codes per cart. */
  max_coupon_codes?: number
  /** Tags per line. */
  max_tags?: number
}

/** One priced line. */
export interface LineBreakdown {
  /** The line's sku. */
  sku: string
  /** Units. */
  quantity: number
  /** Price of one unit. */
  unit_price: Amount
  /** `unit_price × quantity`. */
  base: Amount
  /** The discounts on this line, in the order they applied. */
  adjustments: Array<Adjustment>
  /** Σ adjustments. */
  discount: Amount
  /** The amount without tax, after discounts. */
  net: Amount
  /** Tax by rate. */
  tax_lines: Array<TaxLine>
  /** Σ tax lines. */
  tax: Amount
  /** What the customer pays for this line. */
  total: Amount
  /** The discount spread over the units. */
  discount_per_unit: UnitSplit
}

/** One line asked for at checkout: a sku and a quantity. Prices come from the catalog. */
export interface LineInput {
  /** The sku. */
  sku: string
  /** Units, at least 1. */
  quantity: number
}

/** What an invoice line is for. */
export type LineKind = 'period' | 'setup_fee' | 'proration_charge' | 'proration_credit' | 'item'

/** Selects lines by sku, category or tag; a line matching any of them is selected. */
export interface LineSelector {
  /** Skus. */
  skus?: Array<string>
  /** Categories. */
  categories?: Array<string>
  /** Tags. */
  tags?: Array<string>
}

/** `load`'s request: which document. */
export interface LoadRequest {
  /** `"order"`, `"stock"`, `"customer"`, `"checkout"`, `"plan"`, `"subscription"`,
   * `"invoice"` or `"sequence"`.
   */
  kind: string
  /** The document's id within its kind. */
  id: string
}

/** `mark_delivered`'s request. */
export interface MarkDeliveredRequest {
  /** Positions of delivered events. */
  positions: Array<number>
}

/** A promotion or coupon code that did not apply. */
export interface NotApplied {
  /** The promotion, when the code matched one (or for automatic promotions). */
  promotion_id: string | null
  /** The coupon code as entered or defined. */
  code: string | null
  /** Why not. */
  reason: RejectionReason
}

/** An order: lines, prices, payments, shipments, returns, stock allocations, audit trail. */
export interface Order {
  /** Order id. */
  id: string
  /** The customer's id. */
  customer_id: string
  /** The flow it follows (by name; the engine's configuration holds the flows). */
  flow: string
  /** Current state. */
  state: OrderState
  /** The state's display name in its flow. */
  state_label: string
  /** ISO-4217 currency. */
  currency: string
  /** The lines. */
  lines: Array<OrderLine>
  /** The price breakdown at placement (lines in the same order as `lines`). It never changes
   * after placement, so every copy of the order shares it.
   */
  pricing: PriceBreakdown
  /** Where it ships. */
  shipping_address: Address | null
  /** The chosen shipping option. */
  shipping_option: string | null
  /** Coupon codes that applied. */
  coupon_codes: Array<string>
  /** Where the stock is reserved or was taken from. */
  allocations: Array<Allocation>
  /** Payments. */
  payments: Array<Payment>
  /** Shipments. */
  shipments: Array<Shipment>
  /** Return requests. */
  returns: Array<ReturnRequest>
  /** The audit trail of state changes. */
  history: Array<Transition>
  /** When it was placed. */
  created_at: Instant
  /** Last change. */
  updated_at: Instant
  /** Until when an unpaid order holds its stock; the scheduler cancels it then. */
  reservation_expires_at: Instant | null
  /** When the scheduler must next look at it (reservation expiry, auto-processing). */
  due_at: Instant | null
  /** Events emitted so far (the next event's sequence is this + 1). */
  event_sequence: number
  /** Webhook events already applied, as `provider:event_id`. */
  processed_webhooks: Array<string>
}

/** What can be done to an order. Payment-level actions (`capture`, `refund`) act on the order's
 * payments and move the order when they complete it.
 */
export type OrderAction = 'pay' | 'process' | 'ship' | 'deliver' | 'cancel' | 'request_return' | 'refund' | 'cancel_unshipped'

/** A shop's order flow: the canonical machine, configured. */
export interface OrderFlow {
  /** Name (`"classic"`, …). */
  name: string
  /** Capturing the payment moves `pending → confirmed` (`created → paid`). */
  confirm_on_payment: boolean
  /** Orders pass through `processing` before shipping. */
  processing_step: boolean
  /** The scheduler moves `pending → processing` this many minutes after placement. */
  auto_process_after_minutes?: number | null
  /** States from which cancelling is allowed (never after shipping). */
  cancellable: Array<OrderState>
  /** Display names for states (`pending` → `created`); missing states use canonical names. */
  labels?: Record<string, string>
}

/** One line of an order, priced from the catalog at placement. */
export interface OrderLine {
  /** The sku. */
  sku: string
  /** Display name. */
  name: string
  /** Units ordered. */
  quantity: number
  /** Units shipped so far. */
  shipped: number
  /** Units delivered so far. */
  delivered: number
  /** Units returned (received back) so far. */
  returned: number
  /** Units in open return requests. */
  return_requested: number
  /** Units cancelled before they shipped (`cancel_unshipped`). */
  cancelled: number
}

/** One page of orders. */
export interface OrderPage {
  /** The orders. */
  orders: Array<Order>
  /** Pass as `after` for the next page; `None` on the last page. */
  next: string | null
}

/** A filter over orders, with stable pagination. */
export interface OrderQuery {
  /** Only this customer's orders. */
  customer_id?: string | null
  /** Only orders in this state. */
  state?: OrderState | null
  /** Only orders the scheduler must look at by this instant. */
  due_before?: InstantInput | null
  /** Continue after this cursor (from the previous page). */
  after?: string | null
  /** Page size (default 50, at most 500). */
  limit?: number | null
}

/** The canonical order states. */
export type OrderState = 'pending' | 'confirmed' | 'processing' | 'partially_shipped' | 'shipped' | 'delivered' | 'partially_returned' | 'returned' | 'cancelled'

/** An event in the outbox with its position. */
export interface OutboxEntry {
  /** Position in the outbox (increasing). */
  position: number
  /** The event. */
  event: DomainEvent
}

/** A payment of an order. */
export interface Payment {
  /** Payment id. */
  id: string
  /** How. */
  method: PaymentMethod
  /** Where it stands. */
  state: PaymentState
  /** The amount asked for. */
  amount: Amount
  /** Authorized so far. */
  authorized: Amount
  /** Captured so far. */
  captured: Amount
  /** Refunded so far. */
  refunded: Amount
  /** Authorized, never captured, and released (voided) at the provider: the rest of a partly
   * captured authorization when its order is cancelled.
   */
  released: Amount
  /** The provider's reference (charge or intent id). */
  provider_reference: string | null
  /** Why it failed, if it did. */
  failure_reason: string | null
  /** Captured as soon as authorized (also when the authorization arrives by webhook). */
  capture: boolean
  /** Captures so far (numbers the provider keys of later captures). */
  captures: number
  /** Refunds so far (numbers the provider keys of later refunds). */
  refunds: number
  /** When it was created. */
  created_at: Instant
}

/** How the order is paid at placement. */
export interface PaymentInput {
  /** Method. */
  method?: PaymentMethod
  /** Capture at once (default) or only authorize. */
  capture?: boolean
}

/** How the customer pays. */
export type PaymentMethod = 'card' | 'debit_card' | 'paypal' | 'apple_pay' | 'google_pay' | 'other'

/** Where a payment stands. */
export type PaymentState = 'pending' | 'authorized' | 'captured' | 'partially_refunded' | 'refunded' | 'failed' | 'voided'

/** A change waiting for the current period's end. */
export interface PendingChange {
  /** The plan it moves to. */
  plan_id: string
  /** That plan's version. */
  plan_version: number
  /** The seats it will have. */
  quantity: number
}

/** One event of `pending_events`'s answer. */
export interface PendingEvent {
  /** The event's position in the outbox. */
  position: number
  /** The event's JSON text as it was committed. */
  event: string
}

/** `pending_events`'s request. */
export interface PendingEventsRequest {
  /** At most this many events. */
  limit: number
}

/** One billing period. */
export interface Period {
  /** 0 for the first period, then 1, 2, … */
  index: number
  /** The first instant of the period. */
  start: Instant
  /** The first instant after it (the next period's start). */
  end: Instant
  /** The length of a whole period at this place: `end - start`, except for a calendar
   * schedule's prorated first period, where it is the whole calendar period that contains it.
   */
  full_seconds: number
}

/** Place an order: price it from the catalog, reserve stock, count coupon uses, take payment,
 * commit — or nothing but a record of a failed payment attempt.
 */
export interface PlaceOrder {
  /** The customer (a customer actor may only place orders for itself). */
  customer_id: string
  /** Customer groups, for promotions. */
  customer_groups?: Array<string>
  /** What is bought. */
  lines: Array<LineInput>
  /** Where it goes. */
  shipping_address: Address
  /** The shipping option id (from the carrier's rates); none for no shipping charge. */
  shipping_option?: string | null
  /** Coupon codes; each must apply, or the order is refused with `coupon_rejected`. */
  coupon_codes?: Array<string>
  /** Payment at placement; without it the order waits for `pay_order`. */
  payment?: PaymentInput | null
  /** The order flow by name; the engine's default flow if absent. */
  flow?: string | null
}

/** One version of a plan. */
export interface Plan {
  /** The plan's id (the same for all its versions). */
  id: string
  /** The version, from 1; a new price is a new version. */
  version?: number
  /** Display name. */
  name: string
  /** ISO-4217 currency of its amounts. */
  currency: string
  /** What one period costs (per seat for `per_seat` plans), at the currency's scale. */
  amount: Amount
  /** How long a period is. */
  interval: Interval
  /** Flat or per seat. */
  pricing?: PricingModel
  /** Charged once, on the first invoice. */
  setup_fee?: Amount
  /** Free days before the first paid period. */
  trial_days?: number
  /** The tax class of its invoice lines. */
  tax_class?: TaxClass
  /** Offered, or kept only for its subscribers. */
  status?: PlanStatus
}

/** Whether a plan is offered. */
export type PlanStatus = 'active' | 'archived'

/** Every version of one plan: the newest, and those before it. */
export interface PlanVersions {
  /** The newest version: the one new subscriptions take. */
  latest: Plan
  /** The versions before it, oldest first (`earlier[i].version == i + 1`). */
  earlier: Array<Plan>
  /** The sequence number of the plan's last event. */
  event_sequence: number
}

/** The priced cart: every number, and what made it. */
export interface PriceBreakdown {
  /** The currency of every amount. */
  currency: Currency
  /** Whether unit prices included tax. */
  prices_include_tax: boolean
  /** The rounding mode used. */
  rounding: RoundingMode
  /** Tax rounded per line or per order. */
  tax_rounding: TaxRounding
  /** The lines, in the cart's order. */
  lines: Array<LineBreakdown>
  /** The shipping charge, if the cart had one. */
  shipping: ShippingBreakdown | null
  /** Σ line bases (gross when prices include tax). */
  subtotal: Amount
  /** Σ discounts on lines and shipping. */
  discount_total: Amount
  /** Shipping before discounts. */
  shipping_total: Amount
  /** Σ tax on lines and shipping. */
  tax_total: Amount
  /** What the customer pays: Σ line totals + shipping total. */
  grand_total: Amount
  /** Tax by rate. */
  taxes: Array<TaxSummary>
  /** The promotions applied, in the order they applied. */
  promotions: Array<AppliedPromotion>
  /** Promotions and coupon codes considered but not applied, with the reason. */
  not_applied: Array<NotApplied>
}

/** Pricing configuration. */
export interface PricingConfig {
  /** How amounts between two minor units are rounded. */
  rounding?: RoundingMode
  /** Tax rounded per line or per order. */
  tax_rounding?: TaxRounding
  /** Input limits. */
  limits?: Limits
}

/** What pricing needs from outside the cart: the time, and promotion usage counts. */
export interface PricingContext {
  /** When the cart is priced (validity windows). */
  now: InstantInput
  /** Uses so far, by promotion id. */
  usage?: Record<string, Usage>
}

/** How a plan's amount scales with the subscription's quantity. */
export type PricingModel = 'flat' | 'per_seat'

/** A product as the catalog knows it. */
export interface Product {
  /** Stock-keeping unit. */
  sku: string
  /** Display name. */
  name?: string
  /** Price of one unit in the engine's currency. */
  unit_price: AmountInput
  /** Category, for promotions. */
  category?: string | null
  /** Tags, for promotions. */
  tags?: Array<string>
  /** Tax class. */
  tax_class?: TaxClass
  /** Weight of one unit in kilograms, for shipping rates. */
  weight?: AmountInput | null
}

/** A promotion: automatic (no `code`) or a coupon (with `code`). */
export interface Promotion {
  /** Stable id, shown in every adjustment it makes. */
  id: string
  /** Human-readable name. */
  name?: string
  /** Coupon code (matched case-insensitively); `None` makes the promotion automatic. */
  code?: string | null
  /** What it takes off. */
  effect: Effect
  /** What it takes it off. */
  target?: Target
  /** Higher applies first. */
  priority?: number
  /** Applies only alone. */
  exclusive?: boolean
  /** If set, the ids of the only promotions this one may be combined with. */
  combinable_with?: Array<string> | null
  /** Currency of `effect`'s fixed amount and of `conditions.min_subtotal`; a cart in another
   * currency does not get the promotion.
   */
  currency?: string | null
  /** When it applies. */
  conditions?: Conditions
  /** How many times it may be used in all (the engine counts uses). */
  usage_limit?: number | null
  /** How many times one customer may use it. */
  usage_limit_per_customer?: number | null
  /** On a subscription (a coupon given to `subscribe`): how many of its period invoices it
   * discounts; `None`: every one, for ever. Carts ignore it.
   */
  duration_periods?: number | null
}

/** How a mid-period change is prorated. */
export type ProrationBehavior = 'create_prorations' | 'always_invoice' | 'none'

/** One order. */
export interface GetOrderQuery {
  /** Which Query this is. */
  query: 'get_order'
  /** The order. */
  order_id: string
}

/** Orders by customer and/or state, paginated. */
export interface ListOrdersQuery extends OrderQuery {
  /** Which Query this is. */
  query: 'list_orders'
}

/** Stock of a sku at every configured location. */
export interface StockLevelsQuery {
  /** Which Query this is. */
  query: 'stock_levels'
  /** The sku. */
  sku: string
}

/** The return requests of an order. */
export interface ListReturnsQuery {
  /** Which Query this is. */
  query: 'list_returns'
  /** The order. */
  order_id: string
}

/** What can be done next to an order by the asking actor. */
export interface AvailableActionsQuery {
  /** Which Query this is. */
  query: 'available_actions'
  /** The order. */
  order_id: string
}

/** Shipping options and prices for an address and lines. */
export interface ShippingRatesQuery {
  /** Which Query this is. */
  query: 'shipping_rates'
  /** Destination. */
  address: Address
  /** What would ship. */
  lines: Array<LineInput>
}

/** A subscription plan, every version. */
export interface GetPlanQuery {
  /** Which Query this is. */
  query: 'get_plan'
  /** The plan. */
  plan_id: string
}

/** A subscription (another customer's is `not_found`). */
export interface GetSubscriptionQuery {
  /** Which Query this is. */
  query: 'get_subscription'
  /** The subscription. */
  subscription_id: string
}

/** An invoice (another customer's is `not_found`). */
export interface GetInvoiceQuery {
  /** Which Query this is. */
  query: 'get_invoice'
  /** The invoice. */
  invoice_id: string
}

/** Subscriptions by customer and/or state, paginated. */
export interface ListSubscriptionsQuery extends SubscriptionQuery {
  /** Which Query this is. */
  query: 'list_subscriptions'
}

/** A subscription's invoices, oldest first, by state, paginated. */
export interface ListInvoicesQuery extends InvoiceQuery {
  /** Which Query this is. */
  query: 'list_invoices'
}

/** What the subscription's next renewal would invoice, at the time it would, with the
 * customer's balance as it is now — computed, nothing stored (no number is taken).
 */
export interface UpcomingInvoiceQuery {
  /** Which Query this is. */
  query: 'upcoming_invoice'
  /** The subscription. */
  subscription_id: string
}

/** Every query. Serialized as `{"query": "get_order", ...fields}`. */
export type Query = GetOrderQuery | ListOrdersQuery | StockLevelsQuery | ListReturnsQuery | AvailableActionsQuery | ShippingRatesQuery | GetPlanQuery | GetSubscriptionQuery | GetInvoiceQuery | ListSubscriptionsQuery | ListInvoicesQuery | UpcomingInvoiceQuery

/** One order. */
export interface OrderQueryOutput {
  /** Which QueryOutput this is. */
  type: 'order'
  /** What the `order` QueryOutput carries. */
  value: Order
}

/** A page of orders. */
export interface OrdersQueryOutput {
  /** Which QueryOutput this is. */
  type: 'orders'
  /** What the `orders` QueryOutput carries. */
  value: OrderPage
}

/** Stock items. */
export interface StockQueryOutput {
  /** Which QueryOutput this is. */
  type: 'stock'
  /** What the `stock` QueryOutput carries. */
  value: Array<StockItem>
}

/** Actions. */
export interface ActionsQueryOutput {
  /** Which QueryOutput this is. */
  type: 'actions'
  /** What the `actions` QueryOutput carries. */
  value: Array<OrderAction>
}

/** Shipping rates. */
export interface RatesQueryOutput {
  /** Which QueryOutput this is. */
  type: 'rates'
  /** What the `rates` QueryOutput carries. */
  value: Array<ShippingRate>
}

/** Return requests. */
export interface ReturnsQueryOutput {
  /** Which QueryOutput this is. */
  type: 'returns'
  /** What the `returns` QueryOutput carries. */
  value: Array<ReturnRequest>
}

/** A subscription plan, every version. */
export interface PlanQueryOutput {
  /** Which QueryOutput this is. */
  type: 'plan'
  /** What the `plan` QueryOutput carries. */
  value: PlanVersions
}

/** A subscription. */
export interface SubscriptionQueryOutput {
  /** Which QueryOutput this is. */
  type: 'subscription'
  /** What the `subscription` QueryOutput carries. */
  value: Subscription
}

/** An invoice. */
export interface InvoiceQueryOutput {
  /** Which QueryOutput this is. */
  type: 'invoice'
  /** What the `invoice` QueryOutput carries. */
  value: Invoice
}

/** A page of subscriptions. */
export interface SubscriptionsQueryOutput {
  /** Which QueryOutput this is. */
  type: 'subscriptions'
  /** What the `subscriptions` QueryOutput carries. */
  value: SubscriptionPage
}

/** A page of invoices. */
export interface InvoicesQueryOutput {
  /** Which QueryOutput this is. */
  type: 'invoices'
  /** What the `invoices` QueryOutput carries. */
  value: InvoicePage
}

/** What a query answers. */
export type QueryOutput = OrderQueryOutput | OrdersQueryOutput | StockQueryOutput | ActionsQueryOutput | RatesQueryOutput | ReturnsQueryOutput | PlanQueryOutput | SubscriptionQueryOutput | InvoiceQueryOutput | SubscriptionsQueryOutput | InvoicesQueryOutput

/** One price. */
export interface FlatRateTable {
  /** Which RateTable this is. */
  type: 'flat'
  /** The price. */
  amount: AmountInput
}

/** Priced by total weight: the first band whose `up_to_kg` is ≥ the weight. */
export interface WeightBandsRateTable {
  /** Which RateTable this is. */
  type: 'weight_bands'
  /** `(up_to_kg, amount)` in ascending weight. */
  bands: Array<WeightBand>
}

/** How a table rate is priced. */
export type RateTable = FlatRateTable | WeightBandsRateTable

/** The condition of one returned line, as received. */
export interface ReceivedLine {
  /** Line index. */
  line: number
  /** Condition. */
  condition: ItemCondition
}

/** The idempotency record of a [`CommitRequest`]. */
export interface RecordRequest {
  /** The key; the commit fails with `idempotency_conflict` when it is stored already. */
  key: string
  /** The record's JSON text, answered back by `idempotency`. */
  record: string
}

/** A currency registered with the engine, as it is written out (schema only). */
export interface RegisteredCurrency {
  /** Its code. */
  code: string
  /** Digits after the decimal point. */
  minor_units: number
}

/** Why a promotion or coupon code did not apply. */
export type RejectionReason = 'unknown_code' | 'not_started' | 'expired' | 'currency_mismatch' | 'customer_group_not_eligible' | 'first_order_only' | 'usage_limit_reached' | 'customer_usage_limit_reached' | 'customer_required' | 'min_subtotal_not_met' | 'min_quantity_not_met' | 'no_eligible_items' | 'not_combinable'

/** What can be done to a return. */
export type ReturnAction = 'approve' | 'reject' | 'schedule_pickup' | 'mark_in_transit' | 'receive' | 'process' | 'refund' | 'cancel'

/** Units of one order line in a return. */
export interface ReturnItem {
  /** Line index in the order. */
  line: number
  /** Units. */
  quantity: number
  /** Why. */
  reason: ReturnReason
  /** As received (set on receipt). */
  condition: ItemCondition | null
  /** Index of the first of these units within the line (units are refunded in order, so
   * returning every unit sums to exactly what the line cost).
   */
  first_unit: number
}

/** Units of one line to return. */
export interface ReturnLine {
  /** Line index. */
  line: number
  /** Units. */
  quantity: number
  /** Why. */
  reason: ReturnReason
}

/** Why the customer returns an item. */
export type ReturnReason = 'defective' | 'wrong_item' | 'not_as_described' | 'no_longer_needed' | 'damaged_in_transit' | 'other'

/** A return request (RMA). */
export interface ReturnRequest {
  /** Return id. */
  id: string
  /** Where it stands. */
  state: ReturnState
  /** What comes back. */
  items: Array<ReturnItem>
  /** What was paid for the items (their discount and tax shares included). */
  items_amount: Amount
  /** Shipping refunded with this return (per policy). */
  shipping_amount: Amount
  /** Restocking fee kept back. */
  restocking_fee: Amount
  /** What the customer gets back: items + shipping − fee. */
  refund_amount: Amount
  /** What was paid out when it was refunded: `refund_amount`, or less when refunds made
   * outside returns left less of the order's money to give back.
   */
  refunded: Amount
  /** When it was requested. */
  requested_at: Instant
  /** State changes: `(from, to, at, actor)`. */
  history: Array<[ReturnState, ReturnState, Instant, string]>
}

/** Where a return stands. */
export type ReturnState = 'requested' | 'approved' | 'pickup_scheduled' | 'in_transit' | 'received' | 'processed' | 'refunded' | 'rejected' | 'cancelled'

/** How an amount between two minor units is rounded. */
export type RoundingMode = 'half_up' | 'half_even'

/** A subscription's periods: where they start, how long they are, how they are anchored. */
export interface Schedule {
  /** When billing starts (the first period's start). */
  start: Instant
  /** How long a period is. */
  interval: Interval
  /** How periods are anchored. */
  mode: BillingMode
}

/** Approve. */
export interface ApproveScripted {
  /** Which Scripted this is. */
  type: 'approve'
}

/** Decline with a reason. */
export interface DeclineScripted {
  /** Which Scripted this is. */
  type: 'decline'
  /** The reason. */
  reason: string
}

/** Answer pending; the host later sends a webhook (authorizations only: other operations
 * are approved).
 */
export interface PendingScripted {
  /** Which Scripted this is. */
  type: 'pending'
}

/** Perform the operation but answer with a timeout (a retry with the same key then gets
 * the approval): the classic double-charge trap.
 */
export interface TimeoutAfterSuccessScripted {
  /** Which Scripted this is. */
  type: 'timeout_after_success'
}

/** Fail without performing anything. */
export interface TransientErrorScripted {
  /** Which Scripted this is. */
  type: 'transient_error'
}

/** A scripted outcome of [`FakePaymentGateway`]. */
export type Scripted = ApproveScripted | DeclineScripted | PendingScripted | TimeoutAfterSuccessScripted | TransientErrorScripted

/** Units of one line to ship. */
export interface ShipLine {
  /** Line index. */
  line: number
  /** Units. */
  quantity: number
}

/** Units of an order on their way. */
export interface Shipment {
  /** Shipment id. */
  id: string
  /** Carrier name. */
  carrier: string
  /** Service / option id. */
  service: string
  /** Tracking number. */
  tracking_number: string
  /** Label reference. */
  label_reference: string
  /** `(line index, units)` shipped. */
  lines: Array<[number, number]>
  /** Where it stands. */
  state: ShipmentState
  /** When it was shipped. */
  shipped_at: Instant
  /** When it was delivered. */
  delivered_at: Instant | null
}

/** Where a shipment stands. */
export type ShipmentState = 'shipped' | 'in_transit' | 'delivered' | 'exception'

/** The priced shipping charge. */
export interface ShippingBreakdown {
  /** The shipping method. */
  method: string
  /** The charge before discounts. */
  base: Amount
  /** Discounts on shipping. */
  adjustments: Array<Adjustment>
  /** Σ adjustments. */
  discount: Amount
  /** The amount without tax, after discounts. */
  net: Amount
  /** Tax by rate. */
  tax_lines: Array<TaxLine>
  /** Σ tax lines. */
  tax: Amount
  /** What the customer pays for shipping. */
  total: Amount
}

/** The shipping charge of a cart. */
export interface ShippingCharge {
  /** The shipping method or option id. */
  method?: string
  /** Its price, exact in the cart's currency. */
  amount: AmountInput
  /** Its tax class. */
  tax_class?: TaxClass
}

/** A priced shipping option. */
export interface ShippingRate {
  /** Id the customer selects. */
  option_id: string
  /** Carrier name. */
  carrier: string
  /** Service level. */
  service: string
  /** Price. */
  amount: Amount
  /** Estimated transit days. */
  estimated_days?: number | null
}

/** Staff roles. `Admin` may do everything; the others a part of it. */
export type StaffRole = 'admin' | 'support' | 'warehouse'

/** Stock of one sku at one location: its settings and its counts. */
export interface StockItem {
  /** The sku. */
  sku: string
  /** The location (warehouse) id. */
  location: string
  /** Units physically there. */
  on_hand: number
  /** Units held for orders not yet shipped. Which order holds how many is recorded on the
   * orders ([`Allocation`]), so the counts stay two numbers however many orders are open.
   */
  reserved: number
  /** Whether orders may reserve more than is available. */
  backorder: boolean
  /** `low_stock` is emitted when available falls to or below this. */
  low_stock_threshold: number | null
  /** Events emitted on the item's own stream (`stock/<sku>@<location>`: adjustments, and the
   * low-stock alerts they cause); reservations, releases and shipments are events of the
   * order that caused them.
   */
  event_sequence: number
}

/** Commit normally. */
export interface CommitStoreScripted {
  /** Which StoreScripted this is. */
  type: 'commit'
}

/** Another writer got there first: `version_conflict`, nothing written (the engine decides
 * again, up to its `max_retries`).
 */
export interface ConflictStoreScripted {
  /** Which StoreScripted this is. */
  type: 'conflict'
}

/** The store is down: `provider_error`, nothing written. */
export interface FailStoreScripted {
  /** Which StoreScripted this is. */
  type: 'fail'
}

/** The commit lands but its acknowledgement is lost: everything written, and
 * `provider_error` answered (a retry with the same idempotency key finds the record).
 */
export interface LoseAckStoreScripted {
  /** Which StoreScripted this is. */
  type: 'lose_ack'
}

/** What a [`ScriptedStore`] does with one commit. */
export type StoreScripted = CommitStoreScripted | ConflictStoreScripted | FailStoreScripted | LoseAckStoreScripted

/** `load`'s answer for a stored document. */
export interface StoredDocument {
  /** The stored version (1 for the first write, +1 per write). */
  version: number
  /** The document's JSON text as it was written. */
  document: string
}

/** A customer's subscription to a plan. */
export interface Subscription {
  /** Subscription id. */
  id: string
  /** The customer. */
  customer_id: string
  /** The plan. */
  plan_id: string
  /** The plan's version it pays (a new price reaches it only when it is moved). */
  plan_version: number
  /** Seats (1 for flat plans). */
  quantity: number
  /** Where it stands. */
  state: SubscriptionState
  /** Its paid periods: anchored at its start, or at the trial's end. */
  schedule: Schedule
  /** The index of the next period to bill (0 until the first one is billed). */
  next_period: number
  /** The start of the current period (the trial while trialing). */
  current_period_start: Instant
  /** The end of the current period (the trial's end while trialing). */
  current_period_end: Instant
  /** When the trial ends, if it has one. */
  trial_end: Instant | null
  /** Whether it ends at the current period's end instead of renewing. */
  cancel_at_period_end: boolean
  /** A plan or seat change scheduled for the current period's end. */
  pending_change: PendingChange | null
  /** When it ended (canceled or expired). */
  ended_at: Instant | null
  /** When it was created. */
  created_at: Instant
  /** Its state changes, oldest first. */
  history: Array<SubscriptionTransition>
  /** Where the customer is taxed (its invoices' tax), if given. */
  address: Address | null
  /** The last invoice it was billed. */
  latest_invoice: string | null
  /** The coupon it was subscribed with, while it still discounts its invoices. */
  discount: Discount | null
  /** Every invoice it was billed, oldest first (`list_invoices` pages over them). */
  invoices: Array<string>
  /** Prorations waiting for its next invoice (`create_prorations` changes). */
  pending_items: Array<InvoiceItem>
  /** The sequence number of its last event. */
  event_sequence: number
  /** The method the scheduler charges its invoices with; absent: they wait for `pay_invoice`. */
  payment_method: PaymentMethod | null
  /** The invoice the scheduler collects with `payment_method`, and when it next charges it
   * (the first attempt, then the dunning retries); absent: nothing to collect.
   */
  collecting: Collection | null
  /** Whether a charge of its invoice awaits the provider's webhook (an incomplete
   * subscription does not expire meanwhile: the money may be on its way).
   */
  charge_pending: boolean
  /** Whether `trial_will_end` was announced. */
  trial_notice_sent: boolean
  /** When the scheduler must next look at it ([`Subscription::next_due`]), kept for stores
   * to index.
   */
  due_at: Instant | null
}

/** What happens to a subscription. */
export type SubscriptionAction = 'activate' | 'expire' | 'end_trial' | 'renew' | 'fail_payment' | 'recover' | 'mark_unpaid' | 'change' | 'pause' | 'resume' | 'cancel'

/** One page of subscriptions. */
export interface SubscriptionPage {
  /** The subscriptions. */
  subscriptions: Array<Subscription>
  /** Pass as `after` for the next page; `None` on the last page. */
  next: string | null
}

/** A filter over subscriptions, with stable pagination (by creation, oldest first). */
export interface SubscriptionQuery {
  /** Only this customer's (a customer sees only its own, whatever it asks). */
  customer_id?: string | null
  /** Only those in this state. */
  state?: SubscriptionState | null
  /** Continue after this cursor (from the previous page). */
  after?: string | null
  /** Page size (default 50, at most 500). */
  limit?: number | null
}

/** Where a subscription stands. */
export type SubscriptionState = 'incomplete' | 'incomplete_expired' | 'trialing' | 'active' | 'past_due' | 'unpaid' | 'canceled' | 'paused'

/** One change of a subscription's state, for the audit trail. */
export interface SubscriptionTransition {
  /** The state before (none at creation). */
  from: SubscriptionState | null
  /** The state after. */
  to: SubscriptionState
  /** What happened. */
  action: SubscriptionAction | null
  /** When. */
  at: Instant
  /** Who (`customer:c1`, `staff:s1:admin`, `system`). */
  actor: string
}

/** One option of a [`TableRateCarrier`]. */
export interface TableRate {
  /** Option id. */
  option_id: string
  /** Carrier name. */
  carrier: string
  /** Service level. */
  service: string
  /** Countries served (ISO alpha-2); empty serves all. */
  countries?: Array<string>
  /** The price table. */
  table: RateTable
  /** Free when the subtotal reaches this. */
  free_over?: AmountInput | null
  /** Estimated transit days. */
  estimated_days?: number | null
}

/** A carrier priced from a table: flat rates, weight bands, free over a threshold. */
export interface TableRateCarrier {
  /** The options. */
  rates: Array<TableRate>
}

/** Every line of the order. */
export interface OrderTarget {
  /** Which Target this is. */
  type: 'order'
}

/** Lines whose sku, category or one of whose tags is listed. */
export interface LinesTarget extends LineSelector {
  /** Which Target this is. */
  type: 'lines'
}

/** The shipping charge (`percentage: 100` is free shipping). */
export interface ShippingTarget {
  /** Which Target this is. */
  type: 'shipping'
}

/** What a promotion applies to. */
export type Target = OrderTarget | LinesTarget | ShippingTarget

/** What kind of tax treatment a line or shipping charge gets.
 *
 * Serialized as a plain string: `"standard"`, `"reduced"`, `"zero"`, `"exempt"`, or any other
 * name for a custom class (`"books"`).
 */
export type TaxClass = string

/** One rate's tax on a line or on shipping. */
export interface TaxLine {
  /** The rate's id. */
  rate_id: string
  /** The rate in percent. */
  percentage: Amount
  /** The taxable amount (net, or gross when prices include tax). */
  base: Amount
  /** The tax before rounding. */
  exact: Amount
  /** The tax. */
  amount: Amount
  /** The tax spread over the units. */
  per_unit: UnitSplit
}

/** One rate that applies to a taxable amount. */
export interface TaxRate {
  /** Stable id of the rule that produced the rate (shown in breakdowns). */
  id: string
  /** Human-readable name (`"CA state tax"`). */
  name: string
  /** Where it applies (`"US-CA"`, `"US-CA-940"`, `"DE"`). */
  jurisdiction: string
  /** The rate in percent (`8.25` means 8.25%). */
  percentage: AmountInput
}

/** Whether tax is rounded per line and rate, or once per rate on the whole order. */
export type TaxRounding = 'per_line' | 'per_order'

/** One row of a [`TaxTable`]. */
export interface TaxRule {
  /** Stable id, shown in breakdowns. */
  id: string
  /** Human-readable name. */
  name: string
  /** ISO 3166-1 alpha-2 country code (`"US"`). */
  country: string
  /** State or province code (`"CA"`); `None` applies to the whole country. */
  region?: string | null
  /** Postal-code prefix (`"940"`); `None` applies to the whole region. */
  postal_code_prefix?: string | null
  /** The class this rule is for; `None` applies to every class that has no rule of its own
   * at the address.
   */
  tax_class?: TaxClass | null
  /** The rate in percent. */
  percentage: AmountInput
  /** A combinable rule is added to the other matching rules on the same base (state + county);
   * among non-combinable rules only the most specific one applies.
   */
  combinable?: boolean
}

/** Tax of one rate on the whole order. */
export interface TaxSummary {
  /** The rate's id. */
  rate_id: string
  /** Its name. */
  name: string
  /** Where it applies. */
  jurisdiction: string
  /** The rate in percent. */
  percentage: Amount
  /** Σ taxable amounts. */
  base: Amount
  /** Σ tax. */
  amount: Amount
}

/** What one scheduler tick did. */
export interface TickReport {
  /** Orders cancelled because their reservation expired unpaid. */
  expired: Array<string>
  /** Orders moved to processing by schedule. */
  advanced: Array<string>
  /** Orders and subscriptions whose work failed this time (`(id, error code)`, e.g. the
   * gateway was unavailable); they stay due and the next tick tries again.
   */
  failed: Array<[string, string]>
  /** What was done for subscriptions, step by step. */
  billing: Array<BillingStep>
}

/** One entry of the audit trail. */
export interface Transition {
  /** The state before. */
  from: OrderState | null
  /** The state after. */
  to: OrderState
  /** When. */
  at: Instant
  /** Who (`customer:c1`, `staff:s1:admin`, `system`). */
  actor: string
  /** Why (the action, or a reason given). */
  reason: string
}

/** An amount spread over the units of a line: every unit carries `amount`, and the first
 * `plus_one_units` units carry one minor unit more. Kept in breakdowns so that a later refund of
 * some units takes exactly their share, and refunding every unit sums to the whole.
 */
export interface UnitSplit {
  /** What each unit carries at least, at the currency's scale. */
  amount: Amount
  /** How many units (from the first) carry one minor unit more. */
  plus_one_units: number
}

/** How often a promotion has been used, as the engine counts it. */
export interface Usage {
  /** Uses by everyone. */
  total?: number
  /** Uses by the cart's customer. */
  by_customer?: number
}

/** An asynchronous payment result reported by the provider. */
export type WebhookOutcome = 'succeeded' | 'failed'

/** One weight band. */
export interface WeightBand {
  /** Upper weight bound in kilograms, inclusive. */
  up_to_kg: AmountInput
  /** Price. */
  amount: AmountInput
}

/** One document write of a [`CommitRequest`]; the index fields are `null` except for orders. */
export interface WriteRequest {
  /** The document's kind. */
  kind: string
  /** The document's id within its kind. */
  id: string
  /** The version the engine read (0: the document must not exist yet). */
  expected_version: number
  /** The new document's JSON text: store it as version `expected_version + 1`. */
  document: string
  /** An order's customer. */
  customer_id: string | null
  /** An order's state. */
  state: string | null
  /** An order's creation time (RFC 3339, UTC). */
  created_at: string | null
  /** When the scheduler must look at the order (RFC 3339, UTC), if ever. */
  due_at: string | null
}

/** Kept for hosts that used this name. */
export type PlaceOrderInput = PlaceOrder
