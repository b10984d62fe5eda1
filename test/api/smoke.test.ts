import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'

let t: TestApp
beforeAll(async () => {
  t = await startTestApp()
})
afterAll(() => t.close())

describe('POST /v1/authorizations (smoke)', () => {
  it('approves a clean purchase and counts it toward the monthly spend', async () => {
    const first = await t.post('/v1/authorizations', purchase())
    expect(first.status).toBe(201)
    const decision = await first.json()
    expect(decision.outcome).toBe('approve')
    expect(decision.limits.max_amount).toBe(10_000)
    const second = await (await t.post('/v1/authorizations', purchase())).json()
    expect(second.limits.max_amount).toBe(7_500)
    expect(second.customer.returning).toBe(true)
  })
})
