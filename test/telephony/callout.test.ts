// Call-out campaigns through the real bridge: the dialer claims a due contact, originates it over the
// inbound Event Socket with `&socket('… async full')`, the fake FreeSWITCH rings the customer's
// scripted phone and hands the answered leg back to the bridge's listener, where it is known by its
// tollgate_contact variable. The fraud controls decide, the offer is reserved (stock and hold), played,
// and the customer's key settles it: 1 an order and a captured hold, 9 do-not-call; no answer and
// busy go back for a retry; a blocked customer hears no offer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Bridge, createBridge } from '../../telephony/bridge.ts'
import { callOutPrompts } from '../../telephony/callout.ts'
import { addNegative, newPerson, purchaseBy } from '../api/identities.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type FakeFreeSwitch, type FakeLeg, startFakeFreeSwitch } from '../support/fake-freeswitch/index.ts'
import { type Reported, recordingQueue } from './callout-support.ts'

const START = new Date('2026-12-06T15:00:00.000Z')
const OFFER_PROMPT = '/tollgate/offers/gift-card.wav'

let fs: FakeFreeSwitch
let t: TestApp
let bridge: Bridge
let queue: ReturnType<typeof recordingQueue>
let serial = 0

beforeAll(async () => {
  fs = await startFakeFreeSwitch({ now: START })
  t = await startTestApp({ clock: () => fs.now() })
  queue = recordingQueue(t.services.campaigns)
  bridge = await createBridge({
    services: t.services,
    logger: t.services.logger,
    listen: { host: '127.0.0.1', port: 0 },
    freeswitch: { host: fs.host, port: fs.port, password: fs.password },
    flows: { caller: async () => undefined },
    clock: () => fs.now(),
    tickMs: 50,
    backoff: { initialMs: 20, maxMs: 100 },
    callOut: {
      queue,
      dialString: 'sofia/gateway/out/{number}',
      callerId: '+18005550199',
      ringSeconds: 20,
      pollMs: 20,
      socketWaitMs: 3000,
    },
  })
  await fs.waitFor(() => fs.inboundConnections > 0)
  await t.db
    .insertInto('offers')
    .values({
      tenant_id: 'acme',
      id: 'off_gift',
      sku: 'gift-card-25',
      name: 'Gift card, 25 USD',
      price: 2500,
      currency: 'USD',
      channels: JSON.stringify(['call_out', 'phone']),
      stock_mode: 'tracked',
      stock_on_hand: 10,
    })
    .execute()
  await t.db
    .insertInto('offer_treatments')
    .values({
      tenant_id: 'acme',
      id: 'trt_gift_phone',
      offer_id: 'off_gift',
      name: 'Gift card on the phone',
      channel: 'phone',
      prompt: OFFER_PROMPT,
    })
    .execute()
  await t.db
    .insertInto('campaigns')
    .values({ tenant_id: 'acme', id: 'cmp_gift', name: 'Gift cards', offer_id: 'off_gift', channel: 'phone' })
    .execute()
}, 300_000)

afterAll(async () => {
  await bridge?.close()
  await fs?.close()
  await t?.close()
})

/** A customer who bought before with a card (a stored method with its token), in the campaign, due now. */
async function customerInCampaign(phoneBehaviour: Parameters<FakeFreeSwitch['registerEndpoint']>[1]) {
  const person = newPerson()
  const response = await t.post('/v1/authorizations', purchaseBy(person))
  expect(response.status).toBe(201)
  const decision = (await response.json()) as { customer: { id: string } }
  const contactId = `cc_test${++serial}`
  fs.registerEndpoint(`sofia/gateway/out/${person.phone}`, phoneBehaviour)
  return { person, customerId: decision.customer.id, contactId }
}

async function start(contactId: string, customerId: string, phone: string) {
  await t.db
    .updateTable('campaigns')
    .set({ status: 'running', started_at: fs.now() })
    .where('tenant_id', '=', 'acme')
    .where('id', '=', 'cmp_gift')
    .execute()
  await t.db
    .insertInto('campaign_contacts')
    .values({
      tenant_id: 'acme',
      id: contactId,
      campaign_id: 'cmp_gift',
      customer_id: customerId,
      phone,
      time_zone: 'UTC',
      status: 'pending',
      next_attempt_at: fs.now(),
    })
    .execute()
}

async function reportFor(contactId: string): Promise<Reported> {
  return fs.waitFor(() => queue.reported.find((r) => r.contact.contactId === contactId), 15_000)
}

async function legTo(phone: string): Promise<FakeLeg> {
  return fs.waitFor(() => fs.legs().find((leg) => leg.dialString === `sofia/gateway/out/${phone}`))
}

async function stock() {
  return t.db
    .selectFrom('offers')
    .select(['stock_on_hand', 'stock_reserved'])
    .where('tenant_id', '=', 'acme')
    .where('id', '=', 'off_gift')
    .executeTakeFirstOrThrow()
}

describe('a call-out campaign contact', () => {
  it('answered, hears the offer, presses 1: an order, the hold captured, the stock taken', async () => {
    const { person, customerId, contactId } = await customerInCampaign({ answerAfterMs: 3000, digits: ['1'] })
    const before = await stock()
    await start(contactId, customerId, person.phone)

    const leg = await legTo(person.phone)
    // originate's own syntax: variables in braces, the socket app's data quoted so it stays one argument
    const command = fs.commands().find((c) => c.includes(`tollgate_contact=${contactId}`)) ?? ''
    expect(command).toMatch(
      new RegExp(
        `^bgapi originate \\{origination_caller_id_number=\\+18005550199,originate_timeout=20,tollgate_contact=${contactId},.*\\}sofia/gateway/out/\\${person.phone} &socket\\('127\\.0\\.0\\.1:${bridge.address.port} async full'\\)$`,
      ),
    )
    expect(leg.state).toBe('ringing')
    await fs.advance(3000)

    const { result } = await reportFor(contactId)
    expect(result).toMatchObject({ status: 'accepted' })
    if (result.status !== 'accepted') throw new Error('not accepted')
    // FreeSWITCH ran the socket app with the whole data, and the bridge controlled the leg in full mode
    expect(leg.socketArg).toBe(`127.0.0.1:${bridge.address.port} async full`)
    expect(leg.socketConnected).toBe(true)
    expect(leg.variable('tollgate_contact')).toBe(contactId)
    expect(leg.played).toContain(OFFER_PROMPT)
    expect(leg.played).toContain(callOutPrompts.accepted)

    const order = await t.db
      .selectFrom('offer_orders')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('id', '=', result.orderId)
      .executeTakeFirstOrThrow()
    expect(order).toMatchObject({
      presentation_id: result.presentationId,
      channel: 'call_out',
      customer_id: customerId,
    })
    expect(Number(order.amount)).toBe(2500)
    const payment = await t.services.payments.get('acme', order.payment_id ?? '')
    expect(payment).toMatchObject({ kind: 'hold', status: 'captured', amount_captured: 2500 })
    expect(await stock()).toEqual({
      stock_on_hand: before.stock_on_hand - 1,
      stock_reserved: before.stock_reserved,
    })
    // the fraud controls decided the purchase on the phone with the number dialled as the ANI, and
    // held nothing themselves: the one hold is the offer's
    const decision = await t.services.authorizations.get('acme', result.decisionId ?? '')
    expect(decision?.outcome).toBe('approve')
    const decisionPayments = await t.db
      .selectFrom('payments')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', result.decisionId ?? '')
      .execute()
    expect(decisionPayments).toEqual([])
    const contact = await t.db
      .selectFrom('campaign_contacts')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('id', '=', contactId)
      .executeTakeFirstOrThrow()
    expect(contact).toMatchObject({ status: 'accepted', order_id: result.orderId, attempts: 1 })
    expect((await leg.ended).cause).toBe('NORMAL_CLEARING')
  })

  it('not answered within the ring time: reported no_answer for a retry, nothing reserved', async () => {
    const { person, customerId, contactId } = await customerInCampaign({ ringOut: true })
    const before = await stock()
    await start(contactId, customerId, person.phone)
    const leg = await legTo(person.phone)
    await fs.advance(20_000)
    const { result } = await reportFor(contactId)
    expect(result).toEqual({ status: 'no_answer', detail: 'NO_ANSWER' })
    expect(leg.state).toBe('failed')
    expect(leg.socketConnected).toBe(false)
    expect(await stock()).toEqual(before)
    const contact = await t.db
      .selectFrom('campaign_contacts')
      .select(['status', 'next_attempt_at', 'claimed_by'])
      .where('tenant_id', '=', 'acme')
      .where('id', '=', contactId)
      .executeTakeFirstOrThrow()
    expect(contact.status).toBe('no_answer')
    expect(contact.next_attempt_at).not.toBeNull()
    expect(contact.claimed_by).toBeNull()
  })

  it('a busy line: reported busy for a retry', async () => {
    const { person, customerId, contactId } = await customerInCampaign({ reject: 'USER_BUSY' })
    await start(contactId, customerId, person.phone)
    const { result } = await reportFor(contactId)
    expect(result).toEqual({ status: 'busy', detail: 'USER_BUSY' })
  })

  it('9: the number goes on do-not-call, the offer is declined and its stock and hold released', async () => {
    const { person, customerId, contactId } = await customerInCampaign({ digits: ['9'] })
    const before = await stock()
    await start(contactId, customerId, person.phone)
    const { result } = await reportFor(contactId)
    expect(result).toEqual({ status: 'do_not_call' })
    const listed = await t.db
      .selectFrom('do_not_call')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('phone', '=', person.phone)
      .executeTakeFirst()
    expect(listed?.source).toBe('call_out_key')
    const presentation = await t.db
      .selectFrom('offer_presentations')
      .selectAll()
      .where('tenant_id', '=', 'acme')
      .where('campaign_contact_id', '=', contactId)
      .executeTakeFirstOrThrow()
    expect(presentation.status).toBe('declined')
    const voided = async () => (await t.services.payments.get('acme', presentation.payment_id ?? ''))?.status
    for (let i = 0; i < 200 && (await voided()) !== 'voided'; i++)
      await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await voided()).toBe('voided')
    expect(await stock()).toEqual(before)
  })

  it('a customer the fraud controls block hears no offer: reported blocked, nothing reserved', async () => {
    const { person, customerId, contactId } = await customerInCampaign({ digits: ['1'] })
    await addNegative(t, 'acme', 'phone', person.phone)
    const before = await stock()
    await start(contactId, customerId, person.phone)
    const { result } = await reportFor(contactId)
    expect(result).toMatchObject({ status: 'blocked', detail: 'the decision was block' })
    const leg = await legTo(person.phone)
    expect(leg.played).not.toContain(OFFER_PROMPT)
    expect(leg.played).toContain(callOutPrompts.goodbye)
    const presentations = await t.db
      .selectFrom('offer_presentations')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('campaign_contact_id', '=', contactId)
      .execute()
    expect(presentations).toEqual([])
    expect(await stock()).toEqual(before)
  })

  it('an answered leg that reaches another process (workers sharing ESL_LISTEN) is run there, reported once', async () => {
    // this suite's bridge stops dialling; "dialler" dials but FreeSWITCH hands the leg to "other"
    await bridge.callOut?.stop()
    const other = await createBridge({
      services: t.services,
      logger: t.services.logger,
      listen: { host: '127.0.0.1', port: 0 },
      freeswitch: { host: fs.host, port: fs.port, password: fs.password },
      flows: { caller: async () => undefined },
      clock: () => fs.now(),
      callOut: {
        queue: {
          claimDue: async () => [],
          report: (contact, result, now) => queue.report(contact, result, now),
        },
        dialString: 'sofia/gateway/out/{number}',
        callerId: null,
        ringSeconds: 20,
        pollMs: 50,
      },
    })
    const dialler = await createBridge({
      services: t.services,
      logger: t.services.logger,
      listen: { host: '127.0.0.1', port: 0 },
      freeswitch: { host: fs.host, port: fs.port, password: fs.password },
      flows: { caller: async () => undefined },
      clock: () => fs.now(),
      callOut: {
        queue,
        dialString: 'sofia/gateway/out/{number}',
        callerId: null,
        ringSeconds: 20,
        pollMs: 20,
        socket: other.address,
        socketWaitMs: 200,
      },
    })
    try {
      const { person, customerId, contactId } = await customerInCampaign({ digits: ['1'] })
      await start(contactId, customerId, person.phone)
      const { contact, result } = await reportFor(contactId)
      expect(result.status).toBe('accepted')
      // the contact as the leg carried it: the same claim, so the queue takes the report as its own
      expect(contact.claimedUntil.getTime()).toBeGreaterThan(fs.now().getTime())
      const leg = await legTo(person.phone)
      expect(leg.socketArg).toBe(`127.0.0.1:${other.address.port} async full`)
      // the dialler gave up waiting for the leg without reporting: one report only
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(queue.reported.filter((r) => r.contact.contactId === contactId)).toHaveLength(1)
    } finally {
      await dialler.close()
      await other.close()
    }
  })
})
