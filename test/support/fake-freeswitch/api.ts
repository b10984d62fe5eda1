// The scripting face of the fake FreeSWITCH 1.10: what a journey test uses to place calls, script the
// caller's keys and the representatives' phones, move the fake's clock and inspect what the bridge
// asked for. The fake itself speaks the real Event Socket protocol over TCP (ESL-PROTOCOL.md): the
// bridge under test cannot tell it from a FreeSWITCH.
//
// Time: the fake has its own clock (Event-Date-Timestamp, ringing, playback, sleep, digit timeouts,
// sched_* jobs). It moves only when a test calls advance()/setTime(); anything that takes 0 ms happens
// at once. So a journey never sleeps for real and stays deterministic under load.
//
// Faithful to FreeSWITCH 1.10 (mod_event_socket.c, switch_event.c, switch_ivr_play_say.c,
// mod_commands.c, mod_conference): the frames, URL-encoding, events before a pending reply, linger,
// play_and_get_digits' read_result, sched_* on whole seconds grouped by uuid, kick/hup without hangup,
// originate's arguments split at spaces outside single quotes (switch_separate_string), and the
// `&socket(host:port async full)` target connecting the answered leg to a listener with its variables.
// Not modelled: text/event-xml (xml subscriptions get plain), filter regexes and negation, userauth,
// log/data, uuid_bridge and the bridge/park apps, sendmsg `loops`, per-leg [vars] in dial strings,
// originate to an extension (only `&app(…)` targets run), uuid_break's flag outliving the file it
// was meant for, the time an inter-digit timeout takes (an entry without terminator is taken at
// once, with FreeSWITCH's read_result), and the bad-input prompt in `played` unless keys were refused.

export interface FakeFreeSwitchOptions {
  /** inbound Event Socket password; 'ClueCon' by default */
  password?: string
  /** inbound Event Socket address; 127.0.0.1 and a free port by default */
  host?: string
  port?: number
  /** where placeCall sends calls (the bridge's ESL_LISTEN), unless a call names its own */
  outbound?: { host: string; port: number }
  /** the clock's start; 2026-12-06T10:00:00Z by default */
  now?: Date
  /** the socket app's mode: `async full` (default true) or `async` (api/bgapi/event/linger refused) */
  full?: boolean
  /** how long playback/say/speak take when no duration is scripted for the file: 0 ms by default */
  playbackMs?: number
  /** advance() lets the wire go quiet this long (real ms, 15 by default) after each instant it runs … */
  settleMs?: number
  /** … but waits no longer than this per instant (250 by default): a wire busy with many calls never is quiet */
  settleMaxMs?: number
  /** FreeSWITCH-Hostname of every event */
  hostname?: string
}

export interface FakeFreeSwitch {
  /** the inbound Event Socket (FREESWITCH_ESL) */
  readonly host: string
  readonly port: number
  readonly password: string
  /** changes on restart() */
  readonly coreUuid: string

  /** the fake's clock */
  now(): Date
  /** moves the clock, firing everything due on the way in time order (rings, answers, playback ends, sched_*) */
  advance(ms: number): Promise<void>
  setTime(at: Date): Promise<void>
  /** how long a prompt plays: an exact file/URL, or a RegExp over it */
  setPlaybackDuration(file: string | RegExp, ms: number): void

  /** FreeSWITCH connects to the bridge's listener for a new inbound call */
  placeCall(options: PlaceCallOptions): FakeCall
  /** every call placed (caller legs), oldest first */
  calls(): readonly FakeCall[]

  /** a representative's phone behind a dial string: `user/1001`, `loopback/1001`, … */
  registerEndpoint(dialString: string, behaviour?: EndpointBehaviour): void
  /** every leg originated (bgapi/api originate), oldest first */
  legs(): readonly FakeLeg[]

  conference(name: string): FakeConference | undefined
  conferences(): readonly FakeConference[]
  /** sched_hangup / sched_broadcast jobs not yet run nor deleted */
  scheduled(): readonly ScheduledJob[]
  /** every command received on inbound connections (`api …`, `bgapi …`, `event …`), oldest first */
  commands(): readonly string[]
  /** inbound Event Socket connections currently open and authenticated */
  readonly inboundConnections: number

  /** resolves once check() returns something truthy: re-checked on every change of the fake and every 5 ms (so it may watch the bridge too); rejects after timeoutMs (real time, 5000 by default) */
  waitFor<T>(check: () => T | undefined | null | false, timeoutMs?: number): Promise<T>

  /** drops every socket without hangup events, new Core-UUID, listens again on the same port */
  restart(): Promise<void>
  close(): Promise<void>
}

export interface PlaceCallOptions {
  /** Caller-Destination-Number */
  dnis: string
  /** Caller-Caller-ID-Number; null/undefined/'' → 0000000000, as FreeSWITCH does */
  ani?: string | null
  callerName?: string
  /** extra channel variables (variable_<name>) */
  variables?: Record<string, string>
  /** the caller's key presses, one entry per play_and_get_digits in order; '' lets that prompt time out */
  digits?: string[]
  /** overrides options.outbound */
  to?: { host: string; port: number }
}

export interface AppRun {
  /** the Event-UUID the bridge sent (Application-UUID of the events) */
  readonly uuid: string
  readonly name: string
  readonly arg: string
  readonly startedAt: Date
  /** undefined while it runs (conference: until the member leaves) */
  readonly completedAt: Date | undefined
  readonly response: string | undefined
}

export type CallState = 'connecting' | 'parked' | 'answered' | 'hungup'

export interface FakeCall {
  readonly uuid: string
  readonly dnis: string
  /** as FreeSWITCH sends it: 0000000000 when none was given */
  readonly ani: string
  readonly state: CallState
  /** resolves once the bridge has sent `connect` and got CHANNEL_DATA */
  readonly connected: Promise<void>
  /** more key presses for the next prompts, one entry per prompt */
  queueDigits(...perPrompt: string[]): void
  /** keys pressed now: DTMF events, and fed to a prompt that is waiting for digits (else only the events) */
  press(digits: string): void
  /** a play_and_get_digits has played its prompt and waits for keys: press() now feeds it */
  readonly waitingForDigits: boolean
  /** the caller hangs up: CHANNEL_HANGUP, CHANNEL_HANGUP_COMPLETE, disconnect notices */
  hangup(cause?: string): void
  /** every app the bridge ran on this channel, in order */
  readonly apps: readonly AppRun[]
  /** resolves with the first run of `name` (optionally whose arg matches) once the bridge starts it */
  waitForApp(name: string, match?: (arg: string) => boolean): Promise<AppRun>
  /** a channel variable as it stands now */
  variable(name: string): string | undefined
  /** prompts played (playback, play_and_get_digits files, sched_broadcast), in order */
  readonly played: readonly string[]
  /** the conference this caller is in, if any */
  readonly conferenceName: string | undefined
  /** uuid_transfer / transfer destination, if any */
  readonly transferredTo: string | undefined
  /** resolves when the channel has hung up and the socket is closed */
  readonly ended: Promise<CallEnd>
}

export interface CallEnd {
  cause: string
  /**
   * caller: hangup() from the test; bridge: the hangup app, uuid_kill, `hangup` sendmsg, the socket closed,
   * or a transfer (cause TRANSFER: the call left for another extension, the socket was closed); schedule:
   * sched_hangup; restart: restart()/close() (cause CRASH)
   */
  by: 'caller' | 'bridge' | 'schedule' | 'restart'
  at: Date
}

export interface EndpointBehaviour {
  /** answers after this many ms of the fake's clock (0 by default: at once) */
  answerAfterMs?: number
  /** never answers: the originate fails -ERR NO_ANSWER when originate_timeout (default 60 s) passes */
  ringOut?: boolean
  /** refuses at once with this cause, e.g. USER_BUSY, CALL_REJECTED */
  reject?: string
  /** once answered, hangs up after this many ms */
  hangupAfterMs?: number
  /** once answered, the far end's keys: one entry per play_and_get_digits in order ('' lets it time out) */
  digits?: string[]
}

export interface FakeLeg {
  readonly uuid: string
  readonly dialString: string
  /** {origination_caller_id_number=…,originate_timeout=…} */
  readonly variables: Readonly<Record<string, string>>
  /** the `&conference(name@profile)` target or other application */
  readonly target: string
  readonly jobUuid: string | undefined
  readonly state: 'ringing' | 'answered' | 'hungup' | 'failed'
  readonly failCause: string | undefined
  /** the far end presses keys (DTMF events on this leg; fed to a prompt waiting for digits) */
  press(digits: string): void
  /** more keys for the next prompts run on this leg (an `&socket(…)` leg the bridge controls) */
  queueDigits(...perPrompt: string[]): void
  readonly waitingForDigits: boolean
  /** every app run on this leg (its `&app(…)` target, then what a socket session sent) */
  readonly apps: readonly AppRun[]
  readonly played: readonly string[]
  variable(name: string): string | undefined
  /** the `&socket(…)` app's data as FreeSWITCH parsed it (quotes gone), once it ran */
  readonly socketArg: string | undefined
  /** the bridge has sent `connect` on this leg's socket and got CHANNEL_DATA */
  readonly socketConnected: boolean
  /** the representative hangs up */
  hangup(cause?: string): void
  readonly ended: Promise<CallEnd>
}

export interface FakeConferenceMember {
  readonly memberId: number
  /** the member's channel Unique-ID */
  readonly uuid: string
  readonly joinedAt: Date
  readonly flags: readonly string[]
}

export interface FakeConference {
  readonly name: string
  readonly profile: string
  readonly createdAt: Date
  readonly members: readonly FakeConferenceMember[]
}

export interface ScheduledJob {
  /** the id sched_* answered with, for sched_del */
  readonly id: string
  readonly command: 'sched_hangup' | 'sched_broadcast'
  readonly uuid: string
  readonly at: Date
  /** the cause (sched_hangup) or `playback::<file>` (sched_broadcast) */
  readonly arg: string
}
