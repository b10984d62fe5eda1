// A fake FreeSWITCH 1.10 over real TCP: the inbound Event Socket (auth, api, bgapi, event, filter),
// the outbound socket it opens to the bridge per call (CHANNEL_DATA, myevents, linger, sendmsg), the
// dialplan apps and API commands the bridge uses, with a clock the test moves. The frames follow
// ../../../../shared/ESL-PROTOCOL.md and mod_event_socket.c, not our facade: replies and events come
// in the orders a real FreeSWITCH may produce, including events before a pending reply.
import { randomUUID } from 'node:crypto'
import net from 'node:net'
import type {
  AppRun,
  CallEnd,
  CallState,
  EndpointBehaviour,
  FakeCall,
  FakeConference,
  FakeConferenceMember,
  FakeFreeSwitch,
  FakeFreeSwitchOptions,
  FakeLeg,
  PlaceCallOptions,
  ScheduledJob,
} from './api.ts'
import {
  apiResponse,
  type ClientCommand,
  CommandReader,
  commandReply,
  eventFrame,
  type Headers,
  serializePlain,
} from './wire.ts'

const goodbye = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n'
const noNumber = '0000000000'
// apps that finish at once and change nothing the fake models
const passiveApps = new Set([
  'log',
  'info',
  'export',
  'ring_ready',
  'pre_answer',
  'event',
  'set_zombie_exec',
  'respond',
  'send_dtmf',
  'start_dtmf',
  'stop_dtmf',
  'multiset',
])

interface Timer {
  at: number
  seq: number
  run: () => void
  cancelled: boolean
}

interface AppRequest {
  uuid: string
  name: string
  arg: string
}

interface RunningApp {
  request: AppRequest
  run: MutableAppRun
  /** called when the channel hangs up while the app runs */
  interrupt: () => void
}

interface MutableAppRun {
  uuid: string
  name: string
  arg: string
  startedAt: Date
  completedAt: Date | undefined
  response: string | undefined
}

interface DigitWait {
  resolve: (digits: string | null) => void
}

class Deferred<T> {
  resolve!: (value: T) => void
  readonly promise = new Promise<T>((resolve) => {
    this.resolve = resolve
  })
}

class Channel {
  readonly variables = new Map<string, string>()
  readonly apps: MutableAppRun[] = []
  readonly played: string[] = []
  readonly queue: AppRequest[] = []
  readonly digits: string[] = []
  running: RunningApp | undefined
  digitWait: DigitWait | undefined
  answeredAt: number | undefined
  hungUpAt: number | undefined
  hangupCause: string | undefined
  state: CallState | 'ringing' | 'failed' = 'connecting'
  failCause: string | undefined
  conferenceName: string | undefined
  memberId: number | undefined
  transferredTo: string | undefined
  session: Listener | undefined
  readonly ended = new Deferred<CallEnd>()
  readonly connected = new Deferred<void>()
  jobUuid: string | undefined
  /** the socket app's data, once it ran */
  socketArg: string | undefined
  /** a socket session has sent `connect` and got CHANNEL_DATA */
  socketReady = false
  target = ''
  dialString = ''
  legVariables: Record<string, string> = {}

  constructor(
    readonly uuid: string,
    readonly kind: 'caller' | 'leg',
    readonly name: string,
    readonly callerNumber: string,
    readonly callerName: string,
    readonly destination: string,
    readonly createdAt: number,
  ) {}

  get down(): boolean {
    return this.hungUpAt !== undefined
  }
}

interface Member {
  memberId: number
  channel: Channel
  joinedAt: number
  flags: string[]
}

interface Conference {
  name: string
  profile: string
  uuid: string
  createdAt: number
  members: Member[]
}

interface Job {
  id: string
  command: 'sched_hangup' | 'sched_broadcast'
  uuid: string
  at: number
  arg: string
  timer: Timer
}

/** One Event Socket connection: inbound (a client connected to us) or outbound (we connected to the bridge). */
class Listener {
  readonly reader = new CommandReader()
  authed: boolean
  format: 'plain' | 'json' = 'plain'
  readonly events = new Set<string>()
  readonly subclasses = new Set<string>()
  allEvents = false
  allCustom = false
  readonly filters: Array<[string, string]> = []
  myevents = false
  /** undefined: no linger; -1: linger until the client exits; else seconds */
  linger: number | undefined
  closed = false
  private chain: Promise<void> = Promise.resolve()

  constructor(
    readonly socket: net.Socket,
    readonly channel: Channel | undefined,
    readonly full: boolean,
  ) {
    this.authed = channel !== undefined
  }

  write(text: string): void {
    if (this.closed || this.socket.destroyed) return
    this.socket.write(text)
  }

  /** commands run one after another, like the listener thread: a blocking `api originate` holds the rest */
  enqueue(work: () => Promise<void> | void): void {
    this.chain = this.chain.then(work).catch(() => undefined)
  }

  wants(name: string, subclass: string | undefined, headers: Headers): boolean {
    if (!this.authed) return false
    if (name === 'CUSTOM') {
      if (!(this.allCustom || (subclass !== undefined && this.subclasses.has(subclass)))) return false
    } else if (!(this.allEvents || this.events.has(name))) return false
    if (this.filters.length > 0) {
      const matched = this.filters.some(([header, value]) =>
        headers.some(([name, actual]) => name.toLowerCase() === header.toLowerCase() && actual === value),
      )
      if (!matched) return false
    }
    if (this.myevents && this.channel) {
      const uniqueId = headers.find(([name]) => name === 'Unique-ID')?.[1]
      const owner = headers.find(([name]) => name === 'Job-Owner-UUID')?.[1]
      if (uniqueId !== this.channel.uuid && owner !== this.channel.uuid) return false
    }
    return true
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.socket.end()
  }
}

const myeventsList = [
  'CHANNEL_ANSWER',
  'CHANNEL_APPLICATION',
  'CHANNEL_BRIDGE',
  'CHANNEL_CREATE',
  'CHANNEL_DATA',
  'CHANNEL_DESTROY',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_ORIGINATE',
  'CHANNEL_UUID',
  'CHANNEL_OUTGOING',
  'CHANNEL_PARK',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_STATE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_UNPARK',
  'DETECTED_SPEECH',
  'DTMF',
  'NOTALK',
  'TALK',
]

// switch_event_types_t names the `event` command accepts (the ones a client of ours may name)
const knownEvents = new Set([
  ...myeventsList,
  'CUSTOM',
  'ALL',
  'BACKGROUND_JOB',
  'HEARTBEAT',
  'API',
  'RE_SCHEDULE',
  'SHUTDOWN',
  'STARTUP',
  'PLAYBACK_START',
  'PLAYBACK_STOP',
  'CHANNEL_CALLSTATE',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'RECORD_START',
  'RECORD_STOP',
])

class Fake implements FakeFreeSwitch {
  host: string
  port = 0
  readonly password: string
  coreUuid = randomUUID()
  private server: net.Server | undefined
  private nowMs: number
  private timers: Timer[] = []
  private timerSeq = 0
  private eventSequence = 1000
  private readonly listeners = new Set<Listener>()
  private readonly channels = new Map<string, Channel>()
  private readonly callList: Channel[] = []
  private readonly legList: Channel[] = []
  private readonly endpoints = new Map<string, EndpointBehaviour>()
  private readonly confs = new Map<string, Conference>()
  private readonly jobs = new Map<string, Job>()
  private readonly durations: Array<[string | RegExp, number]> = []
  private readonly received: string[] = []
  private readonly waiters = new Set<() => void>()
  private memberSeq = 0
  private taskSeq = 0
  private immediates = 0
  private lastActivity = Date.now()
  private readonly hostname: string
  private readonly full: boolean
  private readonly playbackMs: number
  private readonly settleMs: number
  private readonly settleMaxMs: number
  private readonly outbound: { host: string; port: number } | undefined
  private readonly sockets = new Set<net.Socket>()

  constructor(options: FakeFreeSwitchOptions) {
    this.host = options.host ?? '127.0.0.1'
    this.password = options.password ?? 'ClueCon'
    this.nowMs = (options.now ?? new Date('2026-12-06T10:00:00Z')).getTime()
    this.hostname = options.hostname ?? 'fake-freeswitch'
    this.full = options.full ?? true
    this.playbackMs = options.playbackMs ?? 0
    this.settleMs = options.settleMs ?? 15
    this.settleMaxMs = options.settleMaxMs ?? 250
    this.outbound = options.outbound
  }

  async listen(port: number): Promise<void> {
    const server = net.createServer((socket) => this.acceptInbound(socket))
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, this.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address()
    if (address && typeof address === 'object') this.port = address.port
  }

  // ── clock ────────────────────────────────────────────────────────────────

  now(): Date {
    return new Date(this.nowMs)
  }

  private at(ms: number, run: () => void): Timer {
    const timer = { at: this.nowMs + Math.max(0, ms), seq: this.timerSeq++, run, cancelled: false }
    this.timers.push(timer)
    return timer
  }

  /** work that takes no time on the clock still happens after the current frame is written */
  private soon(run: () => void): void {
    this.immediates++
    setImmediate(() => {
      this.immediates--
      run()
      this.changed()
    })
  }

  private after(ms: number, run: () => void): Timer | undefined {
    if (ms <= 0) {
      this.soon(run)
      return undefined
    }
    return this.at(ms, run)
  }

  async advance(ms: number): Promise<void> {
    await this.setTime(new Date(this.nowMs + ms))
  }

  async setTime(target: Date): Promise<void> {
    const until = target.getTime()
    for (;;) {
      await this.settle()
      this.timers = this.timers.filter((timer) => !timer.cancelled)
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.timers[0]
      if (!next || next.at > until) break
      // everything due at that instant runs together, then the bridge gets to react
      this.nowMs = Math.max(this.nowMs, next.at)
      while (this.timers[0] && this.timers[0].at <= next.at) {
        const timer = this.timers.shift() as Timer
        if (!timer.cancelled) timer.run()
      }
      this.changed()
    }
    this.nowMs = Math.max(this.nowMs, until)
    await this.settle()
  }

  /**
   * waits until the wire has been quiet for settleMs, so the bridge's reaction to a timer lands at that
   * time; gives up after settleMaxMs (a busy wire with many calls is never quiet)
   */
  private async settle(): Promise<void> {
    const started = Date.now()
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, this.settleMs))
      if (this.immediates === 0 && Date.now() - this.lastActivity >= this.settleMs) return
      if (Date.now() - started >= this.settleMaxMs) return
    }
  }

  setPlaybackDuration(file: string | RegExp, ms: number): void {
    this.durations.unshift([file, ms])
  }

  private durationOf(file: string): number {
    for (const [pattern, ms] of this.durations)
      if (typeof pattern === 'string' ? pattern === file : pattern.test(file)) return ms
    return this.playbackMs
  }

  // ── events ───────────────────────────────────────────────────────────────

  private fire(name: string, data: Headers, options: { subclass?: string; body?: string } = {}): void {
    const date = new Date(this.nowMs)
    const headers: Array<readonly [string, string]> = [
      ['Event-Name', name],
      ['Core-UUID', this.coreUuid],
      ['FreeSWITCH-Hostname', this.hostname],
      ['FreeSWITCH-Switchname', this.hostname],
      ['FreeSWITCH-IPv4', '127.0.0.1'],
      ['FreeSWITCH-IPv6', '::1'],
      ['Event-Date-Local', date.toISOString().slice(0, 19).replace('T', ' ')],
      ['Event-Date-GMT', date.toUTCString()],
      ['Event-Date-Timestamp', String(this.nowMs * 1000)],
      ['Event-Calling-File', 'fake_freeswitch.c'],
      ['Event-Calling-Function', 'fake_fire'],
      ['Event-Calling-Line-Number', '1'],
      ['Event-Sequence', String(++this.eventSequence)],
    ]
    if (options.subclass) headers.push(['Event-Subclass', options.subclass])
    headers.push(...data)
    for (const listener of this.listeners)
      if (listener.wants(name, options.subclass, headers))
        listener.write(eventFrame(listener.format, headers, options.body))
  }

  private channelData(channel: Channel): Array<readonly [string, string]> {
    const direction = channel.kind === 'caller' ? 'inbound' : 'outbound'
    const us = (ms: number | undefined) => (ms === undefined ? '0' : String(ms * 1000))
    const stateName = channel.down
      ? 'CS_HANGUP'
      : channel.kind === 'caller'
        ? 'CS_EXECUTE'
        : channel.answeredAt
          ? 'CS_EXECUTE'
          : 'CS_ROUTING'
    const headers: Array<readonly [string, string]> = [
      ['Channel-State', stateName],
      ['Channel-Call-State', channel.down ? 'HANGUP' : channel.answeredAt ? 'ACTIVE' : 'RINGING'],
      ['Channel-State-Number', channel.down ? '10' : '4'],
      ['Channel-Name', channel.name],
      ['Unique-ID', channel.uuid],
      ['Call-Direction', direction],
      ['Presence-Call-Direction', direction],
      ['Channel-HIT-Dialplan', 'true'],
      ['Channel-Call-UUID', channel.uuid],
      ['Answer-State', channel.down ? 'hangup' : channel.answeredAt ? 'answered' : 'ringing'],
      ['Caller-Direction', direction],
      ['Caller-Logical-Direction', direction],
      ['Caller-Username', channel.callerNumber],
      ['Caller-Dialplan', 'XML'],
      ['Caller-Caller-ID-Name', channel.callerName],
      ['Caller-Caller-ID-Number', channel.callerNumber],
      ['Caller-Orig-Caller-ID-Name', channel.callerName],
      ['Caller-Orig-Caller-ID-Number', channel.callerNumber],
      ['Caller-Network-Addr', '127.0.0.1'],
      ['Caller-ANI', channel.callerNumber],
      ['Caller-Destination-Number', channel.destination],
      ['Caller-Unique-ID', channel.uuid],
      ['Caller-Source', channel.kind === 'caller' ? 'mod_sofia' : 'src/switch_ivr_originate.c'],
      ['Caller-Context', channel.kind === 'caller' ? 'public' : 'default'],
      ['Caller-Channel-Name', channel.name],
      ['Caller-Profile-Index', '1'],
      ['Caller-Profile-Created-Time', us(channel.createdAt)],
      ['Caller-Channel-Created-Time', us(channel.createdAt)],
      ['Caller-Channel-Answered-Time', us(channel.answeredAt)],
      ['Caller-Channel-Hangup-Time', us(channel.hungUpAt)],
    ]
    for (const [name, value] of channel.variables) headers.push([`variable_${name}`, value])
    return headers
  }

  private fireChannel(name: string, channel: Channel, extra: Headers = []): void {
    // switch_channel_event_set_data first (channel, caller profile, variable_*), the event's own after
    this.fire(name, [...this.channelData(channel), ...extra])
  }

  // ── waiting ──────────────────────────────────────────────────────────────

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter()
  }

  waitFor<T>(check: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const attempt = () => {
        let value: T | undefined | null | false
        try {
          value = check()
        } catch (error) {
          finish()
          reject(error)
          return
        }
        if (value) {
          finish()
          resolve(value)
        }
      }
      const timer = setTimeout(() => {
        finish()
        reject(new Error(`fake FreeSWITCH: waitFor timed out after ${timeoutMs} ms`))
      }, timeoutMs)
      // state outside the fake (the bridge's) changes without telling it: look again now and then too
      const poll = setInterval(attempt, 5)
      const finish = () => {
        clearTimeout(timer)
        clearInterval(poll)
        this.waiters.delete(attempt)
      }
      this.waiters.add(attempt)
      attempt()
    })
  }

  // ── sockets ──────────────────────────────────────────────────────────────

  private track(socket: net.Socket, listener: Listener): void {
    this.sockets.add(socket)
    this.listeners.add(listener)
    socket.setNoDelay(true)
    socket.on('data', (chunk) => {
      this.lastActivity = Date.now()
      for (const command of listener.reader.push(chunk)) {
        this.received.push(command.line)
        listener.enqueue(() => this.handle(listener, command))
      }
    })
    socket.on('error', () => undefined)
    socket.on('close', () => {
      this.sockets.delete(socket)
      this.listeners.delete(listener)
      listener.closed = true
      const channel = listener.channel
      // the socket app returned: with nothing after it in the dialplan, the channel hangs up
      if (channel && channel.session === listener && !channel.down && !channel.transferredTo)
        this.hangup(channel, 'NORMAL_CLEARING', 'bridge')
      this.changed()
    })
    const write = socket.write.bind(socket)
    socket.write = ((...args: Parameters<typeof write>) => {
      this.lastActivity = Date.now()
      return write(...args)
    }) as typeof socket.write
  }

  private acceptInbound(socket: net.Socket): void {
    const listener = new Listener(socket, undefined, true)
    this.track(socket, listener)
    listener.write('Content-Type: auth/request\n\n')
    this.changed()
  }

  get inboundConnections(): number {
    let count = 0
    for (const listener of this.listeners)
      if (!listener.channel && listener.authed && !listener.closed) count++
    return count
  }

  private disconnect(listener: Listener): void {
    const uuid = listener.channel?.uuid
    const head = uuid
      ? `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${uuid}\nContent-Disposition: disconnect\nContent-Length: ${goodbye.length}\n\n`
      : `Content-Type: text/disconnect-notice\nContent-Length: ${goodbye.length}\n\n`
    listener.write(head + goodbye)
    listener.close()
  }

  private async handle(listener: Listener, command: ClientCommand): Promise<void> {
    const line = command.line
    const lower = line.toLowerCase()
    const reply = (text: string) => listener.write(commandReply(text))
    if (lower.startsWith('exit') || lower.startsWith('...')) {
      reply('+OK bye')
      this.disconnect(listener)
      return
    }
    if (!listener.authed) {
      if (lower.startsWith('auth ')) {
        if (line.slice(5) === this.password) {
          listener.authed = true
          reply('+OK accepted')
          this.changed()
        } else {
          reply('-ERR invalid')
          this.disconnect(listener)
        }
        return
      }
      reply('-ERR command not found')
      return
    }
    const channel = listener.channel
    if (channel) {
      if (lower.startsWith('connect')) {
        this.sendChannelData(listener, channel)
        return
      }
      if (lower.startsWith('getvar')) {
        reply(channel.variables.get(line.slice(7).trim()) ?? '')
        return
      }
      if (lower.startsWith('myevents')) {
        if (listener.myevents) return reply('-ERR aready enabled.')
        listener.myevents = true
        for (const name of myeventsList) listener.events.add(name)
        if (lower.includes('json')) listener.format = 'json'
        reply('+OK Events Enabled')
        return
      }
    }
    if (lower.startsWith('filter ')) return reply(this.filter(listener, line.slice(7).trim()))
    if (lower.startsWith('sendmsg')) return this.sendmsg(listener, line.slice(7).trim(), command)
    if (channel && !listener.full) return reply('-ERR command not found')
    if (lower.startsWith('api ')) {
      const text = await this.api(line.slice(4).trim(), listener)
      listener.write(apiResponse(text === '' ? '-ERR no reply\n' : text))
      return
    }
    if (lower.startsWith('bgapi ')) {
      const jobUuid = command.headers.get('job-uuid') ?? randomUUID()
      listener.write(
        `Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${jobUuid}\nJob-UUID: ${jobUuid}\n\n`,
      )
      const text = line.slice(6).trim()
      const space = text.indexOf(' ')
      const name = space === -1 ? text : text.slice(0, space)
      const arg = space === -1 ? undefined : text.slice(space + 1)
      void this.api(text, listener, jobUuid).then((body) =>
        this.fire(
          'BACKGROUND_JOB',
          [
            ['Job-UUID', jobUuid],
            ...(channel ? [['Job-Owner-UUID', channel.uuid] as const] : []),
            ['Job-Command', name],
            ...(arg === undefined ? [] : [['Job-Command-Arg', arg] as const]),
          ],
          { body: body === '' ? 'Command returned no output!' : body },
        ),
      )
      return
    }
    if (lower.startsWith('linger')) {
      if (!channel) return reply('-ERR not controlling a session')
      const seconds = line.slice(7).trim()
      listener.linger = seconds ? Number.parseInt(seconds, 10) : -1
      reply(seconds ? `+OK will linger ${listener.linger} seconds` : '+OK will linger')
      return
    }
    if (lower.startsWith('nolinger')) {
      if (!channel) return reply('-ERR not controlling a session')
      listener.linger = undefined
      return reply('+OK will not linger')
    }
    if (lower.startsWith('nixevent')) {
      for (const name of line.split(' ').slice(1)) listener.events.delete(name.toUpperCase())
      return reply('+OK events nixed')
    }
    if (lower.startsWith('noevents')) {
      listener.events.clear()
      listener.subclasses.clear()
      listener.allEvents = false
      listener.allCustom = false
      return reply('+OK no longer listening for events')
    }
    if (lower.startsWith('event')) return reply(this.subscribe(listener, line))
    reply('-ERR command not found')
  }

  private subscribe(listener: Listener, line: string): string {
    const words = line.split(' ').slice(1).filter(Boolean)
    let keys = 0
    let custom = false
    words.forEach((word, index) => {
      if (index === 0 && ['plain', 'json', 'xml'].includes(word.toLowerCase())) {
        // xml events are not spoken by the fake; plain and json are
        listener.format = word.toLowerCase() === 'json' ? 'json' : 'plain'
        return
      }
      if (custom) {
        listener.subclasses.add(word)
        return
      }
      const name = word.toUpperCase()
      if (!knownEvents.has(name)) return
      keys++
      if (name === 'ALL') {
        listener.allEvents = true
        listener.allCustom = true
      } else listener.events.add(name)
      if (name === 'CUSTOM') custom = true
    })
    if (keys === 0) return '-ERR no keywords supplied'
    return `+OK event listener enabled ${listener.format}`
  }

  private filter(listener: Listener, text: string): string {
    const [first = '', ...rest] = text.split(' ')
    if (first.toLowerCase() === 'delete' && rest.length > 0) {
      const [header = '', ...value] = rest
      const wanted = value.join(' ')
      if (header.toLowerCase() === 'all') listener.filters.length = 0
      else
        for (let i = listener.filters.length - 1; i >= 0; i--) {
          const [name, actual] = listener.filters[i] as [string, string]
          if (name === header && (wanted === '' || actual === wanted)) listener.filters.splice(i, 1)
        }
      return `+OK filter deleted. [${header}][${wanted}]`
    }
    if (rest.length === 0) return '-ERR invalid syntax'
    const value = rest.join(' ')
    listener.filters.push([first, value])
    return `+OK filter added. [${first}]=[${value}]`
  }

  private sendChannelData(listener: Listener, channel: Channel): void {
    const headers: Array<readonly [string, string]> = [
      ['Event-Name', 'CHANNEL_DATA'],
      ['Core-UUID', this.coreUuid],
      ['FreeSWITCH-Hostname', this.hostname],
      ['FreeSWITCH-Switchname', this.hostname],
      ['FreeSWITCH-IPv4', '127.0.0.1'],
      ['FreeSWITCH-IPv6', '::1'],
      ['Event-Date-Local', new Date(this.nowMs).toISOString().slice(0, 19).replace('T', ' ')],
      ['Event-Date-GMT', new Date(this.nowMs).toUTCString()],
      ['Event-Date-Timestamp', String(this.nowMs * 1000)],
      ['Event-Calling-File', 'mod_event_socket.c'],
      ['Event-Calling-Function', 'parse_command'],
      ['Event-Calling-Line-Number', '2029'],
      ['Event-Sequence', String(++this.eventSequence)],
      ...this.channelData(channel),
      ['Content-Type', 'command/reply'],
      ['Reply-Text', '+OK\n'],
      ['Socket-Mode', 'async'],
      ['Control', listener.full ? 'full' : 'single-channel'],
    ]
    listener.write(serializePlain(headers))
    // an originated leg's state stays its own (answered); an inbound call is parked on the socket app
    if (channel.kind === 'caller') channel.state = 'parked'
    channel.socketReady = true
    channel.connected.resolve()
  }

  // ── calls ────────────────────────────────────────────────────────────────

  placeCall(options: PlaceCallOptions): FakeCall {
    const to = options.to ?? this.outbound
    if (!to) throw new Error('fake FreeSWITCH: placeCall needs options.to or FakeFreeSwitchOptions.outbound')
    const uuid = randomUUID()
    const ani = options.ani ? options.ani : noNumber
    const channel = new Channel(
      uuid,
      'caller',
      `sofia/external/${ani}@127.0.0.1`,
      ani,
      options.callerName ?? ani,
      options.dnis,
      this.nowMs,
    )
    channel.variables.set('direction', 'inbound')
    channel.variables.set('uuid', uuid)
    channel.variables.set('session_id', String(this.callList.length + 1))
    channel.variables.set('channel_name', channel.name)
    channel.variables.set('socket_host', to.host)
    for (const [name, value] of Object.entries(options.variables ?? {})) channel.variables.set(name, value)
    channel.digits.push(...(options.digits ?? []))
    this.channels.set(uuid, channel)
    this.callList.push(channel)
    this.fireChannel('CHANNEL_CREATE', channel)
    const socket = net.connect(to.port, to.host)
    const listener = new Listener(socket, channel, this.full)
    channel.session = listener
    this.track(socket, listener)
    socket.on('error', () => {
      if (!channel.down) this.hangup(channel, 'DESTINATION_OUT_OF_ORDER', 'bridge')
    })
    this.changed()
    return this.callView(channel)
  }

  calls(): readonly FakeCall[] {
    return this.callList.map((channel) => this.callView(channel))
  }

  private callView(channel: Channel): FakeCall {
    return {
      uuid: channel.uuid,
      dnis: channel.destination,
      ani: channel.callerNumber,
      get state() {
        return channel.state as CallState
      },
      connected: channel.connected.promise,
      queueDigits: (...perPrompt: string[]) => {
        channel.digits.push(...perPrompt)
      },
      press: (digits: string) => this.press(channel, digits, 'RTP'),
      get waitingForDigits() {
        return channel.digitWait !== undefined
      },
      hangup: (cause = 'NORMAL_CLEARING') => this.hangup(channel, cause, 'caller'),
      get apps() {
        return channel.apps as readonly AppRun[]
      },
      waitForApp: (name: string, match?: (arg: string) => boolean) =>
        this.waitFor(() => channel.apps.find((run) => run.name === name && (!match || match(run.arg)))),
      variable: (name: string) => channel.variables.get(name),
      get played() {
        return channel.played as readonly string[]
      },
      get conferenceName() {
        return channel.conferenceName
      },
      get transferredTo() {
        return channel.transferredTo
      },
      ended: channel.ended.promise,
    }
  }

  private legView(channel: Channel): FakeLeg {
    return {
      uuid: channel.uuid,
      dialString: channel.dialString,
      variables: channel.legVariables,
      target: channel.target,
      jobUuid: channel.jobUuid,
      get state() {
        if (channel.state === 'failed') return 'failed'
        if (channel.down) return 'hungup'
        return channel.answeredAt === undefined ? 'ringing' : 'answered'
      },
      get failCause() {
        return channel.failCause
      },
      press: (digits: string) => this.press(channel, digits, 'RTP'),
      queueDigits: (...perPrompt: string[]) => {
        channel.digits.push(...perPrompt)
      },
      get waitingForDigits() {
        return channel.digitWait !== undefined
      },
      get apps() {
        return channel.apps as readonly AppRun[]
      },
      get played() {
        return channel.played as readonly string[]
      },
      variable: (name: string) => channel.variables.get(name),
      get socketArg() {
        return channel.socketArg
      },
      get socketConnected() {
        return channel.socketReady
      },
      hangup: (cause = 'NORMAL_CLEARING') => this.hangup(channel, cause, 'caller'),
      ended: channel.ended.promise,
    }
  }

  legs(): readonly FakeLeg[] {
    return this.legList.map((channel) => this.legView(channel))
  }

  registerEndpoint(dialString: string, behaviour: EndpointBehaviour = {}): void {
    this.endpoints.set(dialString, behaviour)
  }

  private press(channel: Channel, digits: string, source: string): void {
    if (channel.down) return
    for (const digit of digits)
      this.fireChannel('DTMF', channel, [
        ['DTMF-Digit', digit],
        ['DTMF-Duration', '2000'],
        ['DTMF-Source', source],
      ])
    const wait = channel.digitWait
    if (wait) {
      channel.digitWait = undefined
      wait.resolve(digits)
    }
    this.changed()
  }

  // ── hangup ───────────────────────────────────────────────────────────────

  private hangup(channel: Channel, cause: string, by: CallEnd['by']): void {
    if (channel.down) return
    channel.hungUpAt = this.nowMs
    channel.hangupCause = cause
    if (channel.state !== 'failed') channel.state = 'hungup'
    channel.variables.set('hangup_cause', cause)
    this.fireChannel('CHANNEL_HANGUP', channel, [['Hangup-Cause', cause]])
    channel.queue.length = 0
    const wait = channel.digitWait
    channel.digitWait = undefined
    wait?.resolve(null)
    channel.running?.interrupt()
    const listener = channel.session
    const linger = listener?.linger
    if (listener && linger !== undefined && !listener.closed)
      listener.write(
        `Content-Type: text/disconnect-notice\nControlled-Session-UUID: ${channel.uuid}\nContent-Disposition: linger\nChannel-Name: ${channel.name}\nLinger-Time: ${linger}\nContent-Length: 0\n\n`,
      )
    this.fireChannel('CHANNEL_HANGUP_COMPLETE', channel, [['Hangup-Cause', cause]])
    channel.ended.resolve({ cause, by, at: new Date(this.nowMs) })
    // mod_event_socket: without linger the socket goes at once; `linger N` keeps it N seconds; plain
    // `linger` keeps it until the client says `exit` (or closes it)
    if (listener && !listener.closed) {
      if (linger === undefined) this.soon(() => this.disconnect(listener))
      else if (linger >= 0) this.at(linger * 1000, () => this.disconnect(listener))
    }
    this.changed()
  }

  // ── apps ─────────────────────────────────────────────────────────────────

  private sendmsg(listener: Listener, target: string, command: ClientCommand): void {
    const reply = (text: string) => listener.write(commandReply(text))
    const uuid = target || command.headers.get('session-id') || listener.channel?.uuid
    const channel = uuid ? this.channels.get(uuid) : undefined
    if (!channel || (channel.down && channel.kind === 'leg')) {
      reply(`-ERR invalid session id [${uuid ?? ''}]`)
      return
    }
    const callCommand = (command.headers.get('call-command') ?? '').toLowerCase()
    if (callCommand === 'hangup') {
      reply('+OK')
      this.hangup(channel, command.headers.get('hangup-cause') ?? 'NORMAL_CLEARING', 'bridge')
      return
    }
    if (callCommand !== 'execute') {
      reply('+OK')
      return
    }
    let arg = command.headers.get('execute-app-arg') ?? ''
    if (command.body !== undefined && (command.headers.get('content-type') ?? '').startsWith('text/plain'))
      arg = command.body
    const request: AppRequest = {
      uuid: command.headers.get('event-uuid') ?? randomUUID(),
      name: command.headers.get('execute-app-name') ?? '',
      arg,
    }
    if (channel.down) {
      // FreeSWITCH takes the message and never runs it: the channel is gone
      reply('+OK')
      return
    }
    channel.queue.push(request)
    // the session thread may start the app (CHANNEL_EXECUTE) before the listener thread writes +OK
    this.pump(channel)
    reply('+OK')
  }

  private pump(channel: Channel): void {
    if (channel.running || channel.down) return
    const request = channel.queue.shift()
    if (!request) return
    const run: MutableAppRun = {
      uuid: request.uuid,
      name: request.name,
      arg: request.arg,
      startedAt: new Date(this.nowMs),
      completedAt: undefined,
      response: undefined,
    }
    channel.apps.push(run)
    const running: RunningApp = { request, run, interrupt: () => undefined }
    channel.running = running
    const appHeaders = (): Headers => [
      ['Application', request.name],
      ['Application-Data', request.arg],
      ['Application-UUID', request.uuid],
    ]
    // switch_ivr_parse_event keeps the Event-UUID as app_uuid; the app's name and data are variables too
    channel.variables.set('app_uuid', request.uuid)
    channel.variables.set('current_application', request.name)
    if (request.arg) channel.variables.set('current_application_data', request.arg)
    else channel.variables.delete('current_application_data')
    this.fireChannel('CHANNEL_EXECUTE', channel, appHeaders())
    let done = false
    const complete = (response = '_none_') => {
      if (done) return
      done = true
      run.completedAt = new Date(this.nowMs)
      run.response = response
      channel.running = undefined
      this.fireChannel('CHANNEL_EXECUTE_COMPLETE', channel, [
        ...appHeaders(),
        ['Application-Response', response],
      ])
      this.changed()
      if (channel.kind === 'leg' && (request.name === 'conference' || request.name === 'socket')) {
        // an originated leg's only app is its target: when it returns the leg hangs up
        if (!channel.down) this.hangup(channel, 'NORMAL_CLEARING', 'bridge')
        return
      }
      this.soon(() => this.pump(channel))
    }
    const onHangup = (interrupt: () => void) => {
      running.interrupt = interrupt
    }
    this.changed()
    this.execute(channel, request, complete, onHangup)
  }

  private execute(
    channel: Channel,
    request: AppRequest,
    complete: (response?: string) => void,
    onHangup: (run: () => void) => void,
  ): void {
    const { name, arg } = request
    onHangup(() => complete())
    switch (name) {
      case 'answer':
        this.answer(channel)
        this.soon(() => complete())
        return
      case 'playback':
      case 'say':
      case 'speak':
      case 'phrase': {
        const file = name === 'playback' ? arg : `${name}:${arg}`
        channel.played.push(file)
        const response = name === 'playback' ? 'FILE PLAYED' : '_none_'
        const timer = this.after(this.durationOf(file), () => complete(response))
        onHangup(() => {
          if (timer) timer.cancelled = true
          complete('FILE PLAYED')
        })
        return
      }
      case 'sleep': {
        const timer = this.after(Number.parseInt(arg, 10) || 0, () => complete())
        onHangup(() => {
          if (timer) timer.cancelled = true
          complete()
        })
        return
      }
      case 'set': {
        const eq = arg.indexOf('=')
        if (eq > 0) {
          const value = arg.slice(eq + 1)
          if (value === '') channel.variables.delete(arg.slice(0, eq))
          else channel.variables.set(arg.slice(0, eq), value)
        }
        this.soon(() => complete())
        return
      }
      case 'unset':
        channel.variables.delete(arg.trim())
        this.soon(() => complete())
        return
      case 'hangup':
        this.soon(() => {
          this.hangup(channel, arg.trim() || 'NORMAL_CLEARING', 'bridge')
          complete()
        })
        return
      case 'play_and_get_digits':
        void this.playAndGetDigits(channel, arg, complete)
        return
      case 'conference':
        this.joinConference(channel, arg, complete)
        return
      case 'socket':
        this.socketApp(channel, arg)
        return
      case 'transfer': {
        const [destination = ''] = arg.split(' ')
        this.soon(() => {
          complete()
          this.transfer(channel, destination)
        })
        return
      }
      default:
        if (passiveApps.has(name)) {
          this.soon(() => complete())
          return
        }
        // switch_core_session_execute_application: "Invalid Application" hangs the channel up
        this.soon(() => this.hangup(channel, 'DESTINATION_OUT_OF_ORDER', 'bridge'))
    }
  }

  /**
   * mod_event_socket's socket app (`host:port [async] [full]`, words split like switch_separate_string):
   * connects to the listener and hands it the channel, as placeCall does for an inbound call. The app
   * returns when the socket closes (a refused connection closes it at once).
   */
  private socketApp(channel: Channel, arg: string): void {
    const [address = '', ...flags] = separateBlank(arg)
    const colon = address.lastIndexOf(':')
    const host = colon === -1 ? address : address.slice(0, colon)
    const port = colon === -1 ? 8084 : Number.parseInt(address.slice(colon + 1), 10)
    const full = flags.includes('full')
    channel.socketArg = arg
    const socket = net.connect(port, host)
    const listener = new Listener(socket, channel, full)
    channel.session = listener
    this.track(socket, listener)
    // the socket app runs the apps its session sends (sendmsg) itself, as a parked inbound call's
    // socket does: they are not queued behind it. It returns when the socket closes, and the
    // originated leg, with nothing after it, hangs up (track()'s close handler).
    channel.running = undefined
    this.changed()
  }

  private answer(channel: Channel): void {
    if (channel.answeredAt !== undefined || channel.down) return
    channel.answeredAt = this.nowMs
    if (channel.kind === 'caller') channel.state = 'answered'
    this.fireChannel('CHANNEL_ANSWER', channel)
  }

  private transfer(channel: Channel, destination: string): void {
    if (channel.down) return
    channel.transferredTo = destination
    // the call leaves the socket app for another extension: our socket is told and closed
    channel.ended.resolve({ cause: 'TRANSFER', by: 'bridge', at: new Date(this.nowMs) })
    // the session thread leaves the socket app after the listener answered the command that moved it
    const listener = channel.session
    if (listener && !listener.closed) this.soon(() => this.disconnect(listener))
    this.changed()
  }

  private async playAndGetDigits(
    channel: Channel,
    arg: string,
    complete: (response?: string) => void,
  ): Promise<void> {
    const parts = arg.split(' ')
    const min = Number(parts[0] ?? 0)
    const max = Number(parts[1] ?? 128)
    const tries = Math.max(1, Number(parts[2] ?? 1))
    const timeoutMs = Number(parts[3] ?? 5000)
    const terminators = parts[4] ?? '#'
    const file = parts[5] ?? ''
    const invalidFile = parts[6] ?? ''
    const variable = parts[7] ?? 'digits'
    const regexp = parts[8]
    const pattern = regexp ? new RegExp(regexp) : undefined
    // switch_play_and_get_digits over switch_ivr_read (switch_ivr_play_say.c), including its traps:
    // read_result is switch_ivr_read's (so digits accepted after the inter-digit timeout leave it
    // "timeout", and no key at all with min ≥ 1 leaves it "failure"), the variable holds the digits
    // of the last try even when too few, and is cleared when they fail the regexp.
    channel.variables.delete(`${variable}_invalid`)
    for (let attempt = 0; attempt < tries && !channel.down; attempt++) {
      channel.variables.delete('read_result')
      channel.variables.delete(variable)
      channel.played.push(file)
      await this.wait(channel, this.durationOf(file))
      if (channel.down) break
      let entry: string | null
      if (channel.digits.length > 0) {
        entry = channel.digits.shift() ?? ''
        if (entry === '') {
          await this.wait(channel, timeoutMs)
          entry = null
        } else this.press(channel, entry, 'RTP')
      } else entry = await this.awaitPress(channel, timeoutMs)
      if (channel.down) break
      // an entry ends at a terminator or at max digits; one that just stops shorter than max is taken
      // at once as if the inter-digit timeout had passed (the fake does not spend that time)
      let digits = ''
      let status: 'success' | 'timeout' | 'too_small' = 'timeout'
      for (const key of entry ?? '') {
        if (terminators.includes(key)) {
          status = 'success'
          break
        }
        digits += key
        if (digits.length >= max) {
          status = 'success'
          break
        }
      }
      if (min > 0 && digits.length < min) status = 'too_small'
      channel.variables.set('read_result', status === 'too_small' ? 'failure' : status)
      if (digits) channel.variables.set(variable, digits)
      if (status === 'timeout' && digits.length >= min) status = 'success'
      if (status === 'success' && digits) {
        if (pattern === undefined || pattern.test(digits)) break
        channel.variables.delete(variable)
        channel.variables.set(`${variable}_invalid`, digits)
      }
      // FreeSWITCH plays the bad-input file after every failed try; `played` lists it only after keys
      // that were refused, and never the facade's default silence, so journeys read what a caller heard
      if (invalidFile && digits && invalidFile !== 'silence_stream://250') channel.played.push(invalidFile)
    }
    complete()
  }

  /** time on the fake's clock; resolves early when the channel hangs up */
  private wait(channel: Channel, ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (ms <= 0) return this.soon(resolve)
      const timer = this.at(ms, resolve)
      const previous = channel.running?.interrupt
      if (channel.running)
        channel.running.interrupt = () => {
          timer.cancelled = true
          resolve()
          previous?.()
        }
    })
  }

  private awaitPress(channel: Channel, timeoutMs: number): Promise<string | null> {
    return new Promise((resolve) => {
      const timer = this.at(timeoutMs, () => {
        channel.digitWait = undefined
        resolve(null)
      })
      channel.digitWait = {
        resolve: (digits) => {
          timer.cancelled = true
          resolve(digits)
        },
      }
      this.changed()
    })
  }

  // ── conferences ──────────────────────────────────────────────────────────

  private joinConference(channel: Channel, arg: string, complete: (response?: string) => void): void {
    const flagsMatch = /\+flags\{([^}]*)\}/.exec(arg)
    const flags = flagsMatch?.[1]?.split('|').filter(Boolean) ?? []
    const bare = arg.replace(/\+flags\{[^}]*\}/, '').trim()
    const [name = bare, profile = 'default'] = bare.split('@')
    if (channel.answeredAt === undefined) this.answer(channel)
    let conference = this.confs.get(name)
    if (!conference) {
      conference = { name, profile, uuid: randomUUID(), createdAt: this.nowMs, members: [] }
      this.confs.set(name, conference)
      this.fire('CUSTOM', [...this.conferenceData(conference), ['Action', 'conference-create']], {
        subclass: 'conference::maintenance',
      })
    }
    const member: Member = { memberId: ++this.memberSeq, channel, joinedAt: this.nowMs, flags }
    conference.members.push(member)
    channel.conferenceName = name
    channel.memberId = member.memberId
    this.fireMember(conference, member, 'add-member')
    const owner = conference
    const leave = () => {
      if (!owner.members.includes(member)) return
      owner.members.splice(owner.members.indexOf(member), 1)
      channel.conferenceName = undefined
      channel.memberId = undefined
      this.fireMember(owner, member, 'del-member')
      if (flags.includes('endconf') && owner.members.length > 0) {
        for (const other of [...owner.members]) other.channel.running?.interrupt()
      }
      if (owner.members.length === 0) {
        this.confs.delete(owner.name)
        this.fire('CUSTOM', [...this.conferenceData(owner), ['Action', 'conference-destroy']], {
          subclass: 'conference::maintenance',
        })
      }
      complete()
    }
    if (channel.running) channel.running.interrupt = leave
  }

  private conferenceData(conference: Conference): Array<readonly [string, string]> {
    return [
      ['Conference-Name', conference.name],
      ['Conference-Domain', this.hostname],
      ['Conference-Size', String(conference.members.length)],
      ['Conference-Ghosts', '0'],
      ['Conference-Profile-Name', conference.profile],
      ['Conference-Unique-ID', conference.uuid],
    ]
  }

  private fireMember(conference: Conference, member: Member, action: string): void {
    const channel = member.channel
    this.fire(
      'CUSTOM',
      [
        ...this.conferenceData(conference),
        ...this.channelData(channel).filter(([name]) => !name.startsWith('variable_')),
        ['Hear', 'true'],
        ['See', 'true'],
        ['Speak', 'true'],
        ['Talking', 'false'],
        ['Mute-Detect', 'false'],
        ['Member-ID', String(member.memberId)],
        ['Member-Type', member.flags.includes('moderator') ? 'moderator' : 'member'],
        ['Member-Ghost', 'false'],
        ['Energy-Level', '100'],
        ['Current-Energy', '0'],
        ['Action', action],
      ],
      { subclass: 'conference::maintenance' },
    )
  }

  conference(name: string): FakeConference | undefined {
    const conference = this.confs.get(name)
    return conference ? this.conferenceView(conference) : undefined
  }

  conferences(): readonly FakeConference[] {
    return [...this.confs.values()].map((conference) => this.conferenceView(conference))
  }

  private conferenceView(conference: Conference): FakeConference {
    return {
      name: conference.name,
      profile: conference.profile,
      createdAt: new Date(conference.createdAt),
      members: conference.members.map(
        (member): FakeConferenceMember => ({
          memberId: member.memberId,
          uuid: member.channel.uuid,
          joinedAt: new Date(member.joinedAt),
          flags: member.flags,
        }),
      ),
    }
  }

  private conferenceApi(args: string[]): string {
    const [name = '', sub = '', target] = args
    if (name === 'list' || name === 'json_list' || name === 'count') {
      if (name === 'count') return String(this.confs.size)
      if (name === 'json_list') return JSON.stringify([...this.confs.values()].map((c) => this.confJson(c)))
      return [...this.confs.values()].map((c) => this.confList(c)).join('')
    }
    const conference = this.confs.get(name)
    if (!conference) return `-ERR Conference ${name} not found\n`
    switch (sub) {
      case 'list':
        return this.confList(conference).split('\n').slice(1).join('\n')
      case 'json_list':
        return JSON.stringify([this.confJson(conference)])
      case 'count':
        return String(conference.members.length)
      case 'kick':
      case 'hup': {
        const chosen =
          target === 'all'
            ? [...conference.members]
            : conference.members.filter((member) => String(member.memberId) === target)
        if (chosen.length === 0) return `-ERR Member: ${target ?? ''} not found.\n`
        let out = ''
        for (const member of chosen) {
          out += `+OK ${sub === 'kick' ? 'kicked' : 'hup'} ${member.memberId}\n`
          if (sub === 'kick') this.fireMember(conference, member, 'kick-member')
          // kick and hup both take the member out and end its conference app; the channel stays up and
          // the dialplan goes on (an originated leg then hangs up, a socket call gets its EXECUTE_COMPLETE)
          member.channel.running?.interrupt()
        }
        return out
      }
      default:
        return `-ERR Conference command '${sub}' not found\n`
    }
  }

  private confList(conference: Conference): string {
    let out = `+OK Conference ${conference.name} (${conference.members.length} member${conference.members.length === 1 ? '' : 's'} rate: 8000 flags: running|answered)\n`
    for (const member of conference.members) {
      const channel = member.channel
      const flags = ['hear', 'speak', ...(member.flags.includes('moderator') ? ['moderator'] : [])].join('|')
      out += `${member.memberId};${channel.name};${channel.uuid};${channel.callerName};${channel.callerNumber};${flags};0;0;100\n`
    }
    return out
  }

  private confJson(conference: Conference): unknown {
    return {
      conference_name: conference.name,
      member_count: conference.members.length,
      conference_uuid: conference.uuid,
      running: true,
      answered: true,
      members: conference.members.map((member) => ({
        type: 'caller',
        id: member.memberId,
        uuid: member.channel.uuid,
        caller_id_name: member.channel.callerName,
        caller_id_number: member.channel.callerNumber,
        join_time: Math.floor((this.nowMs - member.joinedAt) / 1000),
        flags: { can_hear: true, can_speak: true, is_moderator: member.flags.includes('moderator') },
      })),
    }
  }

  // ── API ──────────────────────────────────────────────────────────────────

  private async api(text: string, listener: Listener, jobUuid?: string): Promise<string> {
    const space = text.indexOf(' ')
    const name = space === -1 ? text : text.slice(0, space)
    const rest = space === -1 ? '' : text.slice(space + 1).trim()
    const args = rest.split(' ').filter(Boolean)
    const channelOf = (uuid: string | undefined) => {
      const channel = uuid ? this.channels.get(uuid) : undefined
      return channel && !channel.down ? channel : undefined
    }
    switch (name) {
      case 'status':
        return `UP 0 years, 0 days, 0 hours, 1 minute, 0 seconds, 0 milliseconds, 0 microseconds\nFreeSWITCH (Version 1.10.12 -release 64bit) is ready\n${this.callList.length} session(s) since startup\n${[...this.channels.values()].filter((c) => !c.down).length} session(s) - peak 0, last 5min 0\n0 session(s) per Sec out of max 30, peak 0, last 5min 0\n1000 session(s) max\nmin idle cpu 0.00/100.00\nCurrent Stack Size/Max 240K/8192K\n`
      case 'version':
        return 'FreeSWITCH Version 1.10.12-release~64bit (fake)\n'
      case 'echo':
        return rest
      case 'originate':
        return this.originate(rest, jobUuid)
      case 'uuid_exists':
        return channelOf(args[0]) ? 'true' : 'false'
      case 'uuid_kill': {
        const channel = channelOf(args[0])
        if (!channel) return '-ERR No such channel!\n'
        this.hangup(channel, args[1] ?? 'NORMAL_CLEARING', 'bridge')
        return '+OK\n'
      }
      case 'uuid_getvar': {
        const channel = channelOf(args[0])
        if (!channel) return '-ERR No such channel!\n'
        return channel.variables.get(args[1] ?? '') ?? '_undef_'
      }
      case 'uuid_setvar': {
        const channel = channelOf(args[0])
        if (!channel) return '-ERR No such channel!\n'
        if (args[2] === undefined) channel.variables.delete(args[1] ?? '')
        else channel.variables.set(args[1] ?? '', args.slice(2).join(' '))
        return '+OK\n'
      }
      case 'uuid_transfer': {
        const channel = channelOf(args[0])
        if (!channel) return '-ERR No such channel!\n'
        const destination = args[1]?.startsWith('-') ? args[2] : args[1]
        if (!destination) return '-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n'
        channel.running?.interrupt()
        this.transfer(channel, destination)
        return '+OK\n'
      }
      case 'uuid_send_dtmf':
      case 'uuid_recv_dtmf': {
        const channel = channelOf(args[0])
        if (!channel) return '-ERR Cannot locate session!\n'
        const digits = args[1] ?? ''
        this.press(channel, digits, name === 'uuid_send_dtmf' ? 'APP' : 'INBAND_AUDIO')
        return `+OK ${channel.uuid} ${name === 'uuid_send_dtmf' ? 'sent' : 'received'} DTMF ${digits}.\n`
      }
      case 'uuid_break': {
        // CF_BREAK: the file playing now stops (its app completes); `all` would also flush the
        // channel's queued messages — a socket's sendmsg apps among them — which the fake does not model
        const channel = channelOf(args[0])
        if (!channel) return '-ERR No such channel!\n'
        if (channel.running && ['playback', 'say', 'speak', 'phrase'].includes(channel.running.request.name))
          channel.running.interrupt()
        return '+OK\n'
      }
      case 'uuid_broadcast': {
        const channel = channelOf(args[0])
        if (!channel) return '-ERR No such channel!\n'
        channel.played.push(args[1] ?? '')
        return '+OK Message sent\n'
      }
      case 'sched_hangup':
        return this.schedHangup(args)
      case 'sched_broadcast':
        return this.schedBroadcast(args)
      case 'sched_del':
        return this.schedDel(rest)
      case 'conference':
        return this.conferenceApi(args)
      case 'hupall': {
        for (const channel of this.channels.values())
          if (!channel.down) this.hangup(channel, args[0] ?? 'MANAGER_REQUEST', 'bridge')
        return '+OK\n'
      }
      default:
        void listener
        return `-ERR ${name} Command not found!\n`
    }
  }

  /** the scheduler counts whole epoch seconds: `+N` is N seconds after the current second */
  private whenOf(spec: string): number {
    if (spec.startsWith('+'))
      return (Math.floor(this.nowMs / 1000) + Number.parseInt(spec.slice(1), 10)) * 1000
    if (spec.startsWith('@')) return Number.parseInt(spec.slice(1), 10) * 1000
    return Number.parseInt(spec, 10) * 1000
  }

  private schedule(command: Job['command'], uuid: string, at: number, arg: string, run: () => void): void {
    const id = String(++this.taskSeq)
    const timer = this.at(at - this.nowMs, () => {
      this.jobs.delete(id)
      run()
    })
    this.jobs.set(id, { id, command, uuid, at, arg, timer })
  }

  private schedHangup(args: string[]): string {
    const [spec, uuid, cause = 'ALLOTTED_TIMEOUT'] = args
    if (!spec) return '-USAGE: [+]<time> <uuid> [<cause>]\n'
    const channel = uuid ? this.channels.get(uuid) : undefined
    if (!channel || channel.down) return '-ERR No such channel!\n'
    if (spec === '+0') {
      this.hangup(channel, cause, 'schedule')
      return '+OK\n'
    }
    this.schedule('sched_hangup', channel.uuid, this.whenOf(spec), cause, () =>
      this.hangup(channel, cause, 'schedule'),
    )
    return '+OK\n'
  }

  private schedBroadcast(args: string[]): string {
    const [spec, uuid, path] = args
    if (!spec || !uuid || !path) return '-USAGE: [[+]<time>|@time] <uuid> <path> [aleg|bleg|both]\n'
    this.schedule('sched_broadcast', uuid, this.whenOf(spec), path, () => {
      const channel = this.channels.get(uuid)
      if (!channel || channel.down) return
      const file = path.startsWith('playback::') ? path.slice('playback::'.length) : path
      channel.played.push(file)
    })
    return '+OK Message scheduled\n'
  }

  private schedDel(target: string): string {
    if (!target) return '-ERR Invalid syntax\n'
    let count = 0
    for (const [id, job] of this.jobs) {
      if (/^\d+$/.test(target) ? id === target : job.uuid === target) {
        job.timer.cancelled = true
        this.jobs.delete(id)
        count++
      }
    }
    return `+OK Deleted: ${count}\n`
  }

  scheduled(): readonly ScheduledJob[] {
    return [...this.jobs.values()].map((job) => ({
      id: job.id,
      command: job.command,
      uuid: job.uuid,
      at: new Date(job.at),
      arg: job.arg,
    }))
  }

  commands(): readonly string[] {
    return this.received
  }

  // ── originate ────────────────────────────────────────────────────────────

  private originate(text: string, jobUuid: string | undefined): Promise<string> {
    const usage = Promise.resolve(
      '-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n',
    )
    // mod_commands' originate_function: switch_separate_string(cmd, ' ') — single quotes group
    // words, so `&socket(127.0.0.1:8084 async full)` unquoted is three arguments and the socket
    // app gets only `127.0.0.1:8084` (neither async nor full)
    const argv = separateBlank(text)
    if (argv.length < 2 || argv.length > 7) return usage
    const aleg = argv[0] ?? ''
    const exten = argv[1] ?? ''
    const variables: Record<string, string> = {}
    let dialString = aleg
    const braces = /^\{([^}]*)\}/.exec(aleg)
    if (braces) {
      for (const pair of (braces[1] ?? '').split(',')) {
        const eq = pair.indexOf('=')
        if (eq > 0) variables[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim()
      }
      dialString = aleg.slice(braces[0].length)
    }
    if (!dialString || !exten) return usage
    // `&app(arg)`: the name ends at the first ')' (cut first), the argument starts after the first '('
    let app: { name: string; arg: string } | undefined
    if (exten.startsWith('&') && exten.length > 1) {
      let spec = exten.slice(1)
      const close = spec.indexOf(')')
      if (close !== -1) spec = spec.slice(0, close)
      const open = spec.indexOf('(')
      app = open === -1 ? { name: spec, arg: '' } : { name: spec.slice(0, open), arg: spec.slice(open + 1) }
    }
    const target = exten
    const behaviour = this.endpoints.get(dialString)
    if (!behaviour)
      return Promise.resolve(
        dialString.startsWith('user/') ? '-ERR USER_NOT_REGISTERED\n' : '-ERR NO_ROUTE_DESTINATION\n',
      )
    if (behaviour.reject) return Promise.resolve(`-ERR ${behaviour.reject}\n`)
    const uuid = variables.origination_uuid ?? randomUUID()
    const callerNumber = variables.origination_caller_id_number ?? noNumber
    const channel = new Channel(
      uuid,
      'leg',
      `${dialString}-a`,
      callerNumber,
      variables.origination_caller_id_name ?? callerNumber,
      dialString.split('/').slice(1).join('/'),
      this.nowMs,
    )
    channel.state = 'ringing'
    channel.dialString = dialString
    channel.legVariables = variables
    channel.target = target
    channel.jobUuid = jobUuid
    // the far end's keys, one entry per prompt once it answers (a customer a campaign calls)
    channel.digits.push(...(behaviour.digits ?? []))
    for (const [name, value] of Object.entries(variables)) channel.variables.set(name, value)
    channel.variables.set('direction', 'outbound')
    channel.variables.set('uuid', uuid)
    this.channels.set(uuid, channel)
    this.legList.push(channel)
    this.fireChannel('CHANNEL_CREATE', channel)
    this.fireChannel('CHANNEL_OUTGOING', channel)
    this.changed()
    const timeoutMs = (Number.parseInt(variables.originate_timeout ?? '60', 10) || 60) * 1000
    return new Promise<string>((resolve) => {
      const fail = (cause: string) => {
        if (channel.down) return
        channel.state = 'failed'
        channel.failCause = cause
        this.hangup(channel, cause, 'caller')
        resolve(`-ERR ${cause}\n`)
      }
      const timeout = this.at(timeoutMs, () => fail('NO_ANSWER'))
      channel.ended.promise.then((end) => {
        if (channel.answeredAt === undefined && channel.state !== 'failed') {
          channel.state = 'failed'
          channel.failCause = end.cause
          timeout.cancelled = true
          resolve(`-ERR ${end.cause === 'NORMAL_CLEARING' ? 'ORIGINATOR_CANCEL' : end.cause}\n`)
        }
      })
      if (behaviour.ringOut) return
      const answerAfter = behaviour.answerAfterMs ?? 0
      if (answerAfter >= timeoutMs) return
      this.after(answerAfter, () => {
        if (channel.down) return
        timeout.cancelled = true
        this.answer(channel)
        resolve(`+OK ${uuid}\n`)
        if (behaviour.hangupAfterMs !== undefined)
          this.after(behaviour.hangupAfterMs, () => this.hangup(channel, 'NORMAL_CLEARING', 'caller'))
        // the target runs once the originate returned (an extension instead of an app: not modelled)
        this.soon(() => {
          if (app && !channel.down) {
            channel.queue.push({ uuid: randomUUID(), name: app.name, arg: app.arg })
            this.pump(channel)
          }
        })
      })
    })
  }

  // ── lifecycle ────────────────────────────────────────────────────────────

  private dropAll(): void {
    for (const socket of [...this.sockets]) socket.destroy()
    this.sockets.clear()
    this.listeners.clear()
    for (const channel of this.channels.values()) {
      if (!channel.down) {
        channel.hungUpAt = this.nowMs
        channel.hangupCause = 'CRASH'
        channel.state = channel.state === 'failed' ? 'failed' : 'hungup'
        channel.session = undefined
        channel.ended.resolve({ cause: 'CRASH', by: 'restart', at: new Date(this.nowMs) })
      }
    }
    this.channels.clear()
    this.confs.clear()
    for (const job of this.jobs.values()) job.timer.cancelled = true
    this.jobs.clear()
    for (const timer of this.timers) timer.cancelled = true
    this.timers = []
  }

  async restart(): Promise<void> {
    const server = this.server
    this.dropAll()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
    this.coreUuid = randomUUID()
    await this.listen(this.port)
    this.changed()
  }

  async close(): Promise<void> {
    const server = this.server
    this.dropAll()
    this.server = undefined
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

export async function startFakeFreeSwitch(options: FakeFreeSwitchOptions = {}): Promise<FakeFreeSwitch> {
  const fake = new Fake(options)
  await fake.listen(options.port ?? 0)
  return fake
}

/**
 * switch_separate_string(buf, ' ', …) (switch_utils.c, separate_string_blank_delim then
 * cleanup_separated_string): runs of spaces separate words, a single-quoted stretch keeps its spaces,
 * the quotes are dropped and a backslash keeps the next character as it is.
 */
export function separateBlank(text: string): string[] {
  const words: string[] = []
  let word: string | undefined
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (char === ' ' && !quoted) {
      if (word !== undefined) words.push(word)
      word = undefined
      continue
    }
    word ??= ''
    if (char === '\\' && i + 1 < text.length) word += text[++i]
    else if (char === "'") quoted = !quoted
    else word += char
  }
  if (word !== undefined) words.push(word)
  return words
}
