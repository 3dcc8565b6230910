// Compiled (not run) by `tsc --noEmit -p test/tsconfig.json` in the test script: the generated
// index.d.ts must type real use, and refuse wrong use (the @ts-expect-error lines).
import { Engine, Pricer, priceRequest, type PriceBreakdown, type Command, type Order, type Store, type PaymentGateway } from '..'

async function main (): Promise<void> {
  const engine = new Engine({ products: [{ sku: 'mug', name: 'Mug', unit_price: '12.50' }] })
  await engine.setStock({ type: 'staff', id: 'ops', role: 'admin' }, { sku: 'mug', on_hand: 10 })
  const checkout: Command = {
    command: 'place_order', customer_id: 'c1', lines: [{ sku: 'mug', quantity: 2 }],
    shipping_address: { name: 'Ada', line1: 'Hauptstr. 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
    payment: { method: 'card' },
  }
  const placed = await engine.execute({ type: 'customer', id: 'c1' }, checkout, 'checkout-1')
  if (placed.type !== 'order') throw new Error('an order command answers an order')
  const order: Order = await engine.shipOrder({ type: 'staff', id: 'ops', role: 'admin' }, { order_id: placed.value.id })
  const total: string = order.pricing.grand_total
  const breakdown = new Pricer({}).price({ currency: 'USD', lines: [{ sku: 'A', unit_price: '1.00', quantity: 1 }] })
  const tax: string = breakdown.tax_total
  const quote = new Pricer({}).quote({ currency: 'USD', lines: [{ sku: 'A', unit_price: '1.00', quantity: 1 }] })
  const quoted: string = quote.grand_total
  const asBreakdown: PriceBreakdown = quote.toJSON()
  // @ts-expect-error a quote's totals are read-only
  quote.grand_total = '0'
  priceRequest({ cart: { currency: 'USD', lines: [] } })
  // @ts-expect-error an unknown command is refused by the types
  await engine.execute({ type: 'system' }, { command: 'teleport_order', order_id: 'x' })
  // @ts-expect-error quantities are numbers
  await engine.placeOrder({ type: 'customer', id: 'c1' }, { customer_id: 'c1', lines: [{ sku: 'mug', quantity: '2' }], shipping_address: { country: 'DE' } })
  // @ts-expect-error the staff role is one of three
  await engine.getOrder({ type: 'staff', id: 'ops', role: 'owner' }, { order_id: 'x' })
  const gateway: PaymentGateway = { execute: async (request) => ({ status: 'approved', reference: request.idempotency_key }) }
  const store: Partial<Store> = { load: async () => null }
  return void [total, tax, quoted, asBreakdown, gateway, store]
}

void main()
