// /admin/v1/service-lines/{id}/telephony: how a line's calls are handled: representatives per call
// (solo, dual or triple queue), prompts, strategy, preferences offered, waiting content, maximum
// wait, announcements, partner network, the Erlang C starting figures, ring time, misses and
// wrap-up. Viewers read; editors replace; every change is audited.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { type AdminEnv, adminProblems, adminRoute, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { ProblemError } from '../http/problem.ts'
import type { StaffIdentity } from '../staff/sessions.ts'
import { defaultPrompts, lineTelephonySchema } from './line-telephony.ts'
import { readLineTelephony, writeLineTelephony } from './line-telephony-store.ts'

const settingsText = `**Settings.** Prompts are file paths FreeSWITCH can play (\`/usr/share/freeswitch/sounds/…wav\`,
\`tone_stream://…\`, \`silence_stream://…\`, \`local_stream://moh\` with FreeSWITCH's music package); one left out plays
its default, a tone stream, so a bare FreeSWITCH runs every flow. A setting left out takes its default; the
response gives every setting with defaults filled in, and \`customized\` names those you set.`

const perCall = z
  .union([z.literal(1), z.literal(2), z.literal(3)])
  .openapi({ description: '1, 2 or 3 representatives per call: the solo, dual or triple queue' })

const viewSchema = z
  .object({
    service_line_id: z.string(),
    name: z.string(),
    representatives_per_call: perCall,
    telephony: lineTelephonySchema,
    customized: z.array(z.string()),
    prompt_defaults: z
      .record(z.string(), z.string())
      .openapi({ description: 'what each prompt plays when not set' }),
  })
  .openapi('LineTelephony')

const body = z
  .object({
    representatives_per_call: perCall.optional(),
    telephony: lineTelephonySchema.optional(),
  })
  .strict()

const idParam = z.object({ id: z.string().min(1).max(64) })
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const read = adminRoute('viewer', {
  method: 'get',
  path: '/service-lines/{id}/telephony',
  tags: ['Telephony'],
  summary: 'A service line’s telephony settings, defaults filled in',
  description: settingsText,
  request: { params: idParam },
  responses: {
    200: { description: 'The settings', content: json(viewSchema) },
    ...adminProblems,
    ...notFound,
  },
})

const replace = adminRoute('editor', {
  method: 'put',
  path: '/service-lines/{id}/telephony',
  tags: ['Telephony'],
  summary: 'Set a service line’s representatives per call and telephony settings',
  description: `Given \`telephony\` replaces every setting (those left out go back to their default); left out, the settings stay. ${settingsText}`,
  request: { params: idParam, body: { required: true, content: json(body) } },
  responses: {
    200: { description: 'Changed', content: json(viewSchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
  },
})

const actor = (staff: StaffIdentity) => ({ id: staff.userId, email: staff.email })

export function lineTelephonyRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(read, async (c) => {
    const { id } = c.req.valid('param')
    const found = await readLineTelephony(db, c.get('staff').tenantId, id)
    if (!found) throw new ProblemError('not_found', `No service line ${id} in this workspace.`)
    return c.json({ ...found, prompt_defaults: defaultPrompts }, 200)
  })

  app.openapi(replace, async (c) => {
    const { id } = c.req.valid('param')
    const valid = c.req.valid('json')
    // the body as sent: only the settings staff gave are stored, so the others follow the defaults
    const sent = (await c.req.json()) as { telephony?: Record<string, unknown> }
    const telephony =
      valid.telephony && sent.telephony
        ? Object.fromEntries(
            Object.keys(sent.telephony).map((key) => [key, valid.telephony?.[key as 'strategy']]),
          )
        : undefined
    const staff = c.get('staff')
    const saved = await writeLineTelephony(db, staff.tenantId, id, actor(staff), {
      representatives_per_call: valid.representatives_per_call,
      telephony,
    })
    return c.json({ ...saved, prompt_defaults: defaultPrompts }, 200)
  })

  return app
}
