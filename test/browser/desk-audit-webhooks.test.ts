// The review desk, the audit log and webhook tests in a real Chromium against the real server: a
// reviewer sees the merchant's customer id beside Tollgate's and, before resolving, exactly which
// identifiers the resolution will add to which list; an admin sends an endpoint a test event and
// reads how it answered.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cardNumber, customerPurchase } from '../support/review-rule-set.ts'
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

describe.skipIf(!chromiumAvailable)('the review desk, the audit log and webhook tests in the console', () => {
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

  it('shows both customer ids and, before resolving, what each resolution will add to which list', async () => {
    const purchase = customerPurchase(61)
    const decision = await authorize(server, purchase)
    expect(decision.outcome).toBe('review')
    const admin = await staffApi(server)
    const detail = (await (await admin('GET', `/reviews/${decision.id}`)).json()) as {
      review: { customer_id: string }
      resolution_preview: { block: { adds: { label: string }[] } }
    }
    const blockAdds = detail.resolution_preview.block.adds

    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Review desk' }).click()
    const row = page.getByTestId(`review-${decision.id}`)
    await row.waitFor()
    expect(await row.textContent()).toContain('c-61')
    expect(await row.textContent()).toContain(detail.review.customer_id)

    await row.click()
    await page.getByRole('heading', { name: `Review ${decision.id}` }).waitFor()
    const customer = page.getByTestId('review-customer')
    await expect.poll(() => customer.textContent()).toContain('c-61 (your id)')
    expect(await customer.textContent()).toContain(`${detail.review.customer_id} (Tollgate’s id, new)`)
    await page.getByRole('button', { name: 'Claim this review' }).click()

    const form = page.getByRole('form', { name: 'Your decision' })
    await form.waitFor()
    const preview = form.getByTestId('listing-preview')
    await form.getByLabel('Approve', { exact: true }).check()
    await expect.poll(() => preview.textContent()).toMatch(/^Approve will add .* to the Positive list\./)

    await form.getByLabel('Block', { exact: true }).check()
    await expect.poll(() => preview.textContent()).toMatch(/^Block will add .* to the Negative list\./)
    const text = (await preview.textContent()) ?? ''
    expect(text).toContain(`phone ${purchase.customer.phone}`)
    expect(text).toContain(`e-mail ${purchase.customer.email}`)
    expect(text).toContain(`Visa card ending ${cardNumber(61).slice(-4)}`)
    expect(text).toContain('customer id c-61')
    for (const { label } of blockAdds) expect(text).toContain(label)
    expect(text).not.toContain(purchase.payment_method.card.number)
    await screenshot(page, 'review-listing-preview')

    await form.getByLabel('Note').fill('Chargeback pattern')
    await form.getByRole('button', { name: 'Resolve and go to the next' }).click()
    await page.waitForURL('**/console/reviews')
    // the resolution added exactly what the preview named
    await page
      .getByText(`${decision.id}: block. ${blockAdds.length} identifiers added to the negative list.`)
      .waitFor()
    await context.close()
  })

  it('shows the audit log as readable changes that name people, and Lists name who added an entry', async () => {
    const editor = await createStaff(server, 'editor')
    const editorApi = await staffApi(server, editor.email, editor.password)
    const created = await editorApi('POST', '/rule-sets/authorizations/versions', {})
    expect(created.status).toBe(201)
    const draft = (await created.json()) as {
      version: number
      definition: { settings: object; rules: { id: string; name: string }[] }
    }
    const [first, second, ...rest] = draft.definition.rules
    if (!first || !second) throw new Error('the demo rule set has fewer than two rules')
    const edited = await editorApi('PUT', `/rule-sets/authorizations/versions/${draft.version}`, {
      definition: {
        ...draft.definition,
        rules: [
          { ...first, name: 'Renamed in the browser test' },
          ...rest,
          {
            id: 'night-review',
            name: 'Night purchases go to review',
            priority: 1,
            conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 90_000 }] },
            event: { type: 'review', params: { reason_code: 'night', message: 'A person looks' } },
          },
        ],
      },
    })
    expect(edited.status).toBe(200)
    const admin = await staffApi(server)
    const added = await admin('POST', '/lists/negative/entries', {
      subject: 'phone',
      value: '+15555550188',
      reason: 'audit check',
    })
    expect(added.status).toBe(201)

    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click()
    const rows = page.getByRole('table', { name: 'Audit log' }).getByTestId('audit-entry')
    const edit = rows.filter({ hasText: 'rule_set_version.edited' }).first()
    await edit.waitFor()
    const editText = (await edit.textContent()) ?? ''
    expect(editText).toContain('Editor Person')
    expect(editText).toContain(editor.email)
    expect(editText).toContain('Authorizations')
    expect(editText).toContain('rules added: Night purchases go to review')
    expect(editText).toContain(`rules removed: ${second.name}`)
    expect(editText).toContain('rule changed: Renamed in the browser test')
    expect(editText).toContain(`${first.name} → Renamed in the browser test`)
    // readable, not the whole document: no rule conditions, no raw ids
    expect(editText).not.toContain('conditions')
    expect(editText).not.toMatch(/usr_[A-Za-z0-9]+/)
    expect(editText.length).toBeLessThan(1_000)

    const entry = rows.filter({ hasText: 'list_entry.added' }).filter({ hasText: '+15555550188' }).first()
    const entryText = (await entry.textContent()) ?? ''
    expect(entryText).toContain('Demo admin')
    expect(entryText).toContain('phone +15555550188 on Negative list')
    // the card the review blocked is named by its last four, not its fingerprint
    const card = rows.filter({ hasText: `card ending ${cardNumber(61).slice(-4)} on Negative list` })
    expect(await card.count()).toBe(1)
    expect(await entry.textContent()).not.toContain('expires at')
    await screenshot(page, 'audit-readable')

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Lists' }).click()
    await page
      .getByRole('navigation', { name: 'Lists' })
      .getByRole('button', { name: /Negative list/ })
      .click()
    await page.getByLabel('Value contains').fill('5555550188')
    await page.getByRole('button', { name: 'Search', exact: true }).click()
    const listed = page.getByRole('table', { name: 'Entries' }).getByTestId('list-entry')
    await expect.poll(() => listed.count()).toBe(1)
    expect(await listed.first().getByTestId('added-by').textContent()).toBe('Demo admin')
    await context.close()
  })

  it('sends an endpoint a test event and says how it answered, delivered or not', async () => {
    const receiver = await startReceiver('pong')
    try {
      const admin = await staffApi(server)
      const created = await admin('POST', '/webhooks', {
        url: receiver.url,
        events: ['decision.resolved'],
        description: 'Test receiver',
      })
      expect(created.status).toBe(201)

      const { context, page } = await openConsole(browser, server)
      await signIn(page)
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Webhooks' }).click()
      const send = page.getByRole('button', { name: `Send a test event to ${receiver.url}` })
      await send.click()
      await page
        .getByText(new RegExp(`^Test event delivered to ${receiver.url}: it answered 200 in`))
        .waitFor()
      expect(receiver.received).toHaveLength(1)
      expect(receiver.received[0]?.headers['tollgate-event-type']).toBe('ping')
      expect(receiver.received[0]?.headers['tollgate-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/)
      // the delivery log opens on the test delivery
      const deliveries = page.getByRole('table', { name: 'Deliveries' }).getByTestId('delivery')
      await expect.poll(() => deliveries.count()).toBe(1)
      expect(await deliveries.first().textContent()).toContain('ping')
      expect(await deliveries.first().textContent()).toContain('Delivered')
      expect(await deliveries.first().textContent()).toContain('pong')

      receiver.status = 503
      await send.click()
      await page
        .getByText(
          `Test event to ${receiver.url} failed: it answered 503 (down for maintenance). It is not retried.`,
        )
        .waitFor()
      await expect.poll(() => deliveries.count()).toBe(2)
      expect(await deliveries.first().textContent()).toContain('Failed')
      expect(receiver.received).toHaveLength(2)
      await screenshot(page, 'webhooks-test-event')
      await context.close()
    } finally {
      receiver.server.close()
    }
  })
})
