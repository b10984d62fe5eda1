// /admin/v1/do-not-call: staff see, add and remove the numbers campaigns never call — numbers kept
// in E.164 however they are typed, a bad one refused at its field, another tenant's list never
// visible, a viewer refused a change, every change audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let viewer: StaffClient
let editor: StaffClient
let admin: StaffClient
let globexEditor: StaffClient

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  editor = await staffClient(t, 'acme', 'editor')
  admin = await staffClient(t, 'acme', 'admin')
  globexEditor = await staffClient(t, 'globex', 'editor')
})
afterAll(() => t.close())

async function json<T = Record<string, unknown>>(
  res: Response | Promise<Response>,
  status: number,
): Promise<T> {
  const r = await res
  const text = await r.text()
  expect(r.status, text).toBe(status)
  return (text ? JSON.parse(text) : null) as T
}

interface Entry {
  phone: string
  source: string
  added_at: string
}
interface Problem {
  type: string
  detail?: string
  errors?: { field: string; message: string }[]
}
const numbersOf = async (client: StaffClient) =>
  (await json<{ numbers: Entry[] }>(client.request('GET', '/admin/v1/do-not-call'), 200)).numbers.map(
    (n) => n.phone,
  )

describe('the do-not-call list in the admin API', () => {
  it('lets an editor add a number as typed, kept in E.164, and a viewer read it', async () => {
    const added = await json<Entry>(
      editor.request('POST', '/admin/v1/do-not-call', { phone: '(555) 555-0100' }),
      201,
    )
    expect(added).toMatchObject({ phone: '+15555550100', source: 'staff' })
    expect(await numbersOf(viewer)).toEqual(['+15555550100'])
    // the same number typed another way is already there
    const again = await json<Problem>(
      editor.request('POST', '/admin/v1/do-not-call', { phone: '+1 555 555 0100' }),
      409,
    )
    expect(again.detail).toContain('already on the do-not-call list')
    // a search by the digits staff remember
    const found = await json<{ numbers: Entry[] }>(
      viewer.request('GET', '/admin/v1/do-not-call?q=555-0100'),
      200,
    )
    expect(found.numbers.map((n) => n.phone)).toEqual(['+15555550100'])
  })

  it('refuses a number that is not one, naming the field', async () => {
    const problem = await json<Problem>(
      editor.request('POST', '/admin/v1/do-not-call', { phone: 'call me maybe' }),
      422,
    )
    expect(problem.errors).toEqual([
      expect.objectContaining({ field: 'phone', message: expect.stringContaining('is not a phone number') }),
    ])
    await json(editor.request('DELETE', '/admin/v1/do-not-call/12'), 422)
  })

  it('keeps each tenant to its own list', async () => {
    expect(await numbersOf(globexEditor)).toEqual([])
    // another tenant cannot remove acme's number
    await json(
      globexEditor.request('DELETE', `/admin/v1/do-not-call/${encodeURIComponent('+15555550100')}`),
      404,
    )
    expect(await numbersOf(viewer)).toEqual(['+15555550100'])
  })

  it('asks for a session, and refuses a viewer a change', async () => {
    expect((await t.app.request('/admin/v1/do-not-call')).status).toBe(401)
    await json(viewer.request('POST', '/admin/v1/do-not-call', { phone: '+15555550101' }), 403)
    await json(viewer.request('DELETE', `/admin/v1/do-not-call/${encodeURIComponent('+15555550100')}`), 403)
    expect(await numbersOf(viewer)).toEqual(['+15555550100'])
  })

  it('lets an editor remove a number, once, and audits both changes', async () => {
    await json(editor.request('DELETE', `/admin/v1/do-not-call/${encodeURIComponent('+15555550100')}`), 204)
    expect(await numbersOf(viewer)).toEqual([])
    await json(editor.request('DELETE', `/admin/v1/do-not-call/${encodeURIComponent('+15555550100')}`), 404)
    const { entries } = await json<{ entries: { action: string; actor: { email: string | null } }[] }>(
      admin.request('GET', '/admin/v1/audit?entity_type=do_not_call&entity_id=%2B15555550100'),
      200,
    )
    expect(entries.map((e) => e.action).sort()).toEqual(['do_not_call.added', 'do_not_call.removed'])
    expect(entries.every((e) => e.actor.email === editor.email)).toBe(true)
  })
})
