// The payout report: what representatives earned in a period, per representative and currency,
// summed from pay_accruals (one row per leg, written at settlement). A period is a range of
// calendar days in the tenant's time zone, both ends included, as payroll is written.
import { stringify } from 'csv-stringify/sync'
import { DateTime } from 'luxon'
import type { Db } from '../../db/connect.ts'
import { currencyExponent } from '../billing/currency.ts'

export interface PayoutPeriod {
  /** first day, YYYY-MM-DD in the tenant's time zone */
  from: string
  /** last day, included */
  to: string
  timeZone: string
}

export interface PayoutLine {
  representative_id: string
  name: string
  extension: string
  currency: string
  legs: number
  seconds: number
  amount: number
}

export interface PayoutTotal {
  currency: string
  legs: number
  seconds: number
  amount: number
}

/** One leg's pay, for the report on one representative. */
export interface PayoutAccrual {
  session_id: string
  leg_id: string
  seconds: number
  amount: number
  currency: string
  pay_plan: 'share' | 'per_minute'
  accrued_at: string
}

/** How many legs the report on one representative lists at most (newest first). */
export const ACCRUALS_SHOWN = 500

export interface PayoutReport {
  from: string
  to: string
  time_zone: string
  /** the period as instants: accruals at or after starts_at and before ends_at */
  starts_at: string
  ends_at: string
  lines: PayoutLine[]
  totals: PayoutTotal[]
  /** with a representative: each leg they were paid for, newest first; otherwise empty */
  accruals: PayoutAccrual[]
}

/** The period's instants: from the start of `from` to the start of the day after `to`, in the zone. */
export function periodRange(period: PayoutPeriod): { start: Date; end: Date } {
  const start = DateTime.fromISO(period.from, { zone: period.timeZone }).startOf('day')
  const end = DateTime.fromISO(period.to, { zone: period.timeZone }).startOf('day').plus({ days: 1 })
  return { start: start.toJSDate(), end: end.toJSDate() }
}

/** The current month up to today, in the zone: the console's first view. */
export function currentMonth(now: Date, timeZone: string): { from: string; to: string } {
  const local = DateTime.fromJSDate(now, { zone: timeZone })
  return { from: local.startOf('month').toISODate() ?? '', to: local.toISODate() ?? '' }
}

export async function payoutReport(
  db: Db,
  tenantId: string,
  period: PayoutPeriod,
  representativeId?: string,
): Promise<PayoutReport> {
  const { start, end } = periodRange(period)
  let query = db
    .selectFrom('pay_accruals as a')
    .leftJoin('representatives as r', (join) =>
      join.onRef('r.tenant_id', '=', 'a.tenant_id').onRef('r.id', '=', 'a.representative_id'),
    )
    .select((eb) => [
      'a.representative_id',
      'r.name',
      'r.extension',
      'a.currency',
      eb.fn.countAll<string>().as('legs'),
      eb.fn.sum<string>('a.seconds').as('seconds'),
      eb.fn.sum<string>('a.amount').as('amount'),
    ])
    .where('a.tenant_id', '=', tenantId)
    .where('a.accrued_at', '>=', start)
    .where('a.accrued_at', '<', end)
  if (representativeId) query = query.where('a.representative_id', '=', representativeId)
  const rows = await query
    .groupBy(['a.representative_id', 'r.name', 'r.extension', 'a.currency'])
    .orderBy('r.name')
    .orderBy('a.representative_id')
    .orderBy('a.currency')
    .execute()

  const lines: PayoutLine[] = rows.map((row) => ({
    representative_id: row.representative_id,
    name: row.name ?? row.representative_id,
    extension: row.extension ?? '',
    currency: row.currency,
    legs: Number(row.legs),
    seconds: Number(row.seconds ?? 0),
    amount: Number(row.amount ?? 0),
  }))
  const totals = new Map<string, PayoutTotal>()
  for (const line of lines) {
    const total = totals.get(line.currency) ?? { currency: line.currency, legs: 0, seconds: 0, amount: 0 }
    total.legs += line.legs
    total.seconds += line.seconds
    total.amount += line.amount
    totals.set(line.currency, total)
  }
  const accruals = representativeId
    ? await db
        .selectFrom('pay_accruals')
        .select(['session_id', 'leg_id', 'seconds', 'amount', 'currency', 'pay_plan', 'accrued_at'])
        .where('tenant_id', '=', tenantId)
        .where('representative_id', '=', representativeId)
        .where('accrued_at', '>=', start)
        .where('accrued_at', '<', end)
        .orderBy('accrued_at', 'desc')
        .orderBy('leg_id')
        .limit(ACCRUALS_SHOWN)
        .execute()
    : []
  return {
    from: period.from,
    to: period.to,
    time_zone: period.timeZone,
    starts_at: start.toISOString(),
    ends_at: end.toISOString(),
    lines,
    totals: [...totals.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
    accruals: accruals.map((a) => ({
      ...a,
      amount: Number(a.amount),
      pay_plan: a.pay_plan === 'per_minute' ? ('per_minute' as const) : ('share' as const),
      accrued_at: new Date(a.accrued_at).toISOString(),
    })),
  }
}

/** Minor units as a decimal a spreadsheet reads: 1495 USD → "14.95", 300 JPY → "300". */
export function decimalAmount(minorUnits: number, currency: string): string {
  let digits: number
  try {
    digits = currencyExponent(currency)
  } catch {
    digits = 2
  }
  const text = String(Math.abs(Math.trunc(minorUnits))).padStart(digits + 1, '0')
  const whole = digits ? text.slice(0, -digits) : text
  return `${minorUnits < 0 ? '-' : ''}${whole}${digits ? `.${text.slice(-digits)}` : ''}`
}

export const payoutCsvColumns = [
  'representative_id',
  'name',
  'extension',
  'currency',
  'legs',
  'seconds',
  'amount',
  'amount_minor_units',
  'from',
  'to',
] as const

/** One row per representative and currency, the amount both as a decimal and in minor units. */
export function payoutCsv(report: PayoutReport): string {
  return stringify(
    report.lines.map((line) => [
      line.representative_id,
      line.name,
      line.extension,
      line.currency,
      line.legs,
      line.seconds,
      decimalAmount(line.amount, line.currency),
      line.amount,
      report.from,
      report.to,
    ]),
    { header: true, columns: [...payoutCsvColumns], cast: { number: String }, escape_formulas: true },
  )
}
