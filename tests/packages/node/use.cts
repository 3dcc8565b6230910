// The CommonJS view of the types (`require` condition).
import { Engine, type Order } from 'ordercore'

async function main (): Promise<Order> {
  const engine = new Engine({})
  return engine.getOrder({ type: 'system' }, { order_id: 'ord_1' })
}
void main
