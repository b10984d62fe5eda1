// The typed face of the FreeSWITCH Event Socket that the rest of telephony/ programs against. The
// implementation (telephony/esl/, over drachtio-modesl) and the fake FreeSWITCH in test/ meet here;
// the call flows never see modesl's objects. ../shared/ESL-PROTOCOL.md records the frames.

/** One event (or the CHANNEL_DATA block) with its headers URL-decoded. */
export interface EslEvent {
  /** Event-Name (CUSTOM events keep it; see subclass) */
  readonly name: string
  /** Event-Subclass, e.g. conference::maintenance */
  readonly subclass: string | undefined
  /** a header by its exact name, decoded; undefined when absent */
  get(header: string): string | undefined
  /** a channel variable: the variable_<name> header */
  variable(name: string): string | undefined
  readonly body: string | undefined
  /** every header, decoded, for redacted logging and tests */
  readonly headers: Readonly<Record<string, string>>
  /** Event-Date-Timestamp (microseconds since the epoch) as a Date, to the millisecond */
  readonly at: Date
}

export interface ExecuteOptions {
  /** how long to wait for CHANNEL_EXECUTE_COMPLETE before rejecting with EslTimeout (default 30 s) */
  timeoutMs?: number
}

export interface DigitsPrompt {
  min: number
  max: number
  tries: number
  timeoutMs: number
  /** '#' by default */
  terminators?: string
  /** a configured prompt path, tone_stream:// or silence_stream:// */
  file: string
  invalidFile?: string
  /** the channel variable FreeSWITCH sets; unset at once when secret */
  variable: string
  /** FreeSWITCH regexp the digits must match, e.g. ^\d{12,19}$ */
  regexp?: string
  digitTimeoutMs?: number
  /** card numbers, expiry, postal codes: the variable is unset at once and redacted from logs */
  secret?: boolean
}

export interface DigitsResult {
  /** FreeSWITCH's read_result */
  result: 'success' | 'timeout' | 'failure'
  /** the digits entered ('' when none) */
  digits: string
}

/** Why a channel went away: the hangup cause and FreeSWITCH's time of it. */
export interface Hangup {
  cause: string
  at: Date
}

/**
 * One leg FreeSWITCH handed to the outbound-socket listener (`socket … async full`). The listener
 * has already sent `connect`, `myevents` and `linger` before the handler gets it.
 */
export interface CallChannel {
  readonly uuid: string
  /** the CHANNEL_DATA block FreeSWITCH answered `connect` with */
  readonly data: EslEvent
  /** Caller-Caller-ID-Number, or undefined for FreeSWITCH's "no number" forms (0000000000, anonymous …) */
  readonly ani: string | undefined
  /** Caller-Destination-Number */
  readonly dnis: string
  /** runs an app with event-lock and resolves with its CHANNEL_EXECUTE_COMPLETE (matched by Application-UUID) */
  execute(app: string, arg?: string, options?: ExecuteOptions): Promise<EslEvent>
  /** sends an app without waiting for it to complete: for `conference`, which completes only when the member leaves */
  executeAndForget(app: string, arg?: string): Promise<void>
  playAndGetDigits(prompt: DigitsPrompt, options?: ExecuteOptions): Promise<DigitsResult>
  /** `set` / `unset` through execute */
  setVariable(name: string, value: string): Promise<void>
  unsetVariable(name: string): Promise<void>
  /** api over this socket (full mode): sched_hangup, uuid_* … */
  api(command: string): Promise<string>
  /** hangs the channel up with a cause (NORMAL_CLEARING by default); resolves once sent */
  hangup(cause?: string): Promise<void>
  /** resolves when the channel hangs up (CHANNEL_HANGUP or the disconnect notice) */
  readonly hungUp: Promise<Hangup>
  readonly isHungUp: boolean
  /** every event of this channel (myevents), decoded */
  onEvent(listener: (event: EslEvent) => void): () => void
  /** closes the socket (after hangup, or to give the channel back) */
  close(): void
}

/** The outbound-socket listener FreeSWITCH connects to per call (ESL_LISTEN). */
export interface EslListener {
  /** resolves with the port actually bound (0 picks one) */
  listen(host: string, port: number): Promise<{ host: string; port: number }>
  /** each call, once connected; a handler's rejection is logged and the channel hung up */
  onCall(handler: (call: CallChannel) => Promise<void>): void
  close(): Promise<void>
}

/**
 * The inbound connection to FreeSWITCH (FREESWITCH_ESL, FREESWITCH_ESL_PASSWORD): originate
 * representatives' legs, control conferences, the wallboard's events. Reconnects with backoff;
 * subscriptions survive a reconnect.
 */
export interface EslControl {
  /** `api` and its body; rejects with EslCommandError on `-ERR …` */
  api(command: string, options?: ExecuteOptions): Promise<string>
  /** `bgapi` with a Job-UUID; resolves with the BACKGROUND_JOB body (`+OK <uuid>`), rejects on `-ERR <CAUSE>` */
  bgapi(command: string, options?: ExecuteOptions): Promise<string>
  /** every event the connection subscribed to (CHANNEL_*, DTMF, BACKGROUND_JOB, conference::maintenance) */
  onEvent(listener: (event: EslEvent) => void): () => void
  /** called after each (re)connection is authenticated and subscribed */
  onConnect(listener: () => void): () => void
  onDisconnect(listener: (error?: Error) => void): () => void
  readonly connected: boolean
  close(): Promise<void>
}

export class EslTimeout extends Error {
  override readonly name = 'EslTimeout'
}

/** FreeSWITCH answered -ERR: `reply` is its text, e.g. "-ERR NO_ANSWER". */
export class EslCommandError extends Error {
  override readonly name = 'EslCommandError'
  constructor(readonly reply: string) {
    super(reply)
  }
}

/** The channel hung up while an app was running or about to be sent. */
export class ChannelGone extends Error {
  override readonly name = 'ChannelGone'
}
