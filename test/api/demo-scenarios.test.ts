// The demo rule set's scenarios, end to end through the merchant API: negative lists, no ANI,
// mismatched entries, card validity, and the allowances of 2 sessions and 40 minutes a day and
// 100.00 a month (server/tenants/demo-rule-set.ts, after the source documents' figures 4, 8, 9, 10).
import { DateTime } from 'luxon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestApp, type TestApp, typedCard } from '../support/app.ts'
import {
  addNegative,
  authorize,
  type Decision,
  newPerson,
  type Person,
  purchaseBy,
  sessionBy,
} from './identities.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

function reasonCodes(decision: Decision): (string | undefined)[] {
  return decision.reasons.filter((r) => r.type !== 'allowance').map((r) => r.reason_code)
}

/** A phone call from this person, forwarded with this ANI. */
function callBy(person: Person, network: Record<string, unknown>, entered: Record<string, unknown> = {}) {
  return sessionBy(person, {
    channel: 'phone',
    customer: { id: person.customerId },
    network: { dnis: '+18005550199', ...network },
    entered,
  })
}

/** Records billed seconds for a customer, as a finished session's billing does. */
async function bill(customerId: string, seconds: number) {
  await t.db
    .insertInto('usage_events')
    .values({
      tenant_id: 'acme',
      decision_id: `dec_billed${seconds}`,
      occurred_at: new Date(),
      customer_id: customerId,
      phone: null,
      card_fingerprint: null,
      ip: null,
      sessions: 0,
      purchases: 0,
      seconds,
      amount: 0,
      currency: 'USD',
    })
    .execute()
}

const startOfNextUtcDay = () => DateTime.utc().startOf('day').plus({ days: 1 }).toISO()
const startOfNextUtcMonth = () => DateTime.utc().startOf('month').plus({ months: 1 }).toISO()

describe('negative lists', () => {
  it('blocks a phone on the negative list, whether given as the customer’s phone or the ANI', async () => {
    const person = newPerson()
    const clean = await authorize(t, purchaseBy(newPerson()))
    expect(clean.outcome).toBe('approve')
    await addNegative(t, 'acme', 'phone', person.phone)
    const byCustomerPhone = await authorize(t, purchaseBy(person))
    expect(byCustomerPhone.outcome).toBe('block')
    expect(reasonCodes(byCustomerPhone)).toEqual(['negative_list.phone'])
    expect(byCustomerPhone.reasons[0]).toMatchObject({ rule: 'negative-phone', type: 'block' })
    expect(byCustomerPhone.limits).toEqual({ max_amount: null, max_duration_seconds: null, resets_at: null })

    const byAni = await authorize(t, callBy(newPerson(), { ani: person.phone }))
    expect(byAni.outcome).toBe('block')
    expect(reasonCodes(byAni)).toContain('negative_list.phone')
  })

  it('blocks a network IP or an entered IP on the negative list', async () => {
    await addNegative(t, 'acme', 'ip', '198.51.100.66')
    const person = newPerson()
    const fromListedIp = await authorize(t, purchaseBy(person, { network: { ip: '198.51.100.66' } }))
    expect(fromListedIp.outcome).toBe('block')
    expect(reasonCodes(fromListedIp)).toEqual(['negative_list.ip'])
    // an IPv4-mapped IPv6 address is the same address
    const mapped = await authorize(t, purchaseBy(newPerson(), { network: { ip: '::ffff:198.51.100.66' } }))
    expect(mapped.outcome).toBe('block')
    const neighbour = await authorize(t, purchaseBy(newPerson(), { network: { ip: '198.51.100.67' } }))
    expect(neighbour.outcome).toBe('approve')
  })

  it('blocks a card whose fingerprint is on the negative list', async () => {
    const person = newPerson()
    const first = await authorize(t, purchaseBy(person, { amount: { value: 100, currency: 'USD' } }))
    expect(first.outcome).toBe('approve')
    const fingerprint = first.payment_method?.fingerprint
    expect(fingerprint).toMatch(/^pmf_/)
    await addNegative(t, 'acme', 'card', String(fingerprint))
    // a different person paying with that card is blocked too
    const other = newPerson()
    const withCard = await authorize(
      t,
      purchaseBy(other, {
        customer: { id: other.customerId },
        payment_method: typedCard({
          number: person.card.replace(/(\d{4})/g, '$1 ').trim(),
          exp_month: 3,
          exp_year: 2032,
        }),
      }),
    )
    expect(withCard.outcome).toBe('block')
    expect(reasonCodes(withCard)).toEqual(['negative_list.card'])
  })

  it('another tenant’s negative list does not block here', async () => {
    const person = newPerson()
    await addNegative(t, 'globex', 'phone', person.phone)
    expect((await authorize(t, purchaseBy(person))).outcome).toBe('approve')
    expect((await authorize(t, purchaseBy(person), { key: t.otherKey })).outcome).toBe('block')
  })

  it('an entry that was removed, or has expired, no longer blocks', async () => {
    const person = newPerson()
    const entry = await addNegative(t, 'acme', 'phone', person.phone)
    expect(
      (await authorize(t, purchaseBy(person, { amount: { value: 100, currency: 'USD' } }))).outcome,
    ).toBe('block')
    await t.db
      .updateTable('list_entries')
      .set({ removed_at: new Date() })
      .where('tenant_id', '=', 'acme')
      .where('id', '=', entry)
      .execute()
    expect(
      (await authorize(t, purchaseBy(person, { amount: { value: 100, currency: 'USD' } }))).outcome,
    ).toBe('approve')

    const other = newPerson()
    const expiring = await addNegative(t, 'acme', 'phone', other.phone)
    await t.db
      .updateTable('list_entries')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('tenant_id', '=', 'acme')
      .where('id', '=', expiring)
      .execute()
    expect((await authorize(t, purchaseBy(other))).outcome).toBe('approve')
  })
})

describe('calls and entered data', () => {
  it('blocks a phone call that came with no ANI', async () => {
    const person = newPerson()
    for (const network of [{}, { ani: null }, { ani: '' }]) {
      const decision = await authorize(t, callBy(person, network))
      expect(decision.outcome).toBe('block')
      expect(reasonCodes(decision)).toEqual(['no_ani'])
      expect(decision.limits.max_duration_seconds).toBeNull()
    }
  })

  it('treats an ANI of "anonymous" (or "Private", "unknown") as no ANI', async () => {
    for (const ani of ['anonymous', 'Anonymous', 'PRIVATE', ' unknown ']) {
      const decision = await authorize(t, callBy(newPerson(), { ani }))
      expect(decision.outcome, ani).toBe('block')
      expect(reasonCodes(decision), ani).toEqual(['no_ani'])
    }
  })

  it('approves a call whose ANI came through, with the minutes left as its duration limit', async () => {
    const person = newPerson()
    const decision = await authorize(t, callBy(person, { ani: person.phone }, { phone: person.phone }))
    expect(decision.outcome).toBe('approve')
    expect(decision.limits.max_duration_seconds).toBe(40 * 60)
  })

  it('sends back a call whose request leaves out the number the caller entered: the check cannot be skipped', async () => {
    const person = newPerson()
    const decision = await authorize(t, callBy(person, { ani: person.phone }))
    expect(decision.outcome).toBe('temporary_block')
    expect(reasonCodes(decision)).toEqual(['entered_phone_missing'])
  })

  it('stops a caller for now when the number entered is not the number calling, then approves the corrected retry', async () => {
    const person = newPerson()
    const wrong = await authorize(t, callBy(person, { ani: person.phone }, { phone: '+12025559999' }))
    expect(wrong.outcome).toBe('temporary_block')
    expect(reasonCodes(wrong)).toEqual(['entered_phone_mismatch'])
    expect(wrong.retry_after_seconds).toBe(0)
    // national format in the billing country normalizes to the same E.164 number
    const national = person.phone.replace(/^\+1/, '')
    const corrected = await authorize(t, callBy(person, { ani: person.phone }, { phone: national }))
    expect(corrected.outcome).toBe('approve')
    expect(corrected.retry_after_seconds).toBeNull()
    // the refused attempt used none of the day's sessions
    expect(corrected.reasons.find((r) => r.rule === 'sessions-per-day')?.remaining).toBe(2)
  })

  it('stops a web user for now when the address entered is not the address connecting', async () => {
    const person = newPerson()
    const wrong = await authorize(
      t,
      purchaseBy(person, { network: { ip: '203.0.113.7' }, entered: { ip: '203.0.113.8' } }),
    )
    expect(wrong.outcome).toBe('temporary_block')
    expect(reasonCodes(wrong)).toEqual(['entered_ip_mismatch'])
    const same = await authorize(
      t,
      purchaseBy(person, { network: { ip: '203.0.113.8' }, entered: { ip: '203.0.113.8' } }),
    )
    expect(same.outcome).toBe('approve')
  })

  it('compares IPv6 addresses as addresses, not as text', async () => {
    const person = newPerson()
    const spelledTwoWays = await authorize(
      t,
      purchaseBy(person, { network: { ip: '2001:db8::1' }, entered: { ip: '2001:DB8:0:0:0:0:0:0001' } }),
    )
    expect(spelledTwoWays.outcome).toBe('approve')
    const different = await authorize(
      t,
      purchaseBy(person, { network: { ip: '2001:db8::1' }, entered: { ip: '2001:db8::2' } }),
    )
    expect(different.outcome).toBe('temporary_block')
    // a listed IPv6 address blocks however the request spells it
    await addNegative(t, 'acme', 'ip', '2001:db8::66')
    const listed = await authorize(t, purchaseBy(newPerson(), { network: { ip: '2001:0DB8:0000::0066' } }))
    expect(listed.outcome).toBe('block')
    expect(reasonCodes(listed)).toEqual(['negative_list.ip'])
  })
})

describe('cards', () => {
  it('blocks an expired card', async () => {
    const person = newPerson()
    const lastYear = new Date().getUTCFullYear() - 1
    const decision = await authorize(
      t,
      purchaseBy(person, {
        payment_method: typedCard({ number: person.card, exp_year: lastYear }),
      }),
    )
    expect(decision.outcome).toBe('block')
    expect(reasonCodes(decision)).toEqual(['card.expired'])
  })

  it('accepts a card through the last day of its expiry month', async () => {
    const person = newPerson()
    const now = new Date()
    const decision = await authorize(
      t,
      purchaseBy(person, {
        payment_method: typedCard({
          number: person.card,
          exp_month: now.getUTCMonth() + 1,
          exp_year: now.getUTCFullYear(),
        }),
      }),
    )
    expect(decision.outcome).toBe('approve')
  })

  it('blocks a number that fails the Luhn check', async () => {
    const person = newPerson()
    const lastDigit = Number(person.card.slice(-1))
    const broken = `${person.card.slice(0, -1)}${(lastDigit + 1) % 10}`
    const decision = await authorize(
      t,
      purchaseBy(person, {
        payment_method: typedCard({ number: broken, exp_month: 1, exp_year: 2031 }),
      }),
    )
    expect(decision.outcome).toBe('block')
    expect(reasonCodes(decision)).toEqual(['card.invalid'])
    expect(decision.payment_method?.last4).toBe(broken.slice(-4))
  })
})

describe('allowances', () => {
  it('limits the third session in a day, until the start of the next day', async () => {
    const person = newPerson()
    const first = await authorize(t, sessionBy(person))
    const second = await authorize(t, sessionBy(person))
    expect([first.outcome, second.outcome]).toEqual(['approve', 'approve'])
    expect(second.reasons.find((r) => r.rule === 'sessions-per-day')?.remaining).toBe(1)
    const third = await authorize(t, sessionBy(person))
    expect(third.outcome).toBe('limit')
    expect(third.limits.resets_at).toBe(new Date(String(startOfNextUtcDay())).toISOString())
    expect(third.limits.max_duration_seconds).toBeNull()
    expect(third.reasons[0]).toMatchObject({
      rule: 'sessions-per-day',
      type: 'allowance',
      remaining: 0,
      resets_at: third.limits.resets_at,
    })
    // a limited session reserves nothing: the fourth is limited the same way
    const usage = await t.db
      .selectFrom('usage_events')
      .select('decision_id')
      .where('customer_id', '=', String(first.customer?.id))
      .execute()
    expect(usage.map((u) => u.decision_id).sort()).toEqual([first.id, second.id].sort())
  })

  it('shrinks the duration of the next session by the minutes billed, and limits at 40 minutes a day', async () => {
    const person = newPerson()
    // a small purchase identifies the customer without spending a session
    const known = await authorize(t, purchaseBy(person, { amount: { value: 100, currency: 'USD' } }))
    const customerId = String(known.customer?.id)

    await bill(customerId, 10 * 60)
    const after10 = await authorize(t, sessionBy(person))
    expect(after10.outcome).toBe('approve')
    expect(after10.limits.max_duration_seconds).toBe(30 * 60)
    expect(after10.reasons.find((r) => r.rule === 'minutes-per-day')?.remaining).toBe(30)

    // a started minute counts: 29 minutes and one second more leaves 0 of 40
    await bill(customerId, 29 * 60 + 1)
    const after40 = await authorize(t, sessionBy(person))
    expect(after40.outcome).toBe('limit')
    expect(after40.limits.max_duration_seconds).toBeNull()
    expect(after40.limits.resets_at).toBe(new Date(String(startOfNextUtcDay())).toISOString())
    const minutes = after40.reasons.find((r) => r.rule === 'minutes-per-day')
    expect(minutes).toMatchObject({ type: 'allowance', remaining: 0 })
    // the day's session count is not what stopped it
    expect(after40.reasons.find((r) => r.rule === 'sessions-per-day')?.remaining).toBe(1)
    expect(after40.reasons.find((r) => r.rule === 'minutes-per-week')?.remaining).toBe(10)
  })

  it('counts a voided usage event no more', async () => {
    const person = newPerson()
    const known = await authorize(t, purchaseBy(person, { amount: { value: 100, currency: 'USD' } }))
    await bill(String(known.customer?.id), 40 * 60)
    expect((await authorize(t, sessionBy(person))).outcome).toBe('limit')
    await t.db
      .updateTable('usage_events')
      .set({ voided_at: new Date() })
      .where('customer_id', '=', String(known.customer?.id))
      .where('seconds', '>', 0)
      .execute()
    expect((await authorize(t, sessionBy(person))).limits.max_duration_seconds).toBe(40 * 60)
  })

  it('limits a purchase that does not fit in the 100.00 a month still unspent', async () => {
    const person = newPerson()
    const spend = (value: number) => authorize(t, purchaseBy(person, { amount: { value, currency: 'USD' } }))
    const first = await spend(6_000)
    expect(first.outcome).toBe('approve')
    expect(first.limits.max_amount).toBe(10_000)

    const tooMuch = await spend(4_001)
    expect(tooMuch.outcome).toBe('limit')
    expect(tooMuch.limits.max_amount).toBeNull()
    expect(tooMuch.limits.resets_at).toBe(new Date(String(startOfNextUtcMonth())).toISOString())
    expect(tooMuch.reasons[0]).toMatchObject({ rule: 'spend-per-month', remaining: 4_000 })

    const exactFit = await spend(4_000)
    expect(exactFit.outcome).toBe('approve')
    expect(exactFit.limits.max_amount).toBe(4_000)

    const nothingLeft = await spend(1)
    expect(nothingLeft.outcome).toBe('limit')
    expect(nothingLeft.reasons[0]).toMatchObject({ rule: 'spend-per-month', remaining: 0 })
  })

  it('fails closed for money in another currency than the USD allowance, and counts none of it', async () => {
    const person = newPerson()
    const euros = await authorize(t, purchaseBy(person, { amount: { value: 100, currency: 'EUR' } }))
    expect(euros.outcome).toBe('limit')
    expect(euros.reasons[0]).toMatchObject({ rule: 'spend-per-month', type: 'allowance' })
    expect(euros.limits.max_amount).toBeNull()
    const dollars = await authorize(t, purchaseBy(person, { amount: { value: 9_000, currency: 'USD' } }))
    expect(dollars.outcome).toBe('approve')
    expect(dollars.limits.max_amount).toBe(10_000)
  })

  it('a block outranks a limit: a listed phone with nothing left is blocked, not limited', async () => {
    const person = newPerson()
    await authorize(t, purchaseBy(person, { amount: { value: 10_000, currency: 'USD' } }))
    expect((await authorize(t, purchaseBy(person))).outcome).toBe('limit')
    await addNegative(t, 'acme', 'phone', person.phone)
    const decision = await authorize(t, purchaseBy(person))
    expect(decision.outcome).toBe('block')
    expect(decision.reasons[0]?.reason_code).toBe('negative_list.phone')
  })
})
