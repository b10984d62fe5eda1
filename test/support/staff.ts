// Staff sessions for admin API tests: a user per role in tenant acme, signed in through the real
// login route, with a client that sends the cookie and the CSRF token.
import { newId } from '../../server/ids.ts'
import { type Role, roles } from '../../server/staff/roles.ts'
import { hashPassword } from '../../server/users/passwords.ts'
import type { TestApp } from './app.ts'

export const STAFF_PASSWORD = 'correct horse battery staple'

export interface StaffClient {
  role: Role
  email: string
  userId: string
  csrf: string
  cookie: string
  request(method: string, path: string, body?: unknown, options?: { csrf?: string | null }): Promise<Response>
}

let passwordHash: Promise<string> | undefined

export async function createStaffUser(
  t: TestApp,
  tenantId: string,
  role: Role,
  email = `${role}@${tenantId}.test`,
) {
  passwordHash ??= hashPassword(STAFF_PASSWORD)
  const id = newId('usr')
  await t.db
    .insertInto('users')
    .values({
      tenant_id: tenantId,
      id,
      email,
      name: `${role} person`,
      role,
      password_hash: await passwordHash,
    })
    .execute()
  return { id, email }
}

export async function signIn(t: TestApp, tenantId: string, email: string, password = STAFF_PASSWORD) {
  const res = await t.app.request('/admin/v1/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: tenantId, email, password }),
  })
  return res
}

export async function staffClient(
  t: TestApp,
  tenantId: string,
  role: Role,
  email?: string,
): Promise<StaffClient> {
  const user = await createStaffUser(t, tenantId, role, email)
  const res = await signIn(t, tenantId, user.email)
  if (res.status !== 200) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const { csrf_token: csrf } = (await res.json()) as { csrf_token: string }
  return {
    role,
    email: user.email,
    userId: user.id,
    csrf,
    cookie,
    request(method, path, body, options = {}) {
      const headers: Record<string, string> = { cookie }
      const token = options.csrf === undefined ? csrf : options.csrf
      if (token) headers['x-csrf-token'] = token
      if (body !== undefined) headers['content-type'] = 'application/json'
      return Promise.resolve(
        t.app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
      )
    },
  }
}

/** One signed-in client per role, in role order. */
export async function clientsForEveryRole(t: TestApp, tenantId = 'acme'): Promise<StaffClient[]> {
  const clients: StaffClient[] = []
  for (const role of roles) clients.push(await staffClient(t, tenantId, role))
  return clients
}
