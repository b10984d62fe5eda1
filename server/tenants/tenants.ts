// Tenants and their deciding rule set: creation, and installing a published, active version.
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { validateDefinition } from '../../rules/validate.ts'
import { SHARED_TENANT } from '../lists/membership.ts'

export async function createTenant(
  db: Db,
  tenant: { tenantId: string; name: string; timeZone?: string; currency?: string },
): Promise<void> {
  if (tenant.tenantId === SHARED_TENANT)
    throw new Error(`"${SHARED_TENANT}" is reserved for the shared lists and cannot be a tenant id`)
  await db
    .insertInto('tenants')
    .values({
      tenant_id: tenant.tenantId,
      name: tenant.name,
      time_zone: tenant.timeZone ?? 'UTC',
      default_currency: tenant.currency ?? 'USD',
      decision_rule_set_id: null,
    })
    .execute()
}

/** Creates a rule set whose version 1 is published and active, and makes it the tenant's deciding one. */
export async function installRuleSet(
  db: Db,
  tenantId: string,
  ruleSet: {
    id: string
    name: string
    description?: string
    definition: RuleSetDefinitionInput
    createdBy?: string
  },
): Promise<void> {
  const validation = validateDefinition(ruleSet.definition)
  if (!validation.ok)
    throw new Error(`rule set ${ruleSet.id} is invalid: ${JSON.stringify(validation.problems)}`)
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('rule_sets')
      .values({
        tenant_id: tenantId,
        id: ruleSet.id,
        name: ruleSet.name,
        description: ruleSet.description ?? '',
        active_version: 1,
      })
      .execute()
    await trx
      .insertInto('rule_set_versions')
      .values({
        tenant_id: tenantId,
        rule_set_id: ruleSet.id,
        version: 1,
        status: 'published',
        definition: jsonb(validation.definition),
        created_by: ruleSet.createdBy ?? null,
        published_at: new Date(),
      })
      .execute()
    await trx
      .updateTable('tenants')
      .set({ decision_rule_set_id: ruleSet.id })
      .where('tenant_id', '=', tenantId)
      .execute()
  })
}
