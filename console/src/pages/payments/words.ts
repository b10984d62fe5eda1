// Money in the words business staff use: a payment's state, each call made to the gateway, how a
// session settled, the ledger's kinds and accounts. Shared by the Sessions, Payments and Ledger pages.
import { formatCount } from '../../lib/format.ts'

const paymentStatuses: Record<string, string> = {
  pending: 'Waiting for the gateway',
  authorized: 'Held',
  captured: 'Captured',
  voided: 'Released',
  expired: 'Hold expired',
  refunded: 'Refunded',
  failed: 'Failed',
  unknown: 'Answer not yet known',
}

/** A payment's status as a label: "Held", "Released", "Answer not yet known". */
export function paymentStatusLabel(status: string): string {
  return paymentStatuses[status] ?? status
}

/** The badge class for a payment's status: open, done well, or gone wrong. */
export function paymentStatusTone(status: string): 'open' | 'ok' | 'neutral' | 'bad' {
  if (status === 'pending' || status === 'authorized' || status === 'unknown') return 'open'
  if (status === 'captured') return 'ok'
  if (status === 'failed' || status === 'expired') return 'bad'
  return 'neutral'
}

const paymentKinds: Record<string, string> = { hold: 'Hold', charge: 'Direct charge' }
export function paymentKindLabel(kind: string): string {
  return paymentKinds[kind] ?? kind
}

const operations: Record<string, string> = {
  authorize: 'Place hold',
  capture: 'Capture',
  void: 'Release hold',
  refund: 'Refund',
  charge: 'Charge',
  increment: 'Raise hold',
}
export function operationLabel(operation: string): string {
  return operations[operation] ?? operation
}

const operationStatuses: Record<string, string> = {
  pending: 'Sent, waiting',
  succeeded: 'Done',
  declined: 'Declined',
  failed: 'Failed',
  unknown: 'No answer yet — will be asked again',
}
export function operationStatusLabel(status: string): string {
  return operationStatuses[status] ?? status
}

const declines: Record<string, string> = {
  generic_decline: 'the card was declined',
  insufficient_funds: 'insufficient funds',
  incorrect_cvc: 'the security code was wrong',
  incorrect_zip: 'the postal code did not match',
  expired_card: 'the card has expired',
  processing_error: 'the card issuer had a processing error',
  authorization_expired: 'the hold had expired',
  amount_too_large: 'the amount is more than the hold allows',
  not_supported: 'the gateway does not offer this',
}
/** Why the gateway refused, in words: "insufficient funds". */
export function declineInWords(code: string | null | undefined): string | null {
  if (!code) return null
  return declines[code] ?? code.replaceAll('_', ' ')
}

const sessionStatuses: Record<string, string> = {
  opening: 'Starting',
  live: 'Live',
  failed: 'Failed to start',
  refused: 'Refused',
  ended: 'Ended, settling',
  settled: 'Settled',
}
export function sessionStatusLabel(status: string): string {
  return sessionStatuses[status] ?? status
}

const settlements: Record<string, string> = {
  capture_and_release: 'The charge was captured from the hold and the rest released',
  reverse_and_recharge: 'The hold was reversed and the charge made anew',
  credit_difference: 'The whole hold was captured and the difference credited back',
  direct_charge: 'Charged directly at the end (no hold)',
  reversed: 'Never connected: the hold was reversed in full',
}
/** How a session's money was settled, as a sentence. */
export function settlementInWords(settlement: string | null | undefined): string | null {
  if (!settlement) return null
  return settlements[settlement] ?? settlement.replaceAll('_', ' ')
}

const endReasons: Record<string, string> = {
  completed: 'Ended normally',
  ended: 'Ended normally',
  heartbeat_timeout: 'Stopped sending heartbeats',
  heartbeat_lost: 'Stopped sending heartbeats',
  max_duration: 'Reached the longest time allowed',
  payment_failed: 'The payment failed',
}
export function endReasonInWords(reason: string | null | undefined): string | null {
  if (!reason) return null
  return endReasons[reason] ?? sentenceCase(reason.replaceAll('_', ' '))
}

const ledgerKinds: Record<string, string> = {
  hold: 'Hold placed',
  hold_increment: 'Hold raised',
  capture: 'Capture',
  release: 'Hold released',
  void: 'Hold released',
  reversal: 'Hold reversed',
  refund: 'Refund',
  charge: 'Direct charge',
  credit: 'Credit',
  pay_accrual: 'Representative pay',
  expiry: 'Hold expired',
}
export function ledgerKindLabel(kind: string): string {
  return ledgerKinds[kind] ?? sentenceCase(kind.replaceAll('_', ' '))
}

// The chart of accounts (server/ledger/ledger.ts) in staff's words; an account not named here is
// shown by its own name made readable.
const accounts: Record<string, string> = {
  holds: 'Held on customers’ accounts',
  holds_offset: 'Holds (offsetting side)',
  gateway_receivable: 'Owed to us by the gateway',
  revenue: 'Revenue',
  refunds: 'Refunds',
  representative_pay_expense: 'Representatives’ pay (expense)',
  representative_pay_payable: 'Owed to representatives',
}

/** An account's name as staff read it: holds → "Held on customers’ accounts". */
export function accountLabel(account: string): string {
  return accounts[account] ?? sentenceCase(account.replaceAll(/[_:.]+/g, ' ').trim())
}

function sentenceCase(text: string): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : text
}

/** A span of seconds as a clock: 65 → "1:05", 3725 → "1:02:05". */
export function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds))
  const h = Math.floor(whole / 3600)
  const m = Math.floor((whole % 3600) / 60)
  const s = whole % 60
  const mm = h ? String(m).padStart(2, '0') : String(m)
  return `${h ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`
}

/** The check's verdict as a sentence staff can act on. */
export function checkInWords(check: {
  balanced: boolean
  unbalanced_count: number
  currencies: { currency: string; difference: number; transactions: number }[]
}): string {
  if (check.balanced) {
    const count = check.currencies.reduce((sum, c) => sum + c.transactions, 0)
    return count === 0
      ? 'Nothing has been written yet.'
      : `Debits equal credits in every currency, across ${formatCount(count)} transactions.`
  }
  const off = check.currencies.filter((c) => c.difference !== 0).map((c) => c.currency)
  const which = off.length ? ` Totals are off in ${off.join(', ')}.` : ''
  return `${check.unbalanced_count} ${check.unbalanced_count === 1 ? 'transaction does' : 'transactions do'} not balance.${which}`
}
