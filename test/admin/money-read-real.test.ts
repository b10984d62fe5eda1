// The read side over money moved for real by the Payments service on the sandbox gateway: a hold
// captured in part and refunded, a hold released, a decline — each shows in /admin/v1/payments with
// its gateway calls and entries, and the ledger check finds the books balanced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkLedger } from '../../server/ledger/check.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { card } from '../support/money.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let viewer: StaffClient
let otherViewer: StaffClient
const ids: Record<'captured' | 'released' | 'declined', string> = { captured: '', released: '', declined: '' }

beforeAll(async () => {
  t = await startTestApp()
  viewer = await staffClient(t, 'acme', 'viewer')
  otherViewer = await staffClient(t, 'globex', 'viewer')
  const payments = t.services.payments
  const hold = (amount: number, number: string, key: string) =>
    payments.hold({ tenantId: 'acme', amount, currency: 'USD', source: card(number), key })

  const held = await hold(5000, '4242424242424242', 'read-real-1')
  await payments.capture('acme', held.payment.id, 1800, { key: 'read-real-1:capture' })
  await payments.refund('acme', held.payment.id, 500, { key: 'read-real-1:refund' })
  ids.captured = held.payment.id
  const released = await hold(2000, '4242424242424242', 'read-real-2')
  await payments.void('acme', released.payment.id, { key: 'read-real-2:void' })
  ids.released = released.payment.id
  const declined = await hold(2000, '4000000000009995', 'read-real-3')
  ids.declined = declined.payment.id
})
afterAll(() => t.close())

async function json<T>(client: StaffClient, path: string): Promise<T> {
  const res = await client.request('GET', path)
  const text = await res.text()
  expect(res.status, `${path}: ${text}`).toBe(200)
  return JSON.parse(text) as T
}

describe('money moved by the Payments service, read by staff', () => {
  it('lists each payment in the state the gateway left it, with its amounts', async () => {
    const body = await json<{
      payments: {
        id: string
        status: string
        authorized: { value: number }
        captured: { value: number }
        refunded: { value: number }
        failure_code: string | null
      }[]
    }>(viewer, '/admin/v1/payments')
    const byId = new Map(body.payments.map((p) => [p.id, p]))
    expect(byId.get(ids.captured)).toMatchObject({
      authorized: { value: 5000 },
      captured: { value: 1800 },
      refunded: { value: 500 },
    })
    expect(byId.get(ids.released)?.status).toBe('voided')
    expect(byId.get(ids.declined)).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds' })
    const globex = await json<{ payments: unknown[] }>(otherViewer, '/admin/v1/payments')
    expect(globex.payments).toEqual([])
  })

  it('shows a payment’s gateway calls in order with the caller’s keys, and its entries', async () => {
    const body = await json<{
      payment: {
        operations: {
          operation: string
          status: string
          idempotency_key: string
          amount: { value: number }
        }[]
      }
      ledger_entries: { kind: string; debit: number; credit: number }[]
    }>(viewer, `/admin/v1/payments/${ids.captured}`)
    expect(
      body.payment.operations.map((o) => [o.operation, o.status, o.idempotency_key, o.amount.value]),
    ).toEqual([
      ['authorize', 'succeeded', 'read-real-1', 5000],
      ['capture', 'succeeded', 'read-real-1:capture', 1800],
      ['refund', 'succeeded', 'read-real-1:refund', 500],
    ])
    const kinds = [...new Set(body.ledger_entries.map((e) => e.kind))]
    expect(kinds).toEqual(expect.arrayContaining(['hold', 'capture', 'refund']))
    const debits = body.ledger_entries.reduce((sum, e) => sum + e.debit, 0)
    expect(debits).toBe(body.ledger_entries.reduce((sum, e) => sum + e.credit, 0))
  })

  it('finds the books balanced, with revenue and refunds as the service wrote them', async () => {
    const check = await json<{
      balanced: boolean
      currencies: { currency: string; difference: number }[]
      accounts: { account: string; balance: number }[]
    }>(viewer, '/admin/v1/ledger/check')
    expect(check.balanced).toBe(true)
    expect(check.currencies.map((c) => [c.currency, c.difference])).toEqual([['USD', 0]])
    const balance = (account: string) => check.accounts.find((a) => a.account === account)?.balance ?? 0
    // credit-normal revenue: what was captured; refunds: what went back; nothing left held
    expect(balance('revenue')).toBe(-1800)
    expect(balance('refunds')).toBe(500)
    expect(balance('holds')).toBe(0)
    expect((await checkLedger(t.db, 'acme')).unbalanced_count).toBe(0)
  })
})
