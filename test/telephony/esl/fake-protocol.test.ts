// The fake FreeSWITCH's own conformance: raw TCP frames, byte for byte where ESL-PROTOCOL.md and
// mod_event_socket.c fix them. Nothing of our facade is used here except where named.
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createLogger } from '../../../server/logging.ts'
import { createEslListener } from '../../../telephony/esl/listener.ts'
import type { CallChannel } from '../../../telephony/esl/types.ts'
import { type FakeFreeSwitch, startFakeFreeSwitch } from '../../support/fake-freeswitch/index.ts'
import { urlEncode } from '../../support/fake-freeswitch/wire.ts'

interface Frame {
  raw: string
  headers: Record<string, string>
  body: string
}

/** reads whole frames off a socket: headers to a blank line, then Content-Length bytes */
class RawPeer {
  private buffer = Buffer.alloc(0)
  private waiting: (() => void) | undefined
  closed = false

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk) => {
      this.buffer = Buffer.concat([this.buffer, chunk])
      this.waiting?.()
    })
    socket.on('close', () => {
      this.closed = true
      this.waiting?.()
    })
  }

  send(text: string): void {
    this.socket.write(text)
  }

  private take(): Frame | undefined {
    const end = this.buffer.indexOf('\n\n')
    if (end === -1) return undefined
    const head = this.buffer.subarray(0, end).toString()
    const headers: Record<string, string> = {}
    for (const line of head.split('\n')) {
      const at = line.indexOf(': ')
      headers[line.slice(0, at)] = line.slice(at + 2)
    }
    const length = Number(headers['Content-Length'] ?? 0)
    if (this.buffer.length < end + 2 + length) return undefined
    const body = this.buffer.subarray(end + 2, end + 2 + length).toString()
    const raw = this.buffer.subarray(0, end + 2 + length).toString()
    this.buffer = this.buffer.subarray(end + 2 + length)
    return { raw, headers, body }
  }

  async next(timeoutMs = 2000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const frame = this.take()
      if (frame) return frame
      if (this.closed) throw new Error('socket closed')
      if (Date.now() > deadline) throw new Error('no frame')
      await new Promise<void>((resolve) => {
        this.waiting = resolve
        setTimeout(resolve, 20)
      })
    }
  }

  /** the frames until one matches, returned all */
  async until(match: (frame: Frame) => boolean): Promise<Frame[]> {
    const frames: Frame[] = []
    for (;;) {
      const frame = await this.next()
      frames.push(frame)
      if (match(frame)) return frames
    }
  }

  async closedSoon(): Promise<boolean> {
    for (let i = 0; i < 100 && !this.closed; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    return this.closed
  }
}

const eventName = (frame: Frame) => /^Event-Name: (.*)$/m.exec(frame.body)?.[1]
const bodyHeader = (frame: Frame, name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(frame.body)?.[1]

let fake: FakeFreeSwitch
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function inbound(options: Parameters<typeof startFakeFreeSwitch>[0] = {}): Promise<RawPeer> {
  fake = await startFakeFreeSwitch(options)
  cleanups.push(() => fake.close())
  const socket = net.connect(fake.port, fake.host)
  cleanups.push(() => {
    socket.destroy()
  })
  return new RawPeer(socket)
}

async function authed(): Promise<RawPeer> {
  const peer = await inbound()
  await peer.next()
  peer.send('auth ClueCon\n\n')
  await peer.next()
  return peer
}

/** a raw "bridge": accepts the fake's outbound connection */
async function outboundPeer(full = true): Promise<{ peer: Promise<RawPeer> }> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as net.AddressInfo
  fake = await startFakeFreeSwitch({ outbound: { host: '127.0.0.1', port: address.port }, full })
  cleanups.push(() => fake.close())
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const peer = new Promise<RawPeer>((resolve) =>
    server.once('connection', (socket) => {
      cleanups.push(() => {
        socket.destroy()
      })
      resolve(new RawPeer(socket))
    }),
  )
  return { peer }
}

describe('inbound frames', () => {
  it('asks for auth and accepts the password', async () => {
    const peer = await inbound()
    expect((await peer.next()).raw).toBe('Content-Type: auth/request\n\n')
    peer.send('auth ClueCon\n\n')
    expect((await peer.next()).raw).toBe('Content-Type: command/reply\nReply-Text: +OK accepted\n\n')
  })

  it('answers a wrong password with -ERR invalid, a disconnect notice, and closes', async () => {
    const peer = await inbound()
    await peer.next()
    peer.send('auth wrong\n\n')
    expect((await peer.next()).raw).toBe('Content-Type: command/reply\nReply-Text: -ERR invalid\n\n')
    const goodbye = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n'
    expect((await peer.next()).raw).toBe(
      `Content-Type: text/disconnect-notice\nContent-Length: ${goodbye.length}\n\n${goodbye}`,
    )
    expect(await peer.closedSoon()).toBe(true)
  })

  it('refuses commands before auth, and unknown commands after', async () => {
    const peer = await inbound()
    await peer.next()
    peer.send('api status\n\n')
    expect((await peer.next()).raw).toBe(
      'Content-Type: command/reply\nReply-Text: -ERR command not found\n\n',
    )
    peer.send('auth ClueCon\n\n')
    await peer.next()
    peer.send('frobnicate\n\n')
    expect((await peer.next()).raw).toBe(
      'Content-Type: command/reply\nReply-Text: -ERR command not found\n\n',
    )
    peer.send('linger\n\n')
    expect((await peer.next()).headers['Reply-Text']).toBe('-ERR not controlling a session')
  })

  it('answers api with api/response and an exact Content-Length; an unknown API with Command not found!', async () => {
    const peer = await authed()
    peer.send('api status\n\n')
    const status = await peer.next()
    expect(status.raw.startsWith('Content-Type: api/response\nContent-Length: ')).toBe(true)
    expect(Buffer.byteLength(status.body)).toBe(Number(status.headers['Content-Length']))
    expect(status.body).toMatch(/^UP 0 years/)
    peer.send('api frobnicate now\n\n')
    expect((await peer.next()).raw).toBe(
      'Content-Type: api/response\nContent-Length: 35\n\n-ERR frobnicate Command not found!\n',
    )
  })

  it('enables events, needs keywords, and sends URL-encoded plain events', async () => {
    const peer = await authed()
    peer.send('event plain\n\n')
    expect((await peer.next()).headers['Reply-Text']).toBe('-ERR no keywords supplied')
    peer.send('event plain BACKGROUND_JOB\n\n')
    expect((await peer.next()).raw).toBe(
      'Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n',
    )
    peer.send('bgapi echo a b:c\nJob-UUID: 11111111-2222-3333-4444-555555555555\n\n')
    expect((await peer.next()).raw).toBe(
      'Content-Type: command/reply\nReply-Text: +OK Job-UUID: 11111111-2222-3333-4444-555555555555\nJob-UUID: 11111111-2222-3333-4444-555555555555\n\n',
    )
    const job = await peer.next()
    expect(
      job.raw.startsWith(
        `Content-Length: ${Buffer.byteLength(job.body)}\nContent-Type: text/event-plain\n\n`,
      ),
    ).toBe(true)
    expect(job.body.startsWith('Event-Name: BACKGROUND_JOB\nCore-UUID: ')).toBe(true)
    expect(bodyHeader(job, 'Event-Date-GMT')).toBe('Sun,%2006%20Dec%202026%2010%3A00%3A00%20GMT')
    expect(bodyHeader(job, 'Event-Date-Timestamp')).toBe('1796551200000000')
    expect(bodyHeader(job, 'Job-UUID')).toBe('11111111-2222-3333-4444-555555555555')
    expect(bodyHeader(job, 'Job-Command-Arg')).toBe('a%20b%3Ac')
    expect(job.body.endsWith('Content-Length: 5\n\na b:c')).toBe(true)
  })

  it('sends json events with the body as _body', async () => {
    const peer = await authed()
    peer.send('event json BACKGROUND_JOB\n\n')
    expect((await peer.next()).headers['Reply-Text']).toBe('+OK event listener enabled json')
    peer.send('bgapi echo hello world\n\n')
    const reply = await peer.next()
    const job = await peer.next()
    expect(job.headers['Content-Type']).toBe('text/event-json')
    const data = JSON.parse(job.body)
    expect(data['Event-Name']).toBe('BACKGROUND_JOB')
    expect(data['Job-UUID']).toBe(reply.headers['Job-UUID'])
    expect(data['Job-Command-Arg']).toBe('hello world')
    expect(data._body).toBe('hello world')
    expect(data['Content-Length']).toBe('11')
  })

  it('filters events by header', async () => {
    const peer = await authed()
    peer.send('event plain BACKGROUND_JOB\n\n')
    await peer.next()
    peer.send('filter Job-Command-Arg two\n\n')
    expect((await peer.next()).headers['Reply-Text']).toBe('+OK filter added. [Job-Command-Arg]=[two]')
    peer.send('bgapi echo one\n\n')
    await peer.next()
    peer.send('bgapi echo two\n\n')
    await peer.next()
    const job = await peer.next()
    expect(bodyHeader(job, 'Job-Command-Arg')).toBe('two')
  })
})

describe('outbound frames', () => {
  it('answers connect with one CHANNEL_DATA block: no Content-Length, Content-Type near the end, 0000000000 without a number', async () => {
    const { peer: waiting } = await outboundPeer()
    fake.placeCall({ dnis: '9001', ani: null, variables: { note: 'a b&c' } })
    const peer = await waiting
    peer.send('connect\n\n')
    const data = await peer.next()
    expect(data.headers['Content-Length']).toBeUndefined()
    const lines = data.raw.trimEnd().split('\n')
    expect(lines[0]).toBe('Event-Name: CHANNEL_DATA')
    expect(lines.slice(-4)).toEqual([
      'Content-Type: command/reply',
      'Reply-Text: %2BOK%0A',
      'Socket-Mode: async',
      'Control: full',
    ])
    expect(data.headers['Caller-Caller-ID-Number']).toBe('0000000000')
    expect(data.headers['Caller-Destination-Number']).toBe('9001')
    expect(data.headers.variable_note).toBe('a%20b%26c')
  })

  it('myevents, linger, sendmsg with event-lock: +OK, CHANNEL_EXECUTE and the completion by Application-UUID', async () => {
    const { peer: waiting } = await outboundPeer()
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    const peer = await waiting
    peer.send('connect\n\n')
    await peer.next()
    peer.send('myevents\n\n')
    expect((await peer.next()).raw).toBe('Content-Type: command/reply\nReply-Text: +OK Events Enabled\n\n')
    peer.send('linger\n\n')
    expect((await peer.next()).raw).toBe('Content-Type: command/reply\nReply-Text: +OK will linger\n\n')
    peer.send(
      `sendmsg ${call.uuid}\ncall-command: execute\nexecute-app-name: set\nexecute-app-arg: x=1 2\nevent-lock: true\nEvent-UUID: app-1\n\n`,
    )
    const frames = await peer.until((frame) => eventName(frame) === 'CHANNEL_EXECUTE_COMPLETE')
    // the app may start before the +OK is written: a client must not take the first frame as the reply
    expect(frames.map((frame) => eventName(frame) ?? frame.headers['Reply-Text'])).toEqual([
      'CHANNEL_EXECUTE',
      '+OK',
      'CHANNEL_EXECUTE_COMPLETE',
    ])
    const done = frames[2] as Frame
    expect(bodyHeader(done, 'Application-UUID')).toBe('app-1')
    expect(bodyHeader(done, 'Application')).toBe('set')
    expect(bodyHeader(done, 'Application-Data')).toBe('x%3D1%202')
    expect(bodyHeader(done, 'variable_x')).toBe('1%202')
  })

  it('refuses api, bgapi, event and linger on a socket without full', async () => {
    const { peer: waiting } = await outboundPeer(false)
    fake.placeCall({ dnis: '9001', ani: '15550001111' })
    const peer = await waiting
    peer.send('connect\n\n')
    const data = await peer.next()
    expect(data.headers.Control).toBe('single-channel')
    for (const command of ['api status', 'bgapi status', 'event plain ALL', 'linger']) {
      peer.send(`${command}\n\n`)
      expect((await peer.next()).raw).toBe(
        'Content-Type: command/reply\nReply-Text: -ERR command not found\n\n',
      )
    }
  })

  it('after a hangup with `linger 5`: the events, a linger notice, and 5 s later disconnect and close', async () => {
    const { peer: waiting } = await outboundPeer()
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    const peer = await waiting
    peer.send('connect\n\n')
    await peer.next()
    peer.send('myevents\n\n')
    await peer.next()
    peer.send('linger 5\n\n')
    expect((await peer.next()).headers['Reply-Text']).toBe('+OK will linger 5 seconds')
    call.hangup('NORMAL_CLEARING')
    const frames = await peer.until((frame) => eventName(frame) === 'CHANNEL_HANGUP_COMPLETE')
    expect(frames.map((frame) => eventName(frame) ?? frame.headers['Content-Disposition'])).toEqual([
      'CHANNEL_HANGUP',
      'linger',
      'CHANNEL_HANGUP_COMPLETE',
    ])
    expect(frames[1]?.raw).toBe(
      `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${call.uuid}\nContent-Disposition: linger\nChannel-Name: sofia/external/15550001111@127.0.0.1\nLinger-Time: 5\nContent-Length: 0\n\n`,
    )
    expect(bodyHeader(frames[0] as Frame, 'Hangup-Cause')).toBe('NORMAL_CLEARING')
    await fake.advance(4999)
    expect(peer.closed).toBe(false)
    await fake.advance(1)
    const disconnect = await peer.next()
    expect(disconnect.raw).toBe(
      `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${call.uuid}\nContent-Disposition: disconnect\nContent-Length: 67\n\nDisconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n`,
    )
    expect(await peer.closedSoon()).toBe(true)
  })

  it('after a hangup with plain `linger` the socket stays until the client exits', async () => {
    const { peer: waiting } = await outboundPeer()
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    const peer = await waiting
    peer.send('connect\n\n')
    await peer.next()
    peer.send('linger\n\n')
    expect((await peer.next()).headers['Reply-Text']).toBe('+OK will linger')
    call.hangup()
    expect((await peer.next()).headers['Linger-Time']).toBe('-1')
    await fake.advance(3_600_000)
    expect(peer.closed).toBe(false)
    peer.send('exit\n\n')
    expect((await peer.next()).headers['Reply-Text']).toBe('+OK bye')
    expect((await peer.next()).headers['Content-Disposition']).toBe('disconnect')
    expect(await peer.closedSoon()).toBe(true)
  })

  it('without linger the socket goes right after the hangup', async () => {
    const { peer: waiting } = await outboundPeer()
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    const peer = await waiting
    peer.send('connect\n\n')
    await peer.next()
    call.hangup()
    expect((await peer.next()).headers['Content-Disposition']).toBe('disconnect')
    expect(await peer.closedSoon()).toBe(true)
  })
})

describe('inbound events before a pending reply', () => {
  it('uuid_kill: the channel hangup events come before the api/response', async () => {
    const { peer: waiting } = await outboundPeer()
    const call = fake.placeCall({ dnis: '9001', ani: '15550001111' })
    const bridge = await waiting
    bridge.send('connect\n\n')
    await bridge.next()
    const socket = net.connect(fake.port, fake.host)
    cleanups.push(() => {
      socket.destroy()
    })
    const control = new RawPeer(socket)
    await control.next()
    control.send('auth ClueCon\n\n')
    await control.next()
    control.send('event plain CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE\n\n')
    await control.next()
    control.send(`api uuid_kill ${call.uuid}\n\n`)
    const frames = await control.until((frame) => frame.headers['Content-Type'] === 'api/response')
    expect(frames.map((frame) => eventName(frame) ?? frame.body)).toEqual([
      'CHANNEL_HANGUP',
      'CHANNEL_HANGUP_COMPLETE',
      '+OK\n',
    ])
  })
})

describe('wire encoding', () => {
  it('URL-encodes like switch_url_encode', () => {
    expect(urlEncode('a b+c:d;e@f')).toBe('a%20b%2Bc%3Ad%3Be%40f')
    expect(urlEncode('+OK\n')).toBe('%2BOK%0A')
    expect(urlEncode('Müller')).toBe('M%C3%BCller')
    // an existing escape is not encoded again (double_encode off)
    expect(urlEncode('100%41 and 5%')).toBe('100%41%20and%205%25')
    expect(urlEncode("/,()!*$'")).toBe("/,()!*$'")
  })
})

describe('the facade over frames modesl gets wrong', () => {
  it('survives a header that is not UTF-8 once decoded (modesl would throw in its data handler)', async () => {
    const logger = createLogger('silent')
    const listener = createEslListener({ logger })
    let seen: CallChannel | undefined
    listener.onCall(async (call) => {
      seen = call
    })
    const address = await listener.listen('127.0.0.1', 0)
    cleanups.push(() => listener.close())
    const socket = net.connect(address.port, address.host)
    cleanups.push(() => {
      socket.destroy()
    })
    const peer = new RawPeer(socket)
    const reader = { commands: [] as string[] }
    socket.on('data', (chunk) => reader.commands.push(String(chunk)))
    await new Promise((resolve) => setTimeout(resolve, 50))
    socket.write(
      'Event-Name: CHANNEL_DATA\nUnique-ID: u-1\nCaller-Caller-ID-Number: anonymous\nCaller-Caller-ID-Name: M%FCller\nCaller-Destination-Number: 9001\nContent-Type: command/reply\nReply-Text: %2BOK%0A\nSocket-Mode: async\nControl: full\n\n',
    )
    for (let i = 0; i < 50 && !reader.commands.join('').includes('myevents'); i++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    socket.write('Content-Type: command/reply\nReply-Text: +OK Events Enabled\n\n')
    for (let i = 0; i < 50 && !reader.commands.join('').includes('linger'); i++)
      await new Promise((resolve) => setTimeout(resolve, 10))
    socket.write('Content-Type: command/reply\nReply-Text: +OK will linger\n\n')
    for (let i = 0; i < 50 && !seen; i++) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(seen?.data.get('Caller-Caller-ID-Name')).toBe('M%FCller')
    expect(seen?.ani).toBeUndefined()
    expect(seen?.dnis).toBe('9001')
    void peer
  })
})
