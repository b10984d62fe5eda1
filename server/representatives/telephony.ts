// Representatives' telephony: how FreeSWITCH reaches them (dial string), the phone they log in from
// (recognised by ANI), a keypad PIN for any other phone (stored as a scrypt hash, never returned),
// and what callers may ask for (gender, zodiac sign, expertise). With each, where they are now in
// the availability queues (representative_presence, written by the ACD).
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { hashPin, phoneDigits } from '../acd/directory.ts'
import type { PresenceState, QueueKind } from '../acd/types.ts'
import { type Actor, recordAudit } from '../audit/audit.ts'
import { fieldError, ProblemError } from '../http/problem.ts'

/** What callers choose between in the preference menu; the caller flow offers these words. */
export const genders = ['female', 'male', 'nonbinary'] as const
export const zodiacSigns = [
  'aries',
  'taurus',
  'gemini',
  'cancer',
  'leo',
  'virgo',
  'libra',
  'scorpio',
  'sagittarius',
  'capricorn',
  'aquarius',
  'pisces',
] as const

export interface PresenceSummary {
  state: PresenceState
  queues: QueueKind[]
  partner_id: string | null
  logged_in_at: string | null
  state_changed_at: string
  calls_taken: number
  talk_seconds: number
  missed_in_row: number
}

export interface RepresentativeTelephony {
  id: string
  name: string
  extension: string
  active: boolean
  dial_string: string | null
  phone: string | null
  /** whether a PIN is set; the PIN itself is never returned */
  pin_set: boolean
  gender: string | null
  zodiac_sign: string | null
  expertise: string[]
  /** offline when they never logged in */
  presence: PresenceSummary
}

export interface TelephonyChange {
  dial_string?: string | null | undefined
  phone?: string | null | undefined
  /** a new PIN, or null to remove it */
  pin?: string | null | undefined
  gender?: string | null | undefined
  zodiac_sign?: string | null | undefined
  expertise?: string[] | undefined
}

const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString())

function selectTelephony(db: Db, tenantId: string) {
  return db
    .selectFrom('representatives as r')
    .leftJoin('representative_presence as p', (join) =>
      join.onRef('p.tenant_id', '=', 'r.tenant_id').onRef('p.representative_id', '=', 'r.id'),
    )
    .select([
      'r.id',
      'r.name',
      'r.extension',
      'r.active',
      'r.dial_string',
      'r.phone',
      'r.pin_hash',
      'r.gender',
      'r.zodiac_sign',
      'r.expertise',
      'r.updated_at',
      'p.state',
      'p.queues',
      'p.partner_id',
      'p.logged_in_at',
      'p.state_changed_at',
      'p.calls_taken',
      'p.talk_seconds',
      'p.missed_in_row',
    ])
    .where('r.tenant_id', '=', tenantId)
}

type TelephonyRow = Awaited<ReturnType<ReturnType<typeof selectTelephony>['executeTakeFirstOrThrow']>>

function view(row: TelephonyRow): RepresentativeTelephony {
  return {
    id: row.id,
    name: row.name,
    extension: row.extension,
    active: row.active,
    dial_string: row.dial_string,
    phone: row.phone,
    pin_set: row.pin_hash !== null,
    gender: row.gender,
    zodiac_sign: row.zodiac_sign,
    expertise: row.expertise ?? [],
    presence: {
      state: (row.state ?? 'offline') as PresenceState,
      queues: (row.queues ?? []) as QueueKind[],
      partner_id: row.partner_id ?? null,
      logged_in_at: iso(row.logged_in_at ?? null),
      state_changed_at: iso(row.state_changed_at ?? row.updated_at) as string,
      calls_taken: row.calls_taken ?? 0,
      talk_seconds: row.talk_seconds ?? 0,
      missed_in_row: row.missed_in_row ?? 0,
    },
  }
}

export async function listRepresentativeTelephony(
  db: Db,
  tenantId: string,
  options: { includeInactive?: boolean } = {},
): Promise<RepresentativeTelephony[]> {
  let query = selectTelephony(db, tenantId)
  if (!options.includeInactive) query = query.where('r.active', '=', true)
  const rows = await query.orderBy('r.extension').orderBy('r.id').execute()
  return rows.map(view)
}

export async function readRepresentativeTelephony(
  db: Db,
  tenantId: string,
  id: string,
): Promise<RepresentativeTelephony | null> {
  const row = await selectTelephony(db, tenantId).where('r.id', '=', id).executeTakeFirst()
  return row ? view(row) : null
}

/** The audited form of a change: a PIN shows only as set or removed. */
function auditable(change: TelephonyChange): Record<string, unknown> {
  const { pin, ...rest } = change
  return pin === undefined ? rest : { ...rest, pin: pin === null ? 'removed' : 'set' }
}

export async function updateRepresentativeTelephony(
  db: Db,
  tenantId: string,
  id: string,
  actor: Actor | null,
  change: TelephonyChange,
): Promise<RepresentativeTelephony> {
  // hashed before the transaction: scrypt is slow on purpose and holds no lock
  const pinHash =
    change.pin === undefined ? undefined : change.pin === null ? null : await hashPin(change.pin)
  await db.transaction().execute(async (trx) => {
    const before = await readRepresentativeTelephony(trx, tenantId, id)
    if (!before) throw new ProblemError('not_found', `No representative ${id}`)
    if (change.phone) {
      // the phone identifies them when they call the representatives' line (compared by its digits,
      // as the ACD does): one representative per phone
      const digits = phoneDigits(change.phone)
      const others = await trx
        .selectFrom('representatives')
        .select(['id', 'name', 'phone'])
        .where('tenant_id', '=', tenantId)
        .where('phone', 'is not', null)
        .where('id', '<>', id)
        .execute()
      const other = others.find((r) => phoneDigits(r.phone ?? '') === digits)
      if (other)
        throw new ProblemError('conflict', `${other.name} logs in from ${change.phone}.`, [
          fieldError(['phone'], 'belongs to another representative'),
        ])
    }
    await trx
      .updateTable('representatives')
      .set({
        ...(change.dial_string === undefined ? {} : { dial_string: change.dial_string }),
        ...(change.phone === undefined ? {} : { phone: change.phone }),
        ...(pinHash === undefined ? {} : { pin_hash: pinHash }),
        ...(change.gender === undefined ? {} : { gender: change.gender }),
        ...(change.zodiac_sign === undefined ? {} : { zodiac_sign: change.zodiac_sign }),
        ...(change.expertise === undefined ? {} : { expertise: jsonb(change.expertise) }),
        updated_at: new Date(),
      })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute()
    await recordAudit(trx, tenantId, actor, {
      action: 'representative.telephony_updated',
      entityType: 'representative',
      entityId: id,
      before: {
        dial_string: before.dial_string,
        phone: before.phone,
        pin_set: before.pin_set,
        gender: before.gender,
        zodiac_sign: before.zodiac_sign,
        expertise: before.expertise,
      },
      after: auditable(change),
    })
  })
  return (await readRepresentativeTelephony(db, tenantId, id)) as RepresentativeTelephony
}
