// Finding a representative who calls the representatives' line (figure 2): by the number they call
// from (ANI), or by extension and keypad PIN; and a partner (twin) by the first letters of a last
// name typed on the keypad. PINs are stored as scrypt hashes (node:crypto), in the staff
// passwords' format so one verifier reads both.
import { randomBytes, scrypt } from 'node:crypto'
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { verifyPassword } from '../users/passwords.ts'
import type { DirectoryEntry } from './types.ts'

export type { DirectoryEntry }

// A PIN has a few thousand values, so no hash makes a stolen one safe: what protects it is that
// the hashes never leave the server and that the phone line limits tries. scrypt at 16 MiB keeps a
// login quick on the bridge while still costing an attacker with the table something per guess.
const pinParams = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }

/** A PIN of 4 to 12 keypad digits, hashed for representatives.pin_hash. */
export async function hashPin(pin: string): Promise<string> {
  if (!/^[0-9]{4,12}$/.test(pin)) throw new Error('A PIN is 4 to 12 digits.')
  const salt = randomBytes(16)
  const key = await new Promise<Buffer>((resolve, reject) =>
    scrypt(pin, salt, 32, pinParams, (err, derived) => (err ? reject(err) : resolve(derived))),
  )
  return `scrypt$${pinParams.N}$${pinParams.r}$${pinParams.p}$${salt.toString('base64url')}$${key.toString('base64url')}`
}

/** Caller ids compare by their digits: +1 (555) 555-0100 and 15555550100 are one phone. */
export function phoneDigits(phone: string): string {
  return phone.replace(/[^0-9]/g, '')
}

/** The active representative whose phone the call comes from, if exactly one has it. */
export async function representativeByPhone(
  db: Db,
  tenantId: string,
  ani: string,
): Promise<DirectoryEntry | null> {
  const digits = phoneDigits(ani)
  if (digits.length < 4) return null
  const rows = await db
    .selectFrom('representatives')
    .select(['id', 'name', 'extension', 'phone'])
    .where('tenant_id', '=', tenantId)
    .where('active', '=', true)
    .where('phone', 'is not', null)
    .execute()
  // a national number matches its E.164 form: compare on the shorter one's digits from the right
  const matches = rows.filter((r) => {
    const theirs = phoneDigits(r.phone ?? '')
    if (theirs.length < 4) return false
    return (
      theirs === digits ||
      (theirs.length !== digits.length &&
        (theirs.endsWith(digits) || digits.endsWith(theirs)) &&
        Math.min(theirs.length, digits.length) >= 7)
    )
  })
  if (matches.length !== 1) return null
  const [only] = matches
  return only ? { id: only.id, name: only.name, extension: only.extension } : null
}

/** Wrong PINs within PIN_FAILURE_WINDOW_MINUTES that lock an extension's PIN for PIN_LOCK_MINUTES. */
export const PIN_LOCK_AFTER = 5
export const PIN_LOCK_MINUTES = 15
const PIN_FAILURE_WINDOW_MINUTES = 15

/**
 * The active representative with this extension, if the PIN is theirs; null otherwise — one answer
 * for a wrong PIN, an extension without one, and a locked PIN, so a caller learns nothing from it.
 * PIN_LOCK_AFTER wrong PINs in a row lock that extension's PIN for PIN_LOCK_MINUTES (every
 * process sees the lock: it is on the representative's row); a right one clears the count.
 */
export async function representativeByPin(
  db: Db,
  tenantId: string,
  extension: string,
  pin: string,
  now: Date = new Date(),
): Promise<DirectoryEntry | null> {
  const row = await db
    .selectFrom('representatives')
    .select(['id', 'name', 'extension', 'pin_hash', 'pin_locked_until'])
    .where('tenant_id', '=', tenantId)
    .where('extension', '=', extension)
    .where('active', '=', true)
    .executeTakeFirst()
  if (!row?.pin_hash || (row.pin_locked_until && new Date(row.pin_locked_until) > now)) {
    // the same work as a real check, so timing does not tell which extensions have a PIN
    await verifyPassword(pin, DUMMY_HASH)
    return null
  }
  if (!(await verifyPassword(pin, row.pin_hash))) {
    await recordPinFailure(db, tenantId, row.id, now)
    return null
  }
  await db
    .updateTable('representatives')
    .set({ pin_failures: 0, pin_first_failed_at: null, pin_locked_until: null })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', row.id)
    .where('pin_failures', '>', 0)
    .execute()
  return { id: row.id, name: row.name, extension: row.extension }
}

/** One statement, so wrong PINs tried at once on several lines or bridges all count. */
async function recordPinFailure(db: Db, tenantId: string, id: string, now: Date): Promise<void> {
  const windowStart = new Date(now.getTime() - PIN_FAILURE_WINDOW_MINUTES * 60_000)
  const lockedUntil = new Date(now.getTime() + PIN_LOCK_MINUTES * 60_000)
  const inWindow = sql<boolean>`(pin_first_failed_at is not null and pin_first_failed_at > ${windowStart})`
  const failures = sql<number>`case when ${inWindow} then pin_failures + 1 else 1 end`
  await db
    .updateTable('representatives')
    .set({
      pin_failures: failures,
      pin_first_failed_at: sql<Date>`case when ${inWindow} then pin_first_failed_at else ${now} end`,
      pin_locked_until: sql<Date | null>`case when ${failures} >= ${PIN_LOCK_AFTER} then ${lockedUntil} else pin_locked_until end`,
    })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .execute()
}

const DUMMY_HASH = `scrypt$${pinParams.N}$${pinParams.r}$${pinParams.p}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(32).toString('base64url')}`

const keypad: Record<string, string> = {
  a: '2',
  b: '2',
  c: '2',
  d: '3',
  e: '3',
  f: '3',
  g: '4',
  h: '4',
  i: '4',
  j: '5',
  k: '5',
  l: '5',
  m: '6',
  n: '6',
  o: '6',
  p: '7',
  q: '7',
  r: '7',
  s: '7',
  t: '8',
  u: '8',
  v: '8',
  w: '9',
  x: '9',
  y: '9',
  z: '9',
}

/** A name's letters as keypad digits ("Lee" → "533"); accents are dropped, other characters skipped. */
export function keypadDigits(name: string): string {
  let out = ''
  for (const ch of name.normalize('NFD').toLowerCase()) {
    const digit = keypad[ch]
    if (digit) out += digit
  }
  return out
}

/** A name's last word: the last name, as the keypad search reads it. */
export function lastName(name: string): string {
  const words = name.trim().split(/\s+/)
  return words[words.length - 1] ?? ''
}

/**
 * Possible partners by the first letters of their last name, typed on the keypad ("533" finds Lee
 * and Kee), or given as letters; the representative choosing is left out. At most `limit`, by name.
 */
export async function partnersByLastName(
  db: Db,
  tenantId: string,
  typed: string,
  options: { excluding?: string; limit?: number } = {},
): Promise<DirectoryEntry[]> {
  const byDigits = /^[0-9]+$/.test(typed)
  const wanted = byDigits
    ? typed
    : typed
        .normalize('NFD')
        .replace(/[^\p{L}]/gu, '')
        .toLowerCase()
  if (!wanted) return []
  const starts = (name: string) =>
    byDigits
      ? keypadDigits(lastName(name)).startsWith(wanted)
      : lastName(name)
          .normalize('NFD')
          .replace(/[^\p{L}]/gu, '')
          .toLowerCase()
          .startsWith(wanted)
  const rows = await db
    .selectFrom('representatives')
    .select(['id', 'name', 'extension'])
    .where('tenant_id', '=', tenantId)
    .where('active', '=', true)
    .orderBy('name')
    .orderBy('id')
    .execute()
  return rows.filter((r) => r.id !== options.excluding && starts(r.name)).slice(0, options.limit ?? 9)
}
