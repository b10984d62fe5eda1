// The settlement matrix: each of the tenant's settlement settings, a session that never connected,
// checking / EFT charged directly, a hold that lapsed before the end, declines at the start and at
// the end, settlement repeated (exactly once), and the ledger balanced after all of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SessionView } from '../../server/sessions/schema.ts'
import { endSession } from '../../server/sessions/service.ts'
import { createEndpoint } from '../../server/webhooks/webhooks.ts'
import { purchasesPerDay } from '../concurrency/rule-set.ts'
import { startTestApp, TEST_SECRET, type TestApp } from '../support/app.ts'
import { addLine, ledgerOff, manualClock, newPerson, sessionBody } from './support.ts'

let t: TestApp
const clock = manualClock()
beforeAll(async () => {
  // no provider rules (a checking account would go to review unasked): allowances that sessions do not use
  t = await startTestApp({ clock: clock.now, ruleSet: purchasesPerDay(1000) })
  // 2.99 a minute, 60/60, hold of 10 minutes (29.90)
  await addLine(t.db, 'acme', { id: 'advice' })
})
afterAll(() => t.close())

async function settingsSay(settlement: string) {
  await t.db
    .insertInto('billing_settings')
    .values({ tenant_id: 'acme', settlement })
    .onConflict((oc) => oc.column('tenant_id').doUpdateSet({ settlement }))
    .execute()
}

/** A session by a new person, with one representative connected for `seconds`. */
async function talk(seconds: number, overrides: Record<string, unknown> = {}): Promise<SessionView> {
  const s = t.services.sessions
  const { session } = await s.start(sessionBody(newPerson(), 'advice', overrides), {
    tenantId: 'acme',
    channel: 'api',
  })
  expect(session.status, JSON.stringify(session.failure)).toBe('live')
  if (seconds > 0) {
    const { leg } = await s.connectLeg('acme', session.id, { party: 'representative' })
    clock.advance(seconds)
    await s.endLeg('acme', session.id, leg.id)
  }
  return s.end('acme', session.id, { reason: 'completed' })
}

async function paymentsOf(sessionId: string) {
  const rows = await t.db
    .selectFrom('payments')
    .select(['kind', 'status', 'amount_authorized', 'amount_captured', 'amount_refunded'])
    .where('tenant_id', '=', 'acme')
    .where('session_id', '=', sessionId)
    .orderBy('created_at')
    .execute()
  return rows.map((r) => ({
    kind: r.kind,
    status: r.status,
    authorized: Number(r.amount_authorized),
    captured: Number(r.amount_captured),
    refunded: Number(r.amount_refunded),
  }))
}

describe('settlement', () => {
  it('capture and release: the charge is captured, the rest of the hold released', async () => {
    await settingsSay('capture_and_release')
    // 150 s on 60/60 is 3 minutes: 8.97
    const session = await talk(150)
    expect(session).toMatchObject({
      status: 'settled',
      settlement: 'capture_and_release',
      charge: { amount: 897 },
    })
    expect(await paymentsOf(session.id)).toEqual([
      { kind: 'hold', status: 'captured', authorized: 2990, captured: 897, refunded: 0 },
    ])
  })

  it('partial capture leaves nothing held: the hold’s remainder is released on the ledger', async () => {
    const session = await talk(30)
    const held = await t.db
      .selectFrom('ledger_entries')
      .select((eb) => [eb.fn.sum<string>('debit').as('debit'), eb.fn.sum<string>('credit').as('credit')])
      .where('tenant_id', '=', 'acme')
      .where('session_id', '=', session.id)
      .where('account', '=', 'holds')
      .executeTakeFirstOrThrow()
    // what was held has all left the holds account again
    expect(Number(held.debit)).toBe(2990)
    expect(Number(held.credit)).toBe(2990)
  })

  it('reverse and recharge: the hold is voided and the charge made anew through the card’s token', async () => {
    await settingsSay('reverse_and_recharge')
    const session = await talk(61)
    expect(session).toMatchObject({ settlement: 'reverse_and_recharge', charge: { amount: 598 } })
    expect(await paymentsOf(session.id)).toEqual([
      { kind: 'hold', status: 'voided', authorized: 2990, captured: 0, refunded: 0 },
      { kind: 'charge', status: 'captured', authorized: 598, captured: 598, refunded: 0 },
    ])
  })

  it('credit the difference: the whole hold is captured and the difference refunded', async () => {
    await settingsSay('credit_difference')
    const session = await talk(120)
    expect(session).toMatchObject({ settlement: 'credit_difference', charge: { amount: 598 } })
    expect(await paymentsOf(session.id)).toEqual([
      // a part refunded: the payment stays captured, with what was given back
      { kind: 'hold', status: 'captured', authorized: 2990, captured: 2990, refunded: 2392 },
    ])
  })

  it('never connected: the hold is voided in full, whatever the setting', async () => {
    const session = await talk(0)
    expect(session).toMatchObject({ settlement: 'reversed', charge: { amount: 0 } })
    expect(await paymentsOf(session.id)).toEqual([
      { kind: 'hold', status: 'voided', authorized: 2990, captured: 0, refunded: 0 },
    ])
    await settingsSay('capture_and_release')
  })

  it('checking / EFT: no hold, one direct charge at the end, the account not kept after it', async () => {
    const eft = {
      payment_method: {
        type: 'eft',
        bank_account: { routing_number: '011000015', account_number: '000123456789' },
      },
    }
    const { session: live } = await t.services.sessions.start(
      sessionBody(newPerson(), 'advice', eft) as never,
      {
        tenantId: 'acme',
        channel: 'api',
      },
    )
    expect(live, JSON.stringify(live.decision.reasons)).toMatchObject({ status: 'live', hold: null })
    const row = await t.db
      .selectFrom('sessions')
      .select('payment_source_sealed')
      .where('id', '=', live.id)
      .executeTakeFirstOrThrow()
    expect(row.payment_source_sealed).not.toContain('000123456789')
    const { leg } = await t.services.sessions.connectLeg('acme', live.id, { party: 'representative' })
    clock.advance(60)
    await t.services.sessions.endLeg('acme', live.id, leg.id)
    const session = await t.services.sessions.end('acme', live.id)
    expect(session).toMatchObject({ settlement: 'direct_charge', charge: { amount: 299 }, failure: null })
    expect(await paymentsOf(session.id)).toEqual([
      { kind: 'charge', status: 'captured', authorized: 299, captured: 299, refunded: 0 },
    ])
    const after = await t.db
      .selectFrom('sessions')
      .select('payment_source_sealed')
      .where('id', '=', live.id)
      .executeTakeFirstOrThrow()
    expect(after.payment_source_sealed).toBeNull()
  })

  it('a declined direct charge at the end: the session is settled unpaid, with the reason', async () => {
    const eft = {
      payment_method: {
        type: 'checking',
        bank_account: { routing_number: '011000015', account_number: '000123450002' },
      },
    }
    const session = await talk(60, eft)
    expect(session).toMatchObject({ status: 'settled', failure: { code: 'insufficient_funds' } })
    expect((await paymentsOf(session.id))[0]?.status).toBe('failed')
  })

  it('a hold that lapsed before the end is charged anew through the token', async () => {
    const s = t.services.sessions
    const { session } = await s.start(sessionBody(newPerson(), 'advice'), {
      tenantId: 'acme',
      channel: 'api',
    })
    const { leg } = await s.connectLeg('acme', session.id, { party: 'representative' })
    clock.advance(60)
    await s.endLeg('acme', session.id, leg.id)
    // the gateway lets the hold lapse (as after 7 days uncaptured)
    const holdId = session.hold?.payment_id ?? ''
    await t.db
      .updateTable('payments')
      .set({ status: 'expired' })
      .where('tenant_id', '=', 'acme')
      .where('id', '=', holdId)
      .execute()
    const ended = await s.end('acme', session.id)
    expect(ended).toMatchObject({
      settlement: 'charged_after_expiry',
      charge: { amount: 299 },
      failure: null,
    })
    expect((await paymentsOf(session.id)).map((p) => [p.kind, p.status, p.captured])).toEqual([
      ['hold', 'expired', 0],
      ['charge', 'captured', 299],
    ])
  })

  it('a settlement cut short after its capture finishes without a second capture, announced once', async () => {
    await createEndpoint(t.db, TEST_SECRET, 'acme', {
      url: 'https://merchant.example/hooks',
      events: ['session.settled'],
      description: 'settlements',
      createdBy: null,
    })
    const s = t.services.sessions
    const { session } = await s.start(sessionBody(newPerson(), 'advice'), {
      tenantId: 'acme',
      channel: 'api',
    })
    const { leg } = await s.connectLeg('acme', session.id, { party: 'representative' })
    clock.advance(90)
    await s.endLeg('acme', session.id, leg.id)
    await endSession(t.services, 'acme', session.id, {
      at: clock.now(),
      reason: 'completed',
      now: clock.now(),
    })
    // the process that ended it captured, then died before marking the session settled
    await t.services.payments.capture('acme', session.hold?.payment_id ?? '', 598, {
      key: `${session.id}:capture`,
    })
    await Promise.all([s.settle('acme', session.id), s.settle('acme', session.id)])
    await s.settle('acme', session.id)
    expect(await s.get('acme', session.id)).toMatchObject({ status: 'settled', charge: { amount: 598 } })
    expect(await paymentsOf(session.id)).toEqual([
      { kind: 'hold', status: 'captured', authorized: 2990, captured: 598, refunded: 0 },
    ])
    const captures = await t.db
      .selectFrom('payment_operations')
      .select('id')
      .where('tenant_id', '=', 'acme')
      .where('payment_id', '=', session.hold?.payment_id ?? '')
      .where('operation', '=', 'capture')
      .execute()
    expect(captures).toHaveLength(1)
    const announced = await t.db
      .selectFrom('webhook_deliveries')
      .select('body')
      .where('tenant_id', '=', 'acme')
      .where('event_type', '=', 'session.settled')
      .execute()
    expect(announced.filter((d) => d.body.includes(session.id))).toHaveLength(1)
  })

  it('the ledger balances after the whole matrix', async () => {
    expect(await ledgerOff(t.db, 'acme')).toEqual([])
  })
})
