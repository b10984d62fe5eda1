// A tenant's billing settings: which gateway moves its money (the sandbox unless staff switch Stripe
// on), the gateway's secret key sealed with the deployment secret (TOLLGATE_SECRET) as webhook and
// provider secrets are, how a session's hold is settled, and how long a silent session may live.
// Queries take the database first. A tenant with no row reads the defaults.
import type { Selectable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { BillingSettingsTable } from '../../db/schema.ts'
import { sealSecret, unsealSecret } from '../webhooks/webhooks.ts'

export const gatewayNames = ['sandbox', 'stripe'] as const
export type GatewayName = (typeof gatewayNames)[number]

export const settlementModes = ['capture_and_release', 'reverse_and_recharge', 'credit_difference'] as const
export type SettlementMode = (typeof settlementModes)[number]

export type BillingSettingsRow = Selectable<BillingSettingsTable>

export interface BillingSettings {
  tenantId: string
  gateway: GatewayName
  /** the gateway's secret key in the clear; null when none is set */
  gatewaySecret: string | null
  gatewayAccount: string | null
  settlement: SettlementMode
  heartbeatTimeoutSeconds: number
  /** changes whenever staff save the settings; a resolver's cache key */
  version: string
}

/** What the admin API shows: whether a secret is set and its last four, never the secret. */
export interface BillingSettingsView {
  gateway: GatewayName
  secret_set: boolean
  secret_last4: string | null
  gateway_account: string | null
  settlement: SettlementMode
  heartbeat_timeout_seconds: number
  updated_by: string | null
  updated_at: string | null
}

export const billingDefaults = {
  gateway: 'sandbox' as GatewayName,
  settlement: 'capture_and_release' as SettlementMode,
  heartbeat_timeout_seconds: 90,
}

const isGatewayName = (value: string): value is GatewayName =>
  (gatewayNames as readonly string[]).includes(value)
const isSettlementMode = (value: string): value is SettlementMode =>
  (settlementModes as readonly string[]).includes(value)

export function findBillingSettingsRow(db: Db, tenantId: string): Promise<BillingSettingsRow | undefined> {
  return db.selectFrom('billing_settings').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst()
}

/** The tenant's settings with the secret unsealed; the defaults when staff never saved any. */
export async function billingSettings(
  db: Db,
  tenantId: string,
  serverSecret: string,
): Promise<BillingSettings> {
  const row = await findBillingSettingsRow(db, tenantId)
  if (!row)
    return {
      tenantId,
      gateway: billingDefaults.gateway,
      gatewaySecret: null,
      gatewayAccount: null,
      settlement: billingDefaults.settlement,
      heartbeatTimeoutSeconds: billingDefaults.heartbeat_timeout_seconds,
      version: 'default',
    }
  if (!isGatewayName(row.gateway)) throw new Error(`tenant ${tenantId} has unknown gateway ${row.gateway}`)
  if (!isSettlementMode(row.settlement))
    throw new Error(`tenant ${tenantId} has unknown settlement ${row.settlement}`)
  return {
    tenantId,
    gateway: row.gateway,
    gatewaySecret: row.gateway_secret_sealed ? unsealSecret(serverSecret, row.gateway_secret_sealed) : null,
    gatewayAccount: row.gateway_account,
    settlement: row.settlement,
    heartbeatTimeoutSeconds: row.heartbeat_timeout_seconds,
    version: row.updated_at.toISOString(),
  }
}

export function viewBillingSettings(
  row: BillingSettingsRow | undefined,
  serverSecret: string,
): BillingSettingsView {
  if (!row)
    return {
      gateway: billingDefaults.gateway,
      secret_set: false,
      secret_last4: null,
      gateway_account: null,
      settlement: billingDefaults.settlement,
      heartbeat_timeout_seconds: billingDefaults.heartbeat_timeout_seconds,
      updated_by: null,
      updated_at: null,
    }
  return {
    gateway: isGatewayName(row.gateway) ? row.gateway : billingDefaults.gateway,
    secret_set: row.gateway_secret_sealed !== null,
    secret_last4: lastFour(row.gateway_secret_sealed, serverSecret),
    gateway_account: row.gateway_account,
    settlement: isSettlementMode(row.settlement) ? row.settlement : billingDefaults.settlement,
    heartbeat_timeout_seconds: row.heartbeat_timeout_seconds,
    updated_by: row.updated_by,
    updated_at: row.updated_at.toISOString(),
  }
}

/** The stored key's last four; null when none is stored or it was sealed under another deployment secret. */
function lastFour(sealed: string | null, serverSecret: string): string | null {
  if (!sealed) return null
  try {
    return unsealSecret(serverSecret, sealed).slice(-4)
  } catch {
    return null
  }
}

export interface BillingSettingsInput {
  gateway: GatewayName
  /** undefined keeps the stored secret; null removes it */
  secret?: string | null | undefined
  gateway_account: string | null
  settlement: SettlementMode
  heartbeat_timeout_seconds: number
}

/** Writes the whole row (one per tenant); the secret only when given. */
export async function saveBillingSettings(
  db: Db,
  tenantId: string,
  input: BillingSettingsInput,
  serverSecret: string,
  updatedBy: string | null,
): Promise<BillingSettingsRow> {
  const columns = {
    gateway: input.gateway,
    gateway_account: input.gateway_account,
    settlement: input.settlement,
    heartbeat_timeout_seconds: input.heartbeat_timeout_seconds,
    updated_by: updatedBy,
    updated_at: new Date(),
    ...(input.secret === undefined
      ? {}
      : { gateway_secret_sealed: input.secret === null ? null : sealSecret(serverSecret, input.secret) }),
  }
  return db
    .insertInto('billing_settings')
    .values({ tenant_id: tenantId, ...columns })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet(columns))
    .returningAll()
    .executeTakeFirstOrThrow()
}
