// Offers for a caller in a call (the bridge: waiting content, or "press 1 to add …" after payment).
// A call's decision makes its offers as any decision does (in-decision.ts); but a caller who keyed a
// card in has no stored method until the session's hold is placed, so the decision skipped its offers
// for want of one. Called once the session is paid for, this makes them then: the decision's own
// offer and treatment events (as recorded with it), the customer's method as the session left it.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { eligibleOffers, presentationOf } from '../../rules/offers.ts'
import type { RuleSetDefinition } from '../../rules/schema.ts'
import type { FiredEvent } from '../../rules/types.ts'
import type { DecisionResponse } from '../authorizations/schema.ts'
import type { Logger } from '../logging.ts'
import { type OfferSelection, selectOffers } from './selection.ts'
import type { OfferLedger } from './types.ts'

/**
 * The offers open for the call whose decision this is: those it made and that have not expired; or,
 * when it could make none for want of a stored method, those selected now and written on it.
 */
export async function offersForCall(
  deps: { db: Db; ledger: OfferLedger; logger?: Logger | undefined },
  tenantId: string,
  decisionId: string,
  now: Date = new Date(),
): Promise<OfferSelection> {
  const row = await deps.db
    .selectFrom('decisions')
    .select([
      'response',
      'fired_rules',
      'customer_id',
      'rule_set_id',
      'rule_set_version',
      'currency',
      'channel',
    ])
    .where('tenant_id', '=', tenantId)
    .where('id', '=', decisionId)
    .executeTakeFirst()
  if (!row) return { offers: [], skipped: [] }
  const decision = parse<DecisionResponse>(row.response)
  const skipped = decision.offers_skipped ?? []
  if (decision.outcome !== 'approve') return { offers: [], skipped: [] }
  if (decision.offers.length > 0)
    return { offers: decision.offers.filter((o) => Date.parse(o.expires_at) > now.getTime()), skipped }
  if (!skipped.some((s) => s.reason === 'no_payment_method')) return { offers: [], skipped }

  const paymentMethodId = await storedMethodOf(deps.db, tenantId, row.customer_id, decision)
  if (!paymentMethodId) return { offers: [], skipped }
  const settings = await settingsOf(deps.db, tenantId, row.rule_set_id, row.rule_set_version)
  const fired = parse<{ id: string; name: string; type: string; params: Record<string, unknown> }[]>(
    row.fired_rules,
  )
  const priorities = new Map((settings?.rules ?? []).map((r) => [r.id, r.priority]))
  const events = fired.map((f): FiredEvent & { priority: number } => ({
    ruleId: f.id,
    ruleName: f.name,
    type: f.type as FiredEvent['type'],
    params: f.params ?? {},
    priority: priorities.get(f.id) ?? 1,
  }))
  const selection = await selectOffers(deps, {
    tenantId,
    customerId: row.customer_id,
    channel: row.channel === 'phone' ? 'phone' : 'web',
    currency: row.currency ?? settings?.settings.currency ?? 'USD',
    eligible: eligibleOffers(events),
    presentation: presentationOf(events),
    paymentMethodId,
    decisionId,
    maxOffers: settings?.settings.offers?.max_per_contact,
    controlPercent: settings?.settings.offers?.control_percent,
    now,
  })
  const response = { ...decision, offers: selection.offers, offers_skipped: selection.skipped }
  await deps.db
    .updateTable('decisions')
    .set({ response: sql<string>`cast(${JSON.stringify(response)}::text as json)` })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', decisionId)
    .execute()
  return selection
}

function parse<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T
}

async function storedMethodOf(
  db: Db,
  tenantId: string,
  customerId: string | null,
  decision: DecisionResponse,
): Promise<string | null> {
  const fingerprint = decision.payment_method?.fingerprint
  if (!customerId || !fingerprint) return null
  const row = await db
    .selectFrom('payment_methods')
    .select('id')
    .where('tenant_id', '=', tenantId)
    .where('customer_id', '=', customerId)
    .where('fingerprint', '=', fingerprint)
    .where('gateway_token', 'is not', null)
    .executeTakeFirst()
  return row?.id ?? null
}

async function settingsOf(
  db: Db,
  tenantId: string,
  ruleSetId: string | null,
  version: number | null,
): Promise<RuleSetDefinition | null> {
  if (!ruleSetId || version === null) return null
  const row = await db
    .selectFrom('rule_set_versions')
    .select('definition')
    .where('tenant_id', '=', tenantId)
    .where('rule_set_id', '=', ruleSetId)
    .where('version', '=', version)
    .executeTakeFirst()
  return row ? parse<RuleSetDefinition>(row.definition) : null
}
