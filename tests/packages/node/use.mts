// Type-checked with `tsc --strict` under each module resolution a project may use.
import ordercore, { Engine, Pricer, Relay, type Order, type PlaceOrder, type PriceBreakdown, type Store } from 'ordercore'
import { checkStore } from 'ordercore/testing'
import { PgStore } from 'ordercore/pg'
import { StripeGateway } from 'ordercore/stripe'

const engine: Engine = new ordercore.Engine({ products: [{ sku: 'A', name: 'A', unit_price: '2.50' }] })
const body: PlaceOrder = { customer_id: 'c1', lines: [{ sku: 'A', quantity: 1 }], shipping_address: { country: 'US' } }
const order: Order = await engine.placeOrder({ type: 'customer', id: 'c1' }, body)
const total: string = order.pricing.grand_total
const breakdown: PriceBreakdown = new Pricer({}).price({ currency: 'USD', lines: [] })
// @ts-expect-error quantities are numbers
const wrong: PlaceOrder = { customer_id: 'c1', lines: [{ sku: 'A', quantity: '1' }], shipping_address: { country: 'US' } }
const check: (store: Store) => Promise<void> = checkStore
const pgStore: Store = new PgStore({ query: async () => ({ rows: [], rowCount: 0 }), connect: async () => ({ query: async () => ({ rows: [], rowCount: 0 }), release: () => {} }) })
const relay: Relay = new Relay(engine, { maxAttempts: 3 }).on('order_shipped', async (event) => event.aggregate)
const gateway = new Engine({}, { gateway: new StripeGateway({} as never, { paymentMethod: (request) => request.customer_id }) })
console.log(total, breakdown.grand_total, wrong, check, relay, pgStore, gateway)
