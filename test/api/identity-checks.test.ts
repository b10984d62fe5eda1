// Identity checks end to end: an entered phone or IP that differs from the network's is a temporary
// block with a retry, the third within an hour a block (the demo rule set's numbers); an unknown
// device for a known customer reads device_known false; all of it as of a decision's time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RuleSetDefinitionInput } from '../../rules/schema.ts'
import { checkFactSources } from '../../server/checks/sources.ts'
import { demoRuleSet } from '../../server/tenants/demo-rule-set.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import {
  authorize,
  type Decision,
  type DecisionWithExplanation,
  newPerson,
  type Person,
  purchaseBy,
  sessionBy,
} from './identities.ts'

// the demo rules, and a known customer on a device never seen with them is asked to verify
const ruleSet: RuleSetDefinitionInput = {
  ...demoRuleSet,
  rules: [
    ...demoRuleSet.rules,
    {
      id: 'unknown-device',
      name: 'Known customer on an unknown device',
      priority: 5,
      enabled: true,
      conditions: {
        all: [
          { fact: 'returning_customer', operator: 'equal', value: true },
          { fact: 'device_known', operator: 'equal', value: false },
        ],
      },
      event: {
        type: 'temporary_block',
        params: {
          reason_code: 'identity.unknown_device',
          message: 'Verify this device',
          retry_after_seconds: 60,
        },
      },
    },
  ],
}

let t: TestApp
beforeAll(async () => {
  t = await startTestApp({ ruleSet })
})
afterAll(() => t.close())

function callBy(person: Person, ani: string, enteredPhone: string | null = ani) {
  return sessionBy(person, {
    channel: 'phone',
    customer: { id: person.customerId },
    network: { ani, dnis: '+18005550199', device_id: person.deviceId },
    entered: enteredPhone ? { phone: enteredPhone } : {},
  })
}

const codes = (d: Decision) => d.reasons.map((r) => r.reason_code).filter(Boolean)

async function explained(id: string): Promise<DecisionWithExplanation> {
  const response = await t.get(`/v1/decisions/${id}`)
  expect(response.status).toBe(200)
  return (await response.json()) as DecisionWithExplanation
}

describe('entered versus network identities', () => {
  it('temporarily blocks an entered phone that differs from the ANI, and passes the corrected retry', async () => {
    const person = newPerson()
    const wrong = await authorize(t, callBy(person, person.phone, '+12025559999'))
    expect(wrong.outcome).toBe('temporary_block')
    expect(codes(wrong)).toEqual(['entered_phone_mismatch'])
    expect(wrong.retry_after_seconds).toBe(0)
    const corrected = await authorize(t, callBy(person, person.phone, person.phone))
    expect(corrected.outcome).toBe('approve')
  })

  it('a phone request without the entered number is sent back to ask for it, and is not a mismatch', async () => {
    const person = newPerson()
    const missing = await authorize(t, callBy(person, person.phone, null))
    expect(missing.outcome).toBe('temporary_block')
    expect(codes(missing)).toEqual(['entered_phone_missing'])
    expect(missing.retry_after_seconds).toBe(0)
    const reading = (await explained(missing.id)).explanation.facts.find(
      (f) => f.fact === 'entered_phone_present',
    )
    expect(reading).toMatchObject({ value: false })
    const rows = await t.db
      .selectFrom('identity_mismatches')
      .select('decision_id')
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', missing.id)
      .execute()
    expect(rows).toEqual([])
    // the same call with the number keyed in passes
    expect((await authorize(t, callBy(person, person.phone))).outcome).toBe('approve')
  })

  it('blocks the third mismatch within the hour, for that customer only', async () => {
    const person = newPerson()
    const first = await authorize(t, callBy(person, person.phone, '+12025559991'))
    const second = await authorize(t, purchaseBy(person, { entered: { ip: '203.0.113.99' } }))
    expect([first.outcome, second.outcome]).toEqual(['temporary_block', 'temporary_block'])
    expect(codes(second)).toEqual(['entered_ip_mismatch'])

    const third = await authorize(t, callBy(person, person.phone, '+12025559992'))
    expect(third.outcome).toBe('block')
    expect(codes(third)).toContain('identity.repeated_mismatch')
    const reading = (await explained(third.id)).explanation.facts.find((f) => f.fact === 'recent_mismatches')
    expect(reading).toMatchObject({ params: { hours: 1 }, value: 2 })

    const rows = await t.db
      .selectFrom('identity_mismatches')
      .select(['decision_id', 'kinds'])
      .where('tenant_id', '=', 'acme')
      .where('decision_id', 'in', [first.id, second.id, third.id])
      .execute()
    expect(rows.map((r) => r.kinds).sort()).toEqual(['ip', 'phone', 'phone'])

    // someone else's first mismatch is only a temporary block
    const other = newPerson()
    expect((await authorize(t, callBy(other, other.phone, '+12025559993'))).outcome).toBe('temporary_block')
    // a correct entry is not a mismatch, even for the blocked customer's history
    expect((await authorize(t, callBy(person, person.phone, person.phone))).outcome).toBe('approve')
  })

  it('counts mismatches by phone and only before a replayed decision’s time', async () => {
    const person = newPerson()
    const before = new Date()
    await new Promise((resolve) => setTimeout(resolve, 5))
    await authorize(t, callBy(person, person.phone, '+12025559994'))
    const since = new Date(Date.now() - 3_600_000)
    const live = checkFactSources(t.db, 'acme', null)
    expect(await live.recentMismatches('phone', person.phone, since)).toBe(1)
    expect(await checkFactSources(t.db, 'acme', before).recentMismatches('phone', person.phone, since)).toBe(
      0,
    )
    expect(await live.recentMismatches('phone', '+12025550000', since)).toBe(0)
  })
})

describe('known devices', () => {
  it('an unknown device for a known customer reads device_known false', async () => {
    const person = newPerson()
    const first = await authorize(t, purchaseBy(person))
    expect(first.outcome).toBe('approve')
    // the first visit knows no device yet, but the customer is new, so the rule does not fire
    expect((await explained(first.id)).explanation.facts).toContainEqual({
      fact: 'returning_customer',
      params: null,
      value: false,
    })

    const sameDevice = await authorize(t, purchaseBy(person))
    expect(sameDevice.outcome).toBe('approve')
    expect((await explained(sameDevice.id)).explanation.facts).toContainEqual({
      fact: 'device_known',
      params: null,
      value: true,
    })

    const newDevice = await authorize(
      t,
      purchaseBy(person, { network: { ip: '203.0.113.7', device_id: `${person.deviceId}-new` } }),
    )
    expect(newDevice.outcome).toBe('temporary_block')
    expect(codes(newDevice)).toEqual(['identity.unknown_device'])
    expect((await explained(newDevice.id)).explanation.facts).toContainEqual({
      fact: 'device_known',
      params: null,
      value: false,
    })
    // an unknown device counts as a mismatch too
    const row = await t.db
      .selectFrom('identity_mismatches')
      .select('kinds')
      .where('tenant_id', '=', 'acme')
      .where('decision_id', '=', newDevice.id)
      .executeTakeFirst()
    expect(row?.kinds).toBe('device')
  })

  it('a device is known only from its first sighting on, and only for its own customer', async () => {
    const person = newPerson()
    const before = new Date()
    await new Promise((resolve) => setTimeout(resolve, 5))
    const first = await authorize(t, purchaseBy(person))
    const customerId = first.customer?.id ?? ''
    const later = new Date(Date.now() + 1000)
    expect(
      await checkFactSources(t.db, 'acme', null).deviceSeenBefore(customerId, person.deviceId, later),
    ).toBe(true)
    expect(
      await checkFactSources(t.db, 'acme', before).deviceSeenBefore(customerId, person.deviceId, later),
    ).toBe(false)
    expect(
      await checkFactSources(t.db, 'acme', null).deviceSeenBefore('cus_other', person.deviceId, later),
    ).toBe(false)
  })
})
