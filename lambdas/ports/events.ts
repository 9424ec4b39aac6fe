/** The events port in a Lambda: the bus named by `AWF_EVENT_BUS`. */
import { eventBridgeClient } from '../../adapters/aws-clients.js';
import { EventBridgePublisher } from '../../adapters/eventbridge-publisher.js';
import { ENV } from '../../core/runtime-env.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { requireEnv } from '../config.js';

/** Builds the event publisher once per cold start. */
export function createEventsPort(
  _pack: WorkflowPack,
  env: NodeJS.ProcessEnv = process.env,
): EventBridgePublisher {
  return new EventBridgePublisher({
    client: eventBridgeClient(),
    eventBusName: requireEnv(ENV.eventBus, env),
  });
}
