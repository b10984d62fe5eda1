// The representatives' line (9100) against the fake FreeSWITCH: recognised by the number they call
// from, or by extension and PIN; the queue menu with a partner found by keypad letters, read back;
// logging out; and a number no line claims.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { queuesOf } from '../../telephony/representative-line.ts'
import { type Harness, presenceOf, startHarness } from './conference-support.ts'

let h: Harness
beforeAll(async () => {
  // the line needs no control connection
  h = await startHarness({ control: false })
  await h.t.db
    .insertInto('service_numbers')
    .values({ number: '9100', tenant_id: 'acme', purpose: 'representatives' })
    .execute()
  await h.addRepresentative({ id: 'rep_ada', name: 'Ada Lovelace', extension: '1001' })
  await h.addRepresentative({ id: 'rep_fay', name: 'Fay Wray', extension: '1006', phone: '+15551239100' })
  await h.addRepresentative({ id: 'rep_gus', name: 'Gus Van Sant', extension: '1007', pin: '4321' })
})
afterAll(() => h?.close())

async function loginsOf(representativeId: string) {
  return h.t.db
    .selectFrom('representative_logins')
    .selectAll()
    .where('tenant_id', '=', 'acme')
    .where('representative_id', '=', representativeId)
    .orderBy('logged_in_at')
    .execute()
}

describe("the representatives' line", () => {
  it('menu keys: any of 1, 2 and 3, each once, in keypad order', () => {
    expect(queuesOf('21')).toEqual(['solo', 'dual'])
    expect(queuesOf('333')).toEqual(['triple'])
  })

  it('recognised by ANI: 1 and 2 with partner "LOV" → solo and dual with Ada, read back; then 9 logs out', async () => {
    const { fs } = h
    const call = fs.placeCall({ dnis: '9100', ani: '+15551239100', digits: ['12', '568'] })
    const end = await h.drive(call)
    expect(end.by).toBe('bridge')
    const presence = await presenceOf(h.t, 'rep_fay')
    expect(presence).toMatchObject({ state: 'available', partner_id: 'rep_ada' })
    expect(presence?.queues).toEqual(['solo', 'dual'])
    const says = call.apps.filter((a) => a.name === 'say').map((a) => a.arg)
    expect(says).toEqual(['en number iterated 12', 'en number iterated 1001'])
    const [login] = await loginsOf('rep_fay')
    expect(login).toMatchObject({ via: 'phone', logged_out_at: null, partner_id: 'rep_ada' })

    const again = fs.placeCall({ dnis: '9100', ani: '+15551239100', digits: ['9'] })
    await h.drive(again)
    expect((await presenceOf(h.t, 'rep_fay'))?.state).toBe('offline')
    const [closed] = await loginsOf('rep_fay')
    expect(closed?.logged_out_at).not.toBeNull()
  })

  it('by extension and PIN from another phone, after a wrong PIN; the PIN never stays on the channel', async () => {
    const { fs } = h
    // '#' alone at the partner prompt: no preferred partner
    const call = fs.placeCall({
      dnis: '9100',
      ani: '+15550000000',
      digits: ['1007', '0000', '1007', '4321', '3', '#'],
    })
    await h.drive(call)
    expect(call.variable('tollgate_pin')).toBeUndefined()
    const presence = await presenceOf(h.t, 'rep_gus')
    expect(presence?.state).toBe('available')
    expect(presence?.queues).toEqual(['triple'])
    expect(call.played).toContain('tone_stream://%(100,100,300);loops=2') // invalid, once
  })

  it('an unknown caller who cannot say who they are is told and hung up; nobody is logged in', async () => {
    const call = h.fs.placeCall({ dnis: '9100', digits: ['', '', ''] })
    const end = await h.drive(call)
    expect(end.by).toBe('bridge')
    const logins = await h.t.db.selectFrom('representative_logins').select('representative_id').execute()
    expect(logins.map((l) => l.representative_id).sort()).toEqual(['rep_fay', 'rep_gus'])
  })

  it('a number no line claims hears that it is not in service', async () => {
    const call = h.fs.placeCall({ dnis: '9999', ani: '+15551230000' })
    const end = await h.drive(call)
    expect(end.by).toBe('bridge')
    expect(call.played).toContain('tone_stream://%(274,0,913.8);%(274,0,1370.6);%(380,0,1776.7)')
  })
})
