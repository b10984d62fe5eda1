// The fake FreeSWITCH's scripting face as journeys use it, through the real facade.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../server/logging.ts'
import { connectEslControl } from '../../../telephony/esl/control.ts'
import { createEslListener } from '../../../telephony/esl/listener.ts'
import type { CallChannel, EslControl, EslEvent, EslListener } from '../../../telephony/esl/types.ts'
import { type FakeFreeSwitch, startFakeFreeSwitch } from '../../support/fake-freeswitch/index.ts'

const logger = createLogger('silent')
let fake: FakeFreeSwitch
let control: EslControl
let listener: EslListener
let handler: (call: CallChannel) => Promise<void>

beforeEach(async () => {
  listener = createEslListener({ logger })
  handler = async () => undefined
  listener.onCall((call) => handler(call))
  fake = await startFakeFreeSwitch({ outbound: await listener.listen('127.0.0.1', 0) })
  control = connectEslControl({ host: fake.host, port: fake.port, password: fake.password, logger })
  await fake.waitFor(() => control.connected)
})

afterEach(async () => {
  await control.close()
  await fake.close()
  await listener.close()
})

describe('fake FreeSWITCH scripting', () => {
  it('a key pressed anytime reaches the call as a DTMF event', async () => {
    const digits: string[] = []
    handler = async (call) => {
      call.onEvent((event) => {
        if (event.name === 'DTMF') digits.push(event.get('DTMF-Digit') ?? '')
      })
      await call.execute('answer')
      await call.execute('sleep', '10000')
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.waitForApp('sleep')
    call.press('*5')
    await fake.waitFor(() => digits.length === 2)
    expect(digits).toEqual(['*', '5'])
    await fake.advance(10_000)
    expect((await call.ended).by).toBe('bridge')
  })

  it('uuid_transfer takes the call away from the socket', async () => {
    let hungUp: unknown
    handler = async (call) => {
      await call.execute('answer')
      await call.api(`uuid_transfer ${call.uuid} 5000 XML partner`)
      hungUp = await call.hungUp
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    expect(await call.ended).toMatchObject({ cause: 'TRANSFER', by: 'bridge' })
    expect(call.transferredTo).toBe('5000')
    await fake.waitFor(() => hungUp)
    expect(hungUp).toMatchObject({ cause: 'DISCONNECTED' })
  })

  it('the transfer app does the same; say and playback are recorded', async () => {
    handler = async (call) => {
      await call.execute('say', 'en number pronounced 42')
      await call.execute('playback', 'tone_stream://%(100,0,440)')
      await call.execute('transfer', '5001 XML partner').catch(() => undefined)
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.ended
    expect(call.transferredTo).toBe('5001')
    expect(call.played).toEqual(['say:en number pronounced 42', 'tone_stream://%(100,0,440)'])
  })

  it('uuid_recv_dtmf feeds a waiting prompt', async () => {
    let result: unknown
    handler = async (call) => {
      result = await call.playAndGetDigits({
        min: 1,
        max: 1,
        tries: 1,
        timeoutMs: 5000,
        file: 'm.wav',
        variable: 'k',
      })
    }
    const call = fake.placeCall({ dnis: '9100', ani: '15550001111' })
    await call.waitForApp('play_and_get_digits')
    await fake.waitFor(() => call.played.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(await control.api(`uuid_recv_dtmf ${call.uuid} 3`)).toBe(`+OK ${call.uuid} received DTMF 3.\n`)
    await call.ended
    expect(result).toEqual({ result: 'success', digits: '3' })
  })

  it('a representative who hangs up leaves the conference; list, count and json_list describe it', async () => {
    const events: EslEvent[] = []
    control.onEvent((event) => events.push(event))
    fake.registerEndpoint('loopback/1001/tollgate_lab', { answerAfterMs: 1000, hangupAfterMs: 5000 })
    handler = async (call) => {
      await call.execute('answer')
      await call.executeAndForget('conference', 'call-7@tollgate+flags{endconf}')
      await call.hungUp
    }
    const call = fake.placeCall({ dnis: '9002', ani: '15550001111' })
    await call.waitForApp('conference')
    const originated = control.bgapi(
      'originate {origination_caller_id_number=9002,originate_timeout=30}loopback/1001/tollgate_lab &conference(call-7@tollgate)',
    )
    await fake.waitFor(() => fake.legs().length === 1)
    await fake.advance(1000)
    const legUuid = (await originated).replace('+OK ', '')
    await fake.waitFor(() => fake.conference('call-7')?.members.length === 2)
    expect(await control.api('conference call-7 count')).toBe('2')
    const list = await control.api('conference call-7 list')
    expect(list.split('\n').filter(Boolean)).toHaveLength(2)
    expect(list).toContain(`;${legUuid};`)
    const json = JSON.parse(await control.api('conference call-7 json_list'))
    expect(json[0].member_count).toBe(2)
    await fake.advance(5000)
    await fake.waitFor(() =>
      events.some((event) => event.get('Action') === 'del-member' && event.get('Unique-ID') === legUuid),
    )
    const left = events.find((event) => event.get('Action') === 'del-member')
    expect(left?.at.getTime()).toBe(fake.now().getTime())
    expect(left?.get('Conference-Size')).toBe('1')
    expect(fake.conference('call-7')?.members.map((member) => member.uuid)).toEqual([call.uuid])
    call.hangup()
    await fake.waitFor(() => !fake.conference('call-7'))
    expect(await control.api('conference call-7 list').catch((error) => error.reply)).toBe(
      '-ERR Conference call-7 not found',
    )
  })

  it('restart() ends every call with CRASH, and the Core-UUID changes', async () => {
    handler = async (call) => {
      await call.execute('answer')
      await call.hungUp
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.waitForApp('answer')
    await fake.restart()
    expect(await call.ended).toMatchObject({ cause: 'CRASH', by: 'restart' })
    expect(await control.api(`uuid_exists ${call.uuid}`).catch(() => 'not yet')).toMatch(/false|not yet/)
  })
})
