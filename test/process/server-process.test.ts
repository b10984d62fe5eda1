// The real server as a deployer starts it: `node --import tsx server/main.ts` on a fresh data
// directory. First start migrates, seeds the demo tenant and prints its credentials once; the fixed
// paths answer; the bootstrap key authorizes over real HTTP; SIGTERM stops it cleanly; a second
// start on the same directory keeps the data and prints nothing secret.
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { once } from 'node:events'
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { purchase } from '../support/app.ts'
import { collectOutput, freePort } from '../support/server-process.ts'

const root = path.resolve(import.meta.dirname, '../..')
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'
const bootstrapKey = `tg_demo_${Array.from({ length: 24 }, () => alphabet[randomInt(alphabet.length)]).join('')}`
const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-process-'))

interface Running {
  url: string
  child: ChildProcessByStdio<null, Readable, Readable>
  stdout: () => string
  stderr: () => string
}

const running: Running[] = []

afterAll(async () => {
  for (const server of running) {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL')
      await once(server.child, 'exit')
    }
  }
  rmSync(dataDir, { recursive: true, force: true })
})

async function start(): Promise<Running> {
  const port = await freePort()
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    ESL_LISTEN: '127.0.0.1:0',
    TOLLGATE_DATA_DIR: dataDir,
    TOLLGATE_BOOTSTRAP_API_KEY: bootstrapKey,
    LOG_LEVEL: 'info',
  }
  // the point is a first start on a fresh data directory: embedded PGlite, whatever the suite runs on
  delete env.DATABASE_URL
  delete env.TOLLGATE_SECRET
  delete env.TOLLGATE_BOOTSTRAP_ADMIN_PASSWORD
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const output = collectOutput(child)
  const server: Running = {
    url: `http://127.0.0.1:${port}`,
    child,
    stdout: output.stdout,
    stderr: output.stderr,
  }
  running.push(server)

  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `server exited with ${child.exitCode}: ${output.stderr().slice(-2000)}${output.stdout().slice(-2000)}`,
      )
    try {
      const response = await fetch(`${server.url}/readyz`)
      if (response.status === 200) break
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`/readyz never answered: ${output.stderr().slice(-2000)}`)
    await new Promise((resolve) => setTimeout(resolve, 150))
  }
  // the banner is written in the listen callback, right after the port opens
  for (let i = 0; i < 40 && !output.stdout().includes('tollgate listening'); i++)
    await new Promise((resolve) => setTimeout(resolve, 50))
  return server
}

async function stop(server: Running): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = once(server.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  server.child.kill('SIGTERM')
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error('the server did not exit within 15 s of SIGTERM')), 15_000),
  )
  const [code, signal] = await Promise.race([exited, timeout])
  return { code, signal }
}

describe('the server process', () => {
  let decisionId = ''

  it('starts fresh, serves its fixed paths, authorizes with the bootstrap key, and stops on SIGTERM', async () => {
    expect(readdirSync(dataDir)).toEqual([])
    const server = await start()

    // first-start credentials, printed once, to stdout
    const out = server.stdout()
    expect(out).toContain('Tollgate is running with a new demo tenant.')
    expect(out).toContain(`API key:   ${bootstrapKey}`)
    expect(out).toMatch(
      /Console: {3}http:\/\/127\.0\.0\.1:\d+\/console {3}\(admin@example\.com \/ [A-Za-z0-9]{12,}\)/,
    )
    expect(server.stderr()).not.toContain(bootstrapKey)

    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok' })

    const ready = await fetch(`${server.url}/readyz`)
    expect(await ready.json()).toEqual({ status: 'ready', database: 'reachable' })

    const openapi = await fetch(`${server.url}/v1/openapi.json`)
    expect(openapi.status).toBe(200)
    const doc = (await openapi.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(doc.openapi).toMatch(/^3\./)
    expect(Object.keys(doc.paths)).toContain('/v1/authorizations')
    expect(doc.paths['/v1/authorizations']).toHaveProperty('post')
    expect(Object.keys(doc.paths)).toContain('/v1/decisions/{id}')

    const consolePage = await fetch(`${server.url}/console/`)
    expect(consolePage.status).toBe(200)
    expect(consolePage.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await consolePage.text()).toMatch(/<html[\s>]/i)

    const unauthenticated = await fetch(`${server.url}/v1/authorizations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(purchase()),
    })
    expect(unauthenticated.status).toBe(401)

    const response = await fetch(`${server.url}/v1/authorizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(purchase()),
    })
    const text = await response.text()
    expect(response.status, text).toBe(201)
    const decision = JSON.parse(text) as {
      id: string
      outcome: string
      rule_set: { id: string; version: number }
    }
    expect(decision.outcome).toBe('approve')
    expect(decision.rule_set).toEqual({ id: 'authorizations', version: 1 })
    decisionId = decision.id

    // the seeded negative list is live: its sample phone is blocked
    const listed = await fetch(`${server.url}/v1/authorizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(purchase({ customer: { id: 'c-listed', phone: '+15555550199' } })),
    })
    expect(((await listed.json()) as { outcome: string }).outcome).toBe('block')

    const metrics = await fetch(`${server.url}/metrics`)
    expect(metrics.status).toBe(200)
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/)
    const exposition = await metrics.text()
    expect(exposition).toMatch(/^# (HELP|TYPE) /m)
    expect(exposition).toMatch(/process_cpu|nodejs_/)

    // it handles SIGTERM itself: closes the server and the database, then exits 0
    expect(await stop(server)).toEqual({ code: 0, signal: null })
    // the data directory now holds the database and the generated secret
    expect(readdirSync(dataDir).length).toBeGreaterThan(0)
    expect(existsSync(dataDir)).toBe(true)
  }, 120_000)

  it('restarts on the same directory with its data, and prints no credentials again', async () => {
    expect(decisionId).toMatch(/^dec_/)
    const server = await start()
    expect(server.stdout()).not.toContain('Tollgate is running with a new demo tenant.')
    expect(server.stdout()).not.toContain(bootstrapKey)

    const read = await fetch(`${server.url}/v1/decisions/${decisionId}`, {
      headers: { authorization: `Bearer ${bootstrapKey}` },
    })
    expect(read.status).toBe(200)
    expect(((await read.json()) as { id: string }).id).toBe(decisionId)

    // the card fingerprint secret persisted: the same card is the same returning customer
    const again = await fetch(`${server.url}/v1/authorizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(purchase({ customer: {}, network: {} })),
    })
    const decision = (await again.json()) as {
      customer: { returning: boolean }
      limits: { max_amount: number }
    }
    expect(decision.customer.returning).toBe(true)
    expect(decision.limits.max_amount).toBe(7_500)

    expect(await stop(server)).toEqual({ code: 0, signal: null })
  }, 120_000)
})
