// The benchmark's floor: the least a durable decision can cost in this stack on this machine.
// The same framework and body validation as Tollgate's POST /v1/authorizations (Hono with
// @hono/zod-openapi and the real request schema), a bearer-key check, and one row written to
// PostgreSQL in a transaction of its own (BEGIN, INSERT, COMMIT in one round trip) before it
// answers — no rules, no lookups, no locks. Tollgate's rate can approach this, never pass it; the
// gap between the two is what the decision itself costs.
import { createHash, randomBytes } from 'node:crypto'
import { serve } from '@hono/node-server'
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import { connect } from '../../db/connect.ts'
import { authorizationRequestSchema } from '../../server/authorizations/schema.ts'
import { pipelinedTransaction } from '../../server/decision-store/pipeline.ts'

const url = process.env.DATABASE_URL
if (!url) throw new Error('the floor server needs DATABASE_URL')
const apiKey = process.env.TOLLGATE_BOOTSTRAP_API_KEY ?? ''
const handle = await connect({ url, poolSize: Number(process.env.TOLLGATE_DB_POOL ?? 10) })
await sql`create table if not exists floor_decisions (
  tenant_id text not null, id text not null, created_at timestamptz not null, request jsonb not null,
  primary key (tenant_id, id))`.execute(handle.db)

const route = createRoute({
  method: 'post',
  path: '/v1/authorizations',
  request: {
    body: { required: true, content: { 'application/json': { schema: authorizationRequestSchema } } },
  },
  responses: {
    201: {
      description: 'recorded',
      content: { 'application/json': { schema: z.object({ id: z.string(), outcome: z.string() }) } },
    },
    401: {
      description: 'wrong key',
      content: { 'application/json': { schema: z.object({ error: z.string() }) } },
    },
  },
})

const app = new OpenAPIHono()
app.get('/readyz', (c) => c.json({ status: 'ready' }))
app.openapi(route, async (c) => {
  if (c.req.header('authorization') !== `Bearer ${apiKey}`) return c.json({ error: 'unauthenticated' }, 401)
  const body = c.req.valid('json')
  const id = `dec_${randomBytes(12).toString('hex')}`
  await pipelinedTransaction(handle.db, async (p) => {
    p.sendBeforeCommit(
      sql`insert into floor_decisions values (${'demo'}, ${id}, ${new Date()}, ${JSON.stringify(body)}::jsonb)`.compile(
        p.trx,
      ),
    )
  })
  return c.json({ id, outcome: createHash('sha1').update(id).digest()[0] === 0 ? 'review' : 'approve' }, 201)
})

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: 'floor listening', port: info.port })}\n`)
})
process.on('SIGTERM', () => {
  void handle.close().finally(() => process.exit(0))
})
