// Staff login: scrypt-checked passwords, failures slowed and then locked per e-mail, sessions
// kept server-side behind an HttpOnly cookie, each with its own CSRF token.
import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../../db/connect.ts'
import { ProblemError } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { hashPassword, verifyPassword } from '../users/passwords.ts'

export const SESSION_COOKIE = 'tg_session'
export const SESSION_HOURS = 12
/** failures before each further attempt is slowed */
export const SLOW_AFTER = 3
/** failures within the window that lock the account */
export const LOCK_AFTER = 5
export const LOCK_MINUTES = 15
const FAILURE_WINDOW_MINUTES = 15

export interface StaffIdentity {
  tenantId: string
  sessionId: string
  userId: string
  email: string
  name: string
  role: string
  csrfToken: string
  expiresAt: Date
}

let dummyHash: Promise<string> | undefined

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

async function recordFailure(db: Db, tenantId: string, email: string, now: Date): Promise<number> {
  const windowStart = new Date(now.getTime() - FAILURE_WINDOW_MINUTES * 60_000)
  const row = await db
    .selectFrom('login_failures')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('email', '=', email)
    .executeTakeFirst()
  const failures = row && row.first_failed_at > windowStart ? row.failures + 1 : 1
  const firstFailedAt = row && row.first_failed_at > windowStart ? row.first_failed_at : now
  const lockedUntil = failures >= LOCK_AFTER ? new Date(now.getTime() + LOCK_MINUTES * 60_000) : null
  await db
    .insertInto('login_failures')
    .values({
      tenant_id: tenantId,
      email,
      failures,
      first_failed_at: firstFailedAt,
      locked_until: lockedUntil,
    })
    .onConflict((oc) =>
      oc
        .columns(['tenant_id', 'email'])
        .doUpdateSet({ failures, first_failed_at: firstFailedAt, locked_until: lockedUntil }),
    )
    .execute()
  return failures
}

export async function login(
  db: Db,
  input: { tenant: string; email: string; password: string },
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Promise<{ token: string; identity: StaffIdentity }> {
  const email = input.email.toLowerCase()
  const now = new Date()
  const failure = await db
    .selectFrom('login_failures')
    .selectAll()
    .where('tenant_id', '=', input.tenant)
    .where('email', '=', email)
    .executeTakeFirst()
  if (failure?.locked_until && failure.locked_until > now) {
    const seconds = Math.ceil((failure.locked_until.getTime() - now.getTime()) / 1000)
    throw new ProblemError(
      'login_locked',
      `Locked after ${LOCK_AFTER} failed logins. Try again in ${Math.ceil(seconds / 60)} minutes.`,
    )
  }

  const user = await db
    .selectFrom('users')
    .selectAll()
    .where('tenant_id', '=', input.tenant)
    .where('email', '=', email)
    .executeTakeFirst()
  // An unknown e-mail costs the same hash as a known one, so timing does not tell them apart.
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'))
  const passwordOk = await verifyPassword(input.password, user?.password_hash ?? (await dummyHash))

  if (!user || !passwordOk || user.disabled_at) {
    const failures = await recordFailure(db, input.tenant, email, now)
    if (failures >= SLOW_AFTER) await sleep(Math.min(250 * 2 ** (failures - SLOW_AFTER), 2_000))
    if (failures >= LOCK_AFTER)
      throw new ProblemError(
        'login_locked',
        `Locked after ${LOCK_AFTER} failed logins. Try again in ${LOCK_MINUTES} minutes.`,
      )
    throw new ProblemError('invalid_credentials')
  }

  await db
    .deleteFrom('login_failures')
    .where('tenant_id', '=', input.tenant)
    .where('email', '=', email)
    .execute()
  const token = randomBytes(32).toString('base64url')
  const identity: StaffIdentity = {
    tenantId: user.tenant_id,
    sessionId: newId('ses'),
    userId: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    csrfToken: randomBytes(24).toString('base64url'),
    expiresAt: new Date(now.getTime() + SESSION_HOURS * 3_600_000),
  }
  await db
    .insertInto('staff_sessions')
    .values({
      tenant_id: identity.tenantId,
      id: identity.sessionId,
      user_id: identity.userId,
      token_hash: tokenHash(token),
      csrf_token: identity.csrfToken,
      expires_at: identity.expiresAt,
    })
    .execute()
  return { token: `${identity.tenantId}.${token}`, identity }
}

/** The signed-in staff member behind a cookie value, or null when it is unknown, expired, revoked or disabled. */
export async function sessionFromCookie(db: Db, cookie: string): Promise<StaffIdentity | null> {
  const dot = cookie.indexOf('.')
  if (dot <= 0) return null
  const tenantId = cookie.slice(0, dot)
  const row = await db
    .selectFrom('staff_sessions as s')
    .innerJoin('users as u', (j) =>
      j.onRef('u.tenant_id', '=', 's.tenant_id').onRef('u.id', '=', 's.user_id'),
    )
    .select([
      's.id',
      's.csrf_token',
      's.expires_at',
      's.revoked_at',
      'u.id as user_id',
      'u.email',
      'u.name',
      'u.role',
      'u.disabled_at',
    ])
    .where('s.tenant_id', '=', tenantId)
    .where('s.token_hash', '=', tokenHash(cookie.slice(dot + 1)))
    .executeTakeFirst()
  if (!row || row.revoked_at || row.disabled_at || row.expires_at <= new Date()) return null
  return {
    tenantId,
    sessionId: row.id,
    userId: row.user_id,
    email: row.email,
    name: row.name,
    role: row.role,
    csrfToken: row.csrf_token,
    expiresAt: row.expires_at,
  }
}

export async function logout(db: Db, identity: StaffIdentity): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ revoked_at: new Date() })
    .where('tenant_id', '=', identity.tenantId)
    .where('id', '=', identity.sessionId)
    .execute()
}

export async function endSessionsOf(db: Db, tenantId: string, userId: string): Promise<void> {
  await db
    .updateTable('staff_sessions')
    .set({ revoked_at: new Date() })
    .where('tenant_id', '=', tenantId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute()
}
