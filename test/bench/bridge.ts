// `npm run bench`, the bridge phase: the bridge's own cost per IVR step under 200 concurrent calls.
// The real listener (telephony/esl/) and the real routing by DNIS (service_numbers on a PGlite
// database) take each call the fake FreeSWITCH places from a process of its own; every call runs an
// IVR of BENCH_BRIDGE_STEPS steps, playback and play_and_get_digits in turn, each answered by the fake
// at once (0 ms of its clock), so what a step costs is the bridge's round trip: sendmsg out, +OK,
// CHANNEL_EXECUTE and CHANNEL_EXECUTE_COMPLETE in, parsed, matched, resolved. The same IVR with one
// call at a time gives the unloaded figure the loaded one is read against.
//   BENCH_BRIDGE_CALLS=200 BENCH_BRIDGE_STEPS=20 (0 calls skips the phase)
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { connect } from '../../db/connect.ts'
import { migrateToLatest } from '../../db/migrate.ts'
import { createLogger } from '../../server/logging.ts'
import { createServices } from '../../server/services.ts'
import { createBridge } from '../../telephony/bridge.ts'
import type { FlowDeps } from '../../telephony/deps.ts'
import type { CallChannel } from '../../telephony/esl/types.ts'

const calls = Number(process.env.BENCH_BRIDGE_CALLS ?? 200)
const steps = Number(process.env.BENCH_BRIDGE_STEPS ?? 20)
const root = path.resolve(import.meta.dirname, '../..')

if (calls > 0) {
  const handle = await connect({})
  await migrateToLatest(handle.db)
  await handle.db
    .insertInto('service_numbers')
    .values({ number: '9001', tenant_id: 'bench', purpose: 'service_line', service_line_id: 'bench-line' })
    .execute()
  const logger = createLogger('warn')
  const services = createServices({ db: handle.db, secret: 'bench-secret', logger })

  let latencies: number[] = []
  let stepsPerCall = steps
  async function ivr(_deps: FlowDeps, call: CallChannel): Promise<void> {
    await call.execute('answer')
    for (let step = 0; step < stepsPerCall; step++) {
      const started = performance.now()
      if (step % 2 === 0) await call.execute('playback', 'tone_stream://%(100,0,440)')
      else
        await call.playAndGetDigits({
          min: 1,
          max: 4,
          tries: 1,
          timeoutMs: 5000,
          file: 'tone_stream://%(100,0,440)',
          variable: 'bench_digits',
        })
      latencies.push(performance.now() - started)
    }
    await call.hangup()
  }

  const bridge = await createBridge({
    services,
    logger,
    listen: { host: '127.0.0.1', port: 0 },
    freeswitch: null,
    flows: { caller: ivr },
  })

  async function phase(concurrent: number, callSteps: number) {
    latencies = []
    stepsPerCall = callSteps
    const cpu = process.cpuUsage()
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/fake-freeswitch-process.ts'], {
      cwd: root,
      env: {
        ...process.env,
        BRIDGE_HOST: bridge.address.host,
        BRIDGE_PORT: String(bridge.address.port),
        CALLS: String(concurrent),
        STEPS: String(callSteps),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string]
    await once(child, 'exit')
    const used = process.cpuUsage(cpu)
    const { ms } = JSON.parse(line) as { ms: number }
    const sorted = [...latencies].sort((a, b) => a - b)
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
    return {
      concurrent,
      steps: sorted.length,
      stepsPerSecond: Math.round(sorted.length / (ms / 1000)),
      p50: at(0.5),
      p99: at(0.99),
      cpuMicrosPerStep: Math.round((used.user + used.system) / Math.max(1, sorted.length)),
    }
  }

  // one call of as many steps as the loaded phase's calls take together, then the 200 at once; twice,
  // alternating, as the machine is shared
  const rows = []
  for (let round = 0; round < 2; round++)
    rows.push(await phase(1, Math.min(steps * calls, 2000)), await phase(calls, steps))
  process.stdout.write(
    `\nBridge: IVR steps (playback / play_and_get_digits in turn), ${steps} per call when concurrent (playback / play_and_get_digits in turn)\n`,
  )
  process.stdout.write(
    'concurrent calls | steps | steps/s | p50 ms | p99 ms | bridge CPU µs/step (incl. call setup)\n',
  )
  for (const r of rows)
    process.stdout.write(
      `${r.concurrent} | ${r.steps} | ${r.stepsPerSecond} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuMicrosPerStep}\n`,
    )
  await bridge.close()
  await handle.close()
}
