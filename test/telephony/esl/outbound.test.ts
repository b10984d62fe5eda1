// The outbound-socket facade (createEslListener → CallChannel) against the fake FreeSWITCH over TCP.
import { Writable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../server/logging.ts'
import { createEslListener } from '../../../telephony/esl/listener.ts'
import { type CallChannel, ChannelGone, type EslListener, EslTimeout } from '../../../telephony/esl/types.ts'
import { type FakeFreeSwitch, startFakeFreeSwitch } from '../../support/fake-freeswitch/index.ts'

function captureLogger() {
  const lines: string[] = []
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk))
      callback()
    },
  })
  return { logger: createLogger('trace', destination as never), lines }
}

let fake: FakeFreeSwitch
let listener: EslListener
let log: ReturnType<typeof captureLogger>
let calls: CallChannel[]
let handler: (call: CallChannel) => Promise<void>

beforeEach(async () => {
  log = captureLogger()
  listener = createEslListener({ logger: log.logger, executeTimeoutMs: 2000 })
  calls = []
  handler = async () => undefined
  listener.onCall(async (call) => {
    calls.push(call)
    await handler(call)
  })
  const address = await listener.listen('127.0.0.1', 0)
  fake = await startFakeFreeSwitch({ outbound: address })
})

afterEach(async () => {
  await fake.close()
  await listener.close()
})

describe('outbound socket', () => {
  it('hands over a call with its DNIS and ANI after myevents and linger', async () => {
    let seen: CallChannel | undefined
    handler = async (call) => {
      seen = call
      await call.execute('answer')
      await call.execute('playback', 'tone_stream://%(200,0,440)')
      await call.hangup()
    }
    const call = fake.placeCall({ dnis: '9001', ani: '+15551230000' })
    const end = await call.ended
    expect(end.by).toBe('bridge')
    expect(seen?.dnis).toBe('9001')
    expect(seen?.ani).toBe('+15551230000')
    expect(seen?.uuid).toBe(call.uuid)
    expect(seen?.data.get('Control')).toBe('full')
    expect(fake.commands().slice(0, 3)).toEqual(['connect', 'myevents', 'linger'])
    expect(call.apps.map((run) => run.name)).toEqual(['answer', 'playback'])
    expect(call.played).toEqual(['tone_stream://%(200,0,440)'])
    const hangup = await seen?.hungUp
    expect(hangup?.cause).toBe('NORMAL_CLEARING')
  })

  it.each([null, '', '0000000000', 'anonymous', 'Restricted', 'unknown', 'private'])(
    'treats %s as no ANI',
    async (ani) => {
      const call = fake.placeCall({ dnis: '9001', ani })
      await call.ended
      expect(calls[0]?.ani).toBeUndefined()
    },
  )

  it('resolves execute with its own CHANNEL_EXECUTE_COMPLETE, one app after another', async () => {
    fake.setPlaybackDuration('slow.wav', 1000)
    const order: string[] = []
    let started!: () => void
    const running = new Promise<void>((resolve) => {
      started = resolve
    })
    handler = async (call) => {
      const slow = call.execute('playback', 'slow.wav').then((event) => {
        order.push(`slow:${event.get('Application-Response')}`)
      })
      const fast = call.execute('set', 'greeting=done').then((event) => {
        order.push(`set:${event.variable('greeting')}`)
      })
      started()
      await Promise.all([slow, fast])
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await running
    await call.waitForApp('playback')
    expect(order).toEqual([])
    await fake.advance(1000)
    await call.ended
    expect(order).toEqual(['slow:FILE PLAYED', 'set:done'])
  })

  it('reads digits, and unsets a secret variable at once without logging the digits', async () => {
    let result: unknown
    let later: string | undefined
    handler = async (call) => {
      await call.execute('answer')
      result = await call.playAndGetDigits({
        min: 12,
        max: 19,
        tries: 2,
        timeoutMs: 5000,
        file: 'tone_stream://%(100,0,600)',
        variable: 'card_digits',
        regexp: '^\\d{12,19}$',
        secret: true,
      })
      const after = await call.execute('playback', 'silence_stream://10')
      later = after.variable('card_digits')
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111', digits: ['123', '4242424242424242#'] })
    await call.ended
    expect(result).toEqual({ result: 'success', digits: '4242424242424242' })
    expect(later).toBeUndefined()
    expect(call.variable('card_digits')).toBeUndefined()
    expect(call.variable('card_digits_invalid')).toBeUndefined()
    const logged = log.lines.join('')
    expect(logged).toContain('CHANNEL_EXECUTE_COMPLETE')
    expect(logged).not.toContain('4242424242424242')
    expect(logged).not.toMatch(/":"(123|4242424242424242)"/)
    expect(logged).not.toMatch(/"DTMF-Digit":"\d"/)
  })

  it('reports a timeout when the caller presses nothing', async () => {
    let result: unknown
    handler = async (call) => {
      result = await call.playAndGetDigits({
        min: 1,
        max: 1,
        tries: 1,
        timeoutMs: 3000,
        file: 'menu.wav',
        variable: 'choice',
      })
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.waitForApp('play_and_get_digits')
    await fake.advance(3000)
    await call.ended
    expect(result).toEqual({ result: 'timeout', digits: '' })
  })

  it('takes a key pressed while the prompt waits', async () => {
    let result: unknown
    handler = async (call) => {
      result = await call.playAndGetDigits({
        min: 1,
        max: 1,
        tries: 1,
        timeoutMs: 3000,
        file: 'menu.wav',
        variable: 'choice',
      })
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.waitForApp('play_and_get_digits')
    await fake.waitFor(() => call.played.length === 1)
    await new Promise((resolve) => setTimeout(resolve, 20))
    call.press('2')
    await call.ended
    expect(result).toEqual({ result: 'success', digits: '2' })
  })

  it('rejects a running app with ChannelGone when the caller hangs up, and every later one', async () => {
    fake.setPlaybackDuration('long.wav', 60_000)
    const errors: unknown[] = []
    let hungUp: unknown
    handler = async (call) => {
      await call.execute('playback', 'long.wav').catch((error) => errors.push(error))
      await call.execute('playback', 'next.wav').catch((error) => errors.push(error))
      hungUp = await call.hungUp
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.waitForApp('playback')
    call.hangup('NORMAL_CLEARING')
    await fake.waitFor(() => errors.length === 2)
    expect(errors[0]).toBeInstanceOf(ChannelGone)
    expect(errors[1]).toBeInstanceOf(ChannelGone)
    expect(hungUp).toMatchObject({ cause: 'NORMAL_CLEARING' })
    expect((await call.ended).by).toBe('caller')
  })

  it('rejects an app sent as the caller hangs up, with no unhandled rejection on the way', async () => {
    const errors: unknown[] = []
    handler = async (call) => {
      const [placed] = fake.calls()
      placed?.hangup()
      await Promise.all([
        call.execute('set', 'a=1').catch((error) => errors.push(error)),
        call.execute('playback', 'x.wav').catch((error) => errors.push(error)),
      ])
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.ended
    await fake.waitFor(() => errors.length === 2)
    for (const error of errors) expect(error).toBeInstanceOf(ChannelGone)
  })

  it('times out an app that never completes', async () => {
    let error: unknown
    handler = async (call) => {
      error = await call.execute('conference', 'x@default', { timeoutMs: 50 }).catch((e) => e)
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.ended
    expect(error).toBeInstanceOf(EslTimeout)
  })

  it('sends conference without waiting; api over the socket; a multi-line argument in a body', async () => {
    let reply: string | undefined
    let refused: unknown
    handler = async (call) => {
      await call.execute('answer')
      await call.execute('set', 'note=line one\nline two')
      await call.executeAndForget('conference', 'call-1@tollgate')
      reply = await call.api(`uuid_exists ${call.uuid}`)
      refused = await call.api('no_such_thing').catch((e) => e)
      await fake.waitFor(() => fake.conference('call-1')?.members.length === 1)
      call.close()
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    await call.ended
    expect(reply).toBe('true')
    expect(String(refused)).toContain('-ERR no_such_thing Command not found!')
    expect(call.variable('note')).toBe('line one\nline two')
  })

  it('hangs the call up when the handler throws', async () => {
    handler = async () => {
      throw new Error('boom')
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    expect((await call.ended).cause).toBe('NORMAL_TEMPORARY_FAILURE')
  })
})

describe('play_and_get_digits as FreeSWITCH reports it', () => {
  const prompt = {
    min: 4,
    max: 6,
    tries: 1,
    timeoutMs: 3000,
    file: 'p.wav',
    variable: 'code',
    regexp: '^\\d+$',
  }

  it.each([
    ['12345#', { result: 'success', digits: '12345' }, 'success'],
    // no terminator, fewer than max: accepted after the inter-digit timeout, read_result stays "timeout"
    ['12345', { result: 'success', digits: '12345' }, 'timeout'],
    ['123456789', { result: 'success', digits: '123456' }, 'success'],
    // too few: read_result "failure" while the variable still holds them
    ['12#', { result: 'failure', digits: '' }, 'failure'],
    // refused by the regexp: read_result "success", the variable cleared, <var>_invalid set
    ['12a4#', { result: 'failure', digits: '' }, 'success'],
  ])('%s', async (keys, expected, readResult) => {
    let result: unknown
    handler = async (call) => {
      result = await call.playAndGetDigits(prompt)
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111', digits: [keys] })
    await call.waitForApp('play_and_get_digits')
    await fake.waitFor(() => call.apps[0]?.completedAt)
    expect(call.variable('read_result')).toBe(readResult)
    await call.ended
    expect(result).toEqual(expected)
  })

  it('no key at all is a timeout (FreeSWITCH says "failure" when min ≥ 1)', async () => {
    let result: unknown
    handler = async (call) => {
      result = await call.playAndGetDigits(prompt)
    }
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111', digits: [''] })
    await call.waitForApp('play_and_get_digits')
    await fake.advance(3000)
    await fake.waitFor(() => call.apps[0]?.completedAt)
    expect(call.variable('read_result')).toBe('failure')
    await call.ended
    expect(result).toEqual({ result: 'timeout', digits: '' })
  })
})
