// How a session reads back: its row, its legs and its hold, as the merchant API and the bridge see it.
import type { Selectable } from 'kysely'
import type { Db } from '../../db/connect.ts'
import type { SessionLegsTable, SessionsTable } from '../../db/schema.ts'
import type { DecisionResponse } from '../authorizations/schema.ts'
import type { RatedLine, RatingDiscount } from '../billing/rating.ts'
import { ProblemError } from '../http/problem.ts'
import type { LegView, SessionView } from './schema.ts'

export type SessionRow = Selectable<SessionsTable>
export type LegRow = Selectable<SessionLegsTable>

/** The service line's billing terms a session keeps from its start, with the decision's discounts. */
export interface SessionTerms extends RatedLine {
  service_line_id: string
  mode: 'conference' | 'chat_room'
  hold: number
  discounts: RatingDiscount[]
}

export async function findSession(
  db: Db,
  tenantId: string,
  sessionId: string,
): Promise<SessionRow | undefined> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', sessionId)
    .executeTakeFirst()
}

export async function viewOf(db: Db, tenantId: string, sessionId: string): Promise<SessionView> {
  const row = await findSession(db, tenantId, sessionId)
  if (!row) throw new ProblemError('not_found', `No session ${sessionId}`)
  return view(db, row)
}

const iso = (d: Date | null) => (d ? d.toISOString() : null)

export function legView(leg: LegRow): LegView {
  return {
    id: leg.id,
    party: leg.party === 'customer' ? 'customer' : 'representative',
    representative_id: leg.representative_id,
    connected_at: leg.connected_at.toISOString(),
    disconnected_at: iso(leg.disconnected_at),
  }
}

export async function view(db: Db, row: SessionRow): Promise<SessionView> {
  const [decision, legs, hold] = await Promise.all([
    db
      .selectFrom('decisions')
      .select('response')
      .where('tenant_id', '=', row.tenant_id)
      .where('id', '=', row.decision_id)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('session_legs')
      .selectAll()
      .where('tenant_id', '=', row.tenant_id)
      .where('session_id', '=', row.id)
      .orderBy('connected_at')
      .orderBy('id')
      .execute(),
    row.hold_payment_id
      ? db
          .selectFrom('payments')
          .select(['id', 'amount_authorized', 'status'])
          .where('tenant_id', '=', row.tenant_id)
          .where('id', '=', row.hold_payment_id)
          .executeTakeFirst()
      : undefined,
  ])
  const terms = row.terms as SessionTerms | null
  return {
    id: row.id,
    status: row.status as SessionView['status'],
    decision: decision.response as DecisionResponse,
    service_line_id: row.service_line_id,
    channel: row.channel,
    mode: row.mode === 'chat_room' ? 'chat_room' : 'conference',
    currency: row.currency,
    max_duration_seconds: row.granted_seconds,
    hold: hold
      ? {
          payment_id: hold.id,
          amount: Number(hold.amount_authorized) || (terms?.hold ?? 0),
          status: hold.status,
        }
      : null,
    legs: legs.map(legView),
    started_at: row.started_at.toISOString(),
    last_heartbeat_at: row.last_heartbeat_at.toISOString(),
    billing_started_at: iso(row.billing_started_at),
    billing_ended_at: iso(row.billing_ended_at),
    ended_at: iso(row.ended_at),
    end_reason: row.end_reason,
    billed_seconds: row.billed_seconds,
    charge: row.charge_amount === null ? null : { amount: Number(row.charge_amount), currency: row.currency },
    rating: (row.rating as SessionView['rating']) ?? null,
    settlement: row.settlement,
    settled_at: iso(row.settled_at),
    failure: row.failure_code ? { code: row.failure_code, message: row.failure_message ?? '' } : null,
  }
}
