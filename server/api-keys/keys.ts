// Merchant API keys: tg_<tenant>_<secret>. The tenant part lets the lookup lead with tenant_id like
// every other query; only a SHA-256 of the key is stored, with a short prefix to recognise it by.
import { createHash } from 'node:crypto'
import type { Db } from '../../db/connect.ts'
import type { KeyCheck } from '../authorizations/service.ts'
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

export interface KeyIdentity {
  tenantId: string
  keyId: string
  ruleSetPointer: RuleSetPointer
}

/** The key's row with where its tenant's deciding version is, found by hash or by id. */
export function keyAndPointer(db: Db, tenantId: string, by: { hash: string } | { id: string }) {
  return db
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
    .where('k.tenant_id', '=', tenantId)
    .$if('hash' in by, (q) => q.where('k.key_hash', '=', (by as { hash: string }).hash))
    .$if('id' in by, (q) => q.where('k.id', '=', (by as { id: string }).id))
}

/**
 * The tenant a bearer key belongs to, or null when the key is unknown, malformed or revoked; with
 * where the tenant's deciding rule-set version is, read in the same query for the decision to use.
 */
export async function authenticateApiKey(db: Db, key: string): Promise<KeyIdentity | null> {
  const parsed = parseApiKey(key)
  if (!parsed) return null
  const row = await keyAndPointer(db, parsed.tenantId, { hash: hashApiKey(key) }).executeTakeFirst()
  if (!row || row.revoked_at) return null
  const { id, revoked_at: _revoked, ...ruleSetPointer } = row
  return { tenantId: parsed.tenantId, keyId: id, ruleSetPointer }
}

/**
 * Keys this process has seen, for the authorization path only: there the key is checked again
 * inside the decision's own transaction (server/authorizations/service.ts), in the statement that
 * reads the decision's other rows, so a revoked key is refused and a newly activated rule set
 * used at once, in any process, without a round trip of its own.
 */
export class ApiKeyCache {
  private readonly byHash = new Map<string, KeyIdentity>()

  constructor(private readonly capacity = 10_000) {}

  get(key: string): KeyIdentity | undefined {
    return this.byHash.get(hashApiKey(key))
  }

  remember(key: string, identity: KeyIdentity): void {
    const hash = hashApiKey(key)
    this.byHash.delete(hash)
    this.byHash.set(hash, identity)
    // the oldest entry goes first: a Map iterates in insertion order
    if (this.byHash.size > this.capacity) this.byHash.delete(this.byHash.keys().next().value as string)
  }

  /** The tenant's deciding version moved: later requests with this key start from the new one. */
  refresh(keyId: string, ruleSetPointer: RuleSetPointer): void {
    for (const identity of this.byHash.values())
      if (identity.keyId === keyId) identity.ruleSetPointer = ruleSetPointer
  }

  /** A key of this cache to confirm inside a decision's transaction: it is forgotten or refreshed by what that finds. */
  checkInTransaction(keyId: string): KeyCheck {
    return {
      keyId,
      revoked: () => this.forget(keyId),
      moved: (pointer) => this.refresh(keyId, pointer),
    }
  }

  forget(keyId: string): void {
    for (const [hash, identity] of this.byHash) if (identity.keyId === keyId) this.byHash.delete(hash)
  }
}
