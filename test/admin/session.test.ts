import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCK_AFTER } from '../../server/staff/sessions.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { createStaffUser, STAFF_PASSWORD, signIn, staffClient } from '../support/staff.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

describe('staff sign-in', () => {
  it('sets an HttpOnly, SameSite cookie and returns the CSRF token', async () => {
    const user = await createStaffUser(t, 'acme', 'analyst', 'ana@acme.test')
    const res = await signIn(t, 'acme', 'ANA@acme.test')
    expect(res.status).toBe(200)
    const cookie = res.headers.get('set-cookie') ?? ''
    expect(cookie).toMatch(/^tg_session=acme\./)
    expect(cookie).toMatch(/HttpOnly/i)
    expect(cookie).toMatch(/SameSite=Strict/i)
    expect(cookie).not.toMatch(/Secure/i)
    const body = await res.json()
    expect(body.user).toMatchObject({ id: user.id, email: 'ana@acme.test', role: 'analyst' })
    expect(body.csrf_token).toMatch(/.{20,}/)
  })

  it('marks the cookie Secure behind TLS', async () => {
    await createStaffUser(t, 'acme', 'viewer', 'tls@acme.test')
    const res = await t.app.request('/admin/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ tenant: 'acme', email: 'tls@acme.test', password: STAFF_PASSWORD }),
    })
    expect(res.headers.get('set-cookie')).toMatch(/Secure/)
  })

  it('refuses a wrong password and an unknown e-mail alike', async () => {
    await createStaffUser(t, 'acme', 'viewer', 'wrong@acme.test')
    const wrong = await signIn(t, 'acme', 'wrong@acme.test', 'not the password')
    const unknown = await signIn(t, 'acme', 'nobody@acme.test')
    for (const res of [wrong, unknown]) {
      expect(res.status).toBe(401)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      expect(res.headers.get('set-cookie')).toBeNull()
    }
  })

  it('does not sign a user into another tenant', async () => {
    await createStaffUser(t, 'acme', 'admin', 'boss@acme.test')
    expect((await signIn(t, 'globex', 'boss@acme.test')).status).toBe(401)
  })

  it('slows repeated failures, then locks the e-mail even for the right password', async () => {
    await createStaffUser(t, 'acme', 'editor', 'locked@acme.test')
    const durations: number[] = []
    for (let i = 1; i < LOCK_AFTER; i++) {
      const started = performance.now()
      expect((await signIn(t, 'acme', 'locked@acme.test', `guess ${i}`)).status).toBe(401)
      durations.push(performance.now() - started)
    }
    // the fourth failure is held back 500 ms before it answers (load can only add to that)
    expect(durations[3] ?? 0).toBeGreaterThanOrEqual(480)
    const locking = await signIn(t, 'acme', 'locked@acme.test', 'guess 5')
    expect(locking.status).toBe(429)
    const right = await signIn(t, 'acme', 'locked@acme.test')
    expect(right.status).toBe(429)
    expect((await right.json()).type).toBe('urn:tollgate:problem:login_locked')
  })

  it('signs out: the cookie stops working', async () => {
    const staff = await staffClient(t, 'acme', 'viewer', 'out@acme.test')
    expect((await staff.request('GET', '/admin/v1/session')).status).toBe(200)
    expect((await staff.request('DELETE', '/admin/v1/session')).status).toBe(204)
    expect((await staff.request('GET', '/admin/v1/session')).status).toBe(401)
  })

  it('refuses cookie-authenticated writes without the CSRF token', async () => {
    const admin = await staffClient(t, 'acme', 'admin', 'csrf@acme.test')
    const body = { email: 'new@acme.test', name: 'New', role: 'viewer', password: 'twelve chars long' }
    const missing = await admin.request('POST', '/admin/v1/users', body, { csrf: null })
    expect(missing.status).toBe(403)
    expect((await missing.json()).type).toBe('urn:tollgate:problem:csrf_failed')
    const wrong = await admin.request('POST', '/admin/v1/users', body, { csrf: 'forged' })
    expect(wrong.status).toBe(403)
    const count = await t.db
      .selectFrom('users')
      .select(t.db.fn.countAll().as('n'))
      .where('email', '=', 'new@acme.test')
      .executeTakeFirst()
    expect(Number(count?.n)).toBe(0)
    expect((await admin.request('POST', '/admin/v1/users', body)).status).toBe(201)
  })

  it('ends a disabled user’s sessions at once', async () => {
    const admin = await staffClient(t, 'acme', 'admin', 'disabler@acme.test')
    const victim = await staffClient(t, 'acme', 'editor', 'disabled@acme.test')
    expect((await victim.request('GET', '/admin/v1/session')).status).toBe(200)
    const res = await admin.request('PATCH', `/admin/v1/users/${victim.userId}`, { disabled: true })
    expect(res.status).toBe(200)
    expect((await res.json()).disabled).toBe(true)
    expect((await victim.request('GET', '/admin/v1/session')).status).toBe(401)
    expect((await signIn(t, 'acme', 'disabled@acme.test')).status).toBe(401)
  })

  it('applies a new role at once and records who changed it', async () => {
    const admin = await staffClient(t, 'acme', 'admin', 'rerole@acme.test')
    const target = await staffClient(t, 'acme', 'viewer', 'promoted@acme.test')
    expect((await target.request('GET', '/admin/v1/users')).status).toBe(403)
    await admin.request('PATCH', `/admin/v1/users/${target.userId}`, { role: 'admin' })
    expect((await target.request('GET', '/admin/v1/users')).status).toBe(200)
    const audit = await (
      await admin.request('GET', `/admin/v1/audit?entity_type=user&entity_id=${target.userId}`)
    ).json()
    expect(audit.entries[0]).toMatchObject({
      action: 'user.updated',
      actor: { email: 'rerole@acme.test' },
      before: { role: 'viewer' },
      after: { role: 'admin' },
    })
  })
})
