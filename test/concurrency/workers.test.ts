// TOLLGATE_WORKERS=2: one `npm start` process supervising two server processes on one port
// (server/workers.ts). Needs TEST_DATABASE_URL: PGlite lives inside one process.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { purchase } from '../support/app.ts'
import { createTestDatabase, type TestDatabase } from '../support/db.ts'
import { type ServerProcess, startServerProcess } from '../support/server-process.ts'

const onPostgres = Boolean(process.env.TEST_DATABASE_URL)
const apiKey = `tg_demo_${'w'.repeat(48)}`

/** The server processes whose parent is `pid` (not tsx's esbuild helper). */
function childrenOf(pid: number): number[] {
  const children: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes('server/main.ts'))
        children.push(Number(entry))
    } catch {
      // ended while we read
    }
  }
  return children
}

/** One authorization on a connection of its own, so the supervisor hands each to the next worker. */
async function authorize(url: string, body: unknown, idempotencyKey: string) {
  const payload = JSON.stringify(body)
  const req = request(`${url}/v1/authorizations`, {
    method: 'POST',
    agent: false,
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey,
      'content-length': Buffer.byteLength(payload),
    },
  })
  req.end(payload)
  const [response] = (await once(req, 'response')) as [import('node:http').IncomingMessage]
  let text = ''
  for await (const chunk of response) text += chunk
  return { status: response.statusCode, body: JSON.parse(text) }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) return false
    await new Promise((r) => setTimeout(r, 50))
  }
  return true
}

describe('TOLLGATE_WORKERS: several server processes on one port', () => {
  if (!onPostgres) {
    it.skip('needs TEST_DATABASE_URL: PGlite is an in-process database, so two processes cannot share one', () => {})
    return
  }

  let database: TestDatabase
  let server: ServerProcess
  let dataDir: string

  beforeAll(async () => {
    database = await createTestDatabase()
    if (!database.url) throw new Error('createTestDatabase gave no URL although TEST_DATABASE_URL is set')
    dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-workers-'))
    // no TOLLGATE_SECRET: the supervisor makes one, and both workers must use it
    server = await startServerProcess({
      env: {
        DATABASE_URL: database.url,
        TOLLGATE_DATA_DIR: dataDir,
        TOLLGATE_SECRET: undefined,
        TOLLGATE_WORKERS: '2',
        TOLLGATE_BOOTSTRAP_API_KEY: apiKey,
      },
      timeoutMs: 60_000,
    })
  }, 90_000)

  afterAll(async () => {
    await server?.stop()
    rmSync(dataDir, { recursive: true, force: true })
    await database?.close()
  })

  it('two workers decide, with the one secret the supervisor settled: a card has one fingerprint', async () => {
    const pid = server.child.pid ?? 0
    expect(childrenOf(pid)).toHaveLength(2)
    expect(existsSync(path.join(dataDir, 'secret'))).toBe(true)
    const body = purchase({ customer: { id: 'c-workers', phone: '+15555550144', name: 'Worker One' } })
    const fingerprints = new Set<string>()
    for (let i = 0; i < 6; i++) {
      const { status, body: decision } = await authorize(server.url, body, `workers-${i}`)
      expect(status).toBe(201)
      fingerprints.add(decision.payment_method.fingerprint)
    }
    // connections alternate between the workers; two secrets would give two fingerprints
    expect(fingerprints.size).toBe(1)
    const rows = await database.db
      .selectFrom('decisions')
      .select('id')
      .where('tenant_id', '=', 'demo')
      .execute()
    expect(rows).toHaveLength(6)
  })

  it('says in /metrics which worker answered: every series has a worker label, and both show up', async () => {
    const seen = new Set<string>()
    for (let i = 0; i < 20 && seen.size < 2; i++) {
      // a new connection each time: the supervisor hands connections to the workers in turn
      const response = await fetch(`${server.url}/metrics`, { headers: { connection: 'close' } })
      expect(response.status).toBe(200)
      const text = await response.text()
      const workers = new Set(
        [...text.matchAll(/^tollgate_decision_batch_size_count\{worker="(\d+)"\}/gm)].map((m) => m[1]),
      )
      expect(workers.size).toBe(1)
      for (const worker of workers) if (worker) seen.add(worker)
      // the process's own series too, not only Tollgate's
      expect(text).toMatch(/^nodejs_heap_size_used_bytes\{worker="\d+"\}/m)
      // and every sample of the scrape, with the one worker's label
      const [worker] = [...workers]
      const unlabelled = text
        .split('\n')
        .filter((line) => line && !line.startsWith('#') && !line.includes(`worker="${worker}"`))
      expect(unlabelled).toEqual([])
    }
    expect(seen.size).toBe(2)
  })

  it('a worker that dies is replaced, and the port keeps answering', async () => {
    const pid = server.child.pid ?? 0
    const [victim] = childrenOf(pid)
    if (!victim) throw new Error('no worker to stop')
    process.kill(victim, 'SIGKILL')
    expect(await until(() => childrenOf(pid).length === 2 && !childrenOf(pid).includes(victim), 20_000)).toBe(
      true,
    )
    const body = purchase({ customer: { id: 'c-workers-after', phone: '+15555550145', name: 'Worker Two' } })
    for (let i = 0; i < 4; i++) expect((await authorize(server.url, body, `after-${i}`)).status).toBe(201)
  }, 30_000)

  it('SIGTERM to the supervisor stops every worker', async () => {
    const pid = server.child.pid ?? 0
    const workers = childrenOf(pid)
    expect(workers).toHaveLength(2)
    await server.stop()
    expect(server.child.exitCode).toBe(0)
    expect(await until(() => workers.every((w) => !existsSync(`/proc/${w}`)), 10_000)).toBe(true)
  }, 30_000)

  it('a worker that cannot start fails the start: the supervisor exits with an error and never says it listens', async () => {
    if (!database.url) throw new Error('no database URL')
    // the port is taken, so no worker can listen on it
    const taken = createServer()
    taken.listen(0, '127.0.0.1')
    await once(taken, 'listening')
    const address = taken.address()
    const port = typeof address === 'object' && address ? address.port : 0
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
        cwd: path.resolve(import.meta.dirname, '../..'),
        env: {
          ...process.env,
          DATABASE_URL: database.url,
          TOLLGATE_DATA_DIR: dataDir,
          TOLLGATE_WORKERS: '2',
          HOST: '127.0.0.1',
          ESL_LISTEN: '127.0.0.1:0',
          PORT: String(port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let output = ''
      child.stdout.on('data', (chunk) => {
        output += chunk
      })
      child.stderr.on('data', (chunk) => {
        output += chunk
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
      const [code] = (await once(child, 'exit')) as [number | null]
      clearTimeout(timer)
      expect(code).not.toBe(0)
      expect(code).not.toBeNull()
      expect(output).toMatch(/exited with .* before listening|EADDRINUSE/)
      expect(output).not.toContain('tollgate listening')
    } finally {
      taken.close()
    }
  }, 45_000)
})
