// Which version decides for a tenant right now. The pointer is read from the database on every
// decision (so an activation in any process applies at once); the compiled version is cached,
// since a published version never changes.

import type { Db } from '../../db/connect.ts'
import { type CompiledRuleSet, compileRuleSet } from '../../rules/engine.ts'

export interface ActiveRuleSet {
  tenantTimeZone: string
  ruleSet: {
    id: string
    version: number
    compiled: CompiledRuleSet
    /** a published version evaluated beside this one after each decision (server/shadow) */
    shadowVersion: number | null
  } | null
}

/** Where a tenant's deciding version is, as one row of tenants joined to its rule set. */
export interface RuleSetPointer {
  time_zone: string
  rule_set_id: string | null
  active_version: number | null
  shadow_version: number | null
}

export class RuleSetCache {
  private readonly compiled = new Map<string, Promise<CompiledRuleSet>>()

  /**
   * The tenant's deciding version. The API-key check reads the pointer in the same query as the
   * key (server/api-keys/keys.ts) and passes it in, saving the decision a round trip.
   */
  async active(db: Db, tenantId: string, pointer?: RuleSetPointer): Promise<ActiveRuleSet | null> {
    const row =
      pointer ??
      (await db
        .selectFrom('tenants as t')
        .leftJoin('rule_sets as rs', (j) =>
          j.onRef('rs.tenant_id', '=', 't.tenant_id').onRef('rs.id', '=', 't.decision_rule_set_id'),
        )
        .select(['t.time_zone', 'rs.id as rule_set_id', 'rs.active_version', 'rs.shadow_version'])
        .where('t.tenant_id', '=', tenantId)
        .executeTakeFirst())
    if (!row) return null
    if (!row.rule_set_id || row.active_version === null)
      return { tenantTimeZone: row.time_zone, ruleSet: null }
    const compiled = await this.version(db, tenantId, row.rule_set_id, row.active_version)
    return {
      tenantTimeZone: row.time_zone,
      ruleSet: {
        id: row.rule_set_id,
        version: row.active_version,
        compiled,
        shadowVersion: row.shadow_version,
      },
    }
  }

  version(db: Db, tenantId: string, ruleSetId: string, version: number): Promise<CompiledRuleSet> {
    const key = `${tenantId}\u0000${ruleSetId}\u0000${version}`
    let entry = this.compiled.get(key)
    if (!entry) {
      entry = db
        .selectFrom('rule_set_versions')
        .select('definition')
        .where('tenant_id', '=', tenantId)
        .where('rule_set_id', '=', ruleSetId)
        .where('version', '=', version)
        .executeTakeFirstOrThrow()
        .then((row) => compileRuleSet(row.definition))
      entry.catch(() => this.compiled.delete(key))
      this.compiled.set(key, entry)
    }
    return entry
  }
}
