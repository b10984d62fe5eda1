// The admin API's plumbing: the staff session behind every route, CSRF for cookie-authenticated
// writes, and adminRoute(), which declares each route's least role in the OpenAPI document and
// enforces that same declaration. It lives in server/http/ so feature folders import it without
// importing the admin app that mounts them.
import { createRoute, type RouteConfig } from '@hono/zod-openapi'
import type { Env } from 'hono'
import { getCookie } from 'hono/cookie'
import { createMiddleware } from 'hono/factory'
import type { Db } from '../../db/connect.ts'
import { ProblemError, problemSchema } from '../http/problem.ts'
import { type Role, roleAtLeast } from '../staff/roles.ts'
import { SESSION_COOKIE, type StaffIdentity, sessionFromCookie } from '../staff/sessions.ts'

export interface AdminEnv extends Env {
  Variables: { staff: StaffIdentity; requestId: string }
}

export const ROLE_EXTENSION = 'x-tollgate-min-role'
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

export const staffSession = (db: Db) =>
  createMiddleware<AdminEnv>(async (c, next) => {
    const cookie = getCookie(c, SESSION_COOKIE)
    const staff = cookie ? await sessionFromCookie(db, cookie) : null
    if (!staff)
      throw new ProblemError(
        'unauthenticated',
        'Sign in to the console first; your session may have expired.',
      )
    if (!safeMethods.has(c.req.method) && c.req.header('x-csrf-token') !== staff.csrfToken)
      throw new ProblemError(
        'csrf_failed',
        'Send the csrf_token from GET /admin/v1/session as the X-CSRF-Token header.',
      )
    c.set('staff', staff)
    await next()
  })

export const requireRole = (least: Role) =>
  createMiddleware<AdminEnv>(async (c, next) => {
    if (!roleAtLeast(c.get('staff').role, least))
      throw new ProblemError(
        'forbidden',
        `This needs the ${least} role or higher; you are ${c.get('staff').role}.`,
      )
    await next()
  })

const problemContent = { 'application/problem+json': { schema: problemSchema } }
export const adminProblems = {
  401: { description: 'Not signed in', content: problemContent },
  403: { description: 'Role too low, or CSRF token missing', content: problemContent },
} as const
export const notFound = { 404: { description: 'Not found in this tenant', content: problemContent } } as const
export const unprocessable = {
  422: { description: 'Invalid input; errors[] names each field', content: problemContent },
} as const
export const conflict = {
  409: { description: 'Not allowed in the current state', content: problemContent },
} as const

/** A route that states the least role it needs, in the document and in the enforcement alike. */
export function adminRoute<const R extends Omit<RouteConfig, 'middleware'>>(least: Role, config: R) {
  return createRoute({
    ...config,
    description: `${config.description ? `${config.description}\n\n` : ''}Requires the **${least}** role or higher.`,
    security: [{ session: [] }],
    [ROLE_EXTENSION]: least,
    middleware: [requireRole(least)] as const,
  })
}
