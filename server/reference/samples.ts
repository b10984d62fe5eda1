// Sample reference data for the demo tenant (and tests): fictional 555 exchanges and documentation
// address ranges (RFC 5737, RFC 6598) for each line type and institution, and BINs of well-known test
// cards. Real deployments load their carrier's and their acquirer's data through the import routes.
import type { Db } from '../../db/connect.ts'
import { newId } from '../ids.ts'
import { checkReference, type ReferenceInput } from './store.ts'

const samples: ReferenceInput[] = [
  { kind: 'phone_prefix', value: '+1212555', category: 'prison', description: 'State correctional facility' },
  { kind: 'phone_prefix', value: '+1718555', category: 'pay_phone', description: 'Public pay phones' },
  {
    kind: 'phone_prefix',
    value: '+1617555',
    category: 'hospital',
    description: 'General hospital switchboard',
  },
  { kind: 'phone_prefix', value: '+1512555', category: 'school', description: 'School district lines' },
  { kind: 'phone_prefix', value: '+1312555', category: 'pbx', description: 'Office PBX trunk' },
  { kind: 'phone_prefix', value: '+1917555', category: 'cellular', description: 'Mobile carrier block' },
  { kind: 'phone_prefix', value: '+1202456', category: 'government', description: 'Federal offices' },
  {
    kind: 'phone_prefix',
    value: '+1907555',
    category: 'no_ani_area',
    description: 'Exchange that cannot forward ANI',
  },
  // a narrower prefix wins: one pay phone inside the hospital's range
  { kind: 'phone_prefix', value: '+16175550100', category: 'pay_phone', description: 'Lobby pay phone' },
  { kind: 'ip_range', value: '192.0.2.0/26', category: 'government', description: 'Government network' },
  {
    kind: 'ip_range',
    value: '192.0.2.64/26',
    category: 'prison',
    description: 'Correctional facility network',
  },
  { kind: 'ip_range', value: '192.0.2.128/26', category: 'school', description: 'School network' },
  { kind: 'ip_range', value: '192.0.2.192/27', category: 'hospital', description: 'Hospital guest Wi-Fi' },
  { kind: 'ip_range', value: '192.0.2.224/28', category: 'pay_phone', description: 'Public internet kiosks' },
  { kind: 'ip_range', value: '100.64.0.0/16', category: 'cellular', description: 'Mobile carrier NAT' },
  { kind: 'bin', value: '424242', category: 'credit', country: 'US', description: 'Visa credit (test card)' },
  { kind: 'bin', value: '400005', category: 'debit', country: 'US', description: 'Visa debit (test card)' },
  {
    kind: 'bin',
    value: '555555',
    category: 'credit',
    country: 'US',
    description: 'Mastercard credit (test card)',
  },
  {
    kind: 'bin',
    value: '520082',
    category: 'debit',
    country: 'US',
    description: 'Mastercard debit (test card)',
  },
  {
    kind: 'bin',
    value: '510510',
    category: 'prepaid',
    country: 'US',
    description: 'Mastercard prepaid (test card)',
  },
  {
    kind: 'bin',
    value: '378282',
    category: 'credit',
    country: 'US',
    description: 'American Express (test card)',
  },
  { kind: 'bin', value: '601111', category: 'credit', country: 'US', description: 'Discover (test card)' },
  {
    kind: 'bin',
    value: '400036',
    category: 'credit',
    country: 'GB',
    description: 'Visa credit issued in the UK',
  },
  {
    kind: 'bin',
    value: '453201',
    category: 'prepaid',
    country: 'CA',
    description: 'Visa prepaid issued in Canada',
  },
]

export async function seedReferenceSamples(db: Db, tenantId: string): Promise<void> {
  await db
    .insertInto('reference_ranges')
    .values(
      samples.map((sample) => {
        const checked = checkReference(sample)
        if (!checked.ok) throw new Error(`bad sample ${sample.value}: ${checked.field} ${checked.message}`)
        const e = checked.entry
        return {
          tenant_id: tenantId,
          id: newId('ref'),
          kind: e.kind,
          value: e.value,
          network: e.network,
          category: e.category,
          country: e.country,
          description: e.description,
          source: 'manual',
          added_by: 'bootstrap',
        }
      }),
    )
    .execute()
}
