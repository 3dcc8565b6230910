/* ordercore — TypeScript declarations. The types below (written by hand, prepended by
 * `napi build` from types-header.d.ts) describe the core's JSON documents; the declarations after
 * them are generated from the Rust source. Documents use the core's own keys (snake_case, as in
 * the shared test vectors and the Python and C APIs); methods are camelCase. */

/** A decimal amount as text (`"19.99"`). A `number` is accepted where it is exact (see README). */
export type Amount = string
/** An amount given as input: decimal text, or a number that converts exactly. */
export type AmountInput = string | number
/** An RFC 3339 instant (`"2026-06-01T12:00:00Z"`); inputs also accept `Date`. */
export type Instant = string

export type Actor =
  | { type: 'customer'; id: string }
  | { type: 'staff'; id: string; role: 'admin' | 'support' | 'warehouse' }
  | { type: 'system' }

export type OrderState =
  | 'pending' | 'confirmed' | 'processing' | 'partially_shipped' | 'shipped'
  | 'delivered' | 'partially_returned' | 'returned' | 'cancelled'
export type OrderAction =
  | 'pay' | 'process' | 'ship' | 'deliver' | 'cancel' | 'request_return' | 'refund' | 'cancel_unshipped'
export type PaymentMethod = 'card' | 'debit_card' | 'paypal' | 'apple_pay' | 'google_pay' | 'other'
export type ShipmentState = 'shipped' | 'in_transit' | 'delivered' | 'exception'
export type ReturnReason =
  | 'defective' | 'wrong_item' | 'not_as_described' | 'no_longer_needed' | 'damaged_in_transit' | 'other'
export type ItemCondition = 'sellable' | 'opened' | 'damaged' | 'unsellable'
export type ReturnAction =
  | 'approve' | 'reject' | 'schedule_pickup' | 'mark_in_transit' | 'receive' | 'process' | 'refund' | 'cancel'

export interface Address {
  name?: string | null
  line1?: string | null
  line2?: string | null
  city?: string | null
  region?: string | null
  postal_code?: string | null
  country: string
}

export interface LineInput { sku: string; quantity: number }

/** The engine's configuration; every key is optional (see docs/engine.md). */
export interface EngineConfig {
  engine?: Record<string, unknown>
  products?: Array<{ sku: string; name: string; unit_price: AmountInput; [key: string]: unknown }>
  promotions?: Array<Record<string, unknown>>
  tax_rules?: Array<Record<string, unknown>>
  carrier?: Record<string, unknown>
  /** Fix the clock at this instant (tests, simulations); the system clock otherwise. */
  clock?: Instant | Date
  /** Make UUID-shaped ids from this seed; sequential ids otherwise. */
  id_seed?: number
}

export type Command =
  | {
      command: 'place_order'; customer_id: string; customer_groups?: string[]; lines: LineInput[]
      shipping_address: Address; shipping_option?: string | null; coupon_codes?: string[]
      payment?: { method?: PaymentMethod; capture?: boolean } | null; flow?: string | null
    }
  | { command: 'pay_order'; order_id: string; method?: PaymentMethod; capture?: boolean }
  | { command: 'capture_payment'; order_id: string; amount?: AmountInput | null }
  | { command: 'refund_payment'; order_id: string; amount?: AmountInput | null; reason?: string | null }
  | { command: 'process_order'; order_id: string }
  | { command: 'ship_order'; order_id: string; lines?: Array<{ line: number; quantity: number }> | null }
  | { command: 'deliver_order'; order_id: string }
  | { command: 'cancel_order'; order_id: string; reason?: string | null }
  | { command: 'cancel_unshipped'; order_id: string; reason?: string | null }
  | {
      command: 'payment_webhook'; provider: string; event_id: string; reference: string
      outcome: 'succeeded' | 'failed'; reason?: string | null; order_id?: string | null
    }
  | { command: 'tracking_update'; event_id: string; tracking_number: string; status: ShipmentState; order_id?: string | null }
  | { command: 'request_return'; order_id: string; lines: Array<{ line: number; quantity: number; reason: ReturnReason }> }
  | {
      command: 'update_return'; order_id: string; return_id: string; action: ReturnAction
      received?: Array<{ line: number; condition: ItemCondition }>
    }
  | { command: 'set_stock'; sku: string; location?: string | null; on_hand: number; backorder?: boolean; low_stock_threshold?: number | null }
  | { command: 'adjust_stock'; sku: string; location?: string | null; delta: number }

export type Query =
  | { query: 'get_order'; order_id: string }
  | {
      query: 'list_orders'; customer_id?: string | null; state?: OrderState | null
      due_before?: Instant | Date | null; after?: string | null; limit?: number | null
    }
  | { query: 'stock_levels'; sku: string }
  | { query: 'list_returns'; order_id: string }
  | { query: 'available_actions'; order_id: string }
  | { query: 'shipping_rates'; address: Address; lines: LineInput[] }

/** An order document (the most used fields; the rest as the core serializes them). */
export interface Order {
  id: string
  customer_id: string
  flow: string
  state: OrderState
  state_label: string
  currency: string
  lines: Array<Record<string, unknown>>
  pricing: PriceBreakdown
  payments: Array<Record<string, unknown>>
  shipments: Array<Record<string, unknown>>
  returns: Array<Record<string, unknown>>
  history: Array<{ from: OrderState | null; to: OrderState; at: Instant; actor: string; reason: string }>
  created_at: Instant
  updated_at: Instant
  [key: string]: unknown
}

export interface StockItem {
  sku: string; location: string; on_hand: number; reserved: number; backorder: boolean
  low_stock_threshold: number | null; event_sequence: number
}

export type CommandOutput = { type: 'order'; value: Order } | { type: 'stock'; value: StockItem }
export type QueryOutput =
  | { type: 'order'; value: Order }
  | { type: 'orders'; value: { orders: Order[]; next: string | null } }
  | { type: 'stock'; value: StockItem[] }
  | { type: 'actions'; value: OrderAction[] }
  | { type: 'rates'; value: Array<Record<string, unknown>> }
  | { type: 'returns'; value: Array<Record<string, unknown>> }

export interface TickReport { expired: string[]; advanced: string[]; failed: Array<[string, string]> }
export interface OutboxEntry { position: number; event: Record<string, unknown> }

export interface CartLine {
  sku: string; name?: string; unit_price: AmountInput; quantity: number
  category?: string | null; tags?: string[]; tax_class?: string; weight?: AmountInput | null
  [key: string]: unknown
}
export interface Cart { currency: string; lines: CartLine[]; [key: string]: unknown }
export interface PricingContext { now?: Instant | Date; [key: string]: unknown }
export interface PricerSpec {
  config?: Record<string, unknown>
  tax_rules?: Array<Record<string, unknown>>
  promotions?: Array<Record<string, unknown>>
}
export interface PriceRequest {
  cart: Cart
  config?: Record<string, unknown>
  tax_rules?: Array<Record<string, unknown>>
  promotions?: Array<Record<string, unknown>>
  context?: PricingContext
  [key: string]: unknown
}
/** A price breakdown: every number explained (see docs/pricing.md). */
export interface PriceBreakdown {
  currency: string
  lines: Array<Record<string, unknown>>
  subtotal: Amount
  discount_total: Amount
  shipping_total: Amount
  tax_total: Amount
  grand_total: Amount
  [key: string]: unknown
}

/** What every rejected call rejects with: `code` is one of `errorCodes()`; the details of the
 * error (`field`, `state`, `action`, `allowed`, `sku`, `requested`, `available`, …) are
 * properties. */
export interface OrderCoreError extends Error {
  name: 'OrderCoreError'
  code: string
  field?: string
  [detail: string]: unknown
}

/** A write of a commit: store `document` as version `expected_version + 1` if the stored
 * version is `expected_version` (0: must not exist yet). Orders carry index fields for
 * `findOrders` (`null` for other kinds). */
export interface StoreWrite {
  kind: string; id: string; expected_version: number; document: string
  customer_id: string | null; state: string | null; created_at: string | null; due_at: string | null
}

/** Storage implemented by the host (e.g. over PostgreSQL with `pg`): the host-store protocol of
 * `ordercore::host::store`, the same in every language, each method given the request as one
 * object. Every method may answer a value or a Promise; documents, events and records are
 * opaque JSON strings to store as given. An exception thrown (or a Promise rejected) here
 * rejects the engine call with that same exception. */
export interface Store {
  load(request: { kind: string; id: string }): MaybePromise<{ version: number; document: string } | null | undefined>
  /** Apply everything in one transaction, or nothing. Answer nothing (done),
   * `'version_conflict'` or `'idempotency_conflict'`. */
  commit(request: {
    writes: StoreWrite[]; events: string[]; idempotency: { key: string; record: string } | null
  }): MaybePromise<'version_conflict' | 'idempotency_conflict' | 'ok' | null | undefined | void>
  /** Orders matching the filter (`due_at <= due_before`), ordered by `(created_at, id)` after
   * the cursor, at most `limit`, and whether more follow. */
  findOrders(request: {
    customer_id: string | null; state: string | null; due_before: string | null
    after_created_at: string | null; after_id: string | null; limit: number
  }): MaybePromise<{ documents: string[]; more: boolean }>
  idempotency(request: { key: string }): MaybePromise<string | null | undefined>
  pendingEvents(request: { limit: number }): MaybePromise<Array<{ position: number; event: string }>>
  markDelivered(request: { positions: number[] }): MaybePromise<void>
}
export type MaybePromise<T> = T | Promise<T>

/** Components the host supplies instead of the built-in ones (`new Engine(config, hosts)`).
 * Each may answer values or Promises; an exception thrown (or a Promise rejected) by any of them
 * rejects the engine call with that same exception. */
export interface EngineHosts {
  store?: Store
  gateway?: PaymentGateway
  carrier?: Carrier
  tax?: TaxProvider
  /** How long one call to a host method may take, its Promise included (default 30,000 ms).
   * Past it the engine call fails with `provider_error`; the method's late answer is ignored,
   * so a store write may still land — retry the command with its idempotency key. */
  hostTimeoutMs?: number
}

/** What a payment provider is asked: send `idempotency_key` to the provider as its own
 * idempotency key — a retry of the same operation carries the same key. */
export interface GatewayRequest {
  operation: 'authorize' | 'authorize_and_capture' | 'capture' | 'refund' | 'void'
  idempotency_key: string; payment_id: string; order_id: string; customer_id: string
  amount: Amount; currency: string; method: PaymentMethod; provider_reference: string | null
}
export type GatewayAnswer =
  | { status: 'approved' | 'pending'; reference: string }
  | { status: 'declined'; reason: string }
  /** A timeout or transient failure: nothing is persisted; retry with the same idempotency key. */
  | { status: 'unavailable'; message?: string }
/** A payment provider written in JS (wrapping Stripe, Adyen, …). */
export interface PaymentGateway {
  execute(request: GatewayRequest): MaybePromise<GatewayAnswer>
}

export interface TaxRate { id: string; name: string; jurisdiction: string; percentage: AmountInput }
/** A tax service written in JS: the rates that apply to one base (`[]`: untaxed). */
export interface TaxProvider {
  rates(query: { address: Address; tax_class: string; currency: string; at: Instant }): MaybePromise<TaxRate[]>
}

export interface ShippingRate {
  option_id: string; carrier: string; service: string; amount: AmountInput; estimated_days?: number | null
}
/** A carrier written in JS. `validateAddress`, if present, answers nothing (fine) or what is
 * wrong with the address. */
export interface Carrier {
  rates(request: { address: Address; currency: string; subtotal: Amount; weight: Amount }): MaybePromise<ShippingRate[]>
  createLabel(request: { shipment_id: string; option_id: string; address: Address }):
    MaybePromise<{ carrier: string; tracking_number: string; label_reference: string }>
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

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/**
 * The order engine. Configuration and documents are the core's JSON shapes as plain objects;
 * amounts are decimal strings (a number is accepted where an amount belongs only if it is
 * exact, see the README). Every method answers a Promise; a failure rejects it with an `Error`
 * whose `code` is the core's stable code.
 */
export declare class Engine {
  /** r" Places an order (price, reserve, coupons, payment, commit); resolves to the order. */
  placeOrder(actor: Actor, fields: Omit<Extract<Command, { command: 'place_order' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Pays what an order still owes. */
  payOrder(actor: Actor, fields: Omit<Extract<Command, { command: 'pay_order' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Captures authorized money (all without `amount`). */
  capturePayment(actor: Actor, fields: Omit<Extract<Command, { command: 'capture_payment' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Refunds captured money (all without `amount`). */
  refundPayment(actor: Actor, fields: Omit<Extract<Command, { command: 'refund_payment' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Starts preparing an order. */
  processOrder(actor: Actor, fields: Omit<Extract<Command, { command: 'process_order' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Ships units (every remaining unit without `lines`). */
  shipOrder(actor: Actor, fields: Omit<Extract<Command, { command: 'ship_order' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Marks every shipment delivered. */
  deliverOrder(actor: Actor, fields: Omit<Extract<Command, { command: 'deliver_order' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Cancels an order. */
  cancelOrder(actor: Actor, fields: Omit<Extract<Command, { command: 'cancel_order' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Cancels what a partly shipped order has not shipped, refunding those units. */
  cancelUnshipped(actor: Actor, fields: Omit<Extract<Command, { command: 'cancel_unshipped' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" A payment provider's asynchronous result (as the system actor). */
  paymentWebhook(actor: Actor, fields: Omit<Extract<Command, { command: 'payment_webhook' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" A carrier's tracking update (as the system actor). */
  trackingUpdate(actor: Actor, fields: Omit<Extract<Command, { command: 'tracking_update' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Asks to return delivered units. */
  requestReturn(actor: Actor, fields: Omit<Extract<Command, { command: 'request_return' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Moves a return along (approve, receive, process, refund, …). */
  updateReturn(actor: Actor, fields: Omit<Extract<Command, { command: 'update_return' }>, 'command'>, idempotencyKey?: string): Promise<Order>
  /** r" Sets a stock item. */
  setStock(actor: Actor, fields: Omit<Extract<Command, { command: 'set_stock' }>, 'command'>, idempotencyKey?: string): Promise<StockItem>
  /** r" Adds to or removes from on hand. */
  adjustStock(actor: Actor, fields: Omit<Extract<Command, { command: 'adjust_stock' }>, 'command'>, idempotencyKey?: string): Promise<StockItem>
  /** r" One order (another customer's order is `not_found`). */
  getOrder(actor: Actor, fields: Omit<Extract<Query, { query: 'get_order' }>, 'query'>): Promise<Order>
  /** r" A page of orders. */
  listOrders(actor: Actor, fields: Omit<Extract<Query, { query: 'list_orders' }>, 'query'>): Promise<{ orders: Order[]; next: string | null }>
  /** r" Stock of a sku at every location. */
  stockLevels(actor: Actor, fields: Omit<Extract<Query, { query: 'stock_levels' }>, 'query'>): Promise<StockItem[]>
  /** r" The return requests of an order. */
  listReturns(actor: Actor, fields: Omit<Extract<Query, { query: 'list_returns' }>, 'query'>): Promise<Array<Record<string, unknown>>>
  /** r" What the asking actor can do next to an order. */
  availableActions(actor: Actor, fields: Omit<Extract<Query, { query: 'available_actions' }>, 'query'>): Promise<OrderAction[]>
  /** r" Shipping options and prices for an address and lines. */
  shippingRates(actor: Actor, fields: Omit<Extract<Query, { query: 'shipping_rates' }>, 'query'>): Promise<ShippingRate[]>
  /**
   * Builds an engine: `config` has the optional keys `engine`, `products`, `promotions`,
   * `tax_rules`, `carrier`, `clock` (a fixed instant), `id_seed` and `payment_script`.
   * `hosts` replaces built-in components with the host's own: `store` (documents in the
   * host's database), `gateway`, `carrier` and `tax` (see `Store`, `PaymentGateway`,
   * `Carrier`, `TaxProvider`); `hostTimeoutMs` (default 30,000) bounds each call to them.
   */
  constructor(config?: EngineConfig, hosts?: EngineHosts)
  /**
   * Runs a command (`{ command: 'place_order', … }`) as `actor`; resolves to the command's
   * output (`{ type: 'order', value: {…} }`). The same `idempotencyKey` with the same
   * command answers the first result again without doing anything.
   */
  execute(actor: Actor, command: Command, idempotencyKey?: string): Promise<CommandOutput>
  /**
   * Answers a query (`{ query: 'get_order', order_id }`, `list_orders`, `stock_levels`,
   * `list_returns`, `available_actions`, `shipping_rates`).
   */
  query(actor: Actor, query: Query): Promise<QueryOutput>
  /**
   * Runs the scheduler once (expire unpaid orders, advance scheduled ones); resolves to
   * `{ expired, advanced, failed }`.
   */
  tick(actor?: Actor): Promise<TickReport>
  /** Prices a cart with the engine's promotions and tax; resolves to the breakdown. */
  price(cart: Cart, context?: PricingContext): Promise<PriceBreakdown>
  /** Undelivered outbox events, oldest first: `[{ position, event }]`. */
  pendingEvents(limit?: number): Promise<OutboxEntry[]>
  /** Marks outbox events delivered (their `position`s). */
  markDelivered(positions: number[]): Promise<void>
  /**
   * Moves the fixed clock of an engine configured with `clock` (an RFC 3339 instant or a
   * `Date`).
   */
  setClock(at: string | Date): void
  /**
   * Checks a webhook's signature: `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))` with
   * `timestamp` (Unix seconds) within five minutes of the engine's clock. Throws an
   * `invalid_signature` error otherwise.
   */
  verifyWebhook(secret: string, payload: string, timestamp: number, signature: string): void
}

/**
 * The pricing API without an engine: built once from `{ config?, tax_rules?, promotions? }`,
 * then prices carts synchronously (pure computation, no store).
 */
export declare class Pricer {
  /** Builds a pricer; promotions and tax rules are validated here, once. */
  constructor(spec?: PricerSpec)
  /**
   * Prices a cart into its breakdown. `context` (`{ now, usage }`) defaults to now (the
   * system clock) with no recorded promotion usage.
   */
  price(cart: Cart, context?: PricingContext): PriceBreakdown
  /**
   * `price` for JSON text: the cart's (and context's) JSON in, the breakdown's JSON out, with
   * no JS objects built on either side — for services that forward request bodies and send
   * the breakdown as a response body. Numbers follow the same exact-conversion rule.
   */
  priceJson(cartJson: string, contextJson?: string): string
}

/** The keys under which documents carry decimal amounts (as strings). */
export declare function amountFields(): Array<string>

/** Every stable error code of the core (the `code` of a rejected call). */
export declare function errorCodes(): Array<string>

/**
 * Prices `{ cart, config?, tax_rules?, promotions?, context? }` (the shape of the shared test
 * vectors) without an engine, synchronously; returns the breakdown.
 */
export declare function priceRequest(request: PriceRequest): PriceBreakdown

/**
 * The signature `verifyWebhook` expects: `hex(HMAC-SHA256(secret, "{timestamp}.{payload}"))`
 * (for tests, and for hosts that sign their own internal webhooks).
 */
export declare function signWebhook(secret: string, payload: string, timestamp: number): string
