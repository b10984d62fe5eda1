// Which gateway moves a tenant's money: the one its billing settings name — the sandbox unless staff
// switched Stripe on with a secret key. The settings are read on every call (one primary-key read),
// so a change in the console applies to the next payment in every server process; a Stripe client is
// kept per tenant and key, so its connections are reused.
import type { Db } from '../../db/connect.ts'
import { billingSettings } from './billing-settings.ts'
import { GatewayUnavailable, type MoneyGateway } from './port.ts'
import { type StripeConnection, StripeGateway } from './stripe-gateway.ts'

export interface GatewayResolverOptions {
  db: Db
  /** the deployment secret (TOLLGATE_SECRET) the gateway keys are sealed with */
  secret: string
  /** the demo's default and every tenant's until it chooses another (one sandbox account per tenant) */
  sandbox: (tenantId: string) => MoneyGateway | Promise<MoneyGateway>
  /** where Stripe clients send their calls; tests point them at the local stand-in */
  stripe?: StripeConnection | undefined
}

export type GatewayFor = (tenantId: string) => Promise<MoneyGateway>

export function gatewayResolver(options: GatewayResolverOptions): GatewayFor {
  const stripeClients = new Map<string, { key: string; gateway: StripeGateway }>()
  return async (tenantId) => {
    let settings: Awaited<ReturnType<typeof billingSettings>>
    try {
      settings = await billingSettings(options.db, tenantId, options.secret)
    } catch (error) {
      // a key sealed under another TOLLGATE_SECRET cannot be opened: no call is made, and the
      // payment waits (unknown) until staff enter the key again
      throw new GatewayUnavailable(
        `The billing settings of ${tenantId} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      )
    }
    if (settings.gateway === 'sandbox') return options.sandbox(tenantId)
    const key = settings.gatewaySecret
    if (!key) throw new GatewayUnavailable(`${tenantId} chose Stripe but has no secret key set`)
    const known = stripeClients.get(tenantId)
    if (known && known.key === key) return known.gateway
    const gateway = new StripeGateway(key, options.stripe)
    stripeClients.set(tenantId, { key, gateway })
    return gateway
  }
}
