// Offers and take rates in a real Chromium: the demo catalog is listed with prices and stock as
// staff read them; an editor adds an offer (the form's own check and the server's refusal shown at
// their fields), gives it a phone presentation for seniors, and adjusts a demo offer's stock with a
// reason; the take-rate chart draws the counters by offer and by segment; a viewer changes nothing.
import type { Browser, Locator } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

/** A text box by the start of its label (the hints beneath are part of a label's name). */
const box = (scope: Locator, label: string) =>
  scope.getByRole('textbox', { name: new RegExp(`^${label.replace(/[()]/g, '\\$&')}`) })

describe.skipIf(!chromiumAvailable)('offers in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([
      startConsoleServer({
        // take-rate counters for two demo offers (their ids are fixed by the demo catalog)
        prepare: async (db) => {
          await db
            .insertInto('offer_stats')
            .values([
              {
                tenant_id: 'demo',
                offer_id: 'off_gift_card_25',
                segment: 'senior',
                channel: 'phone',
                presented: 20,
                accepted: 8,
              },
              {
                tenant_id: 'demo',
                offer_id: 'off_gift_card_25',
                segment: '*',
                channel: 'web',
                presented: 30,
                accepted: 3,
              },
              {
                tenant_id: 'demo',
                offer_id: 'off_tarot_deck',
                segment: 'young_adult',
                channel: 'web',
                presented: 10,
                accepted: 5,
              },
            ])
            .execute()
        },
      }),
      launchChromium(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('lists the demo catalog with prices, stock and contact policies', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('link', { name: 'Offers', exact: true }).click()
    await page.getByRole('table', { name: 'Offers' }).waitFor()
    const tarot = page.getByTestId('offer-tarot-deck')
    await expect.poll(() => tarot.textContent()).toContain('Signed tarot deck')
    const tarotText = (await tarot.textContent()) ?? ''
    expect(tarotText).toContain('$39.99')
    expect(tarotText).toContain('5 available (5 on hand)')
    expect(tarotText).toContain('At most 1 per customer in 30 days')
    const reading = (await page.getByTestId('offer-reading-ext-15').textContent()) ?? ''
    expect(reading).toContain('Not limited')
    expect(reading).toContain('not again for 3 days after a no')
    await context.close()
  })

  it('lets an editor add an offer with a presentation for seniors, and adjust a demo offer’s stock', async () => {
    const editor = await createStaff(server, 'editor')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, editor.email, editor.password)
    await page.getByRole('link', { name: 'Offers', exact: true }).click()
    await page.getByRole('button', { name: 'Add offer' }).click()

    const form = page.getByRole('form', { name: 'Add an offer' })
    await box(form, 'Name').fill('Crystal pendant')
    await box(form, 'Product code (SKU)').fill('crystal-pendant')
    await box(form, 'Price').fill('12.345')
    await box(form, 'Units in stock').fill('8')
    await form.getByRole('button', { name: 'Add offer' }).click()
    // three decimals in dollars: the form says so before sending
    await expect
      .poll(() => form.locator('.field-error').first().textContent())
      .toContain('Type an amount in USD')
    await box(form, 'Price').fill('24.50')
    // a limit without its window: the server's message at the field
    await box(form, 'At most this many offers per customer').fill('2')
    await form.getByRole('button', { name: 'Add offer' }).click()
    await expect
      .poll(() => form.locator('.field-error').first().textContent())
      .toContain('over how many days')
    await box(form, 'Within (days)').fill('14')
    await form.getByRole('button', { name: 'Add offer' }).click()
    await page.getByTestId('offer-notice').getByText('Offer added.').waitFor()
    await page.getByRole('heading', { name: 'Crystal pendant' }).waitFor()
    expect(await page.getByTestId('offer-stock').textContent()).toContain('8')

    await page.getByRole('button', { name: 'Add presentation' }).click()
    const presentation = page.getByRole('form', { name: 'Add a presentation' })
    await box(presentation, 'Name').fill('Phone, seniors')
    await box(presentation, 'For customers in segment').fill('senior')
    await presentation.getByLabel('Style').selectOption('detailed')
    await presentation.getByLabel('Pace').selectOption('slow')
    await presentation.getByRole('button', { name: 'Add presentation' }).click()
    // nothing to play or say: refused by the server, shown at the recording
    await expect
      .poll(() => presentation.locator('.field-error').first().textContent())
      .toContain('needs a prompt to play or a script')
    await box(presentation, 'Script').fill('A crystal pendant for 24 dollars 50. Press 1 to add it.')
    await presentation.getByRole('button', { name: 'Add presentation' }).click()
    await page.getByText('Added Phone, seniors.').waitFor()
    const row = page.getByRole('row', { name: /Phone, seniors/ })
    await expect.poll(() => row.textContent()).toContain('senior')
    expect(await row.textContent()).toContain('Press 1 to add it')
    await screenshot(page, 'offer')

    // the demo's low-stock deck: ten received, with a reason
    await page.getByRole('link', { name: '← Offers' }).click()
    await page.getByRole('link', { name: 'Signed tarot deck' }).click()
    await page.getByRole('button', { name: 'Adjust stock' }).click()
    const dialog = page.getByRole('dialog', { name: 'Adjust stock of Signed tarot deck' })
    await dialog.getByLabel('What happened').selectOption('received')
    await box(dialog, 'Units').fill('10')
    await box(dialog, 'Reason').fill('Delivery 4711')
    await dialog.getByRole('button', { name: 'Save stock' }).click()
    await page.getByText('Stock of Signed tarot deck: 15 available (15 on hand).').waitFor()
    await expect.poll(() => page.getByTestId('offer-stock').textContent()).toContain('15')
    // counted fewer than there are: written as a count, also with a reason
    await page.getByRole('button', { name: 'Adjust stock' }).click()
    await dialog.getByLabel('What happened').selectOption('counted')
    await box(dialog, 'Units').fill('12')
    await box(dialog, 'Reason').fill('Stock take')
    await dialog.getByRole('button', { name: 'Save stock' }).click()
    await page.getByText('Stock of Signed tarot deck: 12 available (12 on hand).').waitFor()
    await context.close()
  })

  it('draws take rates by offer and by segment, with the numbers beside', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('link', { name: 'Take rates' }).click()
    const chart = page.getByTestId('take-rate-chart')
    await chart.waitFor()
    await expect.poll(() => page.getByTestId('take-rate-off_gift_card_25').textContent()).toContain('22.0%')
    expect(await page.getByTestId('take-rate-off_tarot_deck').textContent()).toContain('50.0%')
    // the bars were drawn: the canvas is not blank
    const drawn = async () =>
      chart.evaluate((canvas: HTMLCanvasElement) => {
        const context2d = canvas.getContext('2d')
        if (!context2d || canvas.width === 0) return 0
        const { data } = context2d.getImageData(0, 0, canvas.width, canvas.height)
        let painted = 0
        for (let i = 3; i < data.length; i += 4) if ((data[i] ?? 0) > 0) painted++
        return painted
      })
    await expect.poll(drawn).toBeGreaterThan(500)
    expect(await chart.getAttribute('aria-label')).toContain('Gift card, 25 USD 22.0%')

    await page.getByLabel('Compare by').selectOption('segment')
    await expect.poll(() => page.getByTestId('take-rate-senior').textContent()).toContain('40.0%')
    expect(await page.getByTestId('take-rate-young_adult').textContent()).toContain('50.0%')
    expect(await page.getByTestId('take-rate-*').textContent()).toContain('Everyone')
    await screenshot(page, 'take-rates')
    await context.close()
  })

  it('shows a viewer the catalog without offering changes', async () => {
    const viewer = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    await page.getByRole('link', { name: 'Offers', exact: true }).click()
    await page.getByTestId('offer-gift-card-25').waitFor()
    expect(await page.getByRole('button', { name: 'Add offer' }).count()).toBe(0)
    await page.getByRole('link', { name: 'Gift card, 25 USD' }).click()
    await page.getByRole('table', { name: 'Presentations' }).waitFor()
    expect(await page.getByRole('button', { name: 'Adjust stock' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Change' }).count()).toBe(0)
    await context.close()
  })
})
