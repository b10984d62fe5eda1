// The demo tenant's sample campaign: a draft that calls recent buyers to offer fifteen more
// minutes, so a newcomer finds a campaign to open in the console. It stays a draft: starting it
// dials customers, which needs FreeSWITCH and a person's decision.
import type { Db } from '../../db/connect.ts'
import { jsonb } from '../../db/json.ts'
import { type CampaignInput, pacingSchema, retriesSchema, suppressionSchema } from './campaigns.ts'

export const DEMO_CAMPAIGN_ID = 'cmp_demo_reading_call'

export const demoCampaign: CampaignInput = {
  name: 'Call recent buyers: 15 more minutes',
  // the demo catalog's off_reading_ext_15 (SKU reading-ext-15), sold on the call_out channel
  offer_id: 'off_reading_ext_15',
  channel: 'phone',
  audience: {
    all: [
      { fact: 'purchases_30d', operator: 'greaterThanInclusive', value: 1 },
      { fact: 'has_phone', operator: 'equal', value: true },
    ],
  },
  windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '20:00' }],
  pacing: pacingSchema.parse({ per_minute: 5, max_concurrent: 1 }),
  suppression: suppressionSchema.parse({}),
  retries: retriesSchema.parse({ max_attempts: 2, retry_minutes: 120 }),
  email: null,
}

/** Written as it is, without the create route's checks: the test of the demo seed checks it instead. */
export async function seedDemoCampaigns(db: Db, tenantId: string): Promise<void> {
  await db
    .insertInto('campaigns')
    .values({
      tenant_id: tenantId,
      id: DEMO_CAMPAIGN_ID,
      name: demoCampaign.name,
      offer_id: demoCampaign.offer_id,
      channel: demoCampaign.channel,
      audience: jsonb(demoCampaign.audience),
      windows: jsonb(demoCampaign.windows),
      pacing: jsonb(demoCampaign.pacing),
      suppression: jsonb(demoCampaign.suppression),
      retries: jsonb(demoCampaign.retries),
      email: null,
      status: 'draft',
      created_by: null,
    })
    .execute()
}
