// The demo's sandbox data providers in a process of their own, as a real provider runs on its own
// machines: with BENCH_PROVIDERS=remote (the default on PostgreSQL) the bench points the demo
// tenant's providers here, so the Tollgate process does not also serve the providers it calls.
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { sandboxRoutes } from '../../server/providers/sandbox.ts'

const app = new Hono()
app.get('/readyz', (c) => c.json({ status: 'ready' }))
app.route('/sandbox', sandboxRoutes())

serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1' }, (info) => {
  process.stdout.write(`${JSON.stringify({ msg: 'sandbox providers listening', port: info.port })}\n`)
})
process.on('SIGTERM', () => process.exit(0))
