// The demo tenant's telephony (first start): numbers 9001, 9002 and 9003 for lines with one, two and
// three representatives per call, 9100 for the representatives' line, and the demo representatives
// on the lab extensions of telephony/freeswitch/dialplan/tollgate.xml with phones, PINs and what
// callers may ask for. The PINs are random and returned once, to be printed with the other
// first-start credentials.
import { randomInt } from 'node:crypto'
import type { Db } from '../../db/connect.ts'
import { createServiceLine } from '../billing/service-lines.ts'
import { updateRepresentativeTelephony } from '../representatives/telephony.ts'
import { createServiceNumber } from './service-numbers.ts'

/** The context of the shipped FreeSWITCH configuration that holds the lab representatives' phones. */
export const LAB_CONTEXT = 'tollgate_lab'

export const demoNumbers = [
  { number: '9001', purpose: 'service_line', service_line_id: 'advice', advertising_source: 'website' },
  { number: '9002', purpose: 'service_line', service_line_id: 'advice-duo', advertising_source: 'radio' },
  { number: '9003', purpose: 'service_line', service_line_id: 'advice-trio', advertising_source: 'print' },
  { number: '9100', purpose: 'representatives', service_line_id: null, advertising_source: null },
] as const

/**
 * The demo representatives' telephony. Phones 1011–1013 are vanilla FreeSWITCH directory users, so a
 * softphone registered as one of them is recognised on 9100 by its caller id.
 */
export const demoRepresentativeTelephony = [
  {
    id: 'rep_ada',
    extension: '1001',
    phone: '1011',
    gender: 'female',
    zodiac_sign: 'aries',
    expertise: ['tarot', 'career'],
  },
  {
    id: 'rep_ben',
    extension: '1002',
    phone: '1012',
    gender: 'male',
    zodiac_sign: 'leo',
    expertise: ['astrology', 'relationships'],
  },
  {
    id: 'rep_chloe',
    extension: '1003',
    phone: '1013',
    gender: 'female',
    zodiac_sign: 'pisces',
    expertise: ['tarot', 'relationships'],
  },
] as const

export const labDialString = (extension: string) => `loopback/${extension}/${LAB_CONTEXT}`

export interface DemoPin {
  name: string
  extension: string
  pin: string
}

/** Needs the demo's lines (advice) and representatives (rep_ada, rep_ben, rep_chloe) in place. */
export async function seedDemoTelephony(db: Db, tenantId: string): Promise<DemoPin[]> {
  // the advice line's pricing, for two and for three representatives at once
  for (const [id, name, perCall, rate] of [
    ['advice-duo', 'Advice duo', 2, 499],
    ['advice-trio', 'Advice trio', 3, 699],
  ] as const) {
    await createServiceLine(db, tenantId, null, {
      id,
      name,
      description: `A conversation with ${perCall} advisors at once, billed by the minute`,
      currency: 'USD',
      rate_per_minute: rate,
      first_period_seconds: 60,
      increment_seconds: 60,
      hold_policy: 'minutes',
      hold_minutes: 10,
    })
    await db
      .updateTable('service_lines')
      .set({ representatives_per_call: perCall })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .execute()
  }
  for (const number of demoNumbers) await createServiceNumber(db, tenantId, null, number)

  const pins: DemoPin[] = []
  for (const representative of demoRepresentativeTelephony) {
    const pin = String(randomInt(0, 10_000)).padStart(4, '0')
    const updated = await updateRepresentativeTelephony(db, tenantId, representative.id, null, {
      dial_string: labDialString(representative.extension),
      phone: representative.phone,
      pin,
      gender: representative.gender,
      zodiac_sign: representative.zodiac_sign,
      expertise: [...representative.expertise],
    })
    pins.push({ name: updated.name, extension: updated.extension, pin })
  }
  return pins
}
