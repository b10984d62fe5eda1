// Every /admin/v1 route states its least role in the OpenAPI document; this suite proves each
// boundary for every role: below it the server refuses (403), at or above it lets the request
// through to the handler, and with no session it asks for one (401).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROLE_EXTENSION } from '../../server/http/admin.ts'
import { roleAtLeast, roles } from '../../server/staff/roles.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { clientsForEveryRole, type StaffClient } from '../support/staff.ts'

interface Operation {
  method: string
  path: string
  least: (typeof roles)[number]
}

let t: TestApp
let clients: StaffClient[]
let operations: Operation[]

beforeAll(async () => {
  t = await startTestApp()
  clients = await clientsForEveryRole(t)
  const doc = (await (await t.app.request('/admin/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, Record<string, unknown>>>
  }
  operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => typeof op[ROLE_EXTENSION] === 'string')
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        least: op[ROLE_EXTENSION] as Operation['least'],
      })),
  )
  // signing out ends the client's session, so it goes last
  operations.sort(
    (a, b) =>
      Number(a.method === 'DELETE' && a.path === '/admin/v1/session') -
      Number(b.method === 'DELETE' && b.path === '/admin/v1/session'),
  )
})
afterAll(() => t.close())

function concrete(path: string): string {
  return path.replace(/\{[^}]+\}/g, 'nonexistent')
}

describe('the admin role matrix', () => {
  it('covers the admin API', () => {
    expect(operations.length).toBeGreaterThanOrEqual(7)
    expect(operations.map((o) => `${o.method} ${o.path}`)).toContain('GET /admin/v1/users')
    for (const op of operations) expect(roles).toContain(op.least)
  })

  it('states a least role for every route except signing in and the document itself', async () => {
    const doc = (await (await t.app.request('/admin/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, Record<string, unknown>>>
    }
    const undeclared = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(
          ([method, op]) =>
            op[ROLE_EXTENSION] === undefined && !(path === '/admin/v1/session' && method === 'post'),
        )
        .map(([method]) => `${method} ${path}`),
    )
    expect(undeclared).toEqual([])
  })

  it('asks for a session on every declared route', async () => {
    for (const op of operations) {
      const res = await t.app.request(concrete(op.path), {
        method: op.method,
        headers: { 'content-type': 'application/json' },
        body: op.method === 'GET' ? undefined : '{}',
      })
      expect(res.status, `${op.method} ${op.path}`).toBe(401)
    }
  })

  it('refuses every role below the least one and admits every role at or above it', async () => {
    for (const op of operations) {
      for (const client of clients) {
        const res = await client.request(op.method, concrete(op.path), op.method === 'GET' ? undefined : {})
        const label = `${client.role} ${op.method} ${op.path} (least ${op.least})`
        if (roleAtLeast(client.role, op.least)) {
          expect([401, 403], label).not.toContain(res.status)
        } else {
          expect(res.status, label).toBe(403)
          expect((await res.json()).type, label).toBe('urn:tollgate:problem:forbidden')
        }
      }
    }
  })
})
