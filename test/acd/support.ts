// Rows the ACD suites start from: a tenant's representatives with their telephony fields, service
// lines with telephony settings, and calls as the bridge writes them (stage ivr), plus a clock the
// suite moves by hand.
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import type { LineTelephony } from '../../server/billing/line-telephony.ts'

export interface RepInput {
  id: string
  name?: string
  extension?: string
  dialString?: string | null
  phone?: string | null
  pinHash?: string | null
  gender?: string | null
  zodiacSign?: string | null
  expertise?: string[]
  active?: boolean
}

let extensions = 5000

export async function addRepresentative(db: Db, tenantId: string, rep: RepInput): Promise<string> {
  await db
    .insertInto('representatives')
    .values({
      tenant_id: tenantId,
      id: rep.id,
      name: rep.name ?? `Rep ${rep.id}`,
      extension: rep.extension ?? String(++extensions),
      pay_plan: 'share',
      pay_share_bps: 5000,
      pay_currency: 'XXX',
      dial_string: rep.dialString === undefined ? `loopback/${rep.id}` : rep.dialString,
      phone: rep.phone ?? null,
      pin_hash: rep.pinHash ?? null,
      gender: rep.gender ?? null,
      zodiac_sign: rep.zodiacSign ?? null,
      expertise: jsonb(rep.expertise ?? []),
      active: rep.active ?? true,
      created_by: null,
    })
    .execute()
  return rep.id
}

export async function addTelephonyLine(
  db: Db,
  tenantId: string,
  id: string,
  options: { representativesPerCall?: 1 | 2 | 3; telephony?: Partial<LineTelephony> } = {},
): Promise<string> {
  await db
    .insertInto('service_lines')
    .values({
      tenant_id: tenantId,
      id,
      name: id,
      currency: 'USD',
      rate_per_minute: 299,
      connect_fee: 0,
      first_period_seconds: 60,
      increment_seconds: 60,
      hold_policy: 'minutes',
      hold_amount: null,
      hold_minutes: 10,
      representatives_per_call: options.representativesPerCall ?? 1,
      telephony: jsonb(options.telephony ?? {}),
    })
    .execute()
  return id
}

/** A call as the caller's flow writes it when it answers: stage ivr. */
export async function addCall(
  db: Db,
  tenantId: string,
  id: string,
  options: { lineId?: string | null; startedAt?: Date } = {},
): Promise<string> {
  await db
    .insertInto('calls')
    .values({
      tenant_id: tenantId,
      id,
      channel_uuid: `uuid-${id}`,
      bridge_id: 'test-bridge',
      dnis: '9001',
      ani: '+15555550100',
      service_line_id: options.lineId ?? null,
      stage: 'ivr',
      started_at: options.startedAt ?? new Date('2026-12-06T00:00:00Z'),
    })
    .execute()
  return id
}

/** A clock tests move by hand. */
export function manualClock(start = new Date('2026-12-06T00:00:00Z')) {
  let now = start.getTime()
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms
    },
    set(at: Date) {
      now = at.getTime()
    },
  }
}
