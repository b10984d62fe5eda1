// Reading decisions and managing staff in a real Chromium: an authorization made through the
// merchant API is found by phone and opens with the rules that fired; an admin adds, re-roles and
// disables a user, and the audit log shows it.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from './support/chromium.ts'
import {
  authorize,
  type ConsoleServer,
  launchChromium,
  openConsole,
  purchase,
  screenshot,
  signIn,
  startConsoleServer,
} from './support/harness.ts'

const NEGATIVE_PHONE = '+15555550199'

describe.skipIf(!chromiumAvailable)('decisions and users in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
    await authorize(server, purchase())
    await authorize(
      server,
      purchase({ customer: { id: 'c-82', email: 'bo@example.com', phone: '+15555550123', name: 'Bo Lee' } }),
    )
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('finds an authorization made through the API and opens it with the rules that fired', async () => {
    const blocked = await authorize(
      server,
      purchase({
        customer: { id: 'c-90', email: 'known@example.net', phone: NEGATIVE_PHONE, name: 'Known Fraud' },
      }),
    )
    expect(blocked.outcome).toBe('block')

    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Decisions' }).click()
    await page.getByRole('table', { name: 'Decisions' }).waitFor()
    await screenshot(page, 'decisions')

    // `/` jumps to the search box from anywhere on the page
    await page.locator('body').press('/')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('q')
    await page.keyboard.type(NEGATIVE_PHONE)
    await page.keyboard.press('Enter')
    await page.waitForURL(`**/console/decisions?q=${encodeURIComponent(NEGATIVE_PHONE)}`)
    const rows = page.getByRole('table', { name: 'Decisions' }).locator('tbody tr')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain(blocked.id)
    await screenshot(page, 'decisions-search')

    await rows.first().click()
    await page.waitForURL(`**/console/decisions/${blocked.id}`)
    await page.getByRole('heading', { name: `Decision ${blocked.id}` }).waitFor()
    const rule = page.getByTestId('fired-rule').filter({ hasText: 'Negative list: phone' })
    await rule.waitFor()
    expect(await rule.textContent()).toContain('negative-phone')
    expect(await rule.locator('tbody tr').first().textContent()).toMatch(/is yes.*yes.*✓ yes/)
    const text = (await page.locator('main').textContent()) ?? ''
    expect(text).toContain('Block')
    expect(text).toContain('Visa •••• 4242')
    expect(text).toContain('authorizations, version 1')
    expect(text).not.toContain('4242424242424242')
    await screenshot(page, 'decision-detail')

    await page.getByRole('link', { name: '← Decisions' }).click()
    await page.waitForURL('**/console/decisions')
    await context.close()
  })

  it('lets an admin add a user, change their role and disable them, and shows it in the audit log', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('link', { name: 'Users' }).click()
    await page.getByRole('table', { name: 'Users' }).waitFor()
    await page.getByRole('button', { name: 'Add user' }).click()

    const form = page.getByRole('form', { name: 'Add a user' })
    await form.getByLabel('Name').fill('Rita Analyst')
    await form.getByLabel('E-mail').fill('rita@demo.test')
    await form.getByLabel('Role').selectOption('analyst')
    await form.getByLabel('First password').fill('short')
    await form.getByRole('button', { name: 'Add user' }).click()
    // the server's validation message appears at the field it concerns
    await expect.poll(() => form.locator('.field-error').textContent()).toBe('at least 12 characters')
    await form.getByLabel('First password').fill('a long first password')
    await form.getByRole('button', { name: 'Add user' }).click()
    await page.getByText('Added rita@demo.test as analyst.').waitFor()

    const row = page.getByTestId('user-rita@demo.test')
    await row.getByLabel('Role of rita@demo.test').selectOption('editor')
    await page.getByText('rita@demo.test is now an active editor.').waitFor()
    await row.getByRole('button', { name: 'Disable' }).click()
    await row.getByText('Disabled').waitFor()
    await screenshot(page, 'users')

    await page.getByRole('link', { name: 'Audit log' }).click()
    const audit = page.getByRole('table', { name: 'Audit log' })
    await audit.waitFor()
    const actions = await audit.locator('tbody tr td:nth-child(3)').allTextContents()
    expect(actions.slice(0, 3)).toEqual(['user.updated', 'user.updated', 'user.created'])
    await screenshot(page, 'audit')
    await context.close()
  })
})
