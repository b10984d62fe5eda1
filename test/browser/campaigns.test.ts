// Campaigns in a real Chromium against the real server (demo tenant, first start, its e-mail sender
// pointed at an SMTP server listening in this suite): an admin drafts an e-mail campaign with the
// audience builder (a field the server refuses is shown at the field first), starts it, and watches
// its progress move to done without reloading while the mails arrive; each contact's result shows.
// A viewer is offered no changes.
import { simpleParser } from 'mailparser'
import type { Browser } from 'playwright-core'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../db/connect.ts'
import { bootstrapIfEmpty } from '../../server/tenants/bootstrap.ts'
import { chromiumAvailable } from './support/chromium.ts'
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  type ConsoleServer,
  createStaff,
  launchChromium,
  openConsole,
  screenshot,
  signIn,
  startConsoleServer,
  TENANT,
} from './support/harness.ts'

/** An offer sold by e-mail and two customers with e-mail addresses and cards the sandbox can charge. */
async function catalogAndCustomers(db: Db): Promise<void> {
  // the first start's demo tenant, made here so its customers can be written before the server runs
  await bootstrapIfEmpty(db, { adminEmail: ADMIN_EMAIL, adminPassword: ADMIN_PASSWORD })
  await db
    .insertInto('offers')
    .values({
      tenant_id: TENANT,
      id: 'off_browser_reading',
      sku: 'browser-reading',
      name: 'Extended reading',
      price: 1499,
      currency: 'USD',
      channels: JSON.stringify(['web', 'email']),
      stock_mode: 'unlimited',
    })
    .execute()
  for (const [id, email] of [
    ['cus_browser_ann', 'ann@example.com'],
    ['cus_browser_bo', 'bo@example.com'],
  ] as const) {
    await db.insertInto('customers').values({ tenant_id: TENANT, id, external_id: id }).execute()
    await db
      .insertInto('customer_identifiers')
      .values({ tenant_id: TENANT, kind: 'email', value: email, customer_id: id })
      .execute()
    await db
      .insertInto('payment_methods')
      .values({
        tenant_id: TENANT,
        id: `pm_${id}`,
        customer_id: id,
        type: 'card',
        fingerprint: `pmf_${id}`,
        bin: '424242',
        last4: '4242',
        brand: 'visa',
        exp_month: 12,
        exp_year: 2030,
        billing_postal_code: '94107',
        gateway: 'sandbox',
        gateway_token: `tok_sandbox_${id}`,
      })
      .execute()
    await db
      .insertInto('sandbox_gateway_tokens')
      .values({ account: TENANT, token: `tok_sandbox_${id}`, behaviour: 'success', last4: '4242' })
      .execute()
  }
}

describe.skipIf(!chromiumAvailable)('campaigns in the console', () => {
  let server: ConsoleServer
  let browser: Browser
  let smtp: SMTPServer
  const mails: { to: string; text: string }[] = []

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((mail) => {
            const to = Array.isArray(mail.to) ? mail.to[0] : mail.to
            mails.push({ to: to?.value[0]?.address ?? '', text: mail.text ?? '' })
            callback()
          })
          .catch(callback)
      },
    })
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve))
    const port = (smtp.server.address() as { port: number }).port
    ;[server, browser] = await Promise.all([
      startConsoleServer({ prepare: catalogAndCustomers, env: { SMTP_URL: `smtp://127.0.0.1:${port}` } }),
      launchChromium(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()))
  })

  it('drafts an e-mail campaign, starts it, and shows its progress move to done without a reload', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('link', { name: 'Campaigns' }).click()
    await page.getByRole('button', { name: 'Draft a campaign' }).click()

    await page.locator('input[name="name"]').fill('Readings by mail')
    await page.locator('select[name="channel"]').selectOption('email')
    // the offer is picked by what staff know it as, its name, SKU and price
    await page
      .locator('select[name="offer"]')
      .selectOption({ label: 'Extended reading (browser-reading), 14.99 USD' })
    const condition = page.getByTestId('audience-condition-0')
    await condition.locator('select[name="fact"]').selectOption('has_email')
    await condition.locator('select[name="operator"]').selectOption('equal')
    await condition.locator('input[name="value"]').fill('true')
    // e-mails may go at any hour: no calling window
    for (const day of ['mon', 'tue', 'wed', 'thu', 'fri'])
      await page.locator(`input[name="day-${day}"]`).uncheck()
    await page.locator('input[name="email_from"]').fill('offers@demo.test')
    await page.locator('input[name="email_subject"]').fill('For you, {{nmae}}')
    await page.getByRole('button', { name: 'Save draft' }).click()
    // the server's refusal, at its field
    await expect
      .poll(() => page.locator('.field-error').first().textContent())
      .toContain('unknown variable {{nmae}}')
    await page.locator('input[name="email_subject"]').fill('For you, {{name}}')
    await page.getByRole('button', { name: 'Save draft' }).click()
    await expect
      .poll(() => page.getByTestId('campaign-notice').textContent())
      .toContain('Drafted Readings by mail')

    const row = page.locator('tr', { hasText: 'Readings by mail' })
    expect(await row.getByTestId('campaign-status').textContent()).toBe('Draft')
    expect(await row.getByTestId('campaign-offer').textContent()).toBe('Offers Extended reading')
    await row.getByRole('button', { name: 'Start' }).click()
    // the sender mails both within a few seconds; the page reads the progress again by itself
    await expect
      .poll(() => row.getByTestId('progress-done').textContent(), { timeout: 20_000 })
      .toBe('2 of 2 done')
    await expect.poll(() => row.getByTestId('campaign-status').textContent()).toBe('Finished')
    expect(mails.map((m) => m.to).sort()).toEqual(['ann@example.com', 'bo@example.com'])
    expect(mails[0]?.text).toContain('Extended reading for 14.99 USD')

    await row.getByRole('button', { name: 'Contacts' }).click()
    await expect.poll(() => page.getByTestId('contact-cus_browser_ann').textContent()).toContain('E-mailed')
    expect(await page.getByTestId('contacts-offer').textContent()).toBe('Offering Extended reading')
    await screenshot(page, 'campaigns')
    await context.close()
  })

  it('keeps a number off every campaign: added as typed, refused when it is not one, removed again', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('link', { name: 'Campaigns' }).click()
    const section = page.getByRole('region', { name: 'Do not call' })
    await section.getByText('No numbers on the list').waitFor()

    await section.locator('input[name="do_not_call_phone"]').fill('not a number')
    await section.getByRole('button', { name: 'Add number' }).click()
    await expect.poll(() => section.locator('.field-error').textContent()).toContain('is not a phone number')

    await section.locator('input[name="do_not_call_phone"]').fill('(555) 555-0123')
    await section.getByRole('button', { name: 'Add number' }).click()
    // kept as the server keeps it, in E.164
    await section.getByTestId('do-not-call-+15555550123').waitFor()
    expect(await section.getByTestId('do-not-call-+15555550123').textContent()).toContain('Added by staff')
    expect(await page.getByTestId('do-not-call-notice').textContent()).toContain(
      '+15555550123 will not be called',
    )

    // still there after a reload: the server has it
    await page.reload()
    await page.getByTestId('do-not-call-+15555550123').waitFor()
    await page.getByRole('button', { name: 'Remove +15555550123' }).click()
    await expect
      .poll(() => page.getByTestId('do-not-call-notice').textContent())
      .toContain('+15555550123 may be called again')
    expect(await page.getByTestId('do-not-call-+15555550123').count()).toBe(0)
    await context.close()
  })

  it('offers a viewer no changes', async () => {
    const viewer = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    await page.getByRole('link', { name: 'Campaigns' }).click()
    await page.locator('tr', { hasText: 'Readings by mail' }).waitFor()
    expect(await page.getByRole('button', { name: 'Draft a campaign' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Start' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Add number' }).count()).toBe(0)
    await context.close()
  })
})
