// The DecisionStore interface (server/decision-store/store.ts), run against its batching
// implementation on PGlite and on PostgreSQL: a decision's record is written whole with COMMIT or not
// at all, decisions about one subject run one after another and see each other's writes, a decision
// that reaches a customer another of its transaction holds runs again (Conflict), one that leaves
// to wait outside runs again once the wait is over (Later), and the first read finds what earlier
// decisions recorded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchedDecisionStore } from '../../server/decision-store/batcher.ts'
import { type DecisionRecord, type DecisionStore, Later } from '../../server/decision-store/store.ts'
import { lockKey } from '../../server/locks.ts'
import { createTenant } from '../../server/tenants/tenants.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'

let database: TestDatabase
let store: DecisionStore
const retries: string[] = []
beforeAll(async () => {
  database = await createTestDatabase()
  await createTenant(database.db, { tenantId: 'store', name: 'Store', timeZone: 'UTC' })
  store = batchedDecisionStore(database.db, { onRetry: (reason) => retries.push(reason) })
})
afterAll(() => database.close())

let serial = 0
/** A decision's record about one customer, with the rows an approval writes. */
function recordOf(customerId: string, options: { identifier?: string; idempotencyKey?: string } = {}) {
  const id = `dec_store${++serial}`
  const now = new Date()
  const record: DecisionRecord = {
    decision: {
      tenant_id: 'store',
      id,
      created_at: now,
      kind: 'purchase',
      channel: 'web',
      outcome: 'approve',
      customer_id: customerId,
      amount_value: 100,
      currency: 'USD',
      rule_set_id: null,
      rule_set_version: null,
      request: { kind: 'purchase', note: 'as captured' },
      facts: [],
      fired_rules: [],
      response: { id, outcome: 'approve' },
      idempotency_key: options.idempotencyKey ?? null,
      request_hash: options.idempotencyKey ? 'hash' : null,
      evaluation_micros: 1,
    },
    customer: {
      created: { tenant_id: 'store', id: customerId, external_id: null, created_at: now, last_seen_at: now },
      seen: null,
      identifiers: [
        {
          tenant_id: 'store',
          kind: 'email',
          value: options.identifier ?? `${customerId}@example.com`,
          customer_id: customerId,
          first_seen_at: now,
          last_seen_at: now,
        },
      ],
    },
    paymentMethod: null,
    review: null,
    providerCalls: [],
    mismatch: null,
    verification: null,
    purchaseLimit: null,
    hold: null,
    usage: {
      tenant_id: 'store',
      decision_id: id,
      occurred_at: now,
      customer_id: customerId,
      phone: null,
      card_fingerprint: null,
      ip: null,
      sessions: 0,
      purchases: 1,
      seconds: 0,
      amount: 100,
      currency: 'USD',
    },
  }
  return record
}

const decisionsOf = (customerId: string) =>
  database.db
    .selectFrom('decisions')
    .select(['id', 'response'])
    .where('customer_id', '=', customerId)
    .execute()

describe('the decision store (batching implementation)', () => {
  it('writes a decision’s record whole with COMMIT: decision, customer, identifier and usage, JSON as values', async () => {
    const record = recordOf('cus_whole')
    await store.run([lockKey('store', 'customer_id:whole')], async (transaction) => {
      transaction.record(record)
    })
    const [decision] = await decisionsOf('cus_whole')
    expect(decision?.id).toBe(record.decision.id)
    expect(decision?.response).toEqual({ id: record.decision.id, outcome: 'approve' })
    const usage = await database.db
      .selectFrom('usage_events')
      .select(['purchases', 'amount'])
      .where('decision_id', '=', record.decision.id)
      .execute()
    expect(usage.map((u) => ({ purchases: u.purchases, amount: Number(u.amount) }))).toEqual([
      { purchases: 1, amount: 100 },
    ])
    const identifier = await database.db
      .selectFrom('customer_identifiers')
      .select('customer_id')
      .where('value', '=', 'cus_whole@example.com')
      .executeTakeFirst()
    expect(identifier?.customer_id).toBe('cus_whole')
  })

  it('writes nothing of a decision that fails after recording, and still commits the others', async () => {
    const failing = store.run([lockKey('store', 'customer_id:fails')], async (transaction) => {
      transaction.record(recordOf('cus_fails'))
      throw new Error('the rules could not be evaluated')
    })
    const succeeding = store.run([lockKey('store', 'customer_id:next')], async (transaction) => {
      transaction.record(recordOf('cus_next'))
    })
    await expect(failing).rejects.toThrow('the rules could not be evaluated')
    await succeeding
    expect(await decisionsOf('cus_fails')).toEqual([])
    expect(await decisionsOf('cus_next')).toHaveLength(1)
  })

  it('writes nothing at all when a row of the record is refused by the database', async () => {
    const record = recordOf('cus_refused')
    // a second decision row with the same id breaks the primary key when the record is written
    const duplicate = recordOf('cus_refused')
    duplicate.decision.id = record.decision.id
    duplicate.customer = null
    await store.run([lockKey('store', 'customer_id:refused-1')], async (t) => t.record(record))
    await expect(
      store.run([lockKey('store', 'customer_id:refused-2')], async (t) => t.record(duplicate)),
    ).rejects.toMatchObject({ code: '23505' })
    expect(await decisionsOf('cus_refused')).toHaveLength(1)
  })

  it('runs decisions about one subject one after another: the later one’s first read finds the earlier one’s customer', async () => {
    const key = lockKey('store', 'email:same@example.com')
    const ask = { tenantId: 'store', keys: [['email', 'same@example.com']] as [string, string][] }
    const [first, second] = await Promise.all(
      ['cus_same_a', 'cus_same_b'].map((customerId) =>
        store.run([key], async (transaction) => {
          const read = await transaction.firstRead({ ...ask, idempotencyKey: undefined, keyId: undefined })
          if (!read.found.length) transaction.record(recordOf(customerId, { identifier: 'same@example.com' }))
          return read.found.map((f) => f.customer_id)
        }),
      ),
    )
    expect(first).toEqual([])
    expect(second).toEqual(['cus_same_a'])
  })

  it('finds an earlier decision by its Idempotency-Key in the first read', async () => {
    const record = recordOf('cus_idem', { idempotencyKey: 'store-key-1' })
    await store.run([lockKey('store', 'idempotency:store-key-1')], async (t) => t.record(record))
    const read = await store.run([lockKey('store', 'idempotency:store-key-1')], (t) =>
      t.firstRead({ tenantId: 'store', keys: [], idempotencyKey: 'store-key-1', keyId: undefined }),
    )
    expect(read.prior).toEqual({ response: record.decision.response, request_hash: 'hash' })
  })

  it('runs again, in a later transaction, a decision that reaches a customer another decision of its transaction holds (Conflict)', async () => {
    // one customer known by two keys: two decisions through different keys share no lock key
    const now = new Date()
    await database.db
      .insertInto('customers')
      .values({
        tenant_id: 'store',
        id: 'cus_two_keys',
        external_id: null,
        created_at: now,
        last_seen_at: now,
      })
      .execute()
    await database.db
      .insertInto('customer_identifiers')
      .values(
        ['one@example.com', 'two@example.com'].map((value) => ({
          tenant_id: 'store',
          kind: 'email',
          value,
          customer_id: 'cus_two_keys',
          first_seen_at: now,
          last_seen_at: now,
        })),
      )
      .execute()
    const runs: string[] = []
    const before = retries.filter((r) => r === 'conflict').length
    const decide = (email: string) =>
      store.run([lockKey('store', `email:${email}`)], async (transaction) => {
        runs.push(email)
        const read = await transaction.firstRead({
          tenantId: 'store',
          keys: [['email', email]],
          idempotencyKey: undefined,
          keyId: undefined,
        })
        const usage = await transaction.db
          .selectFrom('usage_events')
          .select('decision_id')
          .where('customer_id', '=', 'cus_two_keys')
          .execute()
        const record = recordOf('cus_two_keys')
        record.customer = null
        transaction.record(record)
        return { customer: read.found[0]?.customer_id, usageSeen: usage.length }
      })
    const results = await Promise.all([decide('one@example.com'), decide('two@example.com')])
    expect(results.map((r) => r.customer)).toEqual(['cus_two_keys', 'cus_two_keys'])
    // the second saw the first's usage: it ran after it, not beside it
    expect(results.map((r) => r.usageSeen).sort()).toEqual([0, 1])
    expect(retries.filter((r) => r === 'conflict').length).toBe(before + 1)
    expect(runs).toHaveLength(3)
  })

  it('lets a decision leave to wait outside (Later) and runs it again once the wait is over, with nothing written by the first run', async () => {
    let answer: (value: string) => void = () => {}
    const outside = new Promise<string>((resolve) => {
      answer = resolve
    })
    let runs = 0
    const decided = store.run([lockKey('store', 'customer_id:later')], async (transaction) => {
      runs++
      transaction.record(recordOf(`cus_later_${runs}`))
      if (runs === 1 && transaction.mayLeave) throw new Later(outside)
      return `${await outside} on run ${runs}`
    })
    // another decision is not held up by the one waiting outside
    await store.run([lockKey('store', 'customer_id:other')], async (t) => t.record(recordOf('cus_not_held')))
    expect(await decisionsOf('cus_not_held')).toHaveLength(1)
    answer('answered')
    expect(await decided).toBe('answered on run 2')
    expect(await decisionsOf('cus_later_1')).toEqual([])
    expect(await decisionsOf('cus_later_2')).toHaveLength(1)
  })
})

describe('the record’s types', () => {
  it('are the tables’ Kysely insert types: a misspelled or missing column does not compile', () => {
    const record = recordOf('cus_types')
    // @ts-expect-error: decisions has no column "outcomes"
    const misspelled: DecisionRecord['decision'] = { ...record.decision, outcomes: 'approve' }
    const { outcome: _outcome, ...withoutOutcome } = record.decision
    // @ts-expect-error: "outcome" is required
    const missing: DecisionRecord['decision'] = withoutOutcome
    // @ts-expect-error: evaluation_micros is a number
    const mistyped: DecisionRecord['decision'] = { ...record.decision, evaluation_micros: 'fast' }
    expect([misspelled, missing, mistyped]).toHaveLength(3)
  })
})
