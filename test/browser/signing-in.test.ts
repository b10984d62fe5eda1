// Signing in and out of the console in a real Chromium: wrong passwords and lockout explained,
// the dashboard after signing in, a viewer kept out of admin pages, and an expired session that
// returns the user to the page they were on.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from './support/chromium.ts'
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  authorize,
  type ConsoleServer,
  createStaff,
  fillLogin,
  launchChromium,
  openConsole,
  purchase,
  screenshot,
  signIn,
  startConsoleServer,
} from './support/harness.ts'

describe.skipIf(!chromiumAvailable)('signing in to the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
    await authorize(server, purchase())
    await authorize(
      server,
      purchase({ customer: { id: 'c-90', phone: '+15555550199', name: 'Known Fraud' } }),
    )
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('refuses a wrong password in plain words, then signs the admin in to the dashboard', async () => {
    const { context, page } = await openConsole(browser, server)
    await page.goto('/console/')
    await page.waitForURL('**/console/login')
    await expect.poll(() => page.getByLabel('Workspace').inputValue()).toBe('demo')
    await screenshot(page, 'login')

    await fillLogin(page, ADMIN_EMAIL, 'not the password')
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/don’t match an active account/)
    await screenshot(page, 'login-wrong-password')

    await fillLogin(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor()
    expect(await page.getByTestId('signed-in-user').textContent()).toContain('admin')
    await page.getByRole('heading', { name: 'Decisions over time' }).waitFor()
    await expect.poll(() => page.getByTestId('tile-total').textContent()).toContain('2')
    expect(await page.getByTestId('tile-block-rate').textContent()).toContain('50.0%')
    await page.locator('canvas').waitFor()
    await page.getByRole('link', { name: 'negative-phone' }).waitFor()
    await screenshot(page, 'dashboard')

    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.waitForURL('**/console/login')
    await page.goto('/console/decisions')
    await page.waitForURL('**/console/login?next=%2Fdecisions')
    await context.close()
  })

  it('tells a locked-out user so, not just that the password is wrong', async () => {
    const user = await createStaff(server, 'analyst')
    const { context, page } = await openConsole(browser, server)
    await page.goto('/console/login')
    for (let attempt = 1; attempt <= 5; attempt++) {
      await fillLogin(page, user.email, `wrong-${attempt}`)
      await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).waitFor()
    }
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/Locked after 5 failed logins/)
    await screenshot(page, 'login-locked')
    await context.close()
  })

  it('hides Users and Audit from a viewer, who is refused them anyway', async () => {
    const viewer = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Decisions' }).waitFor()
    expect(await nav.getByRole('link').allTextContents()).toEqual([
      'Dashboard',
      'Wallboard',
      'Decisions',
      'Rule sets',
      'Lists',
      'Sessions',
      'Payments',
      'Ledger',
      'Representatives',
      'Phones and queues',
      'Offers',
      'Take rates',
      'Campaigns',
      'Service lines',
      'Phone numbers and lines',
    ])
    expect(await page.getByTestId('signed-in-user').textContent()).toContain('viewer')

    await page.goto('/console/users')
    await page.getByText('You don’t have access to this').waitFor()
    await screenshot(page, 'viewer-forbidden')
    const status = await page.evaluate(async () => (await fetch('/admin/v1/users')).status)
    expect(status).toBe(403)
    await context.close()
  })

  it('sends an expired session to sign-in and back to the same page afterwards', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.goto('/console/decisions?q=ann%40example.com')
    await page.getByRole('table', { name: 'Decisions' }).waitFor()

    // the session ends on the server (as when it expires or an admin signs it out)
    const cookie = (await context.cookies()).find((c) => c.name === 'tg_session')
    expect(cookie).toBeDefined()
    const headers = { cookie: `tg_session=${cookie?.value}` }
    const current = (await (await fetch(`${server.url}/admin/v1/session`, { headers })).json()) as {
      csrf_token: string
    }
    const ended = await fetch(`${server.url}/admin/v1/session`, {
      method: 'DELETE',
      headers: { ...headers, 'x-csrf-token': current.csrf_token },
    })
    expect(ended.status).toBe(204)

    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await page.waitForURL('**/console/login?next=%2Fdecisions%3Fq%3Dann%2540example.com')
    await page.getByText('Your session ended').waitFor()
    await screenshot(page, 'session-expired')
    await fillLogin(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    await page.waitForURL('**/console/decisions?q=ann%40example.com')
    expect(await page.getByRole('searchbox').inputValue()).toBe('ann@example.com')
    await page.getByRole('table', { name: 'Decisions' }).waitFor()

    // and the same when the cookie is simply gone and the page is reloaded
    await context.clearCookies()
    await page.reload()
    await page.waitForURL('**/console/login?next=%2Fdecisions%3Fq%3Dann%2540example.com')
    await fillLogin(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    await page.waitForURL('**/console/decisions?q=ann%40example.com')
    await context.close()
  })
})
