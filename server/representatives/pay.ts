// Representatives' pay for a settled session: what each representative leg earned under its
// representative's pay plan, accrued once per leg (pay_accruals) and posted to the ledger.
//
// The rules, stated once:
// - A leg counts only inside the session's billing window (first representative's connect to the
//   last one's disconnect; in chat-room mode the customer's leg): its seconds are the whole seconds
//   of its connected time clipped to that window (rounded down). A leg still open at settlement
//   runs to the window's end. Nothing is earned outside the window, or when nothing was billed.
// - per_minute: rate_per_minute × seconds / 60 of the representative's pay currency, rounded down.
// - share: the charge is divided among all the representative legs of the session in proportion to
//   their seconds inside the window; each leg earns its representative's basis points of its part:
//   charge × legSeconds × bps / (allLegsSeconds × 10 000), rounded down, in the session's currency.
//   So two representatives on the whole call split the charge half and half, and the house keeps
//   the rest and every rounding remainder: the pay of a session never exceeds its charge.
// Integer arithmetic throughout (bigint for the products), so no amount is ever a float.
import type { Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { newId } from '../ids.ts'
import { accounts, postTransaction } from '../ledger/ledger.ts'

export type PayPlan =
  | { plan: 'share'; shareBps: number }
  | { plan: 'per_minute'; ratePerMinute: number; currency: string }

/** A session leg as session_legs stores it. */
export interface PayLeg {
  id: string
  /** representative | customer; customer legs earn nothing */
  party: string
  representative_id: string | null
  connected_at: Date | string
  disconnected_at: Date | string | null
}

export interface PayLine {
  legId: string
  representativeId: string
  seconds: number
  amount: number
  currency: string
  payPlan: PayPlan['plan']
}

export interface PayInput {
  legs: readonly PayLeg[]
  /** pay plans by representative id; a leg whose representative has none earns nothing here */
  plans: ReadonlyMap<string, PayPlan>
  billingStartedAt: Date | string | null
  billingEndedAt: Date | string | null
  /** the session's charge, minor units of currency */
  chargeTotal: number
  currency: string
}

const time = (at: Date | string) => (at instanceof Date ? at.getTime() : new Date(at).getTime())

/** Whole seconds of [from, to) inside [windowStart, windowEnd), rounded down; 0 when they miss. */
export function secondsInWindow(
  from: Date | string,
  to: Date | string | null,
  windowStart: Date | string,
  windowEnd: Date | string,
): number {
  const start = Math.max(time(from), time(windowStart))
  const end = Math.min(to === null ? time(windowEnd) : time(to), time(windowEnd))
  return end > start ? Math.floor((end - start) / 1000) : 0
}

/** What each representative leg earned; legs of representatives without a plan are left out. */
export function payForLegs(input: PayInput): PayLine[] {
  if (!Number.isSafeInteger(input.chargeTotal) || input.chargeTotal < 0)
    throw new RangeError(
      `chargeTotal must be a non-negative integer of minor units, not ${input.chargeTotal}`,
    )
  const representativeLegs = input.legs.filter(
    (leg): leg is PayLeg & { representative_id: string } =>
      leg.party === 'representative' && leg.representative_id !== null,
  )
  const { billingStartedAt: windowStart, billingEndedAt: windowEnd } = input
  const timed = representativeLegs.map((leg) => ({
    leg,
    seconds:
      windowStart === null || windowEnd === null
        ? 0
        : secondsInWindow(leg.connected_at, leg.disconnected_at, windowStart, windowEnd),
  }))
  const allSeconds = timed.reduce((sum, { seconds }) => sum + seconds, 0)

  const lines: PayLine[] = []
  for (const { leg, seconds } of timed) {
    const plan = input.plans.get(leg.representative_id)
    if (!plan) continue
    if (plan.plan === 'per_minute') {
      lines.push({
        legId: leg.id,
        representativeId: leg.representative_id,
        seconds,
        amount: Number((BigInt(plan.ratePerMinute) * BigInt(seconds)) / 60n),
        currency: plan.currency,
        payPlan: 'per_minute',
      })
    } else {
      const amount =
        allSeconds === 0
          ? 0
          : Number(
              (BigInt(input.chargeTotal) * BigInt(seconds) * BigInt(plan.shareBps)) /
                (BigInt(allSeconds) * 10_000n),
            )
      lines.push({
        legId: leg.id,
        representativeId: leg.representative_id,
        seconds,
        amount,
        currency: input.currency,
        payPlan: 'share',
      })
    }
  }
  return lines
}

export interface AccrueSessionPayInput {
  tenantId: string
  sessionId: string
  legs: readonly PayLeg[]
  billingStartedAt: Date | string | null
  billingEndedAt: Date | string | null
  chargeTotal: number
  currency: string
  at: Date
}

export interface AccruedPay {
  /** accruals written by this call (a retry writes none) */
  accrued: PayLine[]
  /** representative ids on legs that have no representative record in this tenant */
  unknownRepresentatives: string[]
}

/**
 * Accrues the session's representatives' pay inside the caller's settlement transaction: one
 * pay_accruals row per representative leg (unique per leg, so a retry or a second settler adds
 * nothing) and, for each leg that earned something, a balanced ledger transaction (debit pay
 * expense, credit pay payable to the representative). Legs earning 0 are recorded with amount 0
 * so the payout report still shows the time.
 */
export async function accrueSessionPay(
  trx: Transaction<Database>,
  input: AccrueSessionPayInput,
): Promise<AccruedPay> {
  const representativeIds = [
    ...new Set(
      input.legs.flatMap((leg) =>
        leg.party === 'representative' && leg.representative_id ? [leg.representative_id] : [],
      ),
    ),
  ]
  if (representativeIds.length === 0) return { accrued: [], unknownRepresentatives: [] }

  const rows = await trx
    .selectFrom('representatives')
    .select(['id', 'pay_plan', 'pay_share_bps', 'pay_rate_per_minute', 'pay_currency'])
    .where('tenant_id', '=', input.tenantId)
    .where('id', 'in', representativeIds)
    .execute()
  const plans = new Map<string, PayPlan>(rows.map((row) => [row.id, planOf(row)]))
  const lines = payForLegs({ ...input, plans })

  const accrued: PayLine[] = []
  for (const line of lines) {
    const id = newId('pay')
    const inserted = await trx
      .insertInto('pay_accruals')
      .values({
        tenant_id: input.tenantId,
        id,
        representative_id: line.representativeId,
        session_id: input.sessionId,
        leg_id: line.legId,
        seconds: line.seconds,
        amount: line.amount,
        currency: line.currency,
        pay_plan: line.payPlan,
        accrued_at: input.at,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'session_id', 'leg_id']).doNothing())
      .returning('id')
      .executeTakeFirst()
    if (!inserted) continue
    accrued.push(line)
    if (line.amount > 0)
      await postTransaction(trx, {
        tenantId: input.tenantId,
        kind: 'pay_accrual',
        currency: line.currency,
        entries: [
          { account: accounts.representativePay, debit: line.amount },
          { account: accounts.representativePayPayable, credit: line.amount },
        ],
        sessionId: input.sessionId,
        representativeId: line.representativeId,
        memo: `Pay for leg ${line.legId} (${line.seconds} s, ${line.payPlan})`,
        at: input.at,
      })
  }
  return {
    accrued,
    unknownRepresentatives: representativeIds.filter((id) => !plans.has(id)),
  }
}

export function planOf(row: {
  pay_plan: string
  pay_share_bps: number | null
  pay_rate_per_minute: string | bigint | number | null
  pay_currency: string
}): PayPlan {
  if (row.pay_plan === 'per_minute')
    return {
      plan: 'per_minute',
      ratePerMinute: Number(row.pay_rate_per_minute ?? 0),
      currency: row.pay_currency,
    }
  return { plan: 'share', shareBps: row.pay_share_bps ?? 0 }
}
