/**
 * The operations endpoint of a workflow's kill switch, built on in-memory
 * stores, and an authenticated operator who sets it: what tests of halted and
 * parked runs share.
 */

import { switchChangeRequest } from '../../core/operations/endpoint-request.js';
import type { SwitchMode } from '../../core/policy/switch.js';
import type { Clock } from '../../core/ports.js';
import { portsFor } from '../../core/steps/ports.js';
import { type SwitchResult, switchStep } from '../../core/steps/switch/switch.js';
import type { WorkflowPack } from '../../core/workflow/pack.js';
import { InMemoryLineageStore, InMemoryRunsStore } from './in-memory-stores.js';
import { RecordingTaskCallbacks } from './recording-ports.js';
import { operatorSession, testOperatorCallers, testRecordKeys, testTokenSeal } from './trusted-ports.js';

/** The operator every switch change of these tests comes from. */
export const TEST_OPERATOR = 'ops@acme.example';

/**
 * Fresh stores for the runs of one test, the switch step's endpoint on them,
 * and `setSwitch`, which sets the switch as {@link TEST_OPERATOR}.
 * @throws from `setSwitch` when the endpoint refuses the change, with its body
 */
export function operatedStores(pack: WorkflowPack, clock: Clock) {
  const runs = new InMemoryRunsStore();
  const lineage = new InMemoryLineageStore();
  const operate = switchStep.build(
    pack,
    portsFor(
      'switch',
      switchStep.ports,
      {
        runs,
        lineage,
        recordKeys: testRecordKeys(),
        tokens: testTokenSeal(),
        callbacks: new RecordingTaskCallbacks(),
        callers: testOperatorCallers(),
      },
      clock,
    ),
  );
  const setSwitch = async (mode: SwitchMode, reason = `operator sets ${mode}`): Promise<SwitchResult> => {
    const response = await operate(switchChangeRequest({ mode, reason }, operatorSession(TEST_OPERATOR)));
    if (response.statusCode !== 200) throw new Error(`switch refused: ${response.body}`);
    return (JSON.parse(response.body) as { result: SwitchResult }).result;
  };
  return { runs, lineage, operate, setSwitch };
}
