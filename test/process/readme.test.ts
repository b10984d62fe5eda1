// The README's commands as a newcomer pastes them: each fenced `sh` block is run by bash as written
// (with the printed key in place of `tg_demo_…`), curl standing in as a shell function that hands
// its arguments back, and those arguments are sent as the same HTTP request to a real server
// started on a fresh data directory. The documented outcomes are asserted, so the README stays true.
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ServerProcess, startServerProcess } from '../support/server-process.ts'

const root = path.resolve(import.meta.dirname, '../..')
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')
const shellBlocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '')
const apiKey = `tg_demo_${randomBytes(16).toString('hex')}`
const dataDir = mkdtempSync(path.join(tmpdir(), 'tollgate-readme-'))
let server: ServerProcess

beforeAll(async () => {
  server = await startServerProcess({
    env: { DATABASE_URL: '', TOLLGATE_DATA_DIR: dataDir, TOLLGATE_BOOTSTRAP_API_KEY: apiKey },
    timeoutMs: 90_000,
  })
}, 120_000)
afterAll(async () => {
  await server?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const exportBlock = () => {
  const block = shellBlocks.find((b) => b.includes('export TOLLGATE_API_KEY='))
  if (!block) throw new Error('the README does not say to export TOLLGATE_API_KEY')
  return block.replace('tg_demo_…', apiKey)
}

/** The arguments curl would get from this README block, expanded by bash exactly as pasted. */
function curlArguments(block: string): string[] {
  const script = `curl() { printf '%s\\0' "$@"; }\n${exportBlock()}\n${block}`
  const run = spawnSync('bash', ['--norc', '--noprofile', '-e', '-c', script], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  })
  expect(run.status, run.stderr).toBe(0)
  expect(run.stderr).toBe('')
  return run.stdout.split('\0').slice(0, -1)
}

/** Sends what curl would send: -H headers, -d body (a POST), the URL on this test's server. */
async function send(
  block: string,
): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  const args = curlArguments(block)
  const headers: Record<string, string> = {}
  let data: string | undefined
  let url: string | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string
    if (arg === '-s') continue
    if (arg === '-H') {
      const [name, ...value] = (args[++i] as string).split(':')
      headers[(name as string).trim().toLowerCase()] = value.join(':').trim()
    } else if (arg === '-d') data = args[++i]
    else if (arg.startsWith('http://localhost:8080/')) url = arg.replace('http://localhost:8080', server.url)
    else throw new Error(`the README passes curl an option this test does not know: ${arg}`)
  }
  if (!url) throw new Error(`no URL in ${block}`)
  const response = await fetch(url, {
    method: data === undefined ? 'GET' : 'POST',
    headers,
    ...(data === undefined ? {} : { body: data }),
  })
  return { status: response.status, headers, body: await response.json() }
}

function block(containing: string): string {
  const found = shellBlocks.find((b) => b.includes(containing))
  if (!found) throw new Error(`no README block contains ${containing}`)
  return found
}

type Decision = {
  id: string
  outcome: string
  limits: { max_amount: number | null }
  reasons: { reason_code?: string }[]
}

describe('the README, pasted as written', () => {
  it('uses only what a fresh machine has (no uuidgen) and exports the key it uses', () => {
    expect(shellBlocks.length).toBeGreaterThanOrEqual(5)
    expect(readme).not.toContain('uuidgen')
    for (const b of shellBlocks.filter((b) => b.includes('$TOLLGATE_API_KEY')))
      expect(readme.indexOf(exportBlock().replace(apiKey, 'tg_demo_…'))).toBeLessThan(readme.indexOf(b))
    expect(readme).toContain('`entered.phone`')
  })

  it('approves the purchase with what is left of 100.00 a month, and limits the third', async () => {
    const purchase = block('"kind": "purchase"')
    const first = await send(purchase)
    expect(first.status, JSON.stringify(first.body)).toBe(201)
    // the Idempotency-Key really is there: node made one
    expect(first.headers['idempotency-key']).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    const decision = first.body as Decision
    expect(decision.outcome).toBe('approve')
    // the most the customer may still spend this month, this purchase included
    expect(decision.limits.max_amount).toBe(10_000)

    const second = (await send(purchase)).body as Decision
    expect(second.outcome).toBe('approve')
    expect(second.limits.max_amount).toBe(10_000 - 4999)
    const third = (await send(purchase)).body as Decision
    expect(third.outcome).toBe('limit')

    // the decision as GET /v1/decisions/{id} shows it, with the rules and facts it saw
    const read = await send(block('/v1/decisions/dec_…').replace('dec_…', decision.id))
    expect(read.status).toBe(200)
    const explained = read.body as Decision & { explanation: { facts: unknown[] } }
    expect(explained.id).toBe(decision.id)
    expect(explained.explanation.facts.length).toBeGreaterThan(0)
  }, 60_000)

  it('blocks the phone call without network.ani', async () => {
    const answer = await send(block('"customer": { "id": "c-82" }'))
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
    const decision = answer.body as Decision
    expect(decision.outcome).toBe('block')
    expect(decision.reasons.map((r) => r.reason_code)).toContain('no_ani')
  })

  it('stops the call whose entered.phone is not its network.ani for now', async () => {
    const answer = await send(block('"entered": { "phone"'))
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
    const decision = answer.body as Decision
    expect(decision.outcome).toBe('temporary_block')
    expect(decision.reasons.map((r) => r.reason_code)).toContain('entered_phone_mismatch')
  })
})
