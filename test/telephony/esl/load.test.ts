// 200 calls at once through the fake and the facade: every app completes on its own call, nothing
// is crossed between sockets, and the inbound control sees every hangup.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createLogger } from '../../../server/logging.ts'
import { connectEslControl } from '../../../telephony/esl/control.ts'
import { createEslListener } from '../../../telephony/esl/listener.ts'
import type { EslControl, EslListener } from '../../../telephony/esl/types.ts'
import { type FakeFreeSwitch, startFakeFreeSwitch } from '../../support/fake-freeswitch/index.ts'

const logger = createLogger('silent')
let fake: FakeFreeSwitch
let control: EslControl
let listener: EslListener

beforeAll(async () => {
  listener = createEslListener({ logger, executeTimeoutMs: 20_000 })
  fake = await startFakeFreeSwitch({ outbound: await listener.listen('127.0.0.1', 0) })
  control = connectEslControl({ host: fake.host, port: fake.port, password: fake.password, logger })
  await fake.waitFor(() => control.connected)
})

afterAll(async () => {
  await control.close()
  await fake.close()
  await listener.close()
})

it('carries 200 simultaneous calls, each with its own digits', async () => {
  const hangups = new Set<string>()
  control.onEvent((event) => {
    if (event.name === 'CHANNEL_HANGUP_COMPLETE') hangups.add(event.get('Unique-ID') ?? '')
  })
  const results = new Map<string, string>()
  listener.onCall(async (call) => {
    await call.execute('answer')
    const { digits } = await call.playAndGetDigits({
      min: 4,
      max: 4,
      tries: 1,
      timeoutMs: 5000,
      file: 'tone_stream://%(100,0,440)',
      variable: 'entry',
    })
    await call.setVariable('echo', digits)
    const done = await call.execute('playback', 'silence_stream://10')
    results.set(call.uuid, done.variable('echo') ?? '')
    await call.hangup()
  })
  const started = Date.now()
  const calls = Array.from({ length: 200 }, (_, index) =>
    fake.placeCall({
      dnis: '9001',
      ani: `1555000${String(index).padStart(4, '0')}`,
      digits: [String(1000 + index)],
    }),
  )
  await Promise.all(calls.map((call) => call.ended))
  await fake.waitFor(() => hangups.size === 200, 20_000)
  expect(calls.map((call) => results.get(call.uuid))).toEqual(calls.map((_, index) => String(1000 + index)))
  expect(Date.now() - started).toBeLessThan(60_000)
})
