// Payments settings in a real Chromium against the real server: an admin switches Stripe on with a
// secret key and another way of settling sessions; a key that is not a Stripe secret key is refused
// beside its field; once saved the key is never on the page again, only its last four; a viewer
// does not find the page in the navigation.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumAvailable } from './support/chromium.ts'
import {
  type ConsoleServer,
  createStaff,
  launchChromium,
  openConsole,
  screenshot,
  signIn,
  staffApi,
  startConsoleServer,
} from './support/harness.ts'

const stripeKey = 'sk_test_51BrowserSuiteKey7Qx2'

describe.skipIf(!chromiumAvailable)('payments settings in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('switches Stripe on with a key and a settlement, and never shows the key again', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Payments settings' })
      .click()
    await page.getByRole('heading', { name: 'Payments settings' }).waitFor()
    const summary = page.getByTestId('payments-settings-summary')
    await expect.poll(() => summary.textContent()).toContain('Payments go through Sandbox')

    await page.getByLabel(/^Stripe/).check()
    const key = page.getByLabel('Stripe secret key')
    await key.fill('pk_test_publishable_key_123')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toContain('is not a Stripe secret key')

    await key.fill(stripeKey)
    await page.getByLabel(/^Take the whole hold, refund the difference/).check()
    await page.getByLabel('End a silent session after (seconds)').fill('120')
    await page.getByRole('button', { name: 'Save settings' }).click()
    await expect
      .poll(() => page.getByTestId('payments-settings-notice').textContent())
      .toContain('New payments go through Stripe from now on')
    await expect.poll(() => summary.textContent()).toContain('with the key ending 7Qx2')
    await screenshot(page, 'payments-settings-stripe')

    await page.reload()
    await page.getByRole('heading', { name: 'Payments settings' }).waitFor()
    await expect.poll(() => summary.textContent()).toContain('Stripe with the key ending 7Qx2')
    expect(await page.content()).not.toContain(stripeKey)
    expect(await page.getByLabel('Stripe secret key').inputValue()).toBe('')
    expect(await page.getByLabel('Stripe secret key').getAttribute('placeholder')).toBe(
      'Stored key ending 7Qx2',
    )
    expect(await page.getByLabel(/^Take the whole hold, refund the difference/).isChecked()).toBe(true)

    const admin = await staffApi(server)
    const stored = (await (await admin('GET', '/billing-settings')).json()) as Record<string, unknown>
    expect(stored).toMatchObject({
      gateway: 'stripe',
      secret_set: true,
      secret_last4: '7Qx2',
      settlement: 'credit_difference',
      heartbeat_timeout_seconds: 120,
    })
    await context.close()
  })

  it('is not offered to a viewer', async () => {
    const viewer = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Decisions' }).waitFor()
    expect(await nav.getByRole('link', { name: 'Payments settings' }).count()).toBe(0)
    await context.close()
  })
})
