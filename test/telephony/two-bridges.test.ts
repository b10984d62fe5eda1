// Two bridge processes on one PostgreSQL database, both connected to one FreeSWITCH (the fake), each
// taking half of 100 simultaneous calls for the same 30 representatives: every call is served, each
// call's row names the bridge that owned it, and no representative is in two conferences at once.
// PostgreSQL only: PGlite lives inside one process.
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonb } from '../../db/json.ts'
import { addLine } from '../sessions/support.ts'
import { startTestApp, type TestApp } from '../support/app.ts'
import { type FakeFreeSwitch, startFakeFreeSwitch } from '../support/fake-freeswitch/index.ts'
import { doubleBookings } from './conference-support.ts'

const CALLS = 100
const REPRESENTATIVES = 30
const root = path.resolve(import.meta.dirname, '../..')

interface BridgeChild {
  child: ChildProcessByStdio<null, Readable, Readable>
  address: { host: string; port: number }
  bridgeId: string
  stderr: string[]
}

async function startBridgeProcess(fs: FakeFreeSwitch, url: string, bridgeId: string): Promise<BridgeChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/telephony/bridge-process.ts'], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      FS_HOST: fs.host,
      FS_PORT: String(fs.port),
      FS_PASSWORD: fs.password,
      BRIDGE_ID: bridgeId,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const lines = createInterface({ input: child.stdout })
  const [line] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`bridge ${bridgeId} exited: ${stderr.join('').slice(-2000)}`)
    }),
  ])) as [string]
  const started = JSON.parse(line) as { listening: { host: string; port: number }; bridgeId: string }
  return { child, address: started.listening, bridgeId: started.bridgeId, stderr }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)('two bridge processes on one PostgreSQL', () => {
  let t: TestApp
  let fs: FakeFreeSwitch
  const bridges: BridgeChild[] = []

  beforeAll(async () => {
    fs = await startFakeFreeSwitch({ now: new Date() })
    t = await startTestApp()
    await addLine(t.db, 'acme', { id: 'shared' })
    await t.db
      .updateTable('service_lines')
      .set({ telephony: jsonb({ ring_seconds: 10, wrap_up_seconds: 0 }) })
      .where('id', '=', 'shared')
      .execute()
    await t.db
      .insertInto('service_numbers')
      .values({ number: '9001', tenant_id: 'acme', purpose: 'service_line', service_line_id: 'shared' })
      .execute()
    for (let i = 0; i < REPRESENTATIVES; i++) {
      const extension = String(3000 + i)
      await t.db
        .insertInto('representatives')
        .values({
          tenant_id: 'acme',
          id: `rep_${extension}`,
          name: `Rep ${extension}`,
          extension,
          pay_plan: 'share',
          pay_share_bps: 5000,
          pay_currency: 'USD',
          dial_string: `loopback/${extension}`,
        })
        .execute()
      await t.services.acd.login('acme', `rep_${extension}`, { queues: ['solo'], via: 'console' })
      fs.registerEndpoint(`loopback/${extension}`, { answerAfterMs: 0, hangupAfterMs: 2000 })
    }
    const url = t.database.url ?? ''
    bridges.push(...(await Promise.all(['brg_one', 'brg_two'].map((id) => startBridgeProcess(fs, url, id)))))
    await fs.waitFor(() => fs.inboundConnections === 2, 60_000)
  }, 180_000)

  afterAll(async () => {
    await fs?.close()
    for (const bridge of bridges) {
      const exited = once(bridge.child, 'exit')
      bridge.child.kill('SIGTERM')
      const timer = setTimeout(() => bridge.child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
    }
    await t?.close()
  })

  it(`${CALLS} calls split between two bridges: all served, none double-booked`, async () => {
    const calls = Array.from({ length: CALLS }, (_, i) =>
      fs.placeCall({
        dnis: '9001',
        ani: `+1555300${String(i).padStart(4, '0')}`,
        to: bridges[i % 2]?.address,
      }),
    )
    let ended = 0
    for (const call of calls) void call.ended.then(() => ended++)
    const deadline = Date.now() + 240_000
    while (ended < CALLS) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${ended} of ${CALLS} ended; ${bridges.map((b) => b.stderr.join('').slice(-500))}`,
        )
      await fs.advance(500)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const owners = await t.db
      .selectFrom('calls')
      .select(['bridge_id', (eb) => eb.fn.countAll<string>().as('calls')])
      .where('stage', '=', 'ended')
      .groupBy('bridge_id')
      .orderBy('bridge_id')
      .execute()
    expect(owners.map((o) => [o.bridge_id, Number(o.calls)])).toEqual([
      ['brg_one', CALLS / 2],
      ['brg_two', CALLS / 2],
    ])
    const served = await t.db
      .selectFrom('call_members')
      .select('call_id')
      .distinct()
      .where('joined_at', 'is not', null)
      .execute()
    expect(served.length).toBe(CALLS)
    expect(await doubleBookings(t)).toEqual([])
  }, 300_000)
})
