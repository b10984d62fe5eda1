// Real server processes for the suites and the benchmark that need more than one: each is
// `node --import tsx <script>` on a loopback port it picks itself (PORT=0), found by reading the
// "listening" log line, and is ready once /readyz answers.
import { type ChildProcessByStdio, spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'

export interface ServerProcess {
  url: string
  child: ChildProcessByStdio<null, Readable, Readable>
  /** what the process wrote to stderr, for failure messages */
  stderr: string[]
  stop(): Promise<void>
}

const root = path.resolve(import.meta.dirname, '../..')

export async function startServerProcess(options: {
  /** relative to the repository root; default server/main.ts */
  script?: string
  env?: Record<string, string | undefined>
  /** extra node flags, such as --cpu-prof */
  nodeArgs?: string[]
  timeoutMs?: number
}): Promise<ServerProcess> {
  const args = [...(options.nodeArgs ?? []), '--import', 'tsx', options.script ?? 'server/main.ts']
  const child = spawn(process.execPath, args, {
    cwd: root,
    // free ports: suites start servers side by side, and each runs a telephony bridge. ESL_LISTEN is
    // a port of its own, not 0: node:cluster's workers share one handle per address and port asked
    // for, so with PORT=0 too the bridge and the HTTP server would be handed the same port
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: '0',
      ESL_LISTEN: `127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'info',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stderr: string[] = []
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    await exited
    clearTimeout(timer)
  }

  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.script ?? 'server'} did not start listening in time`)),
        options.timeoutMs ?? 120_000,
      )
      child.once('exit', (code) =>
        reject(new Error(`server exited with ${code} before listening: ${stderr.join('').slice(-2000)}`)),
      )
      const lines = createInterface({ input: child.stdout })
      lines.on('line', (line) => {
        const port = listeningPort(line)
        if (port === null) return
        clearTimeout(timer)
        lines.removeAllListeners('line')
        // keep draining stdout so the child never blocks on a full pipe
        lines.on('line', () => {})
        resolve(port)
      })
    })
    const url = `http://127.0.0.1:${port}`
    await waitUntilReady(url, options.timeoutMs ?? 30_000)
    return { url, child, stderr, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

function listeningPort(line: string): number | null {
  if (!line.startsWith('{')) return null
  try {
    const entry = JSON.parse(line) as { msg?: unknown; port?: unknown }
    return typeof entry.msg === 'string' && entry.msg.includes('listening') && typeof entry.port === 'number'
      ? entry.port
      : null
  } catch {
    return null
  }
}

async function waitUntilReady(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      const response = await fetch(`${url}/readyz`)
      if (response.ok) return
    } catch {
      // not accepting connections yet
    }
    if (Date.now() > deadline) throw new Error(`${url}/readyz did not answer 200 in time`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** A loopback port free right now, for a server that must be told its port in advance. */
export async function freePort(): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  await once(server, 'close')
  if (typeof address !== 'object' || address === null) throw new Error('no port')
  return address.port
}

/** What a child process has written so far to stdout and to stderr. */
export function collectOutput(child: { stdout: Readable; stderr: Readable }): {
  stdout: () => string
  stderr: () => string
} {
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
  })
  return { stdout: () => stdout, stderr: () => stderr }
}
