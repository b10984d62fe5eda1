// The read side of money in the admin API: sessions (live and past, one in full with its legs,
// rating, payments, ledger entries and pay), payments with their gateway calls, ledger entries
// and the balance check. A viewer reads it all; another tenant's rows never appear.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkLedger, tenantsWithUnbalancedLedgers } from '../../server/ledger/check.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import {
  type BuiltSession,
  insertDeclinedPayment,
  insertLiveSession,
  insertSettledSession,
  insertUnbalancedTransaction,
} from '../support/money-rows.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let viewer: StaffClient
let otherViewer: StaffClient
let settled: BuiltSession
let live: BuiltSession
let older: BuiltSession
let globexSession: BuiltSession
let declinedId: string

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  otherViewer = await staffClient(t, 'globex', 'viewer')
  older = await insertSettledSession(t.db, 'acme', { startedAt: new Date(Date.now() - 86_400_000) })
  settled = await insertSettledSession(t.db, 'acme')
  live = await insertLiveSession(t.db, 'acme')
  declinedId = await insertDeclinedPayment(t.db, 'acme')
  globexSession = await insertSettledSession(t.db, 'globex', { customerId: 'cus_globex' })
})
afterAll(() => t.close())

async function json<T>(client: StaffClient, path: string, status = 200): Promise<T> {
  const res = await client.request('GET', path)
  const text = await res.text()
  expect(res.status, `${path}: ${text}`).toBe(status)
  return JSON.parse(text) as T
}

interface SessionSummary {
  id: string
  status: string
  hold: { value: number; currency: string } | null
  charge: { value: number; currency: string } | null
  representatives: number
  service_line: { id: string; name: string | null }
  billed_seconds: number | null
}

describe('sessions', () => {
  it('lists the tenant’s sessions newest first, live and past, and never another tenant’s', async () => {
    const body = await json<{ sessions: SessionSummary[] }>(viewer, '/admin/v1/sessions')
    expect(body.sessions.map((s) => s.id)).toEqual([live.sessionId, settled.sessionId, older.sessionId])
    const first = body.sessions[1]
    expect(first).toMatchObject({
      status: 'settled',
      hold: { value: 2990, currency: 'USD' },
      charge: { value: 1196, currency: 'USD' },
      representatives: 2,
      billed_seconds: 185,
      service_line: { id: 'sl_rows_advice', name: 'Advice line (rows)' },
    })

    const liveOnly = await json<{ sessions: SessionSummary[] }>(viewer, '/admin/v1/sessions?status=live')
    expect(liveOnly.sessions.map((s) => s.id)).toEqual([live.sessionId])
    const past = await json<{ sessions: SessionSummary[] }>(viewer, '/admin/v1/sessions?status=past')
    expect(past.sessions.map((s) => s.id)).toEqual([settled.sessionId, older.sessionId])

    const globex = await json<{ sessions: SessionSummary[] }>(otherViewer, '/admin/v1/sessions')
    expect(globex.sessions.map((s) => s.id)).toEqual([globexSession.sessionId])
    const searched = await json<{ sessions: SessionSummary[] }>(
      viewer,
      `/admin/v1/sessions?q=${globexSession.sessionId}`,
    )
    expect(searched.sessions).toEqual([])
  })

  it('filters by representative, customer and time, and pages with a cursor', async () => {
    const withB = await json<{ sessions: SessionSummary[] }>(
      viewer,
      '/admin/v1/sessions?representative_id=rep_rows_b',
    )
    expect(withB.sessions.map((s) => s.id)).toEqual([settled.sessionId, older.sessionId])
    const since = new Date(Date.now() - 2 * 3_600_000).toISOString()
    const recent = await json<{ sessions: SessionSummary[] }>(
      viewer,
      `/admin/v1/sessions?from=${encodeURIComponent(since)}`,
    )
    expect(recent.sessions.map((s) => s.id)).toEqual([live.sessionId, settled.sessionId])

    const first = await json<{ sessions: SessionSummary[]; next_cursor: string | null }>(
      viewer,
      '/admin/v1/sessions?limit=2',
    )
    expect(first.sessions).toHaveLength(2)
    expect(first.next_cursor).not.toBeNull()
    const second = await json<{ sessions: SessionSummary[]; next_cursor: string | null }>(
      viewer,
      `/admin/v1/sessions?limit=2&cursor=${first.next_cursor}`,
    )
    expect(second.sessions.map((s) => s.id)).toEqual([older.sessionId])
    expect(second.next_cursor).toBeNull()
  })

  it('shows one session with its legs against the billing window, rating, payments, entries and pay', async () => {
    const body = await json<{
      session: SessionSummary
      reserved: { value: number }
      legs: {
        party: string
        representative: { id: string; name: string | null } | null
        seconds: number
        billed_overlap_seconds: number
        offset_seconds: number
      }[]
      rating: { total: number; items: { kind: string; amount: number }[] } | null
      payments: { id: string; status: string; operations: { operation: string; status: string }[] }[]
      ledger_entries: { transaction_id: string; debit: number; credit: number }[]
      pay: { representative: { name: string | null }; amount: { value: number } }[]
    }>(viewer, `/admin/v1/sessions/${settled.sessionId}`)
    expect(body.session.id).toBe(settled.sessionId)
    expect(
      body.legs.map((l) => [l.party, l.representative?.name ?? null, l.offset_seconds, l.seconds]),
    ).toEqual([
      ['customer', null, 0, 240],
      ['representative', 'Ada Reyes', 10, 120],
      ['representative', 'Ben Okafor', 70, 125],
    ])
    // the billing window is A's connect (0:10) to B's disconnect (3:15)
    expect(body.legs.map((l) => l.billed_overlap_seconds)).toEqual([185, 120, 125])
    expect(body.rating?.total).toBe(1196)
    expect(body.rating?.items).toEqual([
      { kind: 'time', description: '4 minutes at 2.99 a minute', amount: 1196 },
    ])
    expect(body.payments).toHaveLength(1)
    expect(body.payments[0]?.status).toBe('captured')
    expect(body.payments[0]?.operations.map((o) => `${o.operation}:${o.status}`)).toEqual([
      'authorize:succeeded',
      'capture:succeeded',
    ])
    expect(new Set(body.ledger_entries.map((e) => e.transaction_id))).toEqual(new Set(settled.transactionIds))
    const debits = body.ledger_entries.reduce((sum, e) => sum + e.debit, 0)
    const credits = body.ledger_entries.reduce((sum, e) => sum + e.credit, 0)
    expect(debits).toBe(credits)
    expect(body.pay.map((p) => [p.representative.name, p.amount.value])).toEqual([
      ['Ada Reyes', 239],
      ['Ben Okafor', 239],
    ])
  })

  it('shows a live session’s open leg, its reservation, and hold entries that name only the payment', async () => {
    const body = await json<{
      session: SessionSummary & { hold_status: string }
      reserved: { value: number }
      legs: { disconnected_at: string | null; seconds: number; billed_overlap_seconds: number }[]
      rating: unknown
      ledger_entries: { kind: string }[]
    }>(viewer, `/admin/v1/sessions/${live.sessionId}`)
    expect(body.session.status).toBe('live')
    expect(body.session.hold_status).toBe('authorized')
    expect(body.reserved.value).toBe(2990)
    expect(body.rating).toBeNull()
    expect(body.legs[0]?.disconnected_at).toBeNull()
    expect(body.legs[0]?.seconds).toBeGreaterThanOrEqual(50)
    expect(body.legs[0]?.billed_overlap_seconds).toBe(body.legs[0]?.seconds)
    expect(body.ledger_entries.map((e) => e.kind)).toEqual(['hold', 'hold'])
  })

  it('answers 404 for another tenant’s session and names a bad filter', async () => {
    const res = await viewer.request('GET', `/admin/v1/sessions/${globexSession.sessionId}`)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toContain('application/problem+json')

    const bad = await viewer.request('GET', '/admin/v1/sessions?status=sleeping')
    expect(bad.status).toBe(422)
    expect((await bad.json()).errors.map((e: { field: string }) => e.field)).toEqual(['status'])
    const cursor = await viewer.request('GET', '/admin/v1/sessions?cursor=nonsense')
    expect(cursor.status).toBe(422)
    expect((await cursor.json()).errors.map((e: { field: string }) => e.field)).toEqual(['cursor'])
    const order = await viewer.request(
      'GET',
      '/admin/v1/sessions?from=2026-12-05T10:00:00Z&to=2026-12-05T09:00:00Z',
    )
    expect(order.status).toBe(422)
    expect((await order.json()).errors.map((e: { field: string }) => e.field)).toEqual(['from'])
  })
})

describe('payments', () => {
  interface PaymentBody {
    id: string
    status: string
    kind: string
    authorized: { value: number; currency: string }
    captured: { value: number }
    failure_code: string | null
  }

  it('lists the tenant’s payments with their state and amounts, filtered, never another tenant’s', async () => {
    const all = await json<{ payments: PaymentBody[] }>(viewer, '/admin/v1/payments')
    expect(all.payments.map((p) => p.id).sort()).toEqual(
      [older.holdPaymentId, settled.holdPaymentId, live.holdPaymentId, declinedId].sort(),
    )
    expect(all.payments.map((p) => p.id)).not.toContain(globexSession.holdPaymentId)

    const open = await json<{ payments: PaymentBody[] }>(viewer, '/admin/v1/payments?status=open')
    expect(open.payments.map((p) => p.id)).toEqual([live.holdPaymentId])
    const failed = await json<{ payments: PaymentBody[] }>(viewer, '/admin/v1/payments?status=failed')
    expect(failed.payments).toMatchObject([
      { id: declinedId, failure_code: 'insufficient_funds', authorized: { value: 0, currency: 'JPY' } },
    ])
    const bySession = await json<{ payments: PaymentBody[] }>(
      viewer,
      `/admin/v1/payments?session_id=${settled.sessionId}`,
    )
    expect(bySession.payments.map((p) => p.id)).toEqual([settled.holdPaymentId])
  })

  it('shows one payment with its gateway calls and ledger entries; another tenant’s is 404', async () => {
    const body = await json<{
      payment: PaymentBody & {
        operations: { operation: string; idempotency_key: string; attempts: number }[]
      }
      ledger_entries: { payment_id: string }[]
    }>(viewer, `/admin/v1/payments/${settled.holdPaymentId}`)
    expect(body.payment).toMatchObject({
      status: 'captured',
      authorized: { value: 2990 },
      captured: { value: 1196 },
    })
    expect(body.payment.operations.map((o) => [o.operation, o.idempotency_key, o.attempts])).toEqual([
      ['authorize', `${settled.sessionId}:hold`, 1],
      ['capture', `${settled.sessionId}:capture`, 2],
    ])
    expect(body.ledger_entries.length).toBe(8)
    expect(body.ledger_entries.every((e) => e.payment_id === settled.holdPaymentId)).toBe(true)

    const declined = await json<{ payment: { operations: { decline_code: string }[] } }>(
      viewer,
      `/admin/v1/payments/${declinedId}`,
    )
    expect(declined.payment.operations[0]?.decline_code).toBe('insufficient_funds')

    const res = await viewer.request('GET', `/admin/v1/payments/${globexSession.holdPaymentId}`)
    expect(res.status).toBe(404)
    const bad = await viewer.request('GET', '/admin/v1/payments?kind=gift')
    expect(bad.status).toBe(422)
    expect((await bad.json()).errors.map((e: { field: string }) => e.field)).toEqual(['kind'])
  })
})

describe('the ledger', () => {
  interface EntryBody {
    id: string
    transaction_id: string
    account: string
    kind: string
    debit: number
    credit: number
    representative_id: string | null
  }

  it('lists entries newest first, filtered by account, kind, session and representative, paged', async () => {
    const all = await json<{ entries: EntryBody[] }>(viewer, '/admin/v1/ledger/entries?limit=500')
    // two settled sessions of 11 entries and a live one of 2; none of globex's
    expect(all.entries).toHaveLength(24)
    const ids = all.entries.map((e) => BigInt(e.id))
    expect([...ids].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))).toEqual(ids)

    const payable = await json<{ entries: EntryBody[] }>(
      viewer,
      `/admin/v1/ledger/entries?account=representative_pay_payable&session_id=${settled.sessionId}`,
    )
    expect(payable.entries.map((e) => e.credit)).toEqual([239, 239])
    const forB = await json<{ entries: EntryBody[] }>(
      viewer,
      `/admin/v1/ledger/entries?representative_id=rep_rows_b&kind=pay_accrual`,
    )
    expect(forB.entries).toHaveLength(2)

    const page = await json<{ entries: EntryBody[]; next_cursor: string | null }>(
      viewer,
      '/admin/v1/ledger/entries?limit=20',
    )
    const rest = await json<{ entries: EntryBody[]; next_cursor: string | null }>(
      viewer,
      `/admin/v1/ledger/entries?limit=20&cursor=${page.next_cursor}`,
    )
    expect([...page.entries, ...rest.entries].map((e) => e.id)).toEqual(all.entries.map((e) => e.id))
    expect(rest.next_cursor).toBeNull()

    const bad = await viewer.request('GET', '/admin/v1/ledger/entries?currency=dollars')
    expect(bad.status).toBe(422)
    expect((await bad.json()).errors.map((e: { field: string }) => e.field)).toEqual(['currency'])
  })

  it('says balanced, with totals per currency and account balances', async () => {
    const check = await json<{
      balanced: boolean
      currencies: { currency: string; debits: number; credits: number; difference: number }[]
      unbalanced_transactions: unknown[]
      accounts: { account: string; balance: number }[]
    }>(viewer, '/admin/v1/ledger/check')
    expect(check.balanced).toBe(true)
    expect(check.unbalanced_transactions).toEqual([])
    expect(check.currencies).toEqual([
      expect.objectContaining({
        currency: 'USD',
        difference: 0,
        debits: 2 * (2990 + 1196 + 1196 + 1794 + 478) + 2990,
      }),
    ])
    const balance = (account: string) => check.accounts.find((a) => a.account === account)?.balance
    expect(balance('revenue')).toBe(-2 * 1196)
    expect(balance('holds_offset')).toBe(-2990)
  })

  it('lists exactly what is off when a transaction does not balance, in that tenant only', async () => {
    const off = await insertUnbalancedTransaction(t.db, 'globex', { debit: 500, credit: 450 })
    const offJpy = await insertUnbalancedTransaction(t.db, 'globex', {
      currency: 'JPY',
      debit: 100,
      credit: 300,
    })
    const check = await json<{
      balanced: boolean
      currencies: { currency: string; difference: number }[]
      unbalanced_transactions: { transaction_id: string; currency: string; difference: number }[]
      unbalanced_count: number
    }>(otherViewer, '/admin/v1/ledger/check')
    expect(check.balanced).toBe(false)
    expect(check.unbalanced_count).toBe(2)
    expect(check.unbalanced_transactions.map((u) => [u.transaction_id, u.currency, u.difference])).toEqual([
      [off, 'USD', 50],
      [offJpy, 'JPY', -200],
    ])
    expect(check.currencies.map((c) => [c.currency, c.difference])).toEqual([
      ['JPY', -200],
      ['USD', 50],
    ])

    expect((await checkLedger(t.db, 'acme')).balanced).toBe(true)
    expect(await tenantsWithUnbalancedLedgers(t.db)).toEqual(['globex'])
    const acme = await json<{ balanced: boolean }>(viewer, '/admin/v1/ledger/check')
    expect(acme.balanced).toBe(true)
  })

  it('finds a transaction off in one currency even when the currency as a whole balances', async () => {
    // two transactions off by opposite amounts cancel out in the currency's totals
    const a = await insertUnbalancedTransaction(t.db, 'acme', { currency: 'EUR', debit: 300, credit: 200 })
    const b = await insertUnbalancedTransaction(t.db, 'acme', { currency: 'EUR', debit: 200, credit: 300 })
    const check = await checkLedger(t.db, 'acme')
    expect(check.currencies.find((c) => c.currency === 'EUR')?.difference).toBe(0)
    expect(check.balanced).toBe(false)
    expect(check.unbalanced_transactions.map((u) => u.transaction_id).sort()).toEqual([a, b].sort())
  })
})
