// The inbound Event Socket connection (FREESWITCH_ESL): `auth`, `event json …`, `api`, `bgapi` with
// our own Job-UUID resolved by its BACKGROUND_JOB, and reconnection with backoff. modesl's own
// reconnection is switched off: it keeps the callbacks of commands that died with the old socket
// queued, so the new socket's first answers would go to the wrong callers. Each attempt here is a new
// modesl.Connection; subscriptions are sent again before onConnect listeners run.
import { randomUUID } from 'node:crypto'
import modesl, { type Connection, type FrameHeaders, type Event as ModeslEvent } from 'drachtio-modesl'
import type { Logger } from '../../server/logging.ts'
import { fromModesl, isEventFrame, patchModeslParser } from './event.ts'
import { redactEvent } from './redact.ts'
import { AnswerQueue, commandFrame } from './replies.ts'
import { EslCommandError, type EslControl, type EslEvent, EslTimeout, type ExecuteOptions } from './types.ts'

export const defaultControlEvents = [
  'CHANNEL_ANSWER',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'DTMF',
  'BACKGROUND_JOB',
  'CUSTOM',
  'conference::maintenance',
]

export interface EslControlOptions {
  host: string
  port: number
  password: string
  logger: Logger
  /** the `event json …` keywords (CUSTOM followed by its subclasses); defaultControlEvents by default */
  events?: readonly string[]
  /** reconnection delays: initialMs doubling up to maxMs (100 ms … 5 s by default) */
  backoff?: { initialMs: number; maxMs: number }
  /** default wait for an `api` answer (30 s) */
  apiTimeoutMs?: number
  /** default wait for a `bgapi` job's BACKGROUND_JOB (120 s: an originate rings for up to its timeout) */
  bgapiTimeoutMs?: number
}

interface Job {
  resolve: (body: string) => void
  reject: (error: Error) => void
  timer: NodeJS.Timeout
}

/** A lost connection fails what was waiting on it: the answer can no longer come. */
export class EslDisconnected extends Error {
  override readonly name = 'EslDisconnected'
}

export function connectEslControl(options: EslControlOptions): EslControl {
  patchModeslParser()
  const { logger } = options
  const events = options.events ?? defaultControlEvents
  const backoff = options.backoff ?? { initialMs: 100, maxMs: 5000 }
  const apiTimeoutMs = options.apiTimeoutMs ?? 30_000
  const bgapiTimeoutMs = options.bgapiTimeoutMs ?? 120_000
  const eventListeners = new Set<(event: EslEvent) => void>()
  const connectListeners = new Set<() => void>()
  const disconnectListeners = new Set<(error?: Error) => void>()
  const jobs = new Map<string, Job>()
  let connection: Connection | undefined
  let answers: AnswerQueue | undefined
  let ready = false
  let closed = false
  let delay = backoff.initialMs
  let retry: NodeJS.Timeout | undefined

  function emitEvent(event: EslEvent): void {
    if (event.name === 'BACKGROUND_JOB') {
      const id = event.get('Job-UUID')
      const job = id ? jobs.get(id) : undefined
      if (id && job) {
        jobs.delete(id)
        clearTimeout(job.timer)
        const body = (event.body ?? '').trimEnd()
        if (/^-(ERR|USAGE)/.test(body)) job.reject(new EslCommandError(body))
        else job.resolve(body)
      }
    }
    for (const listener of [...eventListeners]) {
      try {
        listener(event)
      } catch (error) {
        logger.error({ err: error }, 'esl control: event listener threw')
      }
    }
  }

  function lost(current: Connection, error?: Error): void {
    if (connection !== current) return
    const wasReady = ready
    connection = undefined
    ready = false
    answers?.failAll(new EslDisconnected('the Event Socket connection was lost'))
    answers = undefined
    // a job's BACKGROUND_JOB went with the connection (and with FreeSWITCH, if it restarted)
    for (const [id, job] of jobs) {
      clearTimeout(job.timer)
      job.reject(new EslDisconnected('the Event Socket connection was lost before the job finished'))
      jobs.delete(id)
    }
    if (wasReady)
      for (const listener of [...disconnectListeners]) {
        try {
          listener(error)
        } catch (thrown) {
          logger.error({ err: thrown }, 'esl control: disconnect listener threw')
        }
      }
    schedule()
  }

  function schedule(): void {
    if (closed || retry) return
    const wait = delay
    delay = Math.min(delay * 2, backoff.maxMs)
    retry = setTimeout(() => {
      retry = undefined
      connect()
    }, wait)
  }

  function connect(): void {
    if (closed) return
    const current = new modesl.Connection(options.host, options.port, options.password)
    // we reconnect ourselves (see the top of the file)
    current.closing = true
    connection = current
    let failure: Error | undefined
    current.on('error', (error: Error) => {
      failure = error
      logger.debug({ err: error }, 'esl control: socket error')
    })
    current.on('esl::event::auth::fail', () => {
      failure = new Error('FreeSWITCH refused the Event Socket password')
      logger.error({ host: options.host, port: options.port }, 'esl control: authentication failed')
    })
    current.on('esl::end', () => lost(current, failure))
    current.on('esl::event::**', (event: ModeslEvent, frame?: FrameHeaders) => {
      if (!isEventFrame(frame) || connection !== current) return
      const decoded = fromModesl(event)
      // this connection sees every channel: it cannot tell a secret prompt's keys from a menu choice
      if (logger.isLevelEnabled('trace'))
        logger.trace(
          { event: redactEvent(decoded, { secretPromptActive: true, dropVariables: true }) },
          'esl control event',
        )
      emitEvent(decoded)
    })
    current.once('esl::ready', () => {
      void subscribe(current)
    })
  }

  async function subscribe(current: Connection): Promise<void> {
    const queue = new AnswerQueue(current)
    answers = queue
    try {
      const answer = await queue.send(commandFrame(`event json ${events.join(' ')}`), apiTimeoutMs, 'event')
      if (!answer.text.startsWith('+OK')) throw new EslCommandError(answer.text)
    } catch (error) {
      logger.error({ err: error }, 'esl control: subscribing to events failed')
      current.socket?.destroy()
      return
    }
    if (connection !== current) return
    ready = true
    delay = backoff.initialMs
    logger.info({ host: options.host, port: options.port }, 'esl control: connected')
    for (const listener of [...connectListeners]) {
      try {
        listener()
      } catch (error) {
        logger.error({ err: error }, 'esl control: connect listener threw')
      }
    }
  }

  function live(what: string): AnswerQueue {
    if (closed) throw new EslDisconnected(`${what}: the Event Socket connection is closed`)
    if (!ready || !answers) throw new EslDisconnected(`${what}: not connected to FreeSWITCH`)
    return answers
  }

  connect()

  return {
    async api(command: string, callOptions: ExecuteOptions = {}): Promise<string> {
      const queue = live(`api ${command}`)
      const answer = await queue.send(
        commandFrame(`api ${command}`),
        callOptions.timeoutMs ?? apiTimeoutMs,
        `api ${command}`,
      )
      if (/^-(ERR|USAGE)/.test(answer.text)) throw new EslCommandError(answer.text.trimEnd())
      return answer.text
    },

    async bgapi(command: string, callOptions: ExecuteOptions = {}): Promise<string> {
      const queue = live(`bgapi ${command}`)
      const jobUuid = randomUUID()
      const timeoutMs = callOptions.timeoutMs ?? bgapiTimeoutMs
      // registered before the command is written: the BACKGROUND_JOB may come before the reply
      const result = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          jobs.delete(jobUuid)
          reject(new EslTimeout(`bgapi ${command}: no BACKGROUND_JOB within ${timeoutMs} ms`))
        }, timeoutMs)
        jobs.set(jobUuid, { resolve, reject, timer })
      })
      try {
        const answer = await queue.send(
          commandFrame(`bgapi ${command}`, { 'Job-UUID': jobUuid }),
          Math.min(timeoutMs, apiTimeoutMs),
          `bgapi ${command}`,
        )
        if (!answer.text.startsWith('+OK')) throw new EslCommandError(answer.text)
      } catch (error) {
        const job = jobs.get(jobUuid)
        if (job) {
          clearTimeout(job.timer)
          jobs.delete(jobUuid)
        }
        result.catch(() => undefined)
        throw error
      }
      return result
    },

    onEvent(listener) {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },

    onConnect(listener) {
      connectListeners.add(listener)
      return () => connectListeners.delete(listener)
    },

    onDisconnect(listener) {
      disconnectListeners.add(listener)
      return () => disconnectListeners.delete(listener)
    },

    get connected() {
      return ready
    },

    async close() {
      closed = true
      if (retry) clearTimeout(retry)
      retry = undefined
      const current = connection
      if (!current?.socket || current.socket.destroyed) {
        if (current) lost(current)
        return
      }
      const socket = current.socket
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve())
        socket.write('exit\n\n')
        socket.end()
        setTimeout(() => {
          socket.destroy()
          resolve()
        }, 1000).unref()
      })
    },
  }
}
