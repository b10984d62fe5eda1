// The caller's journeys: the real bridge (telephony/bridge.ts) with the real caller flow and the real
// conference, on a real service graph, against the fake FreeSWITCH over TCP. The sessions, the bridge
// and the fake share one clock (the fake's), which moves only when a journey advances it.
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { type Bridge, createBridge } from '../../telephony/bridge.ts'
import { type CallerFlowOptions, callerFlow } from '../../telephony/caller/flow.ts'
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
  bridge: Bridge
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
  const bridge = await createBridge({
    services: t.services,
    logger: t.services.logger,
    listen: { host: '127.0.0.1', port: 0 },
    freeswitch: { host: fs.host, port: fs.port, password: fs.password },
    flows: { caller: callerFlow({ minCheckIntervalMs: 5, ...options.flow }) },
    clock: () => fs.now(),
    tickMs: 50,
    backoff: { initialMs: 20, maxMs: 100 },
  })
  await fs.waitFor(() => fs.inboundConnections > 0)

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
        .set({ representatives_per_call: line.perCall ?? 1, telephony: jsonb(line.telephony ?? {}) })
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
          expertise: jsonb(rep.expertise ?? []),
        })
        .execute()
      if (rep.queues) await t.services.acd.login('acme', rep.id, { queues: rep.queues, via: 'console' })
    },
    callOf: (call) => readCallByChannel(t.db, call.uuid),
    async close() {
      await bridge.close()
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
