// How the console writes times, money and outcomes, the same on every page.

export const outcomes = ['approve', 'limit', 'temporary_block', 'block', 'review'] as const
export type Outcome = (typeof outcomes)[number]

export const outcomeLabels: Record<Outcome, string> = {
  approve: 'Approve',
  limit: 'Limit',
  temporary_block: 'Temporary block',
  block: 'Block',
  review: 'Review',
}

/** Chart and badge colours; the CSS uses the same values through .outcome-<name>. */
export const outcomeColors: Record<Outcome, string> = {
  approve: '#2f7d4f',
  limit: '#b7791f',
  temporary_block: '#c05621',
  block: '#b42318',
  review: '#5b4bb7',
}

export function isOutcome(value: string): value is Outcome {
  return (outcomes as readonly string[]).includes(value)
}

export function outcomeLabel(value: string): string {
  return isOutcome(value) ? outcomeLabels[value] : value
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
const shortDateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
})

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—'
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date)
}

export function formatShortDateTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? iso : shortDateTime.format(date)
}

/** Money arrives as integer minor units; the currency says how many digits follow the point. */
export function formatMoney(amount: { value: number; currency: string } | null | undefined): string {
  if (!amount) return '—'
  try {
    const format = new Intl.NumberFormat(undefined, { style: 'currency', currency: amount.currency })
    const digits = format.resolvedOptions().maximumFractionDigits ?? 2
    return format.format(amount.value / 10 ** digits)
  } catch {
    return `${amount.value} ${amount.currency} (minor units)`
  }
}

export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(rate > 0 && rate < 0.001 ? 2 : 1)}%`
}

export function formatCount(value: number): string {
  return new Intl.NumberFormat().format(value)
}

export function formatMs(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—'
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`
}

export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—'
  const minutes = Math.floor(seconds / 60)
  const rest = seconds % 60
  return minutes ? `${minutes} min${rest ? ` ${rest} s` : ''}` : `${rest} s`
}

/** A card as staff may see it: brand and last four, never more. */
export function maskedCard(
  card: { brand?: string | null; last4?: string | null } | null | undefined,
): string {
  if (!card?.last4) return '—'
  const brand = card.brand ? card.brand.charAt(0).toUpperCase() + card.brand.slice(1) : 'Card'
  return `${brand} •••• ${card.last4}`
}

/** A value of any shape in one line: what a fact was, what a param is. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing'
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'string') return value === '' ? '(empty)' : value
  if (typeof value === 'number') return Number.isInteger(value) ? formatCount(value) : String(value)
  if (Array.isArray(value)) return value.length ? value.map(formatValue).join(', ') : '(none)'
  return JSON.stringify(value)
}

/** datetime-local input value (local time, minutes) ⇄ ISO instant */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return ''
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 16)
}

export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined
  const date = new Date(value)
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString()
}
