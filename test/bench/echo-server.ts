// The benchmark's ceiling: a bare Hono app on @hono/node-server that parses the JSON body and
// sends it back. Whatever Tollgate adds per request is measured against this.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.get('/readyz', (c) => c.json({ status: 'ready' }))
app.post('/v1/authorizations', async (c) => c.json(await c.req.json(), 201))

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: 'echo listening', port: info.port })}\n`)
})
process.on('SIGTERM', () => process.exit(0))
