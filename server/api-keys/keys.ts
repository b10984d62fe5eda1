// Merchant API keys: tg_<tenant>_<secret>. The tenant part lets the lookup lead with tenant_id like
// every other query; only a SHA-256 of the key is stored, with a short prefix to recognise it by.
import { createHash } from 'node:crypto'
import type { Db } from '../../db/connect.ts'
import { newId, randomToken } from '../ids.ts'
import { SHARED_TENANT } from '../lists/membership.ts'
import type { RuleSetPointer } from '../rule-sets/active.ts'

const keyPattern = /^tg_([a-z0-9]{1,32})_([A-Za-z0-9]{16,128})$/

export function parseApiKey(key: string): { tenantId: string } | null {
  const match = keyPattern.exec(key)
  // the shared lists' reserved tenant never authenticates, whatever a row may say
  return match?.[1] && match[1] !== SHARED_TENANT ? { tenantId: match[1] } : null
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex')
}

export function isWellFormedApiKey(key: string): boolean {
  return keyPattern.test(key)
}

export async function createApiKey(
  db: Db,
  tenantId: string,
  name: string,
  key = `tg_${tenantId}_${randomToken(32)}`,
): Promise<{ id: string; key: string; prefix: string }> {
  if (tenantId === SHARED_TENANT)
    throw new Error(`"${SHARED_TENANT}" holds the shared lists and has no API keys`)
  if (parseApiKey(key)?.tenantId !== tenantId)
    throw new Error(`API keys for tenant ${tenantId} have the form tg_${tenantId}_<16+ letters or digits>`)
  const id = newId('key')
  const prefix = key.slice(0, `tg_${tenantId}_`.length + 6)
  await db
    .insertInto('api_keys')
    .values({ tenant_id: tenantId, id, name, prefix, key_hash: hashApiKey(key) })
    .execute()
  return { id, key, prefix }
}

export async function revokeApiKey(db: Db, tenantId: string, id: string): Promise<void> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute()
}

/**
 * The tenant a bearer key belongs to, or null when the key is unknown, malformed or revoked; with
 * where the tenant's deciding rule-set version is, read in the same query for the decision to use.
 */
export async function authenticateApiKey(
  db: Db,
  key: string,
): Promise<{ tenantId: string; keyId: string; ruleSetPointer: RuleSetPointer } | null> {
  const parsed = parseApiKey(key)
  if (!parsed) return null
  const row = await db
    .selectFrom('api_keys as k')
    .innerJoin('tenants as t', 't.tenant_id', 'k.tenant_id')
    .leftJoin('rule_sets as rs', (j) =>
      j.onRef('rs.tenant_id', '=', 't.tenant_id').onRef('rs.id', '=', 't.decision_rule_set_id'),
    )
    .select([
      'k.id',
      'k.revoked_at',
      't.time_zone',
      'rs.id as rule_set_id',
      'rs.active_version',
      'rs.shadow_version',
    ])
    .where('k.tenant_id', '=', parsed.tenantId)
    .where('k.key_hash', '=', hashApiKey(key))
    .executeTakeFirst()
  if (!row || row.revoked_at) return null
  const { id, revoked_at: _revoked, ...ruleSetPointer } = row
  return { tenantId: parsed.tenantId, keyId: id, ruleSetPointer }
}
