// The bridge as `npm start` runs it (server/main.ts): the listener on ESL_LISTEN, the control
// connection to FREESWITCH_ESL when it is set, and the flows of telephony/.
import type { Config } from '../server/config.ts'
import type { Logger } from '../server/logging.ts'
import type { Services } from '../server/services.ts'
import { type Bridge, createBridge } from './bridge.ts'
import { runCallerFlow } from './caller/flow.ts'

export function startBridge(
  services: Services,
  config: Pick<Config, 'eslListen' | 'freeswitchEsl'>,
  logger: Logger,
): Promise<Bridge> {
  return createBridge({
    services,
    logger,
    listen: config.eslListen,
    freeswitch: config.freeswitchEsl,
    flows: { caller: runCallerFlow },
  })
}
