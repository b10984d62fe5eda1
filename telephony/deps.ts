// What every call flow of the bridge is given: the application's services (in-process, never over
// HTTP), the ACD, the inbound Event Socket connection and the bridge's own identity and clock.
import type { Acd } from '../server/acd/types.ts'
import type { Logger } from '../server/logging.ts'
import type { Services } from '../server/services.ts'
import type { EslControl } from './esl/types.ts'

export interface BridgeDeps {
  services: Services
  acd: Acd
  /** the inbound connection: originate representatives' legs, conference control, sched_* */
  control: EslControl
  /** this bridge process's id, written on the calls it owns (calls.bridge_id) */
  bridgeId: string
  logger: Logger
  /** the bridge's clock; the sessions' clock in tests that move time by hand */
  clock: () => Date
}

/** How a number FreeSWITCH hands over is answered (service_numbers). */
export type NumberEntry =
  | {
      purpose: 'service_line'
      tenantId: string
      number: string
      serviceLineId: string
      advertisingSource: string | null
    }
  | { purpose: 'representatives'; tenantId: string; number: string }
