// /admin/v1/wallboard: the contact center now, as JSON, and live as server-sent events
// (text/event-stream): a `wallboard` event with the whole board at once and again whenever it
// changes, and a comment every 15 seconds so proxies keep the stream open. Tenant-scoped; viewers.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { streamSSE } from 'hono/streaming'
import { type AdminEnv, adminProblems, adminRoute } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { presenceStates, type Wallboard, type WallboardFeed } from './wallboard.ts'

const HEARTBEAT_MS = 15_000

const wallboardSchema = z
  .object({
    at: z.string(),
    counts: z.object(
      Object.fromEntries(presenceStates.map((s) => [s, z.number().int()])) as Record<
        (typeof presenceStates)[number],
        z.ZodNumber
      >,
    ),
    representatives: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        extension: z.string(),
        state: z.enum(presenceStates),
        queues: z.array(z.enum(['solo', 'dual', 'triple'])),
        state_changed_at: z.string(),
        call_id: z.string().nullable(),
      }),
    ),
    queues: z.array(
      z.object({
        service_line_id: z.string(),
        name: z.string(),
        representatives_per_call: z.number().int(),
        in_ivr: z.number().int().openapi({ description: 'callers still being screened or paying' }),
        waiting: z.number().int(),
        longest_wait_seconds: z.number().int().nullable(),
        estimated_wait_seconds: z.number().nullable().openapi({
          description:
            'Erlang C: how long a caller arriving now waits on average, from the line’s arrivals and handle time (its settings, or its own recent calls) and the representatives serving; null when they cannot keep up or none are logged in',
        }),
        probability_of_waiting: z
          .number()
          .nullable()
          .openapi({ description: 'Erlang C: the chance a caller arriving now waits at all' }),
        representatives_serving: z.number().int().nullable().openapi({
          description: 'logged in to the line’s queue (solo, dual or triple) and not on a break',
        }),
      }),
    ),
    conferences: z.array(
      z.object({
        call_id: z.string(),
        service_line_id: z.string().nullable(),
        line_name: z.string().nullable(),
        conference_name: z.string().nullable(),
        stage: z.enum(['connecting', 'conference']),
        started_at: z.string(),
        connected_at: z
          .string()
          .nullable()
          .openapi({ description: 'the first representative’s answer: billing runs from here' }),
        representatives: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            status: z.string(),
            joined_at: z.string().nullable(),
          }),
        ),
      }),
    ),
  })
  .openapi('Wallboard')

const snapshot = adminRoute('viewer', {
  method: 'get',
  path: '/wallboard',
  tags: ['Telephony'],
  summary: 'Representatives by state, queues per line, live conferences: now',
  responses: {
    200: { description: 'The board', content: { 'application/json': { schema: wallboardSchema } } },
    ...adminProblems,
  },
})

const events = adminRoute('viewer', {
  method: 'get',
  path: '/wallboard/events',
  tags: ['Telephony'],
  summary: 'The wallboard, live: server-sent events',
  description:
    'A `wallboard` event whose data is the board (as GET /wallboard) at once, then each time it changes; a comment line every 15 seconds. Reconnect with EventSource as usual: the first event after a reconnect is the whole board again.',
  responses: {
    200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
    ...adminProblems,
  },
})

export function wallboardRoutes(feed: WallboardFeed) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(snapshot, async (c) => c.json(await feed.snapshot(c.get('staff').tenantId), 200))

  app.openapi(events, (c) => {
    const tenantId = c.get('staff').tenantId
    c.header('cache-control', 'no-store')
    c.header('x-accel-buffering', 'no')
    return streamSSE(c, async (stream) => {
      const pending: Wallboard[] = []
      let wake: (() => void) | null = null
      const unsubscribe = feed.subscribe(tenantId, (board) => {
        pending.push(board)
        wake?.()
      })
      stream.onAbort(() => {
        unsubscribe()
        wake?.()
      })
      let id = 0
      try {
        while (!stream.aborted && !stream.closed) {
          const board = pending.splice(0).at(-1)
          if (board) {
            id += 1
            await stream.writeSSE({ event: 'wallboard', data: JSON.stringify(board), id: String(id) })
            continue
          }
          const heartbeat = await new Promise<boolean>((resolve) => {
            const timer = setTimeout(() => resolve(true), HEARTBEAT_MS)
            timer.unref()
            wake = () => {
              clearTimeout(timer)
              resolve(false)
            }
          })
          wake = null
          if (heartbeat && !stream.aborted) await stream.write(': heartbeat\n\n')
        }
      } finally {
        unsubscribe()
      }
    }) as never
  })

  return app
}
