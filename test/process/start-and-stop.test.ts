// `npm start` as a process manager or a terminal runs it: SIGTERM to npm reaches the server, which
// finishes the requests in flight, closes the database and exits 0, leaving no process behind. And
// a wrong environment variable stops the server at once with one line that names it, not a stack.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { SANDBOX_SLOW_MS } from '../../server/providers/sandbox.ts'
import { collectOutput, freePort } from '../support/server-process.ts'

const root = path.resolve(import.meta.dirname, '../..')
const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-npm-start-'))
const groups: number[] = []

afterAll(() => {
  // whatever a failed test left running, in the process groups it started
  for (const group of groups) {
    try {
      process.kill(-group, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true })
})

/** The environment of a first start on this suite's data directory, embedded PGlite. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // ESL_LISTEN on any free port: other suites' servers run telephony bridges of their own
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOST: '127.0.0.1',
    ESL_LISTEN: '127.0.0.1:0',
    TOLLGATE_DATA_DIR: dataDir,
  }
  delete env.DATABASE_URL
  return { ...env, ...extra }
}

/** Runs the server as a deployer would, to its exit: for starts that must stop by themselves. */
async function runServer(
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const pid = child.pid as number
  const output = collectOutput(child)
  const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), 90_000)
  const [status] = (await once(child, 'close')) as [number | null]
  clearTimeout(timer)
  return { status, stdout: output.stdout(), stderr: output.stderr() }
}

function groupAlive(group: number): boolean {
  try {
    process.kill(-group, 0)
    return true
  } catch {
    return false
  }
}

describe('npm start', () => {
  it('stops on SIGTERM to npm: the request in flight is answered, then every process exits', async () => {
    const port = await freePort()
    const url = `http://127.0.0.1:${port}`
    // detached: npm leads a process group of its own, so the test can see whether any of it is left
    const npm = spawn('npm', ['start'], {
      cwd: root,
      env: serverEnv({ PORT: String(port), LOG_LEVEL: 'info' }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const pid = npm.pid as number
    groups.push(pid)
    let output = ''
    npm.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    npm.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk
    })
    const exited = once(npm, 'exit') as Promise<[number | null, NodeJS.Signals | null]>

    // npm start builds the console first (prestart), then starts the server
    const deadline = Date.now() + 150_000
    for (;;) {
      expect(npm.exitCode, output).toBeNull()
      const ready = await fetch(`${url}/readyz`).catch(() => null)
      if (ready?.status === 200) break
      if (Date.now() > deadline) throw new Error(`npm start never got ready: ${output.slice(-2000)}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
    }

    // the sandbox bureau answers this postal code only after a few seconds: a request in flight
    const sentAt = Date.now()
    const inFlight = fetch(`${url}/sandbox/providers/credit_bureau`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: {
          name: 'Ann Lee',
          email: 'ann@example.com',
          phone: null,
          birth_date: null,
          address: { line1: '12 Main St', postal_code: '99999', country: 'US' },
        },
      }),
    })
    await new Promise((resolve) => setTimeout(resolve, 500))
    process.kill(pid, 'SIGTERM')

    const answer = await inFlight
    expect(answer.status).toBe(200)
    expect(((await answer.json()) as { sandbox: boolean }).sandbox).toBe(true)
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(SANDBOX_SLOW_MS - 100)

    const [code, signal] = await Promise.race([
      exited,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`npm did not exit after SIGTERM: ${output.slice(-2000)}`)), 15_000),
      ),
    ])
    expect({ code, signal }).toEqual({ code: 0, signal: null })
    expect(output).toContain('"signal":"SIGTERM"')
    // the port is closed and nothing npm started (sh, node, esbuild) is still running
    await expect(fetch(`${url}/healthz`)).rejects.toThrow()
    for (let i = 0; i < 40 && groupAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100))
    expect(groupAlive(pid)).toBe(false)
  }, 200_000)
})

describe('a wrong environment variable', () => {
  // each is refused before the database is opened: one line on stderr, exit 1, no stack trace
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'a malformed bootstrap key',
      { TOLLGATE_BOOTSTRAP_API_KEY: 'tg_demo_short-and-$pecial' },
      /^tollgate: TOLLGATE_BOOTSTRAP_API_KEY must be tg_demo_ followed by 16 to 128 letters or digits$/,
    ],
    [
      'a PORT that is not a number',
      { PORT: 'eighty' },
      /^tollgate: PORT must be a whole number from 0 to 65535, got "eighty"$/,
    ],
    [
      'a DATABASE_URL that is not PostgreSQL',
      { DATABASE_URL: 'mysql://root:hunter2@db/tollgate' },
      /^tollgate: DATABASE_URL must be a PostgreSQL URL of the form postgres:\/\/user:password@host:5432\/database$/,
    ],
    [
      'an unknown LOG_LEVEL',
      { LOG_LEVEL: 'loud' },
      /^tollgate: LOG_LEVEL must be one of .*info.*, got "loud"$/,
    ],
  ]

  it.each(cases)(
    '%s stops the server with one line naming it',
    async (_, variables, line) => {
      const env = serverEnv({ PORT: '0', ...variables })
      const run = await runServer(env)
      expect(run.status).toBe(1)
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(run.stderr.trimEnd()).toMatch(line)
      expect(run.stderr).not.toMatch(/\n\s+at |Error:/)
      // nothing secret is echoed: neither a key nor a database password
      expect(run.stderr).not.toContain('hunter2')
      expect(run.stderr).not.toContain('$pecial')
      expect(run.stdout).toBe('')
    },
    60_000,
  )

  it('a DATABASE_URL nobody answers at stops with one line saying where, without the password', {
    timeout: 100_000,
  }, async () => {
    const closedPort = await freePort()
    const env = serverEnv({
      PORT: '0',
      DATABASE_URL: `postgres://tollgate:hunter2@127.0.0.1:${closedPort}/tollgate`,
    })
    const run = await runServer(env)
    expect(run.status).toBe(1)
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain(
      `tollgate: cannot open PostgreSQL at DATABASE_URL (127.0.0.1:${closedPort}/tollgate)`,
    )
    expect(run.stderr).toContain('ECONNREFUSED')
    expect(run.stderr).not.toContain('hunter2')
  })

  it('a PORT in use stops with one line, after printing the new demo tenant it just created', {
    timeout: 100_000,
  }, async () => {
    const busy = createServer()
    busy.listen(0, '127.0.0.1')
    await once(busy, 'listening')
    const address = busy.address()
    if (typeof address !== 'object' || address === null) throw new Error('no port')
    try {
      const run = await runServer(
        serverEnv({
          PORT: String(address.port),
          LOG_LEVEL: 'warn',
          TOLLGATE_DATA_DIR: path.join(dataDir, 'port-in-use'),
        }),
      )
      expect(run.status).toBe(1)
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
      expect(run.stderr).toMatch(/^tollgate: cannot listen on HOST 127\.0\.0\.1 PORT \d+: listen EADDRINUSE/)
      // the random credentials exist only in this output: they are shown although the server did not start
      expect(run.stdout).toContain('Tollgate created a new demo tenant but could not start:')
      expect(run.stdout).toMatch(/API key: {3}tg_demo_[A-Za-z0-9]{32}/)
    } finally {
      busy.close()
    }
  })
})
