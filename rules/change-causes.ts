// Why a replayed decision came out differently, for backtests: the rules that decide the new outcome
// now, and the rules that decided the old one and no longer do — not every rule that fired, since
// allowances count on every request whether or not they changed anything. Pure.
import { PURCHASE_VALUE_LIMIT_RULE } from './purchase-limit.ts'
import type { Outcome } from './schema.ts'

export interface RuleSummary {
  id: string
  name: string
  type: string
}

export interface ChangeCause extends RuleSummary {
  /** now: it makes the new outcome; no_longer: it made the old outcome and does not any more */
  effect: 'now' | 'no_longer'
}

/** A reason as a recorded decision keeps it (its response's reasons). */
export interface RecordedReason {
  rule: string
  type: string
  remaining?: number
  resets_at?: string
}

/**
 * The rules that made a recorded outcome, read back from its reasons: those of that outcome's own
 * type, and for a limit the allowances used up (nothing left, or a reset time, which the engine
 * gives only to an allowance that refused).
 */
export function recordedDecidingRules(outcome: string, reasons: RecordedReason[]): string[] {
  if (outcome === 'approve') return []
  const ids = reasons
    .filter(
      (r) =>
        r.type === outcome ||
        (outcome === 'limit' && r.type === 'allowance' && (r.remaining === 0 || r.resets_at !== undefined)),
    )
    .map((r) => r.rule)
  return [...new Set(ids)]
}

export function changeCauses(input: {
  /** the replay's deciding rules (Resolution.decided_by) and every rule that fired in it, for names */
  now: { decidedBy: string[]; fired: RuleSummary[] }
  /** the recorded decision: its outcome, reasons and fired rules */
  before: { outcome: Outcome | string; reasons: RecordedReason[]; fired: RuleSummary[] }
}): ChangeCause[] {
  // the purchase value limit is the rule set's setting, not one of its rules, so it never fired as one
  const named = (id: string, rules: RuleSummary[], type: string): RuleSummary =>
    rules.find((r) => r.id === id) ?? {
      id,
      name: id === PURCHASE_VALUE_LIMIT_RULE ? 'Purchase value limit' : id,
      type,
    }
  const causes: ChangeCause[] = input.now.decidedBy.map((id) => ({
    ...named(id, input.now.fired, 'limit'),
    effect: 'now',
  }))
  const deciding = new Set(input.now.decidedBy)
  for (const id of recordedDecidingRules(input.before.outcome, input.before.reasons))
    if (!deciding.has(id))
      causes.push({ ...named(id, input.before.fired, input.before.outcome), effect: 'no_longer' })
  return causes
}
