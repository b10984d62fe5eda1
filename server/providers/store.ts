// A tenant's provider configurations: queries that take the database first. Auth tokens are sealed
// with the deployment key, as webhook signing secrets are, and never read back out through the API.
import { CompiledQuery, type Selectable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { DataProvidersTable } from '../../db/schema.ts'
import { type FailPolicy, isProviderKind, type ProviderKind } from '../../rules/facts/providers.ts'
import { sealSecret, unsealSecret } from '../webhooks/webhooks.ts'
import type { ProviderConfig } from './client.ts'

export type ProviderRow = Selectable<DataProvidersTable>

export const providerDefaults = {
  timeout_ms: 1500,
  retries: 2,
  fail_policy: 'fail_open' as FailPolicy,
  cache_ttl_seconds: 300,
  breaker_threshold: 5,
  breaker_reset_ms: 30_000,
  enabled: true,
}

export interface ProviderView {
  id: string
  kind: ProviderKind
  name: string
  url: string
  timeout_ms: number
  retries: number
  fail_policy: FailPolicy
  cache_ttl_seconds: number
  breaker_threshold: number
  breaker_reset_ms: number
  enabled: boolean
  /** an auth token is set; the token itself is never shown */
  has_secret: boolean
  created_at: string
  updated_at: string
}

export function viewProvider(row: ProviderRow): ProviderView {
  return {
    id: row.id,
    kind: row.kind as ProviderKind,
    name: row.name,
    url: row.url,
    timeout_ms: row.timeout_ms,
    retries: row.retries,
    fail_policy: row.fail_policy as FailPolicy,
    cache_ttl_seconds: row.cache_ttl_seconds,
    breaker_threshold: row.breaker_threshold,
    breaker_reset_ms: row.breaker_reset_ms,
    enabled: row.enabled,
    has_secret: row.secret_sealed !== null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  }
}

export function providerConfig(row: ProviderRow, serverSecret: string | null): ProviderConfig {
  if (!isProviderKind(row.kind)) throw new Error(`provider ${row.id} has unknown kind ${row.kind}`)
  return {
    tenantId: row.tenant_id,
    id: row.id,
    kind: row.kind,
    url: row.url,
    timeoutMs: row.timeout_ms,
    retries: row.retries,
    failPolicy: row.fail_policy as FailPolicy,
    cacheTtlSeconds: row.cache_ttl_seconds,
    breakerThreshold: row.breaker_threshold,
    breakerResetMs: row.breaker_reset_ms,
    secret: row.secret_sealed && serverSecret ? unsealSecret(serverSecret, row.secret_sealed) : null,
    version: row.updated_at.toISOString(),
  }
}

export function listProviders(db: Db, tenantId: string): Promise<ProviderRow[]> {
  return db.selectFrom('data_providers').selectAll().where('tenant_id', '=', tenantId).orderBy('id').execute()
}

export function findProvider(db: Db, tenantId: string, id: string): Promise<ProviderRow | undefined> {
  return db
    .selectFrom('data_providers')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .executeTakeFirst()
}

/**
 * The tenant's enabled providers, at most one of each kind: the ones provider facts ask. Fixed
 * text, because a live decision asks it every time (gathered with its other reads).
 */
export function enabledProvidersStatement(tenantId: string): CompiledQuery<ProviderRow> {
  return CompiledQuery.raw('select * from data_providers where tenant_id = $1 and enabled = true', [tenantId])
}

export async function enabledProviders(db: Db, tenantId: string): Promise<ProviderRow[]> {
  return (await db.executeQuery(enabledProvidersStatement(tenantId))).rows
}

export interface ProviderInput {
  id: string
  kind: ProviderKind
  name: string
  url: string
  timeout_ms: number
  retries: number
  fail_policy: FailPolicy
  cache_ttl_seconds: number
  breaker_threshold: number
  breaker_reset_ms: number
  enabled: boolean
  secret: string | null
}

export async function insertProvider(
  db: Db,
  tenantId: string,
  input: ProviderInput,
  serverSecret: string | null,
  createdBy: string | null,
): Promise<ProviderRow> {
  const { secret, ...columns } = input
  return db
    .insertInto('data_providers')
    .values({
      tenant_id: tenantId,
      ...columns,
      secret_sealed: secret && serverSecret ? sealSecret(serverSecret, secret) : null,
      created_by: createdBy,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export async function updateProvider(
  db: Db,
  tenantId: string,
  id: string,
  changes: Partial<Omit<ProviderInput, 'id' | 'kind'>>,
  serverSecret: string | null,
): Promise<ProviderRow | undefined> {
  const { secret, ...columns } = changes
  return db
    .updateTable('data_providers')
    .set({
      ...columns,
      ...(secret === undefined
        ? {}
        : { secret_sealed: secret && serverSecret ? sealSecret(serverSecret, secret) : null }),
      // a new version: the process drops the provider's breaker and cache
      updated_at: new Date(),
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}
