// The calls row of a caller's call (db/migrations/…0100_telephony.ts): written when the bridge
// answers, moved through its stages by the flow (and by the ACD and the conference), ended once.
// Functions take the database first; each is one statement.
import type { Db } from '../../db/connect.ts'

export interface NewCall {
  tenantId: string
  id: string
  channelUuid: string
  bridgeId: string
  dnis: string
  ani: string | null
  advertisingSource: string | null
  serviceLineId: string
  representativesNeeded: number
  at: Date
}

export async function insertCall(db: Db, call: NewCall): Promise<void> {
  await db
    .insertInto('calls')
    .values({
      tenant_id: call.tenantId,
      id: call.id,
      channel_uuid: call.channelUuid,
      bridge_id: call.bridgeId,
      kind: 'caller',
      dnis: call.dnis,
      ani: call.ani,
      advertising_source: call.advertisingSource,
      service_line_id: call.serviceLineId,
      stage: 'ivr',
      representatives_needed: call.representativesNeeded,
      started_at: call.at,
      updated_at: call.at,
    })
    .execute()
}

/** The decision and session a call is paid by (the last start, after any retries). */
export async function recordSession(
  db: Db,
  tenantId: string,
  callId: string,
  ids: { decisionId: string; sessionId: string | null },
  at: Date,
): Promise<void> {
  await db
    .updateTable('calls')
    .set({ decision_id: ids.decisionId, session_id: ids.sessionId, updated_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', callId)
    .execute()
}

/** Ends the call once: whoever writes first (this flow or the conference) keeps the reason. */
export async function endCall(
  db: Db,
  tenantId: string,
  callId: string,
  reason: string,
  at: Date,
): Promise<void> {
  await db
    .updateTable('calls')
    .set({ stage: 'ended', ended_at: at, end_reason: reason, updated_at: at })
    .where('tenant_id', '=', tenantId)
    .where('id', '=', callId)
    .where('ended_at', 'is', null)
    .execute()
}

export async function readCall(db: Db, tenantId: string, callId: string) {
  return db
    .selectFrom('calls')
    .selectAll()
    .where('tenant_id', '=', tenantId)
    .where('id', '=', callId)
    .executeTakeFirst()
}
