import type { Store } from './index'

/**
 * Checks a host store — empty when called — against the store contract (the host-store
 * protocol's rules: all-or-nothing change sets, versions, idempotency records, the outbox,
 * listing and paging); rejects with an `AssertionError` naming the rule broken.
 */
export declare function checkStore(store: Store): Promise<void>
