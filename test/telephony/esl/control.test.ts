// The inbound Event Socket facade (connectEslControl) against the fake FreeSWITCH: auth, events,
// api, bgapi originate resolved by BACKGROUND_JOB, conference events, scheduling, reconnection.
import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../server/logging.ts'
import { connectEslControl, EslDisconnected } from '../../../telephony/esl/control.ts'
import { createEslListener } from '../../../telephony/esl/listener.ts'
import {
  type CallChannel,
  EslCommandError,
  type EslControl,
  type EslEvent,
  type EslListener,
} from '../../../telephony/esl/types.ts'
import { type FakeFreeSwitch, startFakeFreeSwitch } from '../../support/fake-freeswitch/index.ts'

const logger = createLogger('silent')
let fake: FakeFreeSwitch
let control: EslControl
let listener: EslListener
let events: EslEvent[]
let handler: (call: CallChannel) => Promise<void>
let listenPort: number

beforeEach(async () => {
  listener = createEslListener({ logger })
  handler = async () => undefined
  listener.onCall((call) => handler(call))
  const address = await listener.listen('127.0.0.1', 0)
  listenPort = address.port
  fake = await startFakeFreeSwitch({ outbound: address })
  control = connectEslControl({
    host: fake.host,
    port: fake.port,
    password: fake.password,
    logger,
    backoff: { initialMs: 10, maxMs: 40 },
  })
  events = []
  control.onEvent((event) => events.push(event))
  await fake.waitFor(() => control.connected)
})

afterEach(async () => {
  await control.close()
  await fake.close()
  await listener.close()
})

const maintenance = (action: string) =>
  events.filter((event) => event.subclass === 'conference::maintenance' && event.get('Action') === action)

describe('inbound connection', () => {
  it('authenticates, subscribes in json and runs api commands', async () => {
    expect(fake.commands().slice(0, 2)).toEqual([
      'auth ClueCon',
      'event json CHANNEL_ANSWER CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE DTMF BACKGROUND_JOB CUSTOM conference::maintenance',
    ])
    expect(await control.api('status')).toMatch(/^UP 0 years/)
    const error = await control.api('no_such_command now').catch((e) => e)
    expect(error).toBeInstanceOf(EslCommandError)
    expect(error.reply).toBe('-ERR no_such_command Command not found!')
  })

  it('never connects with a wrong password, and keeps trying', async () => {
    const wrong = connectEslControl({
      host: fake.host,
      port: fake.port,
      password: 'nope',
      logger,
      backoff: { initialMs: 5, maxMs: 10 },
    })
    await fake.waitFor(() => fake.commands().filter((line) => line === 'auth nope').length >= 2)
    expect(wrong.connected).toBe(false)
    await expect(wrong.api('status')).rejects.toBeInstanceOf(EslDisconnected)
    await wrong.close()
  })

  it('originates with bgapi: +OK <uuid> once the representative answers, then add-member at its time', async () => {
    fake.registerEndpoint('loopback/1001/tollgate_lab', { answerAfterMs: 2000 })
    const handover = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    handler = async (call) => {
      await call.execute('answer')
      await call.executeAndForget('conference', 'call-42@tollgate')
      await call.hungUp
    }
    await handover.waitForApp('conference')
    const originated = control.bgapi(
      'originate {origination_uuid=leg-1,origination_caller_id_number=9001,originate_timeout=20}loopback/1001/tollgate_lab &conference(call-42@tollgate)',
    )
    await fake.waitFor(() => fake.legs().length === 1)
    const startedAt = fake.now().getTime()
    await fake.advance(2000)
    expect(await originated).toBe('+OK leg-1')
    await fake.waitFor(() => fake.conference('call-42')?.members.length === 2)
    await fake.waitFor(() => maintenance('add-member').length === 2)
    const legJoined = maintenance('add-member').find((event) => event.get('Unique-ID') === 'leg-1')
    expect(legJoined?.get('Conference-Name')).toBe('call-42')
    expect(legJoined?.get('Member-ID')).toMatch(/^\d+$/)
    expect(legJoined?.at.getTime()).toBe(startedAt + 2000)
    expect(fake.legs()[0]?.variables.origination_caller_id_number).toBe('9001')
    // the caller hangs up: del-member for the caller; the representative is kicked, so leaves too
    handover.hangup()
    await fake.waitFor(() => maintenance('del-member').length === 1)
    expect(await control.api('conference call-42 kick all')).toMatch(/^\+OK kicked \d+/)
    await fake.waitFor(() => maintenance('conference-destroy').length === 1)
    expect((await fake.legs()[0]?.ended)?.cause).toBe('NORMAL_CLEARING')
  })

  it('fails an originate nobody answers with -ERR NO_ANSWER when originate_timeout passes', async () => {
    fake.registerEndpoint('user/1002', { ringOut: true })
    const originated = control.bgapi('originate {originate_timeout=15}user/1002 &conference(c@tollgate)')
    const outcome = originated.catch((error) => error)
    await fake.waitFor(() => fake.legs().length === 1)
    await fake.advance(14_999)
    expect(fake.legs()[0]?.state).toBe('ringing')
    await fake.advance(1)
    const error = await outcome
    expect(error).toBeInstanceOf(EslCommandError)
    expect(error.reply).toBe('-ERR NO_ANSWER')
  })

  it('fails at once for an unregistered user, a busy one', async () => {
    fake.registerEndpoint('user/1005', { reject: 'USER_BUSY' })
    await expect(control.bgapi('originate user/1009 &conference(c@tollgate)')).rejects.toMatchObject({
      reply: '-ERR USER_NOT_REGISTERED',
    })
    await expect(control.bgapi('originate user/1005 &conference(c@tollgate)')).rejects.toMatchObject({
      reply: '-ERR USER_BUSY',
    })
  })

  it('schedules a hang-up on whole seconds; sched_del by uuid removes the channel tasks', async () => {
    fake.setPlaybackDuration('hold.wav', 600_000)
    handler = async (call) => {
      await call.execute('answer')
      await call.execute('playback', 'hold.wav').catch(() => undefined)
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.waitForApp('playback')
    await fake.advance(700)
    const now = fake.now().getTime()
    expect(await control.api(`sched_hangup +60 ${call.uuid}`)).toBe('+OK\n')
    expect(await control.api(`sched_broadcast +30 ${call.uuid} playback::one-minute.wav aleg`)).toBe(
      '+OK Message scheduled\n',
    )
    const due = fake.scheduled().map((job) => [job.command, job.at.getTime() - (now - 700)])
    expect(due).toEqual([
      ['sched_hangup', 60_000],
      ['sched_broadcast', 30_000],
    ])
    await fake.advance(29_300)
    expect(call.played).toContain('one-minute.wav')
    expect(await control.api(`sched_del ${call.uuid}`)).toBe('+OK Deleted: 1\n')
    expect(fake.scheduled()).toEqual([])
    await fake.advance(60_000)
    expect(call.state).toBe('answered')
    expect(await control.api(`sched_hangup +5 ${call.uuid} ALLOTTED_TIMEOUT`)).toBe('+OK\n')
    await fake.advance(5000)
    expect(await call.ended).toMatchObject({ cause: 'ALLOTTED_TIMEOUT', by: 'schedule' })
  })

  it('kills a channel: its hangup events may come before the api answer and are all delivered', async () => {
    fake.setPlaybackDuration('hold.wav', 600_000)
    handler = async (call) => {
      await call.execute('playback', 'hold.wav').catch(() => undefined)
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.waitForApp('playback')
    expect(await control.api(`uuid_kill ${call.uuid}`)).toBe('+OK\n')
    expect(events.filter((event) => event.get('Unique-ID') === call.uuid).map((event) => event.name)).toEqual(
      ['CHANNEL_HANGUP', 'CHANNEL_HANGUP_COMPLETE'],
    )
    expect(await control.api(`uuid_exists ${call.uuid}`)).toBe('false')
  })

  it('keeps trying while FreeSWITCH is down and connects once it listens', async () => {
    const port = fake.port
    await control.close()
    await fake.close()
    const early = connectEslControl({
      host: '127.0.0.1',
      port,
      password: 'ClueCon',
      logger,
      backoff: { initialMs: 5, maxMs: 20 },
    })
    await new Promise((resolve) => setTimeout(resolve, 60))
    expect(early.connected).toBe(false)
    fake = await startFakeFreeSwitch({ port })
    await fake.waitFor(() => early.connected)
    expect(await early.api('status')).toMatch(/^UP/)
    await early.close()
  })

  it('logs no caller keys: the control sees every DTMF event but shows no digit', async () => {
    const lines: string[] = []
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk))
        callback()
      },
    })
    const traced = connectEslControl({
      host: fake.host,
      port: fake.port,
      password: fake.password,
      logger: createLogger('trace', destination as never),
    })
    await fake.waitFor(() => traced.connected)
    handler = async (call) => {
      await call.playAndGetDigits({
        min: 4,
        max: 4,
        tries: 1,
        timeoutMs: 1000,
        file: 'expiry.wav',
        variable: 'entry',
        secret: true,
      })
      await call.execute('set', 'after=1')
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111', digits: ['1230'] })
    await call.ended
    await fake.waitFor(() => lines.some((line) => line.includes('CHANNEL_HANGUP_COMPLETE')))
    await traced.close()
    expect(lines.join('')).toContain('"DTMF-Digit":"[redacted]"')
    // UUIDs are hex: look for the keys as values, not as any substring
    expect(lines.join('')).not.toMatch(/"1230"|"DTMF-Digit":"\d"/)
  })

  it('reconnects after a FreeSWITCH restart with its subscriptions, failing what was pending', async () => {
    let connects = 0
    let disconnects = 0
    control.onConnect(() => connects++)
    control.onDisconnect(() => disconnects++)
    fake.registerEndpoint('user/1002', { ringOut: true })
    const pending = control.bgapi('originate user/1002 &conference(c@tollgate)').catch((error) => error)
    await fake.waitFor(() => fake.legs().length === 1)
    const before = fake.coreUuid
    await fake.restart()
    expect(await pending).toBeInstanceOf(EslDisconnected)
    await fake.waitFor(() => connects === 1)
    expect(disconnects).toBe(1)
    expect(fake.coreUuid).not.toBe(before)
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.ended
    await fake.waitFor(() =>
      events.some(
        (event) => event.name === 'CHANNEL_HANGUP_COMPLETE' && event.get('Core-UUID') === fake.coreUuid,
      ),
    )
  })
})

describe('originate to the socket app (call-outs)', () => {
  it('hands the answered leg to the listener with its variables; quoted, the data keeps async full', async () => {
    fake.registerEndpoint('sofia/gateway/out/+15555550101', { answerAfterMs: 1000, digits: ['1'] })
    const calls: CallChannel[] = []
    let pressed = ''
    handler = async (call) => {
      calls.push(call)
      const { digits } = await call.playAndGetDigits({
        min: 1,
        max: 1,
        tries: 1,
        timeoutMs: 5000,
        file: 'silence_stream://100',
        variable: 'tollgate_offer_choice',
      })
      pressed = digits
      await call.hangup()
    }
    const originated = control.bgapi(
      `originate {tollgate_contact=cc_1,originate_timeout=20}sofia/gateway/out/+15555550101 &socket('127.0.0.1:${listenPort} async full')`,
    )
    await fake.advance(1000)
    expect(await originated).toMatch(/^\+OK [0-9a-f-]{36}$/)
    const leg = fake.legs()[0]
    await leg?.ended
    const call = calls[0]
    expect(call?.data.variable('tollgate_contact')).toBe('cc_1')
    expect(call?.data.get('Call-Direction')).toBe('outbound')
    expect(call?.data.get('Control')).toBe('full')
    expect(call?.uuid).toBe(leg?.uuid)
    expect(pressed).toBe('1')
    expect(leg?.socketArg).toBe(`127.0.0.1:${listenPort} async full`)
    expect(leg?.apps.map((app) => app.name)).toEqual(['socket', 'play_and_get_digits'])
  })

  it('unquoted, originate splits the data at its spaces: the socket app gets host:port alone, not full', async () => {
    fake.registerEndpoint('sofia/gateway/out/+15555550102')
    let control_ = ''
    let apiRefused: unknown
    handler = async (call) => {
      control_ = call.data.get('Control') ?? ''
      apiRefused = await call.api('status').catch((error: unknown) => error)
      await call.hangup()
    }
    await control.bgapi(
      `originate {tollgate_contact=cc_2}sofia/gateway/out/+15555550102 &socket(127.0.0.1:${listenPort} async full)`,
    )
    await fake.legs()[0]?.ended
    expect(fake.legs()[0]?.socketArg).toBe(`127.0.0.1:${listenPort}`)
    expect(control_).toBe('single-channel')
    expect(apiRefused).toBeInstanceOf(EslCommandError)
  })

  it('a far end that never answers fails -ERR NO_ANSWER; a busy one -ERR USER_BUSY; neither reaches the listener', async () => {
    fake.registerEndpoint('sofia/gateway/out/+15555550103', { ringOut: true })
    fake.registerEndpoint('sofia/gateway/out/+15555550104', { reject: 'USER_BUSY' })
    let reached = 0
    handler = async () => {
      reached++
    }
    const socket = `&socket('127.0.0.1:${listenPort} async full')`
    const unanswered = control
      .bgapi(`originate {originate_timeout=20}sofia/gateway/out/+15555550103 ${socket}`)
      .catch((error: unknown) => error)
    await fake.waitFor(() => fake.legs().length === 1)
    await fake.advance(20_000)
    expect(await unanswered).toMatchObject({ reply: '-ERR NO_ANSWER' })
    await expect(control.bgapi(`originate sofia/gateway/out/+15555550104 ${socket}`)).rejects.toMatchObject({
      reply: '-ERR USER_BUSY',
    })
    expect(reached).toBe(0)
  })
})
