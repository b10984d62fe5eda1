// One outbound-socket leg (`socket … async full`): apps sent with sendmsg + event-lock and an
// Event-UUID, each completed by the CHANNEL_EXECUTE_COMPLETE whose Application-UUID matches. The
// events of this channel (myevents) may come before the +OK of the sendmsg that caused them, so a
// completion is registered before its command is written.
import { randomUUID } from 'node:crypto'
import type { Connection, FrameHeaders, Event as ModeslEvent } from 'drachtio-modesl'
import type { Logger } from '../../server/logging.ts'
import { aniOf } from './ani.ts'
import { contentType, fromModesl, isEventFrame } from './event.ts'
import { redactEvent } from './redact.ts'
import { type Answer, AnswerQueue, commandFrame } from './replies.ts'
import {
  type CallChannel,
  ChannelGone,
  type DigitsPrompt,
  type DigitsResult,
  EslCommandError,
  type EslEvent,
  EslTimeout,
  type ExecuteOptions,
  type Hangup,
} from './types.ts'

export const defaultExecuteTimeoutMs = 30_000

interface PendingApp {
  app: string
  resolve: (event: EslEvent) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

export class OutboundChannel implements CallChannel {
  readonly uuid: string
  readonly ani: string | undefined
  readonly dnis: string
  readonly hungUp: Promise<Hangup>
  private hangupInfo: Hangup | undefined
  private resolveHangup!: (hangup: Hangup) => void
  private readonly pending = new Map<string, PendingApp>()
  private readonly listeners = new Set<(event: EslEvent) => void>()
  private readonly secretVariables = new Set<string>()
  private secretPrompts = 0
  private closed = false
  /** every command/reply and api/response of this socket, in order (the listener's myevents/linger too) */
  readonly answers: AnswerQueue

  constructor(
    private readonly connection: Connection,
    readonly data: EslEvent,
    private readonly logger: Logger,
    private readonly executeTimeoutMs = defaultExecuteTimeoutMs,
  ) {
    this.uuid = data.get('Unique-ID') ?? data.get('Channel-Call-UUID') ?? ''
    this.ani = aniOf(data.get('Caller-Caller-ID-Number') ?? data.get('Caller-ANI'))
    this.dnis = data.get('Caller-Destination-Number') ?? ''
    this.answers = new AnswerQueue(connection)
    this.hungUp = new Promise((resolve) => {
      this.resolveHangup = resolve
    })
    connection.on('esl::event::**', (event: ModeslEvent, frame?: FrameHeaders) => this.onFrame(event, frame))
    connection.on('esl::end', () => {
      this.gone('DISCONNECTED', new Date())
      this.answers.failAll(new ChannelGone('the socket closed'))
    })
  }

  loggable(event: EslEvent): Record<string, string> {
    return redactEvent(event, {
      secretVariables: this.secretVariables,
      secretPromptActive: this.secretPrompts > 0,
    })
  }

  get isHungUp(): boolean {
    return this.hangupInfo !== undefined
  }

  private onFrame(raw: ModeslEvent, frame: FrameHeaders | undefined): void {
    const type = contentType(frame)
    if (type === 'text/disconnect-notice') {
      // linger: the channel is down but events still come; disconnect: the socket is about to close
      // (also sent without a hangup when the call was transferred away from the socket app)
      if (String(frame?.['Content-Disposition'] ?? '') !== 'linger') this.gone('DISCONNECTED', new Date())
      return
    }
    if (!isEventFrame(frame)) return
    const event = fromModesl(raw)
    const uniqueId = event.get('Unique-ID')
    if (uniqueId && uniqueId !== this.uuid) return
    // redaction walks every header: only pay for it when the line will be written
    if (this.logger.isLevelEnabled('trace'))
      this.logger.trace({ uuid: this.uuid, event: this.loggable(event) }, 'esl event')
    if (event.name === 'CHANNEL_EXECUTE_COMPLETE') {
      const id = event.get('Application-UUID')
      const pending = id ? this.pending.get(id) : undefined
      if (id && pending) {
        this.pending.delete(id)
        clearTimeout(pending.timer)
        pending.resolve(event)
      }
    }
    if (event.name === 'CHANNEL_HANGUP' || event.name === 'CHANNEL_HANGUP_COMPLETE')
      this.gone(event.get('Hangup-Cause') ?? 'NORMAL_CLEARING', event.at)
    for (const listener of [...this.listeners]) {
      try {
        listener(event)
      } catch (error) {
        this.logger.error({ err: error, uuid: this.uuid }, 'esl event listener threw')
      }
    }
  }

  private gone(cause: string, at: Date): void {
    if (this.hangupInfo) return
    this.hangupInfo = { cause, at: Number.isNaN(at.getTime()) ? new Date() : at }
    this.resolveHangup(this.hangupInfo)
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer)
      pending.reject(new ChannelGone(`${pending.app}: the channel hung up (${cause})`))
      this.pending.delete(id)
    }
  }

  /** a command and its command/reply; -ERR rejects */
  private async command(line: string, headers: Record<string, string>, body?: string): Promise<string> {
    if (this.closed) throw new ChannelGone(`${line}: the socket is closed`)
    let answer: Answer
    try {
      answer = await this.answers.send(commandFrame(line, headers, body), this.executeTimeoutMs, line)
    } catch (error) {
      if (error instanceof EslTimeout) throw error
      throw new ChannelGone(error instanceof Error ? error.message : String(error))
    }
    if (answer.text.startsWith('-ERR')) throw new EslCommandError(answer.text.trim())
    return answer.text
  }

  private sendmsgHeaders(app: string, arg: string | undefined, eventUuid: string) {
    const headers: Record<string, string> = {
      'call-command': 'execute',
      'execute-app-name': app,
      'event-lock': 'true',
      'Event-UUID': eventUuid,
    }
    // an argument with a line break cannot be a header line: it goes in the body
    const inBody = arg !== undefined && /[\r\n]/.test(arg)
    if (arg !== undefined && !inBody) headers['execute-app-arg'] = arg
    return { headers, body: inBody ? arg : undefined }
  }

  execute(app: string, arg?: string, options: ExecuteOptions = {}): Promise<EslEvent> {
    if (this.hangupInfo) return Promise.reject(new ChannelGone(`${app}: the channel has hung up`))
    const eventUuid = randomUUID()
    const timeoutMs = options.timeoutMs ?? this.executeTimeoutMs
    const completion = new Promise<EslEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(eventUuid)
        reject(new EslTimeout(`${app}: no CHANNEL_EXECUTE_COMPLETE within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(eventUuid, { app, resolve, reject, timer })
    })
    // the completion may settle (ChannelGone, EslTimeout) before the sendmsg reply lets the chain
    // below take it up: mark it handled here, the returned promise still carries the rejection
    completion.catch(() => undefined)
    const { headers, body } = this.sendmsgHeaders(app, arg, eventUuid)
    return this.command(`sendmsg ${this.uuid}`, headers, body).then(
      () => completion,
      (error: unknown) => {
        const pending = this.pending.get(eventUuid)
        if (pending) {
          clearTimeout(pending.timer)
          this.pending.delete(eventUuid)
        }
        throw this.hangupInfo ? new ChannelGone(`${app}: the channel has hung up`) : error
      },
    )
  }

  async executeAndForget(app: string, arg?: string): Promise<void> {
    if (this.hangupInfo) throw new ChannelGone(`${app}: the channel has hung up`)
    const { headers, body } = this.sendmsgHeaders(app, arg, randomUUID())
    await this.command(`sendmsg ${this.uuid}`, headers, body)
  }

  async playAndGetDigits(prompt: DigitsPrompt, options?: ExecuteOptions): Promise<DigitsResult> {
    const args = [
      prompt.min,
      prompt.max,
      prompt.tries,
      prompt.timeoutMs,
      prompt.terminators ?? '#',
      prompt.file,
      prompt.invalidFile ?? 'silence_stream://250',
      prompt.variable,
      prompt.regexp ?? '\\d+',
      prompt.digitTimeoutMs ?? prompt.timeoutMs,
    ].join(' ')
    if (prompt.secret) {
      this.secretVariables.add(prompt.variable)
      this.secretPrompts++
    }
    const promptTimeout =
      options?.timeoutMs ?? Math.max(this.executeTimeoutMs, prompt.tries * (prompt.timeoutMs + 30_000))
    try {
      const done = await this.execute('play_and_get_digits', args, { timeoutMs: promptTimeout })
      // read_result alone misleads (see the fake's playAndGetDigits): digits accepted after the
      // inter-digit timeout leave it "timeout", a regexp mismatch leaves it "success". The variable is
      // set only for accepted digits — unless the last try had too few, which read_result "failure" shows.
      const read = done.variable('read_result')
      const value = done.variable(prompt.variable) ?? ''
      const accepted = value !== '' && (read === 'success' || read === 'timeout')
      const digits = accepted ? value : ''
      const result: DigitsResult['result'] = accepted
        ? 'success'
        : value === '' && done.variable(`${prompt.variable}_invalid`) === undefined && read !== 'success'
          ? 'timeout'
          : 'failure'
      return { result, digits: result === 'success' ? digits : '' }
    } finally {
      if (prompt.secret) {
        this.secretPrompts--
        // FreeSWITCH repeats the variable in every later event: clear it (and its _invalid twin) at once
        if (!this.hangupInfo)
          await Promise.all([
            this.unsetVariable(prompt.variable),
            this.unsetVariable(`${prompt.variable}_invalid`),
          ]).catch((error: unknown) => {
            if (!(error instanceof ChannelGone)) throw error
          })
      }
    }
  }

  async setVariable(name: string, value: string): Promise<void> {
    await this.execute('set', `${name}=${value}`)
  }

  async unsetVariable(name: string): Promise<void> {
    await this.execute('unset', name)
  }

  async api(command: string): Promise<string> {
    if (this.closed) throw new ChannelGone(`api ${command}: the socket is closed`)
    const answer = await this.answers.send(
      commandFrame(`api ${command}`),
      this.executeTimeoutMs,
      `api ${command}`,
    )
    // refused on a socket without `full`: a command/reply, not an api/response
    if (/^-(ERR|USAGE)/.test(answer.text)) throw new EslCommandError(answer.text.trim())
    return answer.text
  }

  async hangup(cause = 'NORMAL_CLEARING'): Promise<void> {
    if (this.hangupInfo) return
    await this.command(`sendmsg ${this.uuid}`, { 'call-command': 'hangup', 'hangup-cause': cause })
  }

  onEvent(listener: (event: EslEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    const socket = this.connection.socket
    if (socket && !socket.destroyed) {
      socket.write('exit\n\n')
      socket.end()
    }
    this.answers.failAll(new ChannelGone('the socket was closed'))
  }
}

/**
 * An event of this call as it may be logged by a flow: the variables the call's secret prompts wrote
 * and the keys pressed during them are hidden, besides what redactEvent hides by name.
 */
export function loggableEvent(call: CallChannel, event: EslEvent): Record<string, string> {
  return call instanceof OutboundChannel
    ? call.loggable(event)
    : redactEvent(event, { secretPromptActive: true })
}
