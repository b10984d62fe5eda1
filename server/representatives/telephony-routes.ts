// /admin/v1/representatives/{id}/telephony and /admin/v1/presence: how the bridge reaches each
// representative and what callers may ask of them (editors change; a PIN is write-only), and where
// they are in the availability queues. Supervisors (editors) log them in and out and put them on a
// break from the console, through the ACD (server/acd/), as the representatives' line does by phone.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import type { Acd } from '../acd/types.ts'
import { recordAudit } from '../audit/audit.ts'
import { type AdminEnv, adminProblems, adminRoute, conflict, notFound, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { fieldError, ProblemError, problemSchema } from '../http/problem.ts'
import type { StaffIdentity } from '../staff/sessions.ts'
import {
  genders,
  listRepresentativeTelephony,
  type RepresentativeTelephony,
  readRepresentativeTelephony,
  updateRepresentativeTelephony,
  zodiacSigns,
} from './telephony.ts'

const states = ['offline', 'available', 'reserved', 'on_call', 'wrap_up', 'break'] as const
const queueKinds = ['solo', 'dual', 'triple'] as const

const presenceSchema = z
  .object({
    state: z.enum(states).openapi({
      description:
        'offline; available (offered calls); reserved (a call is ringing them); on_call; wrap_up (after a call); break',
    }),
    queues: z.array(z.enum(queueKinds)).openapi({ description: 'solo, dual, triple: the calls they take' }),
    partner_id: z
      .string()
      .nullable()
      .openapi({ description: 'their preferred partner for dual and triple calls' }),
    logged_in_at: z.string().nullable(),
    state_changed_at: z.string(),
    calls_taken: z.number().int().openapi({ description: 'this login' }),
    talk_seconds: z.number().int().openapi({ description: 'this login' }),
    missed_in_row: z.number().int(),
  })
  .openapi('Presence')

const telephonySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    extension: z.string(),
    active: z.boolean(),
    dial_string: z
      .string()
      .nullable()
      .openapi({ description: 'how FreeSWITCH rings them: user/1001, sofia/gateway/…/number, loopback/…' }),
    phone: z
      .string()
      .nullable()
      .openapi({ description: 'recognised by caller id on the representatives’ line' }),
    pin_set: z
      .boolean()
      .openapi({ description: 'whether they have a keypad PIN; the PIN is never returned' }),
    gender: z.string().nullable(),
    zodiac_sign: z.string().nullable(),
    expertise: z.array(z.string()),
    presence: presenceSchema,
  })
  .openapi('RepresentativeTelephony')

const changeBody = z
  .object({
    dial_string: z
      .string()
      .trim()
      .regex(
        /^(?:\{[^{}]*\})?[a-z]+\/\S+$/,
        'must be a FreeSWITCH dial string such as user/1001 or loopback/1001/tollgate_lab',
      )
      .max(200)
      .nullable()
      .optional(),
    phone: z
      .string()
      .regex(/^\+?[0-9]{2,20}$/, 'must be 2 to 20 digits, optionally after a +')
      .nullable()
      .optional(),
    pin: z
      .string()
      .regex(/^[0-9]{4,8}$/, 'must be 4 to 8 digits')
      .nullable()
      .optional()
      .openapi({ description: 'a new keypad PIN, or null to remove it; never returned' }),
    gender: z.enum(genders).nullable().optional(),
    zodiac_sign: z.enum(zodiacSigns).nullable().optional(),
    expertise: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lowercase letters, digits and -'))
      .max(20)
      .refine((tags) => new Set(tags).size === tags.length, 'each tag once')
      .optional()
      .openapi({ description: 'tags callers may ask for, such as tarot or relationships' }),
  })
  .strict()

const loginBody = z
  .object({
    queues: z
      .array(z.enum(queueKinds))
      .min(1, 'choose at least one queue')
      .refine((q) => new Set(q).size === q.length, 'each queue once'),
    partner_id: z.string().min(1).max(64).nullable().optional(),
  })
  .strict()
const breakBody = z.object({ on_break: z.boolean() }).strict()

const idParam = z.object({ id: z.string().min(1).max(64) })
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })
const unavailable = {
  503: {
    description: 'The ACD is not running in this server',
    content: { 'application/problem+json': { schema: problemSchema } },
  },
} as const

const listPresence = adminRoute('viewer', {
  method: 'get',
  path: '/presence',
  tags: ['Telephony'],
  summary: 'Every active representative’s telephony settings and where they are in the queues',
  responses: {
    200: {
      description: 'By extension',
      content: json(z.object({ representatives: z.array(telephonySchema) })),
    },
    ...adminProblems,
  },
})

const read = adminRoute('viewer', {
  method: 'get',
  path: '/representatives/{id}/telephony',
  tags: ['Telephony'],
  summary: 'A representative’s telephony settings and presence',
  request: { params: idParam },
  responses: {
    200: { description: 'The representative', content: json(telephonySchema) },
    ...adminProblems,
    ...notFound,
  },
})

const change = adminRoute('editor', {
  method: 'patch',
  path: '/representatives/{id}/telephony',
  tags: ['Telephony'],
  summary: 'Change a representative’s dial string, phone, PIN or what callers may ask for',
  description: 'Only the fields given change; null clears one. A phone identifies one representative.',
  request: { params: idParam, body: { required: true, content: json(changeBody) } },
  responses: {
    200: { description: 'Changed', content: json(telephonySchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
    409: { ...conflict[409], description: 'The phone belongs to another representative' },
  },
})

const login = adminRoute('editor', {
  method: 'post',
  path: '/representatives/{id}/presence/login',
  tags: ['Telephony'],
  summary: 'Log a representative in to the solo, dual or triple queues (or change their queues)',
  description:
    'They are offered calls from now on, rung on their dial string. partner_id: the representative they prefer to take dual and triple calls with.',
  request: { params: idParam, body: { required: true, content: json(loginBody) } },
  responses: {
    200: { description: 'Logged in', content: json(telephonySchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
    409: { ...conflict[409], description: 'Deactivated, or no dial string to ring them on' },
    ...unavailable,
  },
})

const logout = adminRoute('editor', {
  method: 'post',
  path: '/representatives/{id}/presence/logout',
  tags: ['Telephony'],
  summary: 'Log a representative out: no more calls; a call in progress goes on',
  request: { params: idParam },
  responses: {
    200: { description: 'Logged out', content: json(telephonySchema) },
    ...adminProblems,
    ...notFound,
    ...unavailable,
  },
})

const setBreak = adminRoute('editor', {
  method: 'post',
  path: '/representatives/{id}/presence/break',
  tags: ['Telephony'],
  summary: 'Put a logged-in representative on a break, or back to available',
  request: { params: idParam, body: { required: true, content: json(breakBody) } },
  responses: {
    200: { description: 'Changed', content: json(telephonySchema) },
    ...adminProblems,
    ...notFound,
    ...unprocessable,
    409: { ...conflict[409], description: 'Not logged in' },
    ...unavailable,
  },
})

const actor = (staff: StaffIdentity) => ({ id: staff.userId, email: staff.email })

export function representativeTelephonyRoutes(db: Db, acd: Acd | undefined) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  const mustRead = async (tenantId: string, id: string): Promise<RepresentativeTelephony> => {
    const found = await readRepresentativeTelephony(db, tenantId, id)
    if (!found) throw new ProblemError('not_found', `No representative ${id}`)
    return found
  }
  const needAcd = (): Acd => {
    if (!acd) throw new ProblemError('unavailable', 'The ACD is not running in this server.')
    return acd
  }
  const audit = (staff: StaffIdentity, id: string, action: string, after: unknown) =>
    recordAudit(db, staff.tenantId, actor(staff), {
      action,
      entityType: 'representative',
      entityId: id,
      after,
    })

  app.openapi(listPresence, async (c) =>
    c.json({ representatives: await listRepresentativeTelephony(db, c.get('staff').tenantId) }, 200),
  )

  app.openapi(read, async (c) =>
    c.json(await mustRead(c.get('staff').tenantId, c.req.valid('param').id), 200),
  )

  app.openapi(change, async (c) => {
    const staff = c.get('staff')
    const { id } = c.req.valid('param')
    return c.json(
      await updateRepresentativeTelephony(db, staff.tenantId, id, actor(staff), c.req.valid('json')),
      200,
    )
  })

  app.openapi(login, async (c) => {
    const staff = c.get('staff')
    const { id } = c.req.valid('param')
    const { queues, partner_id } = c.req.valid('json')
    const acd = needAcd()
    const representative = await mustRead(staff.tenantId, id)
    if (!representative.active)
      throw new ProblemError('conflict', `${representative.name} is deactivated; activate them first.`)
    if (!representative.dial_string)
      throw new ProblemError('conflict', `${representative.name} has no dial string to ring them on.`, [
        fieldError(['dial_string'], 'is required to log in'),
      ])
    if (partner_id) {
      const partner =
        partner_id === id ? null : await readRepresentativeTelephony(db, staff.tenantId, partner_id)
      if (!partner?.active)
        throw new ProblemError('validation_failed', `No other active representative ${partner_id}.`, [
          fieldError(['partner_id'], 'must be another active representative'),
        ])
    }
    await acd.login(staff.tenantId, id, { queues, partnerId: partner_id ?? null, via: 'console' })
    await audit(staff, id, 'representative.logged_in', { queues, partner_id: partner_id ?? null })
    return c.json(await mustRead(staff.tenantId, id), 200)
  })

  app.openapi(logout, async (c) => {
    const staff = c.get('staff')
    const { id } = c.req.valid('param')
    const acd = needAcd()
    const before = await mustRead(staff.tenantId, id)
    if (before.presence.state !== 'offline') {
      await acd.logout(staff.tenantId, id, { via: 'console' })
      await audit(staff, id, 'representative.logged_out', { from: before.presence.state })
    }
    return c.json(await mustRead(staff.tenantId, id), 200)
  })

  app.openapi(setBreak, async (c) => {
    const staff = c.get('staff')
    const { id } = c.req.valid('param')
    const { on_break } = c.req.valid('json')
    const acd = needAcd()
    const before = await mustRead(staff.tenantId, id)
    if (before.presence.state === 'offline')
      throw new ProblemError('conflict', `${before.name} is not logged in.`)
    await acd.setBreak(staff.tenantId, id, on_break)
    await audit(staff, id, on_break ? 'representative.break_started' : 'representative.break_ended', {})
    return c.json(await mustRead(staff.tenantId, id), 200)
  })

  return app
}
