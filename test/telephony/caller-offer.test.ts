// The offer a waiting caller hears (a line's waiting content `offer`, step 8), through the real
// bridge and caller flow against the fake FreeSWITCH: the decision's offer is reserved on the
// session's method (stock and hold), played between looks at the queue, and 1 orders it — the hold
// captured, the stock taken, a confirmation heard. A caller who leaves without answering it releases
// its stock and hold at once; a representative who becomes free stops the offer at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultPrompts } from '../../server/billing/line-telephony.ts'
import { installRuleSet } from '../../server/tenants/tenants.ts'
import type { Person } from '../api/identities.ts'
import { newPerson } from '../sessions/support.ts'
import type { FakeCall } from '../support/fake-freeswitch/index.ts'
import { type CallerHarness, startCallerHarness } from './caller-support.ts'

const prompts = Object.fromEntries(Object.keys(defaultPrompts).map((name) => [name, `/tollgate/${name}.wav`]))
const OFFER_PROMPT = '/tollgate/offers/gift-card.wav'
const TENANT = 'globex'

let h: CallerHarness
beforeAll(async () => {
  h = await startCallerHarness({ flow: { offerCheckMs: 20 } })
  // every phone caller is approved, and a rule offers them the gift card
  await installRuleSet(h.t.db, TENANT, {
    id: 'phone-offers',
    name: 'Phone offers',
    definition: {
      settings: { currency: 'USD', billing_increment_seconds: 60, session_hold_amount: 5000 },
      rules: [
        {
          id: 'gift-card-on-the-phone',
          name: 'Gift card for phone callers',
          conditions: { all: [{ fact: 'channel', operator: 'equal', value: 'phone' }] },
          event: {
            type: 'offer',
            params: { offer_id: 'gift-card-25', name: 'Gift card', price: 2500, message: 'A gift card' },
          },
        },
      ],
    },
  })
  await h.t.db
    .updateTable('tenants')
    .set({ decision_rule_set_id: 'phone-offers' })
    .where('tenant_id', '=', TENANT)
    .execute()
  await h.t.db
    .insertInto('offers')
    .values({
      tenant_id: TENANT,
      id: 'off_gift',
      sku: 'gift-card-25',
      name: 'Gift card, 25 USD',
      price: 2500,
      currency: 'USD',
      channels: JSON.stringify(['phone', 'web']),
      stock_mode: 'tracked',
      stock_on_hand: 5,
    })
    .execute()
  await h.t.db
    .insertInto('offer_treatments')
    .values({
      tenant_id: TENANT,
      id: 'trt_gift_phone',
      offer_id: 'off_gift',
      name: 'Gift card, spoken',
      channel: 'phone',
      prompt: OFFER_PROMPT,
    })
    .execute()
  // nobody is logged in: callers wait, and hear the offer
  await h.addLine({
    tenantId: TENANT,
    id: 'advice',
    number: '9401',
    rate_per_minute: 199,
    telephony: { prompts, waiting_content: 'offer' },
  })
}, 300_000)
afterAll(() => h?.close())

const national = (person: Person) => person.phone.replace(/^\+1/, '')
const typedCard = (card: string) => [card, '1230', '123', '94107']

async function presentationOf(call: FakeCall) {
  const decisionId = await h.until(async () => (await h.callOf(call))?.decision_id)
  return h.until(() =>
    h.t.db
      .selectFrom('offer_presentations')
      .selectAll()
      .where('tenant_id', '=', TENANT)
      .where('decision_id', '=', decisionId)
      .executeTakeFirst(),
  )
}

async function stock() {
  return h.t.db
    .selectFrom('offers')
    .select(['stock_on_hand', 'stock_reserved'])
    .where('tenant_id', '=', TENANT)
    .where('id', '=', 'off_gift')
    .executeTakeFirstOrThrow()
}

describe('an offer while the caller waits', () => {
  it('the caller hears the offer and presses 1: ordered on the session’s method, the hold captured', async () => {
    const before = await stock()
    const person = newPerson()
    const call = h.place({
      dnis: '9401',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card), '1'],
    })
    await h.until(() => call.played.includes(OFFER_PROMPT))
    const presentation = await presentationOf(call)
    expect(presentation).toMatchObject({ status: 'presented', channel: 'phone', offer_id: 'off_gift' })
    expect(await stock()).toEqual({
      stock_on_hand: before.stock_on_hand,
      stock_reserved: before.stock_reserved + 1,
    })
    // the offer is held on the method the caller's session pays with
    const row = await h.callOf(call)
    const session = await h.t.db
      .selectFrom('sessions')
      .select('payment_method_id')
      .where('tenant_id', '=', TENANT)
      .where('id', '=', row?.session_id ?? '')
      .executeTakeFirstOrThrow()
    expect(session.payment_method_id).not.toBeNull()
    expect(presentation.payment_method_id).toBe(session.payment_method_id)
    // 1 ends the offer's playback at once (a terminator while the offer is open)
    expect(call.variable('playback_terminators')).toContain('1')

    call.press('1')
    const order = await h.until(() =>
      h.t.db
        .selectFrom('offer_orders')
        .selectAll()
        .where('tenant_id', '=', TENANT)
        .where('presentation_id', '=', presentation.id)
        .executeTakeFirst(),
    )
    expect(order).toMatchObject({ channel: 'phone', offer_id: 'off_gift' })
    expect(Number(order.amount)).toBe(2500)
    const payment = await h.t.services.payments.get(TENANT, order.payment_id ?? '')
    expect(payment).toMatchObject({
      status: 'captured',
      amount_captured: 2500,
      payment_method_id: session.payment_method_id,
    })
    await h.until(() => call.played.includes(prompts.offer_accepted as string))
    expect(await stock()).toEqual({
      stock_on_hand: before.stock_on_hand - 1,
      stock_reserved: before.stock_reserved,
    })
    // still waiting for a representative; hanging up leaves the order as it is
    expect((await h.callOf(call))?.stage).toBe('waiting')
    call.hangup()
    await h.until(async () => (await h.callOf(call))?.stage === 'ended')
    const after = await h.t.db
      .selectFrom('offer_presentations')
      .select('status')
      .where('tenant_id', '=', TENANT)
      .where('id', '=', presentation.id)
      .executeTakeFirstOrThrow()
    expect(after.status).toBe('accepted')
  })

  it('a caller who hangs up without answering the offer releases its stock and hold at once', async () => {
    const before = await stock()
    const person = newPerson()
    const call = h.place({
      dnis: '9401',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card), '1'],
    })
    await h.until(() => call.played.includes(OFFER_PROMPT))
    const presentation = await presentationOf(call)
    call.hangup()
    const declined = await h.until(async () => {
      const row = await h.t.db
        .selectFrom('offer_presentations')
        .selectAll()
        .where('tenant_id', '=', TENANT)
        .where('id', '=', presentation.id)
        .executeTakeFirstOrThrow()
      return row.status === 'declined' && row
    })
    // the hold is voided after the status changes (no money call under the row lock)
    await h.until(
      async () => (await h.t.services.payments.get(TENANT, declined.payment_id ?? ''))?.status === 'voided',
    )
    expect(await stock()).toEqual(before)
  })

  it('a representative who becomes free while the offer plays stops it at once: the offer never delays the call', async () => {
    // the offer would play two minutes; the fake's clock stands still, so only a break can end it
    h.fs.setPlaybackDuration(OFFER_PROMPT, 120_000)
    const person = newPerson()
    const call = h.place({
      dnis: '9401',
      ani: person.phone,
      digits: [national(person), ...typedCard(person.card), '1'],
    })
    const offerPlaying = await call.waitForApp('playback', (arg) => arg === OFFER_PROMPT)
    const presentation = await presentationOf(call)
    // played whole, not cut into the music's slices
    expect(call.variable('playback_timeout_sec')).toBeUndefined()

    await h.t.db
      .insertInto('representatives')
      .values({
        tenant_id: TENANT,
        id: 'rep_free',
        name: 'Free',
        extension: '1201',
        pay_plan: 'share',
        pay_share_bps: 5000,
        pay_currency: 'USD',
        dial_string: 'loopback/1201',
      })
      .execute()
    h.fs.registerEndpoint('loopback/1201', { answerAfterMs: 1000 })
    await h.t.services.acd.login(TENANT, 'rep_free', { queues: ['solo'], via: 'console' })

    await call.waitForApp('conference')
    expect(offerPlaying.completedAt?.getTime()).toBeLessThan(offerPlaying.startedAt.getTime() + 120_000)
    expect(h.fs.commands()).toContain(`api uuid_break ${call.uuid}`)
    // the caller left the queue with the offer open: declined, its stock and hold released
    const after = await h.t.db
      .selectFrom('offer_presentations')
      .select('status')
      .where('tenant_id', '=', TENANT)
      .where('id', '=', presentation.id)
      .executeTakeFirstOrThrow()
    expect(after.status).toBe('declined')
    call.hangup()
    await h.until(async () => (await h.callOf(call))?.stage === 'ended')
    await h.t.services.acd.logout(TENANT, 'rep_free', { via: 'console' })
  })
})
