// Representatives and payouts in a real Chromium: the demo's three representatives on 1001–1003,
// an editor adds one (a taken extension is refused at the field), changes a pay plan and takes
// someone off the roster; a viewer reads the roster but cannot change it or see payouts; an analyst
// reads what a representative earned from a real session (started, answered and ended through
// /v1/sessions), picks a period and downloads it as CSV.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { newPerson } from '../api/identities.ts'
import { chromiumAvailable } from './support/chromium.ts'
import {
  type ConsoleServer,
  createStaff,
  launchChromium,
  openConsole,
  screenshot,
  signIn,
  startConsoleServer,
} from './support/harness.ts'

/** A merchant API call on the demo workspace's key. */
async function merchant(server: ConsoleServer, path: string, body: unknown, status: number) {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${server.apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': randomBytes(12).toString('hex'),
    },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  if (response.status !== status) throw new Error(`${path}: ${response.status} ${text}`)
  return JSON.parse(text) as { id: string; status: string; legs: { id: string }[] }
}

/** A phone session on the demo's advice line answered by Ada (extension 1001) for a little over a second. */
async function sessionAnsweredByAda(server: ConsoleServer): Promise<string> {
  const person = newPerson()
  const session = await merchant(
    server,
    '/v1/sessions',
    {
      service_line_id: 'advice',
      channel: 'phone',
      customer: { id: person.customerId, phone: person.phone, name: 'Browser Caller' },
      network: { ani: person.phone, ip: '203.0.113.7' },
      entered: { phone: person.phone },
      payment_method: {
        type: 'card',
        card: { number: person.card, exp_month: 12, exp_year: 2030, cvc: '123' },
        billing_address: { line1: '12 Main St', postal_code: '94107', country: 'US' },
      },
    },
    201,
  )
  if (session.status !== 'live') throw new Error(`the session is ${session.status}`)
  const answered = await merchant(
    server,
    `/v1/sessions/${session.id}/legs`,
    { party: 'representative', representative_id: 'rep_ada' },
    201,
  )
  await new Promise((resolve) => setTimeout(resolve, 1_200))
  await merchant(server, `/v1/sessions/${session.id}/legs/${answered.legs[0]?.id}/end`, {}, 200)
  const ended = await merchant(server, `/v1/sessions/${session.id}/end`, { reason: 'completed' }, 200)
  if (ended.status !== 'settled') throw new Error(`the session ended ${ended.status}`)
  return session.id
}

describe.skipIf(!chromiumAvailable)('representatives and payouts in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('lets an editor add a representative, change a pay plan and take someone off the roster', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Representatives' })
      .click()
    const table = page.getByRole('table', { name: 'Representatives' })
    await table.waitFor()
    for (const extension of ['1001', '1002', '1003'])
      await page.getByTestId(`representative-${extension}`).waitFor()
    expect(await page.getByTestId('representative-1001').textContent()).toContain('50% of billing')
    expect(await page.getByTestId('representative-1003').textContent()).toContain('$0.60 a minute')

    await page.getByRole('button', { name: 'Add representative' }).click()
    const form = page.getByRole('form', { name: 'Add a representative' })
    await form.getByLabel('Name').fill('Dana Reyes')
    await form.getByLabel('Extension').fill('1001')
    await form.getByLabel('Pay plan').selectOption('per_minute')
    await form.getByLabel('Rate a minute').fill('0.75')
    await form.getByRole('button', { name: 'Add representative' }).click()
    await form.getByText('belongs to another representative').waitFor()
    await form.getByLabel('Extension').fill('1004')
    await form.getByRole('button', { name: 'Add representative' }).click()
    await page.getByText('Added Dana Reyes on extension 1004.').waitFor()
    expect(await page.getByTestId('representative-1004').textContent()).toContain('$0.75 a minute')

    const ben = page.getByTestId('representative-1002')
    await ben.getByRole('button', { name: 'Change' }).click()
    const change = page.getByRole('form', { name: 'Change Ben Okafor' })
    await change.getByLabel('Share (%)').fill('55.5')
    await change.getByRole('button', { name: 'Save changes' }).click()
    await page.getByText('Saved Ben Okafor.').waitFor()
    expect(await ben.textContent()).toContain('55.5% of billing')

    await page.getByTestId('representative-1004').getByRole('button', { name: 'Take off roster' }).click()
    await page.getByTestId('representative-1004').getByText('Off the roster').waitFor()
    await screenshot(page, 'representatives')
    await context.close()
  })

  it('shows a viewer the roster without the means to change it, and no payouts', async () => {
    const viewer = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    const nav = page.getByRole('navigation', { name: 'Main' })
    await nav.getByRole('link', { name: 'Representatives' }).click()
    await page.getByTestId('representative-1001').waitFor()
    expect(await page.getByRole('button', { name: 'Add representative' }).count()).toBe(0)
    expect(await page.getByTestId('representative-1001').getByRole('button').count()).toBe(0)
    expect(await nav.getByRole('link', { name: 'Payouts' }).count()).toBe(0)
    await page.goto('/console/payouts')
    await page.getByText('Payouts needs the analyst role.').waitFor()
    await context.close()
  })

  it('shows an analyst what a representative earned from a session, by period, and downloads it as CSV', async () => {
    const sessionId = await sessionAnsweredByAda(server)
    const analyst = await createStaff(server, 'analyst')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, analyst.email, analyst.password)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Payouts' }).click()
    await page.getByRole('heading', { name: 'Payouts' }).waitFor()
    // the first view is this month so far
    const from = page.getByLabel('From')
    await expect.poll(() => from.inputValue()).toMatch(/^\d{4}-\d{2}-01$/)
    // the advice line bills its first minute whole: 2.99, and Ada's plan is half of it
    const ada = page.getByTestId('payout-line').filter({ hasText: 'Ada Moreno' })
    await ada.waitFor()
    expect(await ada.textContent()).toContain('$1.49')
    expect(await page.getByTestId('payout-total').textContent()).toContain('Total in USD')
    await page.getByLabel('Representative').selectOption({ label: 'Ada Moreno (1001)' })
    await page.getByRole('button', { name: 'Show' }).click()
    const leg = page.getByRole('table', { name: 'Sessions paid for' }).getByTestId('payout-accrual')
    await leg.waitFor()
    expect(await leg.textContent()).toContain(sessionId)
    await screenshot(page, 'payouts-representative')

    await from.fill('2026-11-01')
    await page.getByLabel('To (included)').fill('2026-11-30')
    await page.getByRole('button', { name: 'Show' }).click()
    await page.waitForURL(/from=2026-11-01.*to=2026-11-30.*representative=rep_ada/)
    await page.getByText('No pay in this period').waitFor()
    await screenshot(page, 'payouts')

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('payouts-csv').click(),
    ])
    expect(download.suggestedFilename()).toBe('payouts-2026-11-01-to-2026-11-30.csv')
    const path = await download.path()
    expect(readFileSync(path, 'utf8').split('\n')[0]).toBe(
      'representative_id,name,extension,currency,legs,seconds,amount,amount_minor_units,from,to',
    )
    await context.close()
  })
})
