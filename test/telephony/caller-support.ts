// The caller's journeys: the real bridge (telephony/bridge.ts) with the real caller flow and the real
// conference, on a real service graph, against the fake FreeSWITCH over TCP. The sessions, the bridge
// and the fake share one clock (the fake's), which moves only when a journey advances it.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { type CallerFlowOptions, callerFlow } from '../../telephony/caller/flow.ts'
import { runConference } from '../../telephony/conference.ts'
import type { FlowDeps } from '../../telephony/deps.ts'
import { createEslListener } from '../../telephony/esl/listener.ts'
import type { EslControl } from '../../telephony/esl/types.ts'
import { runRepresentativeLine } from '../../telephony/representative-line.ts'
import { addLine, type LineInput } from '../sessions/support.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import {
  type FakeCall,
  type FakeFreeSwitch,
  type PlaceCallOptions,
  startFakeFreeSwitch,
} from '../support/fake-freeswitch/index.ts'

export const START = new Date('2026-12-06T10:00:00.000Z')

export interface CallerHarness {
  fs: FakeFreeSwitch
  t: TestApp
  bridge: { bridgeId: string; address: { host: string; port: number } }
  /** a call to the bridge's listener */
  place(options: PlaceCallOptions): FakeCall
  addLine(
    line: LineInput & {
      number: string
      perCall?: 1 | 2 | 3
      telephony?: Record<string, unknown>
      tenantId?: string
    },
  ): Promise<void>
  addRepresentative(rep: {
    id: string
    extension: string
    queues?: Array<'solo' | 'dual' | 'triple'>
    gender?: string
    expertise?: string[]
  }): Promise<void>
  /** the calls row of a fake call, once the bridge wrote it */
  callOf(call: FakeCall): Promise<CallRow | undefined>
  /** polls `check` in real time until it returns something truthy */
  until<T>(
    check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
    timeoutMs?: number,
  ): Promise<T>
  close(): Promise<void>
}

export type CallRow = Awaited<ReturnType<typeof readCallByChannel>>

export async function startCallerHarness(options: { flow?: CallerFlowOptions } = {}): Promise<CallerHarness> {
  const fs = await startFakeFreeSwitch({ now: START })
  const t = await startTestApp({ clock: () => fs.now() })
  // the listener and the flows as telephony/bridge.ts wires them, routed by service_numbers
  const listener = createEslListener({ logger: t.services.logger, executeTimeoutMs: 10_000 })
  const address = await listener.listen('127.0.0.1', 0)
  const deps: FlowDeps = {
    services: t.services,
    acd: t.services.acd,
    control: offlineControl(),
    bridgeId: 'brg_caller_journeys',
    logger: t.services.logger,
    clock: () => fs.now(),
    flows: {
      caller: callerFlow({ minCheckIntervalMs: 5, ...options.flow }),
      conference: runConference,
      representativeLine: runRepresentativeLine,
    },
  }
  listener.onCall(async (call) => {
    const row = await t.db
      .selectFrom('service_numbers')
      .selectAll()
      .where('number', '=', call.dnis)
      .executeTakeFirst()
    if (row?.service_line_id)
      await deps.flows.caller(deps, call, {
        purpose: 'service_line',
        tenantId: row.tenant_id,
        number: row.number,
        serviceLineId: row.service_line_id,
        advertisingSource: row.advertising_source,
      })
  })
  const bridge = { bridgeId: deps.bridgeId, address }

  async function until<T>(
    check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
    timeoutMs = 10_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const value = await check()
      if (value) return value
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${check.toString().slice(0, 200)}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
  }

  return {
    fs,
    t,
    bridge,
    until,
    place: (call) => fs.placeCall({ ...call, to: bridge.address }),
    async addLine(line) {
      const tenantId = line.tenantId ?? 'acme'
      await addLine(t.db, tenantId, line)
      await t.db
        .updateTable('service_lines')
        .set({ representatives_per_call: line.perCall ?? 1, telephony: JSON.stringify(line.telephony ?? {}) })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', line.id)
        .execute()
      await t.db
        .insertInto('service_numbers')
        .values({
          number: line.number,
          tenant_id: tenantId,
          purpose: 'service_line',
          service_line_id: line.id,
          advertising_source: `ad-${line.number}`,
        })
        .execute()
    },
    async addRepresentative(rep) {
      await t.db
        .insertInto('representatives')
        .values({
          tenant_id: 'acme',
          id: rep.id,
          name: rep.id,
          extension: rep.extension,
          pay_plan: 'share',
          pay_share_bps: 5000,
          pay_currency: 'USD',
          dial_string: `loopback/${rep.extension}`,
          gender: rep.gender ?? null,
          expertise: JSON.stringify(rep.expertise ?? []),
        })
        .execute()
      if (rep.queues) await t.services.acd.login('acme', rep.id, { queues: rep.queues, via: 'console' })
    },
    callOf: (call) => readCallByChannel(t.db, call.uuid),
    async close() {
      await listener.close()
      await fs.close()
      await t.close()
    },
  }
}

async function readCallByChannel(db: Db, channelUuid: string) {
  return db.selectFrom('calls').selectAll().where('channel_uuid', '=', channelUuid).executeTakeFirst()
}

/** Every table and column where `needle` appears in any row: card digits must appear nowhere. */
export async function rowsContaining(db: Db, needle: string): Promise<string[]> {
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE'`.execute(db)
  const found: string[] = []
  for (const { table_name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(table_name)}`.execute(db)
    for (const row of rows.rows)
      for (const [column, value] of Object.entries(row))
        if (value !== null && textOf(value).includes(needle)) found.push(`${table_name}.${column}`)
  }
  return found
}

function textOf(value: unknown): string {
  if (typeof value !== 'object') return String(value)
  return (
    JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? String(item) : item)) ?? ''
  )
}

function offlineControl(): EslControl {
  const refuse = () => Promise.reject(new Error('no control connection in these journeys yet'))
  return {
    api: refuse,
    bgapi: refuse,
    onEvent: () => () => undefined,
    onConnect: () => () => undefined,
    onDisconnect: () => () => undefined,
    connected: false,
    close: async () => undefined,
  }
}
