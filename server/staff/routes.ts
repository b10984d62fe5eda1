// /admin/v1/session and /admin/v1/users: signing in and out, and admins managing staff.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import type { Context } from 'hono'
import { deleteCookie, setCookie } from 'hono/cookie'
import type { Db } from '../../db/connect.ts'
import { recordAudit } from '../audit/audit.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError, problemSchema } from '../http/problem.ts'
import { newId } from '../ids.ts'
import { hashPassword } from '../users/passwords.ts'
import { roles } from './roles.ts'
import { endSessionsOf, login, logout, SESSION_COOKIE, type StaffIdentity } from './sessions.ts'

const sessionSchema = z
  .object({
    user: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(roles) }),
    tenant: z.string(),
    csrf_token: z.string().openapi({ description: 'send as X-CSRF-Token on every write' }),
    expires_at: z.string(),
  })
  .openapi('StaffSession')

const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(roles),
    disabled: z.boolean(),
    created_at: z.string(),
  })
  .openapi('User')

function sessionBody(s: StaffIdentity) {
  return {
    user: { id: s.userId, email: s.email, name: s.name, role: s.role as (typeof roles)[number] },
    tenant: s.tenantId,
    csrf_token: s.csrfToken,
    expires_at: s.expiresAt.toISOString(),
  }
}

function isHttps(c: Context): boolean {
  return c.req.header('x-forwarded-proto') === 'https' || new URL(c.req.url).protocol === 'https:'
}

const loginRoute = createRoute({
  method: 'post',
  path: '/session',
  tags: ['Session'],
  summary: 'Sign in',
  // open to everyone: the document says so rather than inheriting a session requirement
  security: [],
  description:
    'Checks the password and sets an HttpOnly session cookie. After 3 failures in 15 minutes each attempt is slowed; after 5 the e-mail is locked for 15 minutes. Open to everyone.',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              tenant: z.string().min(1).max(32).openapi({ example: 'demo' }),
              email: z.email().max(254),
              password: z.string().min(1).max(200),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: { description: 'Signed in', content: { 'application/json': { schema: sessionSchema } } },
    401: {
      description: 'Wrong e-mail or password',
      content: { 'application/problem+json': { schema: problemSchema } },
    },
    429: {
      description: 'Locked after repeated failures',
      content: { 'application/problem+json': { schema: problemSchema } },
    },
  },
})

const readSession = adminRoute('viewer', {
  method: 'get',
  path: '/session',
  tags: ['Session'],
  summary: 'Who is signed in, with the CSRF token for writes',
  responses: {
    200: { description: 'The session', content: { 'application/json': { schema: sessionSchema } } },
    ...adminProblems,
  },
})

const logoutRoute = adminRoute('viewer', {
  method: 'delete',
  path: '/session',
  tags: ['Session'],
  summary: 'Sign out',
  responses: { 204: { description: 'Signed out' }, ...adminProblems },
})

const listUsers = adminRoute('admin', {
  method: 'get',
  path: '/users',
  tags: ['Users'],
  summary: 'Staff of this tenant',
  responses: {
    200: {
      description: 'Users',
      content: { 'application/json': { schema: z.object({ users: z.array(userSchema) }) } },
    },
    ...adminProblems,
  },
})

const createUser = adminRoute('admin', {
  method: 'post',
  path: '/users',
  tags: ['Users'],
  summary: 'Add a staff member',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              email: z.email().max(254),
              name: z.string().min(1).max(120),
              role: z.enum(roles),
              password: z.string().min(12, 'at least 12 characters').max(200),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: userSchema } } },
    ...adminProblems,
    ...conflict,
    ...unprocessable,
  },
})

const updateUser = adminRoute('admin', {
  method: 'patch',
  path: '/users/{id}',
  tags: ['Users'],
  summary: 'Change a staff member’s role, name, or disable them (their sessions end at once)',
  request: {
    params: z.object({ id: z.string().min(1).max(64) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              role: z.enum(roles).optional(),
              name: z.string().min(1).max(120).optional(),
              disabled: z.boolean().optional(),
            })
            .strict(),
        },
      },
    },
  },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: userSchema } } },
    ...adminProblems,
    ...notFound,
    ...conflict,
    ...unprocessable,
  },
})

type UserRow = {
  id: string
  email: string
  name: string
  role: string
  disabled_at: Date | null
  created_at: Date
}
function userBody(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role as (typeof roles)[number],
    disabled: u.disabled_at !== null,
    created_at: u.created_at.toISOString(),
  }
}

/** Routes open to everyone (signing in); mounted before the session middleware. */
export function publicStaffRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  app.openapi(loginRoute, async (c) => {
    const body = c.req.valid('json')
    const { token, identity } = await login(db, body)
    setCookie(c, SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: isHttps(c),
      path: '/',
      expires: identity.expiresAt,
    })
    return c.json(sessionBody(identity), 200)
  })
  return app
}

export function staffRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(readSession, (c) => c.json(sessionBody(c.get('staff')), 200))
  app.openapi(logoutRoute, async (c) => {
    await logout(db, c.get('staff'))
    deleteCookie(c, SESSION_COOKIE, { path: '/' })
    return c.body(null, 204)
  })

  app.openapi(listUsers, async (c) => {
    const rows = await db
      .selectFrom('users')
      .selectAll()
      .where('tenant_id', '=', c.get('staff').tenantId)
      .orderBy('email')
      .execute()
    return c.json({ users: rows.map(userBody) }, 200)
  })

  app.openapi(createUser, async (c) => {
    const staff = c.get('staff')
    const body = c.req.valid('json')
    const email = body.email.toLowerCase()
    const passwordHash = await hashPassword(body.password)
    const user = await db.transaction().execute(async (trx) => {
      const taken = await trx
        .selectFrom('users')
        .select('id')
        .where('tenant_id', '=', staff.tenantId)
        .where('email', '=', email)
        .executeTakeFirst()
      if (taken) throw new ProblemError('conflict', `A user with e-mail ${email} already exists.`)
      const row = await trx
        .insertInto('users')
        .values({
          tenant_id: staff.tenantId,
          id: newId('usr'),
          email,
          name: body.name,
          role: body.role,
          password_hash: passwordHash,
        })
        .returningAll()
        .executeTakeFirstOrThrow()
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        {
          action: 'user.created',
          entityType: 'user',
          entityId: row.id,
          after: { email, name: body.name, role: body.role },
        },
      )
      return row
    })
    return c.json(userBody(user), 201)
  })

  app.openapi(updateUser, async (c) => {
    const staff = c.get('staff')
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    if (id === staff.userId && (body.disabled === true || (body.role && body.role !== 'admin')))
      throw new ProblemError('conflict', 'You cannot disable yourself or take away your own admin role.')
    const user = await db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('users')
        .selectAll()
        .where('tenant_id', '=', staff.tenantId)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst()
      if (!before) throw new ProblemError('not_found', `No user ${id}`)
      const disabledAt =
        body.disabled === undefined
          ? before.disabled_at
          : body.disabled
            ? (before.disabled_at ?? new Date())
            : null
      const after = await trx
        .updateTable('users')
        .set({ role: body.role ?? before.role, name: body.name ?? before.name, disabled_at: disabledAt })
        .where('tenant_id', '=', staff.tenantId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow()
      // a new role applies at once (sessions read it live); a disabled user is signed out everywhere
      if (after.disabled_at) await endSessionsOf(trx, staff.tenantId, id)
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        {
          action: 'user.updated',
          entityType: 'user',
          entityId: id,
          before: { name: before.name, role: before.role, disabled: before.disabled_at !== null },
          after: { name: after.name, role: after.role, disabled: after.disabled_at !== null },
        },
      )
      return after
    })
    return c.json(userBody(user), 200)
  })

  return app
}
