// Lists, the review desk and webhooks in a real Chromium against the real server on a fresh
// database: an analyst's CSV of 2,000 phones with three bad rows is imported with a progress bar and
// its rejected lines named; an imported entry is found and removed (kept in the history). A
// publisher installs a rule set that sends big purchases to review; an authorization made through
// the merchant API is claimed and blocked with a note in the console, the merchant sees the
// resolution and the phone is on the negative list. An admin adds a webhook endpoint (a local
// receiver), a resolution is delivered to it, shown in the log, and replayed.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { customerPurchase } from '../support/review-rule-set.ts'
import { chromiumAvailable } from './support/chromium.ts'
import {
  authorize,
  type ConsoleServer,
  createStaff,
  installReviewRuleSet,
  launchChromium,
  openConsole,
  screenshot,
  signIn,
  staffApi,
  startConsoleServer,
} from './support/harness.ts'
import { startReceiver } from './support/receiver.ts'

const IMPORT_ROWS = 2_000
/** line numbers in the file (the header is line 1) of the rows that cannot be imported */
const BAD_LINES = new Map([
  [101, 'phone,12,too short'],
  [1001, 'bin,12ab,not digits'],
  [1999, 'email,not-an-email,no at sign'],
])
const phoneAt = (row: number) => `+1555770${String(row).padStart(4, '0')}`

function importCsv(): string {
  const lines = ['subject,value,reason']
  for (let row = 0; row < IMPORT_ROWS; row++)
    lines.push(BAD_LINES.get(row + 2) ?? `phone,${phoneAt(row)},chargeback batch`)
  return `${lines.join('\n')}\n`
}

describe.skipIf(!chromiumAvailable)('lists, the review desk and webhooks in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([startConsoleServer(), launchChromium()])
    await installReviewRuleSet(server)
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('imports a CSV with progress and rejected lines, finds an imported entry and removes it', async () => {
    const analyst = await createStaff(server, 'analyst')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, analyst.email, analyst.password)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lists' }).click()
    await page
      .getByRole('navigation', { name: 'Lists' })
      .getByRole('button', { name: /Negative list/ })
      .click()
    await page.getByRole('table', { name: 'Entries' }).waitFor()
    await screenshot(page, 'lists')

    // a bad value is refused at its field
    await page.getByRole('button', { name: 'Add entry' }).click()
    const form = page.getByRole('form', { name: 'Add to Negative list' })
    await form.getByLabel('Value').fill('call me maybe')
    await form.getByRole('button', { name: 'Add entry' }).click()
    await expect.poll(() => form.locator('.field-error').textContent()).toContain('is not a phone number')
    await form.getByRole('button', { name: 'Cancel' }).click()

    await page.getByRole('button', { name: 'Import CSV' }).click()
    const panel = page.getByRole('form', { name: 'Import into Negative list' })
    await panel.getByLabel('CSV file').setInputFiles({
      name: 'chargebacks.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(importCsv()),
    })
    await panel.getByRole('button', { name: 'Upload and import' }).click()
    const bar = panel.getByRole('progressbar', { name: 'Import progress' })
    await bar.waitFor()
    const seen = new Set<string>()
    await expect
      .poll(
        async () => {
          seen.add((await bar.getAttribute('aria-valuenow')) ?? '')
          return panel.getByTestId('import-status').textContent()
        },
        { timeout: 30_000, interval: 50 },
      )
      .toContain('Done.')
    expect(await bar.getAttribute('aria-valuenow')).toBe('100')
    expect([...seen].every((value) => Number(value) >= 0 && Number(value) <= 100)).toBe(true)
    expect(await panel.getByTestId('import-accepted').textContent()).toBe('1,997')
    expect(await panel.getByTestId('import-rejected').textContent()).toBe('3')
    const rejected = panel.getByRole('table', { name: 'Rejected lines' }).locator('tbody tr')
    expect(await rejected.locator('td:first-child').allTextContents()).toEqual(['101', '1001', '1999'])
    expect(await rejected.nth(0).textContent()).toContain('not a phone number')
    await screenshot(page, 'lists-import-result')

    // the imported entries are searchable; removing one keeps it in the history
    const wanted = phoneAt(777)
    await page.getByLabel('Value contains').fill(wanted.slice(2))
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    const rows = page.getByRole('table', { name: 'Entries' }).getByTestId('list-entry')
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain(wanted)
    expect(await rows.first().textContent()).toContain('import')
    await rows
      .first()
      .getByRole('button', { name: `Remove ${wanted}` })
      .click()
    await page
      .getByRole('group', { name: `Remove ${wanted}?` })
      .getByRole('button', { name: 'Yes, remove' })
      .click()
    await page.getByText(`Removed ${wanted} (kept in the history).`).waitFor()
    await page.getByText('No entries match').waitFor()
    await page.getByLabel('Include removed and expired').check()
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    await expect.poll(() => rows.count()).toBe(1)
    expect(await rows.first().textContent()).toContain('removed')
    await screenshot(page, 'lists-removed')
    await context.close()
  })

  it('works a review: claims it, blocks it with a note, and the merchant and the negative list show it', async () => {
    const purchase = customerPurchase(41)
    const decision = await authorize(server, purchase)
    expect(decision.outcome).toBe('review')

    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review desk' }).click()
    const queue = page.getByRole('table', { name: 'Review queue' })
    await queue.waitFor()
    const row = page.getByTestId(`review-${decision.id}`)
    expect(await row.textContent()).toContain('A person looks at purchases over 500.00')
    expect(await row.textContent()).toContain('Open')
    await screenshot(page, 'review-queue')

    await page.getByRole('button', { name: 'Claim next' }).click()
    await page.waitForURL(`**/console/reviews/${decision.id}`)
    await page.getByRole('heading', { name: `Review ${decision.id}` }).waitFor()
    await page.getByRole('form', { name: 'Your decision' }).waitFor()
    const text = (await page.locator('main').textContent()) ?? ''
    expect(text).toContain('Claimed')
    expect(text).toMatch(/Visa •••• \d{4}/)
    expect(text).not.toContain(purchase.payment_method.card.number)
    // the rule's threshold and the amount it saw, as amounts in the currency
    const bigPurchase = await page.getByTestId('fired-rule').filter({ hasText: 'Big purchase' }).textContent()
    expect(bigPurchase).toContain('is more than $500.00')
    expect(bigPurchase).toContain('$600.00')
    await screenshot(page, 'review-decision')

    const form = page.getByRole('form', { name: 'Your decision' })
    await form.getByLabel('Block', { exact: true }).check()
    await form.getByLabel('Note').fill('Card testing pattern; customer unreachable')
    await form.getByRole('button', { name: 'Resolve and go to the next' }).click()
    // the queue was this one review: back to the queue, which says so
    await page.waitForURL('**/console/reviews')
    await page.getByText(`${decision.id}: block.`).waitFor()
    await page.getByText('Nothing waits for review').waitFor()

    const merchant = await fetch(`${server.url}/v1/decisions/${decision.id}`, {
      headers: { authorization: `Bearer ${server.apiKey}` },
    })
    const resolved = (await merchant.json()) as { resolution: { outcome: string; note: string } | null }
    expect(resolved.resolution).toMatchObject({
      outcome: 'block',
      note: 'Card testing pattern; customer unreachable',
    })

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lists' }).click()
    await page
      .getByRole('navigation', { name: 'Lists' })
      .getByRole('button', { name: /Negative list/ })
      .click()
    await page.getByLabel('Subject').selectOption('phone')
    await page.getByLabel('Value contains').fill(purchase.customer.phone)
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    const entries = page.getByRole('table', { name: 'Entries' }).getByTestId('list-entry')
    await expect.poll(() => entries.count()).toBe(1)
    const entry = (await entries.first().textContent()) ?? ''
    expect(entry).toContain(purchase.customer.phone)
    expect(entry).toContain('review')
    expect(entry).toContain('Card testing pattern')
    await context.close()
  })

  it('adds a webhook endpoint, shows a resolution delivered to it, and replays the delivery', async () => {
    const receiver = await startReceiver()
    try {
      const { context, page } = await openConsole(browser, server)
      await signIn(page)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click()
      await page.getByText('No endpoints yet').waitFor()
      await page.getByRole('button', { name: 'Add endpoint' }).click()
      const form = page.getByRole('form', { name: 'Add an endpoint' })
      await form.getByLabel('URL').fill(receiver.url)
      await form.getByLabel('Description').fill('Local receiver')
      await form.getByRole('button', { name: 'Add endpoint' }).click()
      const secret = page.getByTestId('signing-secret')
      await secret.waitFor()
      expect(await secret.getByLabel('Signing secret').inputValue()).toMatch(/^whsec_/)
      expect(await secret.textContent()).toContain('shown only this once')
      await page.getByRole('button', { name: 'I have kept it' }).click()
      await secret.waitFor({ state: 'hidden' })

      // a review resolved through the admin API is announced to the endpoint
      const decision = await authorize(server, customerPurchase(42))
      expect(decision.outcome).toBe('review')
      const admin = await staffApi(server)
      expect((await admin('POST', `/reviews/${decision.id}/claim`)).status).toBe(200)
      const resolved = await admin('POST', `/reviews/${decision.id}/resolve`, {
        decision: 'approve',
        note: 'Known customer, called back',
      })
      expect(resolved.status).toBe(200)
      await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(1)
      const first = receiver.received[0]
      expect(first?.headers['tollgate-event-type']).toBe('decision.resolved')
      expect(first?.body).toContain(decision.id)

      await page.getByRole('button', { name: 'Deliveries' }).click()
      const log = page.getByRole('table', { name: 'Deliveries' })
      await log.waitFor()
      const deliveries = log.getByTestId('delivery')
      await expect.poll(() => deliveries.first().textContent(), { timeout: 10_000 }).toContain('Delivered')
      const shown = (await deliveries.first().textContent()) ?? ''
      expect(shown).toContain('decision.resolved')
      expect(shown).toContain('200')
      expect(shown).toContain('thanks, got it')

      await deliveries
        .first()
        .getByRole('button', { name: /^Replay delivery/ })
        .click()
      await page.getByText(/^Replaying decision\.resolved as delivery/).waitFor()
      await expect.poll(() => receiver.received.length, { timeout: 20_000 }).toBe(2)
      expect(receiver.received[1]?.headers['tollgate-event-id']).toBe(first?.headers['tollgate-event-id'])
      await expect.poll(() => deliveries.count(), { timeout: 10_000 }).toBe(2)
      await expect.poll(() => deliveries.first().textContent(), { timeout: 10_000 }).toContain('Delivered')
      expect(await deliveries.first().textContent()).toContain('replay')
      await screenshot(page, 'webhooks')
      await context.close()
    } finally {
      receiver.server.close()
    }
  })
})
