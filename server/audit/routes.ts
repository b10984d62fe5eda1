// GET /admin/v1/audit: the audit trail, newest first, paged by id, each change readable and named.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import { sql } from 'kysely'
import type { Db } from '../../db/connect.ts'
import { type AdminEnv, adminProblems, adminRoute, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { namedChange, namesFor, readableChange } from './readable.ts'

const fieldChangeSchema = z
  .object({
    field: z.string().openapi({ example: 'settings.currency' }),
    before: z.unknown().openapi({ description: 'null when the field was added' }),
    after: z.unknown().openapi({ description: 'null when the field was removed' }),
  })
  .openapi('AuditFieldChange')

const ruleRefSchema = z.object({ id: z.string(), name: z.string().nullable() })

const entrySchema = z
  .object({
    id: z.number().int(),
    at: z.string(),
    actor: z.object({
      id: z.string().nullable(),
      email: z.string().nullable(),
      name: z.string().nullable().openapi({ description: 'null for the system, or a user since deleted' }),
    }),
    action: z.string().openapi({ example: 'rule_set_version.published' }),
    entity_type: z.string(),
    entity_id: z.string(),
    entity_label: z.string().nullable().openapi({
      description:
        'what the entry is about, as a person names it: a rule set’s or list’s name, a user’s name and e-mail, a review’s customer, a webhook’s URL',
      example: 'Authorizations',
    }),
    changes: z.array(fieldChangeSchema).openapi({
      description:
        'the change field by field, staff named by name and e-mail and lists by name; a rule set definition is under rules instead',
    }),
    rules: z
      .object({
        added: z.array(ruleRefSchema),
        removed: z.array(ruleRefSchema),
        changed: z.array(ruleRefSchema.extend({ changes: z.array(fieldChangeSchema) })),
      })
      .nullable()
      .openapi({
        description: 'when the entry changed a rule set definition: its rules added, removed and changed',
      }),
    before: z.unknown().openapi({ description: 'as recorded' }),
    after: z.unknown().openapi({ description: 'as recorded' }),
  })
  .openapi('AuditEntry')

const listAudit = adminRoute('admin', {
  method: 'get',
  path: '/audit',
  tags: ['Audit'],
  summary: 'Page through every change: who, when, what, before and after',
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      before: z.coerce
        .number()
        .int()
        .min(1)
        .optional()
        .openapi({ description: 'next_before from the previous page' }),
      entity_type: z.string().max(64).optional(),
      entity_id: z.string().max(128).optional(),
    }),
  },
  responses: {
    200: {
      description: 'A page of entries',
      content: {
        'application/json': {
          schema: z.object({ entries: z.array(entrySchema), next_before: z.number().int().nullable() }),
        },
      },
    },
    ...adminProblems,
    ...unprocessable,
  },
})

export function auditRoutes(db: Db) {
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })
  app.openapi(listAudit, async (c) => {
    const q = c.req.valid('query')
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('tenant_id', '=', c.get('staff').tenantId)
      .$if(q.before !== undefined, (b) => b.where(sql.ref('id'), '<', q.before as number))
      .$if(q.entity_type !== undefined, (b) => b.where('entity_type', '=', q.entity_type as string))
      .$if(q.entity_id !== undefined, (b) => b.where('entity_id', '=', q.entity_id as string))
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute()
    const page = rows.slice(0, q.limit)
    const names = await namesFor(db, c.get('staff').tenantId, page)
    return c.json(
      {
        entries: page.map((r) => {
          const actor = r.actor_id ? names.users.get(r.actor_id) : undefined
          return {
            id: Number(r.id),
            at: r.at.toISOString(),
            actor: { id: r.actor_id, email: actor?.email ?? r.actor_email, name: actor?.name ?? null },
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            entity_label: names.entities.get(r.entity_type)?.get(r.entity_id) ?? null,
            ...namedChange(readableChange(r.before, r.after), names),
            before: r.before,
            after: r.after,
          }
        }),
        next_before: rows.length > q.limit ? Number(page[page.length - 1]?.id) : null,
      },
      200,
    )
  })
  return app
}
