import type { GatewayAnswer, GatewayRequest, PaymentGateway, Command } from './index'

/** The parts of a `new Stripe(key)` client the gateway and the webhooks use (the host's own `stripe` dependency). */
export interface StripeClientLike {
  /** PaymentIntents. */
  paymentIntents: {
    /** Creates (and, with a payment method, confirms) an intent. */
    create(params: Record<string, unknown>, options?: { idempotencyKey?: string }): Promise<any>
    /** Captures an authorized intent. */
    capture(id: string, params?: Record<string, unknown>, options?: { idempotencyKey?: string }): Promise<any>
    /** Cancels an intent. */
    cancel(id: string, params?: Record<string, unknown>, options?: { idempotencyKey?: string }): Promise<any>
  }
  /** Refunds. */
  refunds: {
    /** Refunds (part of) a captured intent. */
    create(params: Record<string, unknown>, options?: { idempotencyKey?: string }): Promise<any>
  }
  /** Webhook signatures. */
  webhooks: {
    /** Verifies a signed payload and parses its event. */
    constructEvent(payload: string | Uint8Array, signature: string, secret: string): any
  }
}

/** How the gateway confirms an intent at once: a saved `pm_…` for the request, or nothing. */
export type PaymentMethodOf = (request: GatewayRequest) => string | null | undefined | Promise<string | null | undefined>

/**
 * The engine's payment gateway on Stripe's PaymentIntents: the engine's provider key as Stripe's
 * `Idempotency-Key`, declines with Stripe's codes, 3-D Secure pending until the webhook,
 * connection errors and 5xx answers `unavailable`.
 */
export declare class StripeGateway implements PaymentGateway {
  constructor(stripe: StripeClientLike, options?: { paymentMethod?: PaymentMethodOf })
  /** Runs one operation of the gateway protocol on Stripe. */
  execute(request: GatewayRequest): Promise<GatewayAnswer>
}

/** Stripe's signed webhook events as the engine's `payment_webhook` commands. */
export declare class StripeWebhooks {
  constructor(stripe: StripeClientLike, endpointSecret: string)
  /**
   * The command for `payment_intent.succeeded` / `.payment_failed` (null for other events);
   * throws an error with code `invalid_signature` when the raw body is not signed by the secret.
   */
  command(rawBody: string | Uint8Array, signature: string): Extract<Command, { command: 'payment_webhook' }> | null
}

/** An amount ("19.99") in minor units at its own scale (1999). */
export declare function minorUnits(amount: string | number): number
