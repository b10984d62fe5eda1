// What a started session means for the caller on the line: go on to the queue, or which message to
// play and whether they may correct something and try again. Pure: the decision's outcome, the hold's
// failure and the rule set's payment_declines setting in, one verdict out.
import { type PaymentDeclineOutcomes, paymentDeclineCodes } from '../../rules/schema.ts'
import { outcomeForDecline } from '../../server/payments/purchases.ts'
import type { SessionView } from '../../server/sessions/schema.ts'

/** What the caller may correct before the next start. */
export type Correction = 'number' | 'card' | 'nothing'

export type Verdict =
  | { kind: 'go' }
  | { kind: 'block' }
  | { kind: 'limit'; resetsAt: Date | null }
  | { kind: 'review'; decisionId: string }
  /** a temporary block the rule set lets the caller correct now (retry_after_seconds 0), or a hold declined for a reason the rule set makes temporary */
  | { kind: 'retry'; correct: Correction; declined: boolean }
  /** a temporary block with no retry now: explained, then goodbye */
  | { kind: 'temporary_block' }

type DeclineCode = (typeof paymentDeclineCodes)[number]
const declineCodes = new Set<string>(paymentDeclineCodes)

export function verdictOf(session: SessionView, declines: PaymentDeclineOutcomes = {}): Verdict {
  const decision = session.decision
  if (session.status === 'live') return { kind: 'go' }
  if (session.status === 'failed') {
    const code = session.failure?.code ?? 'generic_decline'
    // what the allowances leave does not cover the line's first period: as good as a limit
    if (code === 'nothing_granted') return { kind: 'limit', resetsAt: resetsAtOf(session) }
    if (code === 'gateway_unavailable')
      return outcomeForDecline('no_answer', declines) === 'block'
        ? { kind: 'block' }
        : { kind: 'retry', correct: 'nothing', declined: true }
    const known: DeclineCode = declineCodes.has(code) ? (code as DeclineCode) : 'generic_decline'
    // a hold the issuer refused follows the rule set as a purchase's payment would (figure 9)
    return outcomeForDecline(known, declines) === 'block'
      ? { kind: 'block' }
      : { kind: 'retry', correct: 'card', declined: true }
  }
  switch (decision.outcome) {
    case 'block':
      return { kind: 'block' }
    case 'limit':
      return { kind: 'limit', resetsAt: resetsAtOf(session) }
    case 'review':
      return { kind: 'review', decisionId: decision.id }
    case 'temporary_block': {
      if (decision.retry_after_seconds !== 0) return { kind: 'temporary_block' }
      const numberWrong = decision.reasons.some((r) => r.reason_code === 'entered_phone_mismatch')
      return { kind: 'retry', correct: numberWrong ? 'number' : 'card', declined: false }
    }
    default:
      // approved but neither live nor failed: a start that never finished (the sweeper cleans up)
      return { kind: 'temporary_block' }
  }
}

function resetsAtOf(session: SessionView): Date | null {
  const fromLimits = session.decision.limits.resets_at
  const fromReasons = session.decision.reasons.map((r) => r.resets_at).find((r) => r !== undefined)
  const iso = fromLimits ?? fromReasons ?? null
  return iso ? new Date(iso) : null
}
