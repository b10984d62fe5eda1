// The fake FreeSWITCH in a process of its own for the bridge benchmark (test/bench/bridge.ts), so the
// bridge's CPU is measured without the fake's: places CALLS calls at once to the bridge's listener,
// each with STEPS/2 digit entries for its prompts, waits for them all to end and prints
// {"ms": wall time, "ended": n}. BRIDGE_HOST, BRIDGE_PORT, DNIS, CALLS, STEPS.
import { startFakeFreeSwitch } from '../support/fake-freeswitch/index.ts'

const env = process.env
const calls = Number(env.CALLS ?? 200)
const steps = Number(env.STEPS ?? 20)
const fs = await startFakeFreeSwitch({
  outbound: { host: env.BRIDGE_HOST ?? '127.0.0.1', port: Number(env.BRIDGE_PORT) },
  playbackMs: 0,
})
const digits = Array.from({ length: Math.ceil(steps / 2) }, () => '1234')
const started = performance.now()
const placed = Array.from({ length: calls }, (_, i) =>
  fs.placeCall({ dnis: env.DNIS ?? '9001', ani: `+1555400${String(i).padStart(4, '0')}`, digits }),
)
const ends = await Promise.all(placed.map((call) => call.ended))
const ms = performance.now() - started
process.stdout.write(`${JSON.stringify({ ms, ended: ends.length })}\n`)
await fs.close()
process.exit(0)
