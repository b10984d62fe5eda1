// Money rows written straight into the database (real PostgreSQL / PGlite rows, no service in
// between) for the read side's tests: a settled session with overlapping representative legs, its
// hold captured for the rated charge, its ledger transactions and its representatives' pay; a live
// session; a declined payment; and, on request, an unbalanced ledger transaction for the check to find.
import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import { jsonb } from '../../db/json.ts'
import type { Database } from '../../db/schema.ts'

type Db = Kysely<Database>

const suffix = () => randomBytes(4).toString('hex')
const plus = (at: Date, seconds: number) => new Date(at.getTime() + seconds * 1000)

export interface BuiltSession {
  sessionId: string
  holdPaymentId: string
  decisionId: string
  legIds: string[]
  representativeIds: string[]
  transactionIds: string[]
}

/** A representative of this tenant, created once per name. */
export async function ensureRepresentative(
  db: Db,
  tenantId: string,
  rep: { id: string; name: string; extension: string },
): Promise<string> {
  await db
    .insertInto('representatives')
    .values({
      tenant_id: tenantId,
      id: rep.id,
      name: rep.name,
      extension: rep.extension,
      pay_plan: 'share',
      pay_share_bps: 4000,
      pay_currency: 'USD',
    })
    .onConflict((oc) => oc.doNothing())
    .execute()
  return rep.id
}

export async function ensureServiceLine(db: Db, tenantId: string, id = 'sl_rows_advice'): Promise<string> {
  await db
    .insertInto('service_lines')
    .values({
      tenant_id: tenantId,
      id,
      name: 'Advice line (rows)',
      currency: 'USD',
      rate_per_minute: 299,
      connect_fee: 0,
      first_period_seconds: 60,
      increment_seconds: 60,
      hold_policy: 'minutes',
      hold_minutes: 10,
    })
    .onConflict((oc) => oc.doNothing())
    .execute()
  return id
}

/**
 * A settled conference session: the customer on for 4 minutes; representative A from 0:10 to 2:10,
 * B from 1:10 to 3:15 — billed from A's connect to B's disconnect, 3 min 5 s, rated 60/60 at 2.99 a
 * minute as 4 minutes = 11.96. The 29.90 hold is captured for 11.96 and the rest released.
 */
export async function insertSettledSession(
  db: Db,
  tenantId: string,
  options: { startedAt?: Date; customerId?: string } = {},
): Promise<BuiltSession> {
  const id = `ses_rows_${suffix()}`
  const holdPaymentId = `pay_rows_${suffix()}`
  const decisionId = `dec_rows_${suffix()}`
  const t0 = options.startedAt ?? new Date(Date.now() - 3_600_000)
  const lineId = await ensureServiceLine(db, tenantId)
  const repA = await ensureRepresentative(db, tenantId, {
    id: 'rep_rows_a',
    name: 'Ada Reyes',
    extension: '7001',
  })
  const repB = await ensureRepresentative(db, tenantId, {
    id: 'rep_rows_b',
    name: 'Ben Okafor',
    extension: '7002',
  })
  const billingStart = plus(t0, 10)
  const billingEnd = plus(t0, 195)
  const endedAt = plus(t0, 240)

  await db
    .insertInto('sessions')
    .values({
      tenant_id: tenantId,
      id,
      decision_id: decisionId,
      customer_id: options.customerId ?? 'cus_rows_ann',
      service_line_id: lineId,
      channel: 'phone',
      mode: 'conference',
      status: 'settled',
      currency: 'USD',
      hold_payment_id: holdPaymentId,
      granted_seconds: 600,
      reserved_amount: 0,
      started_at: t0,
      last_heartbeat_at: endedAt,
      billing_started_at: billingStart,
      billing_ended_at: billingEnd,
      ended_at: endedAt,
      end_reason: 'completed',
      billed_seconds: 185,
      charge_amount: 1196,
      rating: jsonb({
        currency: 'USD',
        billed_seconds: 185,
        charged_seconds: 240,
        items: [{ kind: 'time', description: '4 minutes at 2.99 a minute', amount: 1196 }],
        subtotal: 1196,
        discount_total: 0,
        total: 1196,
      }),
      settled_at: plus(endedAt, 1),
      settlement: 'capture_and_release',
    })
    .execute()

  const legs = [
    { id: `leg_${suffix()}`, party: 'customer', rep: null, from: 0, to: 240 },
    { id: `leg_${suffix()}`, party: 'representative', rep: repA, from: 10, to: 130 },
    { id: `leg_${suffix()}`, party: 'representative', rep: repB, from: 70, to: 195 },
  ]
  await db
    .insertInto('session_legs')
    .values(
      legs.map((leg) => ({
        tenant_id: tenantId,
        session_id: id,
        id: leg.id,
        party: leg.party,
        representative_id: leg.rep,
        connected_at: plus(t0, leg.from),
        disconnected_at: plus(t0, leg.to),
      })),
    )
    .execute()

  await db
    .insertInto('payments')
    .values({
      tenant_id: tenantId,
      id: holdPaymentId,
      decision_id: decisionId,
      session_id: id,
      customer_id: options.customerId ?? 'cus_rows_ann',
      kind: 'hold',
      status: 'captured',
      currency: 'USD',
      amount_authorized: 2990,
      amount_captured: 1196,
      gateway: 'sandbox',
      gateway_reference: `sbx_${suffix()}`,
      created_at: t0,
      updated_at: plus(endedAt, 1),
    })
    .execute()
  await db
    .insertInto('payment_operations')
    .values([
      {
        tenant_id: tenantId,
        id: `op_${suffix()}`,
        payment_id: holdPaymentId,
        operation: 'authorize',
        amount: 2990,
        idempotency_key: `${id}:hold`,
        status: 'succeeded',
        attempts: 1,
        created_at: t0,
        completed_at: plus(t0, 1),
      },
      {
        tenant_id: tenantId,
        id: `op_${suffix()}`,
        payment_id: holdPaymentId,
        operation: 'capture',
        amount: 1196,
        idempotency_key: `${id}:capture`,
        status: 'succeeded',
        attempts: 2,
        created_at: endedAt,
        completed_at: plus(endedAt, 1),
      },
    ])
    .execute()

  const holdTx = `ltx_${suffix()}`
  const captureTx = `ltx_${suffix()}`
  const releaseTx = `ltx_${suffix()}`
  const payTx = `ltx_${suffix()}`
  const entry = (
    transactionId: string,
    kind: string,
    account: string,
    side: { debit?: number; credit?: number },
    at: Date,
    extra: { representative_id?: string } = {},
  ) => ({
    tenant_id: tenantId,
    transaction_id: transactionId,
    at,
    account,
    currency: 'USD',
    debit: side.debit ?? 0,
    credit: side.credit ?? 0,
    kind,
    payment_id: kind === 'pay_accrual' ? null : holdPaymentId,
    session_id: id,
    representative_id: extra.representative_id ?? null,
    memo: `${kind} for session ${id}`,
  })
  await db
    .insertInto('ledger_entries')
    .values([
      entry(holdTx, 'hold', 'holds', { debit: 2990 }, plus(t0, 1)),
      entry(holdTx, 'hold', 'holds_offset', { credit: 2990 }, plus(t0, 1)),
      entry(captureTx, 'capture', 'holds_offset', { debit: 1196 }, plus(endedAt, 1)),
      entry(captureTx, 'capture', 'holds', { credit: 1196 }, plus(endedAt, 1)),
      entry(captureTx, 'capture', 'gateway_receivable', { debit: 1196 }, plus(endedAt, 1)),
      entry(captureTx, 'capture', 'revenue', { credit: 1196 }, plus(endedAt, 1)),
      entry(releaseTx, 'release', 'holds_offset', { debit: 1794 }, plus(endedAt, 1)),
      entry(releaseTx, 'release', 'holds', { credit: 1794 }, plus(endedAt, 1)),
      entry(payTx, 'pay_accrual', 'representative_pay_expense', { debit: 478 }, plus(endedAt, 2)),
      entry(payTx, 'pay_accrual', 'representative_pay_payable', { credit: 239 }, plus(endedAt, 2), {
        representative_id: repA,
      }),
      entry(payTx, 'pay_accrual', 'representative_pay_payable', { credit: 239 }, plus(endedAt, 2), {
        representative_id: repB,
      }),
    ])
    .execute()

  await db
    .insertInto('pay_accruals')
    .values([
      {
        tenant_id: tenantId,
        id: `acc_${suffix()}`,
        representative_id: repA,
        session_id: id,
        leg_id: legs[1]?.id ?? '',
        seconds: 120,
        amount: 239,
        currency: 'USD',
        pay_plan: 'share',
        accrued_at: plus(endedAt, 2),
      },
      {
        tenant_id: tenantId,
        id: `acc_${suffix()}`,
        representative_id: repB,
        session_id: id,
        leg_id: legs[2]?.id ?? '',
        seconds: 125,
        amount: 239,
        currency: 'USD',
        pay_plan: 'share',
        accrued_at: plus(endedAt, 2),
      },
    ])
    .execute()

  return {
    sessionId: id,
    holdPaymentId,
    decisionId,
    legIds: legs.map((l) => l.id),
    representativeIds: [repA, repB],
    transactionIds: [holdTx, captureTx, releaseTx, payTx],
  }
}

/** A live session: one representative on since 0:05, its hold open, nothing rated yet. */
export async function insertLiveSession(
  db: Db,
  tenantId: string,
  options: { startedAt?: Date } = {},
): Promise<BuiltSession> {
  const id = `ses_rows_${suffix()}`
  const holdPaymentId = `pay_rows_${suffix()}`
  const decisionId = `dec_rows_${suffix()}`
  const t0 = options.startedAt ?? new Date(Date.now() - 60_000)
  const lineId = await ensureServiceLine(db, tenantId)
  const repA = await ensureRepresentative(db, tenantId, {
    id: 'rep_rows_a',
    name: 'Ada Reyes',
    extension: '7001',
  })
  await db
    .insertInto('sessions')
    .values({
      tenant_id: tenantId,
      id,
      decision_id: decisionId,
      customer_id: 'cus_rows_cy',
      service_line_id: lineId,
      channel: 'web',
      mode: 'conference',
      status: 'live',
      currency: 'USD',
      hold_payment_id: holdPaymentId,
      granted_seconds: 600,
      reserved_amount: 2990,
      started_at: t0,
      last_heartbeat_at: plus(t0, 50),
      billing_started_at: plus(t0, 5),
    })
    .execute()
  const legIds = [`leg_${suffix()}`]
  await db
    .insertInto('session_legs')
    .values({
      tenant_id: tenantId,
      session_id: id,
      id: legIds[0] ?? '',
      party: 'representative',
      representative_id: repA,
      connected_at: plus(t0, 5),
    })
    .execute()
  await db
    .insertInto('payments')
    .values({
      tenant_id: tenantId,
      id: holdPaymentId,
      decision_id: decisionId,
      session_id: id,
      kind: 'hold',
      status: 'authorized',
      currency: 'USD',
      amount_authorized: 2990,
      gateway: 'sandbox',
      gateway_reference: `sbx_${suffix()}`,
      expires_at: plus(t0, 7 * 86_400),
      created_at: t0,
      updated_at: t0,
    })
    .execute()
  const holdTx = `ltx_${suffix()}`
  await db
    .insertInto('ledger_entries')
    .values(
      [
        ['holds', { debit: 2990 }],
        ['holds_offset', { credit: 2990 }],
      ].map(([account, side]) => ({
        tenant_id: tenantId,
        transaction_id: holdTx,
        at: plus(t0, 1),
        account: account as string,
        currency: 'USD',
        debit: (side as { debit?: number }).debit ?? 0,
        credit: (side as { credit?: number }).credit ?? 0,
        kind: 'hold',
        payment_id: holdPaymentId,
        session_id: null,
        memo: 'hold',
      })),
    )
    .execute()
  return {
    sessionId: id,
    holdPaymentId,
    decisionId,
    legIds,
    representativeIds: [repA],
    transactionIds: [holdTx],
  }
}

/** A purchase whose hold the gateway declined: a failed payment and its declined call. */
export async function insertDeclinedPayment(db: Db, tenantId: string): Promise<string> {
  const id = `pay_rows_${suffix()}`
  await db
    .insertInto('payments')
    .values({
      tenant_id: tenantId,
      id,
      decision_id: `dec_rows_${suffix()}`,
      kind: 'hold',
      status: 'failed',
      currency: 'JPY',
      amount_authorized: 0,
      gateway: 'sandbox',
      failure_code: 'insufficient_funds',
      failure_message: 'Your card has insufficient funds.',
    })
    .execute()
  await db
    .insertInto('payment_operations')
    .values({
      tenant_id: tenantId,
      id: `op_${suffix()}`,
      payment_id: id,
      operation: 'authorize',
      amount: 5000,
      idempotency_key: `${id}:authorize`,
      status: 'declined',
      attempts: 1,
      decline_code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      completed_at: new Date(),
    })
    .execute()
  return id
}

/** A transaction whose debits exceed its credits — which postTransaction would refuse — for the check to find. */
export async function insertUnbalancedTransaction(
  db: Db,
  tenantId: string,
  options: { currency?: string; debit?: number; credit?: number } = {},
): Promise<string> {
  const transactionId = `ltx_off_${suffix()}`
  await db
    .insertInto('ledger_entries')
    .values([
      {
        tenant_id: tenantId,
        transaction_id: transactionId,
        account: 'gateway_receivable',
        currency: options.currency ?? 'USD',
        debit: options.debit ?? 500,
        kind: 'capture',
        memo: 'written by hand, unbalanced',
      },
      {
        tenant_id: tenantId,
        transaction_id: transactionId,
        account: 'revenue',
        currency: options.currency ?? 'USD',
        credit: options.credit ?? 450,
        kind: 'capture',
        memo: 'written by hand, unbalanced',
      },
    ])
    .execute()
  return transactionId
}
