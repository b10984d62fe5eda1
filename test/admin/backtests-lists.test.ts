// A backtest sees lists exactly as a live decision does: IP ranges that hold an address, and the
// shared lists a tenant reads — as they were at each decision's time.
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BacktestRunner } from '../../server/backtests/runner.ts'
import { purchase, startTestApp, type TestApp } from '../support/app.ts'
import { type StaffClient, staffClient } from '../support/staff.ts'

let t: TestApp
let analyst: StaffClient
const decidedAt = new Date('2025-07-01T12:00:00Z')
const ids: Record<'inRange' | 'sharedHit' | 'clean', string> = { inRange: '', sharedHit: '', clean: '' }

async function decideAt(n: number, ip: string, email: string) {
  const res = await t.post(
    '/v1/authorizations',
    purchase({
      customer: { id: `c-bl-${n}`, email, name: 'Test Person' },
      network: { ip },
      payment_method: undefined,
    }),
  )
  expect(res.status).toBe(201)
  const { id, outcome } = (await res.json()) as { id: string; outcome: string }
  expect(outcome).toBe('approve')
  await t.db.updateTable('decisions').set({ created_at: decidedAt }).where('id', '=', id).execute()
  await t.db
    .updateTable('usage_events')
    .set({ occurred_at: decidedAt })
    .where('decision_id', '=', id)
    .execute()
  return id
}

async function listEntry(tenantId: string, subject: string, value: string, network: string | null) {
  await sql`insert into list_entries (tenant_id, list_id, id, subject, value, network, reason, source, added_at)
            values (${tenantId}, 'negative', ${`le-${subject}-${value}`}, ${subject}, ${value},
                    cast(${network} as cidr), 'test', 'manual', ${new Date('2025-07-01T11:00:00Z')})`.execute(
    t.db,
  )
}

beforeAll(async () => {
  t = await startTestApp()
  analyst = await staffClient(t, 'acme', 'analyst')
  ids.inRange = await decideAt(1, '10.1.2.3', 'one@example.com')
  ids.sharedHit = await decideAt(2, '203.0.113.50', 'shared-hit@example.com')
  ids.clean = await decideAt(3, '192.0.2.10', 'clean@example.com')
  // dated an hour before the decisions, recorded after them
  await listEntry('acme', 'ip', '10.0.0.0/8', '10.0.0.0/8')
  await listEntry('shared', 'email', 'shared-hit@example.com', null)
  await sql`insert into tenant_sharing (tenant_id, reads_shared, contributes_shared) values ('acme', true, false)`.execute(
    t.db,
  )
})
afterAll(() => t.close())

describe('backtest list membership', () => {
  it('blocks an address inside a listed range and an e-mail on a shared list the tenant reads', async () => {
    const demo = await t.db
      .selectFrom('rule_set_versions')
      .select('definition')
      .where('tenant_id', '=', 'acme')
      .where('version', '=', 1)
      .executeTakeFirstOrThrow()
    // the demo set lists phones, IPs and cards; add the e-mail rule the shared entry needs
    const definition = demo.definition as { rules: unknown[] }
    definition.rules.push({
      id: 'negative-email',
      name: 'Negative list: email',
      priority: 10,
      conditions: {
        all: [
          {
            fact: 'list_hit',
            params: { list: 'negative', subject: 'email' },
            operator: 'equal',
            value: true,
          },
        ],
      },
      event: {
        type: 'block',
        params: { reason_code: 'negative_list.email', message: 'The e-mail is listed' },
      },
    })
    const draft = await analyst.request('POST', '/admin/v1/rule-sets/authorizations/backtests', {
      version: 1,
      from: '2025-07-01T00:00:00Z',
      to: '2025-07-02T00:00:00Z',
    })
    expect(draft.status).toBe(202)
    await sql`update rule_set_versions set definition = cast(${JSON.stringify(definition)}::text as jsonb)
              where tenant_id = 'acme' and version = 1`.execute(t.db)
    const job = (await draft.json()) as { id: string }
    await new BacktestRunner({ db: t.db }).runUntilIdle()

    const changes = (await (
      await analyst.request('GET', `/admin/v1/backtests/${job.id}/changes`)
    ).json()) as {
      changes: { decision_id: string; new_outcome: string }[]
    }
    const changed = Object.fromEntries(changes.changes.map((c) => [c.decision_id, c.new_outcome]))
    expect(changed).toEqual({ [ids.inRange]: 'block', [ids.sharedHit]: 'block' })
  })
})
