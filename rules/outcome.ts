// Outcome resolution: the precedence of outcomes and the arithmetic of allowances. Pure.
import { defaultPresentation, eligibleOffers, type OfferEligibility, type Presentation } from './offers.ts'
import type { EventParams, EventType, Outcome, UsageMetric, UsageSubject, WindowUnit } from './schema.ts'
import type { FiredEvent, PurchaseValueLimitView } from './types.ts'

/** block > temporary_block > review > limit > approve */
export const outcomeRank: Record<Outcome, number> = {
  approve: 0,
  limit: 1,
  review: 2,
  temporary_block: 3,
  block: 4,
}

export function strongerOutcome(a: Outcome, b: Outcome): Outcome {
  return outcomeRank[b] > outcomeRank[a] ? b : a
}

export interface AllowanceState {
  ruleId: string
  ruleName: string
  subject: UsageSubject
  /** the subject as a merchant names it: "the customer", "card ending 4242", "IP 203.0.113.7" */
  subjectLabel: string
  metric: UsageMetric
  window: WindowUnit
  hours?: number | undefined
  limit: number
  /** in the metric's unit, before this request */
  used: number
  /** when what is used now stops counting: the window's end, or for rolling windows the oldest event's expiry */
  resetsAt: Date | null
  message: string
}

/** Whose usage an allowance counted, as its reason names it. */
export interface CountedSubject {
  kind: UsageSubject
  label: string
}

export interface Reason {
  rule: string
  type: EventType
  message: string
  reason_code?: string
  /** an allowance's: whose usage it counted */
  subject?: CountedSubject
  remaining?: number
  resets_at?: string
}

/** An allowance's message with the subject it counted against: "Two sessions a day, counted against the customer". */
function allowanceMessage(a: AllowanceState, keptInOtherCurrency: boolean): string {
  const counted = `${a.message.replace(/[.\s]+$/, '')}, counted against ${a.subjectLabel}`
  return keptInOtherCurrency ? `${counted} (kept in another currency than this request's)` : counted
}

export interface Resolution {
  outcome: Outcome
  reasons: Reason[]
  limits: {
    max_amount: number | null
    max_duration_seconds: number | null
    resets_at: string | null
    /** present when the rule set keeps purchase value limits: the customer's, or null */
    purchase_value_limit?: PurchaseValueLimitView | null
  }
  retry_after_seconds: number | null
  discounts: {
    rule: string
    code: string
    percent_off: number | null
    amount_off: number | null
    message: string
  }[]
  /** the catalog offers the approval makes eligible (offer events); selection turns them into offers made */
  offers: OfferEligibility[]
  /** how offers are to be presented (treatment events), when any offer is eligible */
  presentation: Presentation
  /** the rules whose own outcome is the resolved one (for a limit, the allowances used up); none for an approval */
  decided_by: string[]
}

export function remainingAllowance(limit: number, used: number): number {
  return Math.max(0, limit - used)
}

/** Does this allowance count this kind of request? Sessions and minutes count sessions, purchases count purchases, money counts both. */
export function allowanceApplies(metric: UsageMetric, kind: 'purchase' | 'session'): boolean {
  if (metric === 'amount') return true
  if (metric === 'purchases') return kind === 'purchase'
  return kind === 'session'
}

/** Is nothing left for this request? A purchase must fit whole within a money allowance. */
export function allowanceExhausted(
  state: Pick<AllowanceState, 'metric' | 'limit' | 'used'>,
  kind: 'purchase' | 'session',
  amount: number | null,
  amountInAllowanceCurrency = true,
): boolean {
  // Money in a currency the allowance is not kept in cannot be judged against it: fail closed,
  // or paying in another currency would be a way around every money allowance.
  if (state.metric === 'amount' && !amountInAllowanceCurrency) return true
  const remaining = remainingAllowance(state.limit, state.used)
  if (state.metric === 'amount' && kind === 'purchase') return (amount ?? 0) > remaining || remaining === 0
  return remaining < 1
}

const eventOutcome: Partial<Record<EventType, Outcome>> = {
  block: 'block',
  temporary_block: 'temporary_block',
  review: 'review',
  limit: 'limit',
}

function minOrNull(values: number[]): number | null {
  return values.length ? Math.min(...values) : null
}

export function resolveOutcome(input: {
  kind: 'purchase' | 'session'
  amount: number | null
  /** false when the request's currency is not the rule set's; money allowances then refuse it */
  amountInAllowanceCurrency?: boolean
  fired: FiredEvent[]
  allowances: AllowanceState[]
}): Resolution {
  let outcome: Outcome = 'approve'
  const reasons: (Reason & { rank: number })[] = []
  let retryAfter: number | null = null

  for (const event of input.fired) {
    const eventAsOutcome = eventOutcome[event.type]
    if (!eventAsOutcome) continue
    outcome = strongerOutcome(outcome, eventAsOutcome)
    const params = event.params as EventParams<'block'>
    reasons.push({
      rule: event.ruleId,
      type: event.type,
      message: params.message,
      reason_code: params.reason_code,
      rank: outcomeRank[eventAsOutcome],
    })
    if (event.type === 'temporary_block') {
      const seconds = (event.params as EventParams<'temporary_block'>).retry_after_seconds
      if (seconds !== undefined) retryAfter = Math.max(retryAfter ?? 0, seconds)
    }
  }

  const applicable = input.allowances.filter((a) => allowanceApplies(a.metric, input.kind))
  const inCurrency = input.amountInAllowanceCurrency ?? true
  const exhausted = applicable.filter((a) => allowanceExhausted(a, input.kind, input.amount, inCurrency))
  if (exhausted.length) outcome = strongerOutcome(outcome, 'limit')
  for (const a of applicable) {
    const isExhausted = exhausted.includes(a)
    reasons.push({
      rule: a.ruleId,
      type: 'allowance',
      message: allowanceMessage(a, isExhausted && a.metric === 'amount' && !inCurrency),
      subject: { kind: a.subject, label: a.subjectLabel },
      remaining: remainingAllowance(a.limit, a.used),
      ...(isExhausted && a.resetsAt ? { resets_at: a.resetsAt.toISOString() } : {}),
      rank: isExhausted ? outcomeRank.limit : 0,
    })
  }
  reasons.sort((x, y) => y.rank - x.rank)

  // A limit is lifted only when every exhausted allowance has reset: the latest reset wins.
  const resetTimes = exhausted.map((a) => a.resetsAt?.getTime()).filter((t): t is number => t !== undefined)
  const resetsAt =
    outcome === 'limit' && resetTimes.length ? new Date(Math.max(...resetTimes)).toISOString() : null

  const approved = outcome === 'approve'
  const remainingOf = (metric: UsageMetric) =>
    applicable.filter((a) => a.metric === metric).map((a) => remainingAllowance(a.limit, a.used))
  const maxMinutes = minOrNull(remainingOf('minutes'))
  const limits = {
    max_amount: approved ? minOrNull(remainingOf('amount')) : null,
    max_duration_seconds: approved && maxMinutes !== null ? maxMinutes * 60 : null,
    resets_at: resetsAt,
  }

  const discounts = approved
    ? input.fired
        .filter((e) => e.type === 'discount')
        .map((e) => {
          const p = e.params as EventParams<'discount'>
          return {
            rule: e.ruleId,
            code: p.code,
            percent_off: p.percent_off ?? null,
            amount_off: p.amount_off ?? null,
            message: p.message,
          }
        })
    : []
  const offers = approved ? eligibleOffers(input.fired) : []

  const decidedBy = new Set<string>()
  for (const event of input.fired) if (eventOutcome[event.type] === outcome) decidedBy.add(event.ruleId)
  if (outcome === 'limit') for (const a of exhausted) decidedBy.add(a.ruleId)

  return {
    outcome,
    decided_by: [...decidedBy],
    reasons: reasons.map(({ rank: _rank, ...reason }) => reason),
    limits,
    retry_after_seconds: outcome === 'temporary_block' ? retryAfter : null,
    discounts,
    offers,
    presentation: defaultPresentation,
  }
}
