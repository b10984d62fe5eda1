// Two bridge processes on one PostgreSQL: each builds its own service graph and asks services.acd to
// reserve every one of two hundred waiting calls at the same moment. Each call is reserved once, by
// one of them, and no representative is booked twice. Needs TEST_DATABASE_URL: PGlite lives inside
// one process.
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable, Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresAcd } from '../../server/acd/acd.ts'
import type { Reservation } from '../../server/acd/types.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { expectNoDoubleBooking, RUSH_REPRESENTATIVES, type Rush, seedRush } from './rush.ts'

const onPostgres = Boolean(process.env.TEST_DATABASE_URL)
const root = path.resolve(import.meta.dirname, '../..')

interface Bridge {
  child: ChildProcessByStdio<Writable, Readable, Readable>
  ready: Promise<void>
  result: Promise<{ pid: number; results: { callId: string; reservation: Reservation | null }[] }>
  stderr: string[]
}

function startBridge(url: string, callIds: string[]): Bridge {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/acd/reserve-process.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: url, TENANT_ID: 'rush', CALL_IDS: callIds.join(',') },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const lines = createInterface({ input: child.stdout })
  let readyResolve: () => void = () => {}
  const ready = new Promise<void>((resolve) => {
    readyResolve = resolve
  })
  const result = new Promise<Bridge['result'] extends Promise<infer T> ? T : never>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`bridge exited with ${code}: ${stderr.join('').slice(-2000)}`)),
    )
    lines.on('line', (line) => {
      if (line === 'ready') return readyResolve()
      if (line.startsWith('{')) {
        const parsed = JSON.parse(line) as Bridge['result'] extends Promise<infer T> ? T : never
        for (const r of parsed.results)
          if (r.reservation) r.reservation.reservedUntil = new Date(r.reservation.reservedUntil)
        resolve(parsed)
      }
    })
  })
  return { child, ready, result, stderr }
}

describe('two bridge processes on one PostgreSQL', () => {
  if (!onPostgres) {
    it.skip('needs TEST_DATABASE_URL: PGlite is an in-process database, so two processes cannot share one', () => {})
    return
  }

  let database: TestDatabase
  let rush: Rush
  const bridges: Bridge[] = []

  beforeAll(async () => {
    database = await createTestDatabase()
    if (!database.url) throw new Error('createTestDatabase gave no URL although TEST_DATABASE_URL is set')
    rush = await seedRush(database.db, new PostgresAcd({ db: database.db }), 'rush')
    // both race for every call, in opposite orders so they collide all along the queue
    bridges.push(
      startBridge(database.url, rush.callIds),
      startBridge(database.url, [...rush.callIds].reverse()),
    )
    await Promise.all(bridges.map((b) => b.ready))
  }, 120_000)

  afterAll(async () => {
    for (const b of bridges) if (b.child.exitCode === null) b.child.kill('SIGKILL')
    await database?.close()
  })

  it('each call is reserved by one process at most, and no representative twice', async () => {
    for (const b of bridges) b.child.stdin.write('go\n')
    const [first, second] = await Promise.all(bridges.map((b) => b.result))
    if (!first || !second) throw new Error('both bridges answer')
    expect(first.pid).not.toBe(second.pid)
    const all = [...first.results, ...second.results]
    const won = await expectNoDoubleBooking(database.db, rush, all)
    const booked = won.reduce((n, r) => n + r.reservation.representatives.length, 0)
    expect(booked).toBeGreaterThan(RUSH_REPRESENTATIVES / 2)
    expect(booked).toBeLessThanOrEqual(RUSH_REPRESENTATIVES)
    // the tables say the same: every reserved call connecting, its members the ones returned
    const connecting = await database.db
      .selectFrom('calls')
      .select('id')
      .where('tenant_id', '=', 'rush')
      .where('stage', '=', 'connecting')
      .execute()
    expect(connecting.map((c) => c.id).sort()).toEqual(won.map((r) => r.callId).sort())
  }, 120_000)
})
