// Rule-set versions for backtest and shadow suites: a small version 1 (a negative phone list and a
// daily spending allowance) and a version 2 that also blocks one BIN, stored as published versions.
import { jsonb } from '../../db/json.ts'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import type { TestApp } from './app.ts'

const block = (id: string, condition: Record<string, unknown>) => ({
  id,
  name: id,
  priority: 10,
  conditions: { all: [condition] },
  event: { type: 'block' as const, params: { reason_code: id, message: id } },
})

export const version1: RuleSetDefinitionInput = {
  settings: { currency: 'USD' },
  rules: [
    block('negative-phone', {
      fact: 'list_hit',
      params: { list: 'negative', subject: 'phone' },
      operator: 'equal',
      value: true,
    }),
    {
      id: 'daily-spend',
      name: 'Fifty dollars a day',
      priority: 1,
      conditions: { all: [] },
      event: {
        type: 'allowance',
        params: { subject: 'customer', metric: 'amount', window: 'day', limit: 5000, message: '50.00 a day' },
      },
    },
  ],
}

/** version 1 plus a block on BIN 400005 */
export const version2: RuleSetDefinitionInput = {
  ...version1,
  rules: [...version1.rules, block('blocked-bin', { fact: 'card_bin', operator: 'equal', value: '400005' })],
}

export async function addVersion(
  t: TestApp,
  tenantId: string,
  version: number,
  definition: RuleSetDefinitionInput,
  status = 'published',
) {
  await t.db
    .insertInto('rule_set_versions')
    .values({
      tenant_id: tenantId,
      rule_set_id: 'authorizations',
      version,
      status,
      definition: jsonb({ ...definition, rules: definition.rules.map((r) => ({ enabled: true, ...r })) }),
      created_by: null,
      published_at: status === 'published' ? new Date() : null,
    })
    .execute()
}

/** Moves the tenant's "authorizations" rule-set pointers straight in the database, as another process would. */
export async function setPointers(
  t: Pick<TestApp, 'db'>,
  tenantId: string,
  pointers: { active_version?: number; shadow_version?: number | null },
) {
  await t.db
    .updateTable('rule_sets')
    .set(pointers)
    .where('tenant_id', '=', tenantId)
    .where('id', '=', 'authorizations')
    .execute()
}
