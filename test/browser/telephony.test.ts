// Telephony in a real Chromium, against the real server (demo tenant, first start): the Wallboard
// shows the demo's phone lines, a waiting caller and a connected call whose timer ticks, and changes
// without a reload when a representative is logged in elsewhere; an editor logs representatives in
// to queues with a partner, puts them on a break, logs them out and sets a PIN (refused at the field
// first); staff read the demo's numbers, add and remove one, and change a line's call handling
// (the server's refusal shown at the field). A viewer is offered no changes.
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../db/connect.ts'
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
  TENANT,
} from './support/harness.ts'

/** Calls the bridge would have written: one waiting for a representative, one connected 65 s ago. */
async function callsInProgress(db: Db): Promise<void> {
  const ago = (seconds: number) => new Date(Date.now() - seconds * 1000)
  const call = (id: string, stage: string, extra: Record<string, unknown>) => ({
    tenant_id: TENANT,
    id,
    channel_uuid: `uuid-${id}`,
    bridge_id: 'browser-suite',
    dnis: '9001',
    service_line_id: 'advice',
    stage,
    started_at: ago(120),
    ...extra,
  })
  await db
    .insertInto('calls')
    .values([
      call('call_browser_waiting', 'waiting', { enqueued_at: ago(30) }),
      call('call_browser_talking', 'conference', {
        enqueued_at: ago(90),
        connected_at: ago(65),
        conference_name: 'call-call_browser_talking',
      }),
    ])
    .execute()
}

describe.skipIf(!chromiumAvailable)('telephony in the console', () => {
  let server: ConsoleServer
  let browser: Browser

  beforeAll(async () => {
    ;[server, browser] = await Promise.all([
      startConsoleServer({ prepare: callsInProgress }),
      launchChromium(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('shows the wallboard live: queues, a connected call’s ticking timer, and a representative logged in elsewhere', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('link', { name: 'Wallboard' }).click()
    await expect.poll(() => page.getByTestId('feed-state').textContent()).toBe('Live')

    const queue = page.getByTestId('queue-advice')
    await expect.poll(() => queue.textContent()).toContain('Advice line')
    expect(await page.getByTestId('queue-advice-duo').textContent()).toContain('Advice duo')
    expect(await page.getByTestId('queue-advice-trio').textContent()).toContain('Advice trio')
    expect(await queue.locator('td').nth(4).textContent()).toBe('1')

    const timer = page.getByTestId('call-call_browser_talking').locator('td.timer')
    const first = (await timer.textContent()) ?? ''
    expect(first).toMatch(/^1:\d\d$/)
    await expect.poll(() => timer.textContent(), { timeout: 5_000 }).not.toBe(first)

    expect(await page.getByTestId('count-offline').textContent()).toContain('3')
    expect(await page.getByTestId('board-rep_ada').textContent()).toContain('Logged out')
    // a supervisor logs Ada in from elsewhere: this page changes without a reload
    const admin = await staffApi(server)
    const login = await admin('POST', '/representatives/rep_ada/presence/login', { queues: ['solo'] })
    expect(login.status).toBe(200)
    await expect
      .poll(() => page.getByTestId('board-rep_ada').textContent(), { timeout: 10_000 })
      .toContain('Available')
    await expect.poll(() => page.getByTestId('count-available').textContent()).toContain('1')
    await screenshot(page, 'wallboard')
    await admin('POST', '/representatives/rep_ada/presence/logout')
    await context.close()
  })

  it('lets an editor log representatives in to queues with a partner, break, log out, and set a PIN', async () => {
    const editor = await createStaff(server, 'editor')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, editor.email, editor.password)
    await page.getByRole('link', { name: 'Phones and queues' }).click()
    const ben = page.getByTestId('phone-rep_ben')
    await expect.poll(() => ben.textContent()).toContain('loopback/1002/tollgate_lab')
    expect(await ben.textContent()).toContain('Logged out')
    expect(await ben.textContent()).toContain('Set')

    await ben.getByRole('button', { name: 'Log in' }).click()
    const login = page.getByRole('form', { name: 'Log Ben Okafor in' })
    await login.getByLabel('Dual (two at once)').check()
    await login.getByLabel('Preferred partner').selectOption({ label: 'Ada Moreno' })
    await login.getByRole('button', { name: 'Log in' }).click()
    await page.getByText('Ben Okafor is logged in: solo, dual.').waitFor()
    await expect.poll(() => ben.textContent()).toContain('Available')
    expect(await ben.textContent()).toContain('Ada Moreno')

    await ben.getByRole('button', { name: 'Start break' }).click()
    await expect.poll(() => ben.textContent()).toContain('On a break')
    await ben.getByRole('button', { name: 'End break' }).click()
    await expect.poll(() => ben.textContent()).toContain('Available')
    await ben.getByRole('button', { name: 'Log out' }).click()
    await expect.poll(() => ben.textContent()).toContain('Logged out')

    const chloe = page.getByTestId('phone-rep_chloe')
    await chloe.getByRole('button', { name: 'Phone settings' }).click()
    const phone = page.getByRole('form', { name: 'Phone settings of Chloe Park' })
    await phone.getByLabel('New PIN').fill('12')
    await phone.getByLabel('Expertise').fill('tarot, dreams')
    await phone.getByRole('button', { name: 'Save phone settings' }).click()
    await expect.poll(() => phone.locator('.field-error').textContent()).toContain('4 to 8 digits')
    await phone.getByLabel('New PIN').fill('5678')
    await phone.getByRole('button', { name: 'Save phone settings' }).click()
    await page.getByText('Saved Chloe Park’s phone settings.').waitFor()
    expect(await chloe.textContent()).toContain('Dreams')
    expect(await page.content()).not.toContain('5678')
    await context.close()
  })

  it('lists the demo numbers, adds and removes one, and changes a line’s call handling', async () => {
    const { context, page } = await openConsole(browser, server)
    await signIn(page)
    await page.getByRole('link', { name: 'Phone numbers and lines' }).click()
    await expect.poll(() => page.getByTestId('number-9002').textContent()).toContain('Advice duo')
    expect(await page.getByTestId('number-9100').textContent()).toContain('Representatives’ line')

    await page.getByRole('button', { name: 'Add number' }).click()
    const form = page.getByRole('form', { name: 'Add a number' })
    await form.locator('input[name="number"]').fill('9002')
    await form.locator('select[name="service_line_id"]').selectOption({ label: 'Advice trio' })
    await form.getByRole('button', { name: 'Add number' }).click()
    await expect.poll(() => form.locator('.field-error').textContent()).toContain('already in use')
    await form.locator('input[name="number"]').fill('9004')
    await form.locator('input[name="advertising_source"]').fill('podcast')
    await form.getByRole('button', { name: 'Add number' }).click()
    await page.getByText('Added 9004.').waitFor()
    expect(await page.getByTestId('number-9004').textContent()).toContain('Advice trio')
    await page.getByTestId('number-9004').getByRole('button', { name: 'Remove' }).click()
    await page.getByText('9004 is no longer answered.').waitFor()

    const duo = page.getByTestId('line-telephony-advice-duo')
    await expect.poll(() => duo.textContent()).toContain('2 representatives per call')
    await duo.getByRole('button', { name: 'Change call handling' }).click()
    const handling = page.getByRole('form', { name: 'Call handling of Advice duo' })
    await handling.locator('input[name="max_wait_seconds"]').fill('5')
    await handling.locator('select[name="strategy"]').selectOption('fewest_calls')
    await handling.getByRole('button', { name: 'Save call handling' }).click()
    await expect
      .poll(() =>
        handling.locator('label', { hasText: 'Longest wait' }).locator('.field-error').textContent(),
      )
      .toBeTruthy()
    await handling.locator('input[name="max_wait_seconds"]').fill('120')
    await handling.getByRole('button', { name: 'Save call handling' }).click()
    await expect
      .poll(() => page.getByTestId('line-summary-advice-duo').textContent())
      .toContain('longest wait 120 s')
    expect(await page.getByTestId('line-summary-advice-duo').textContent()).toContain('Fewest calls taken')
    await screenshot(page, 'phone-numbers-and-lines')
    await context.close()
  })

  it('offers a viewer no changes', async () => {
    const viewer = await createStaff(server, 'viewer')
    const { context, page } = await openConsole(browser, server)
    await signIn(page, viewer.email, viewer.password)
    await page.getByRole('link', { name: 'Phones and queues' }).click()
    await expect.poll(() => page.getByTestId('phone-rep_ada').textContent()).toContain('Ada Moreno')
    expect(await page.getByRole('button', { name: 'Log in' }).count()).toBe(0)
    await page.getByRole('link', { name: 'Phone numbers and lines' }).click()
    await page.getByTestId('number-9001').waitFor()
    expect(await page.getByRole('button', { name: 'Add number' }).count()).toBe(0)
    expect(await page.getByRole('button', { name: 'Remove' }).count()).toBe(0)
    await context.close()
  })
})
