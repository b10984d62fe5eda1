// The outbound-socket listener (ESL_LISTEN): FreeSWITCH's `socket 127.0.0.1:8084 async full` connects
// here once per call. Each connection becomes a CallChannel after `connect` (CHANNEL_DATA),
// `myevents` and `linger`; then the handler runs the call.
import net from 'node:net'
import modesl, { type Connection, type Server as ModeslServer } from 'drachtio-modesl'
import type { Logger } from '../../server/logging.ts'
import { defaultExecuteTimeoutMs, OutboundChannel } from './channel.ts'
import { fromModesl, patchModeslParser } from './event.ts'
import { commandFrame } from './replies.ts'
import type { CallChannel, EslListener } from './types.ts'

export interface EslListenerOptions {
  logger: Logger
  /** default wait for an app's CHANNEL_EXECUTE_COMPLETE (30 s) */
  executeTimeoutMs?: number
  /** how long FreeSWITCH may take to answer `connect` with CHANNEL_DATA (5 s) */
  connectTimeoutMs?: number
  /** how long close() lets the calls' flows finish once their sockets are gone (5 s) */
  closeGraceMs?: number
}

export function createEslListener(options: EslListenerOptions): EslListener {
  patchModeslParser()
  const logger = options.logger
  const executeTimeoutMs = options.executeTimeoutMs ?? defaultExecuteTimeoutMs
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000
  const closeGraceMs = options.closeGraceMs ?? 5000
  let handler: ((call: CallChannel) => Promise<void>) | undefined
  let server: net.Server | undefined
  let eslServer: ModeslServer | undefined
  const sockets = new Set<net.Socket>()
  const running = new Set<Promise<void>>()

  async function prepare(connection: Connection): Promise<OutboundChannel> {
    const info = connection.getInfo()
    if (!info) throw new Error('outbound socket: no CHANNEL_DATA')
    const channel = new OutboundChannel(connection, fromModesl(info), logger, executeTimeoutMs)
    const answers = channel.answers
    const myevents = await answers.send(commandFrame('myevents'), connectTimeoutMs, 'myevents')
    if (!myevents.text.startsWith('+OK')) logger.warn({ reply: myevents.text }, 'esl: myevents refused')
    // without linger the socket closes at hangup and the last events (HANGUP_COMPLETE) may be lost
    const linger = await answers.send(commandFrame('linger'), connectTimeoutMs, 'linger')
    if (!linger.text.startsWith('+OK'))
      logger.warn({ reply: linger.text }, 'esl: linger refused (is the dialplan socket `async full`?)')
    return channel
  }

  function serve(connection: Connection): void {
    const work = (async () => {
      let channel: OutboundChannel | undefined
      try {
        channel = await prepare(connection)
        if (!handler) throw new Error('esl listener: no call handler')
        await handler(channel)
      } catch (error) {
        logger.error({ err: error, uuid: channel?.uuid }, 'esl: call handler failed')
        if (channel && !channel.isHungUp)
          await channel.hangup('NORMAL_TEMPORARY_FAILURE').catch(() => undefined)
      } finally {
        // the call is done with: give the socket back (FreeSWITCH ends the socket app)
        if (channel) channel.close()
        else connection.socket?.destroy()
      }
    })()
    running.add(work)
    void work.finally(() => running.delete(work))
  }

  return {
    async listen(host, port) {
      const netServer = net.createServer()
      netServer.on('connection', (socket) => {
        sockets.add(socket)
        socket.setNoDelay(true)
        socket.on('close', () => sockets.delete(socket))
        // FreeSWITCH that never answers `connect` must not hold a socket forever
        const timer = setTimeout(() => {
          if (!readySockets.has(socket)) socket.destroy()
        }, connectTimeoutMs)
        socket.on('close', () => clearTimeout(timer))
      })
      const readySockets = new WeakSet<net.Socket>()
      await new Promise<void>((resolve, reject) => {
        netServer.once('error', reject)
        netServer.listen(port, host, () => {
          netServer.off('error', reject)
          resolve()
        })
      })
      server = netServer
      eslServer = new modesl.Server({ server: netServer })
      eslServer.on('connection::ready', (connection: Connection) => {
        if (connection.socket) readySockets.add(connection.socket)
        connection.on('error', (error: Error) => logger.debug({ err: error }, 'esl: outbound socket error'))
        serve(connection)
      })
      const address = netServer.address()
      if (!address || typeof address === 'string') throw new Error('esl listener: no address')
      return { host: address.address, port: address.port }
    },
    onCall(callHandler) {
      handler = callHandler
    },
    async close() {
      const netServer = server
      server = undefined
      for (const socket of sockets) socket.destroy()
      // a flow between two apps (a database call, a pause) sees its channel gone at its next step;
      // shutdown does not wait on one that never takes it
      let graceTimer: NodeJS.Timeout | undefined
      const grace = new Promise<'late'>((resolve) => {
        graceTimer = setTimeout(() => resolve('late'), closeGraceMs)
      })
      const finished = await Promise.race([Promise.allSettled([...running]), grace])
      clearTimeout(graceTimer)
      if (finished === 'late') logger.warn({ calls: running.size }, 'closed with call flows still running')
      if (netServer) await new Promise<void>((resolve) => netServer.close(() => resolve()))
    },
  }
}
