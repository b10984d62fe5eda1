// /admin/v1/billing-settings: which gateway moves the tenant's money, its secret key (write-only:
// the API says whether one is set and its last four), how sessions settle their holds, and how long a
// silent session lives. Admin only; every change is audited without the key.
import { OpenAPIHono, z } from '@hono/zod-openapi'
import type { Db } from '../../db/connect.ts'
import { recordAudit } from '../audit/audit.ts'
import { type AdminEnv, adminProblems, adminRoute, unprocessable } from '../http/admin.ts'
import { defaultHook } from '../http/openapi.ts'
import { validationProblem } from '../http/problem.ts'
import {
  billingDefaults,
  findBillingSettingsRow,
  gatewayNames,
  saveBillingSettings,
  settlementModes,
  viewBillingSettings,
} from './billing-settings.ts'

const settlementText = `**Settlement** of a session's hold when it ends: \`capture_and_release\` — capture
the charge, the rest of the hold is released; \`reverse_and_recharge\` — release the whole hold and
charge the amount anew; \`credit_difference\` — capture the whole hold and refund the difference.
Checking / EFT accounts are charged at the end whatever this says. **Gateway**: \`sandbox\` (test
card numbers choose each outcome; no money moves) or \`stripe\` (needs the account's secret key,
\`sk_live_…\`, \`sk_test_…\` or a restricted \`rk_…\` key).`

const settingsSchema = z
  .object({
    gateway: z.enum(gatewayNames),
    secret_set: z.boolean().openapi({ description: 'a secret key is stored; it is never shown' }),
    secret_last4: z
      .union([z.string(), z.null()])
      .openapi({ description: 'the stored key’s last four characters' }),
    gateway_account: z
      .union([z.string(), z.null()])
      .openapi({ description: 'the gateway’s account id, for staff' }),
    settlement: z.enum(settlementModes),
    heartbeat_timeout_seconds: z.number().int(),
    updated_by: z.union([z.string(), z.null()]),
    updated_at: z
      .union([z.string(), z.null()])
      .openapi({ description: 'null until the settings are first saved' }),
  })
  .openapi('BillingSettings')

const secretKeyPattern = /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/

const updateBody = z
  .object({
    gateway: z.enum(gatewayNames),
    secret: z
      .union([z.string().min(1).max(255), z.null()])
      .optional()
      .openapi({ description: 'the gateway’s secret key; left out keeps the stored one, null removes it' }),
    gateway_account: z
      .union([z.string().max(255), z.null()])
      .default(null)
      .openapi({ description: 'the gateway’s account id (acct_…), shown to staff' }),
    settlement: z.enum(settlementModes).default(billingDefaults.settlement),
    heartbeat_timeout_seconds: z
      .number()
      .int()
      .min(15)
      .max(3600)
      .default(billingDefaults.heartbeat_timeout_seconds)
      .openapi({ description: 'a live session with no heartbeat for this long is ended at its last one' }),
  })
  .strict()

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } })

const read = adminRoute('admin', {
  method: 'get',
  path: '/billing-settings',
  tags: ['Billing settings'],
  summary: 'The tenant’s payment gateway, settlement and session timeout',
  description: settlementText,
  responses: {
    200: { description: 'The settings (the defaults until first saved)', content: json(settingsSchema) },
    ...adminProblems,
  },
})

const update = adminRoute('admin', {
  method: 'put',
  path: '/billing-settings',
  tags: ['Billing settings'],
  summary: 'Change the payment gateway, its secret key, settlement or the session timeout',
  description: settlementText,
  request: { body: { required: true, content: json(updateBody) } },
  responses: {
    200: { description: 'Saved', content: json(settingsSchema) },
    ...adminProblems,
    ...unprocessable,
  },
})

export function billingSettingsRoutes(deps: { db: Db; secret: string }) {
  const { db, secret } = deps
  const app = new OpenAPIHono<AdminEnv>({ defaultHook })

  app.openapi(read, async (c) => {
    const row = await findBillingSettingsRow(db, c.get('staff').tenantId)
    return c.json(viewBillingSettings(row, secret), 200)
  })

  app.openapi(update, async (c) => {
    const body = c.req.valid('json')
    const staff = c.get('staff')
    if (body.secret !== undefined && body.secret !== null && !secretKeyPattern.test(body.secret))
      throw validationProblem(
        ['secret'],
        'is not a Stripe secret key (sk_live_…, sk_test_…, rk_live_… or rk_test_…)',
      )
    const saved = await db.transaction().execute(async (trx) => {
      const before = await findBillingSettingsRow(trx, staff.tenantId)
      const keyAfter = body.secret === undefined ? (before?.gateway_secret_sealed ?? null) : body.secret
      if (body.gateway === 'stripe' && keyAfter === null)
        throw validationProblem(['secret'], 'is needed to switch Stripe on')
      const after = await saveBillingSettings(trx, staff.tenantId, body, secret, staff.userId)
      await recordAudit(
        trx,
        staff.tenantId,
        { id: staff.userId, email: staff.email },
        {
          action: 'billing_settings.updated',
          entityType: 'billing_settings',
          entityId: staff.tenantId,
          before: viewBillingSettings(before, secret),
          after: viewBillingSettings(after, secret),
        },
      )
      return after
    })
    return c.json(viewBillingSettings(saved, secret), 200)
  })

  return app
}
