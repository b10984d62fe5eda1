// The offers' background work, started with the service graph in every server process. Each pass:
//   1. expires presented offers past their expiry (stock back, hold voided), in SKIP LOCKED batches;
//   2. finishes reservations whose hold never came back as made (a crash, or the gateway's answer
//      came late): the hold voided if it was placed, the stock given back;
//   3. finishes accepts whose capture's answer never came (the same keys, so nothing is taken twice);
//   4. voids the holds of declined and expired offers whose void did not go through.
// Several processes may sweep at once: each step is a conditional change of status or a keyed money
// call, so two sweepers repeat each other's work harmlessly.
import type { Logger } from '../logging.ts'
import type { DatabaseOfferLedger } from './ledger.ts'

/** presented offers expired per batch; a pass takes batches until none is left */
const BATCH = 100
/** a reservation or an accept older than this is taken as left behind, not in flight */
const IN_FLIGHT_MS = 60_000

export interface OfferSweeperDeps {
  ledger: DatabaseOfferLedger
  logger: Logger
  intervalMs?: number
}

export class OfferSweeper {
  private timer: NodeJS.Timeout | null = null
  private running: Promise<void> | null = null

  constructor(private readonly deps: OfferSweeperDeps) {}

  start(): void {
    if (this.timer) return
    this.timer = setInterval(() => {
      if (!this.running)
        this.running = this.sweep()
          .then(() => undefined)
          .catch((error: unknown) => this.deps.logger.error({ err: error }, 'offer sweep failed'))
          .finally(() => {
            this.running = null
          })
    }, this.deps.intervalMs ?? 5000)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    await this.running
  }

  /** One pass; returns what it did, for tests and logs. */
  async sweep(): Promise<{ expired: number; reservations: number; accepts: number; holds: number }> {
    const { ledger, logger } = this.deps
    const now = ledger.now()
    const result = { expired: 0, reservations: 0, accepts: 0, holds: 0 }
    for (;;) {
      const expired = await ledger.expire(now, BATCH)
      result.expired += expired
      if (expired < BATCH) break
    }
    const leftBehind = new Date(now.getTime() - IN_FLIGHT_MS)
    result.reservations = await ledger.finishReservations(leftBehind)
    result.accepts = await ledger.finishAccepts(leftBehind)
    result.holds = await ledger.releaseHolds()
    if (result.expired || result.reservations || result.accepts || result.holds)
      logger.info({ ...result }, 'offers swept')
    return result
  }
}
