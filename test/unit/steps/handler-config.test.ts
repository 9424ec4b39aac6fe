/**
 * The cold-start configuration every step handler runs before serving (the
 * deployment check and the port factories): tested here without the middy
 * wrapper, whose module graph needs packages only the bundler resolves.
 */
import { assertDeployedFor } from '../../../lambdas/config.js';
import { createEventsPort } from '../../../lambdas/ports/events.js';
import { createLineagePort } from '../../../lambdas/ports/lineage.js';
import { createRunsPort } from '../../../lambdas/ports/runs.js';
import refundTriage from '../../../workflows/refund-triage/workflow.js';

const pack = { spec: refundTriage, prompt: 'prompt', policies: 'policies' };
const env = {
  AWF_WORKFLOW_ID: 'refund-triage',
  AWF_RUNS_TABLE: 'awf-runs',
  AWF_LINEAGE_TABLE: 'awf-lineage',
  AWF_EVENT_BUS: 'awf-bus',
};

describe('step handler configuration', () => {
  it('accepts a Lambda deployed for the pack it runs', () => {
    expect(() => assertDeployedFor(pack, env)).not.toThrow();
  });

  it('fails when deployed for another workflow, naming both', () => {
    expect(() => assertDeployedFor(pack, { ...env, AWF_WORKFLOW_ID: 'ticket-triage' })).toThrow(
      expect.objectContaining({
        name: 'ConfigurationError',
        message: 'AWF_WORKFLOW_ID is "ticket-triage", but this bundle runs workflow "refund-triage"',
      }),
    );
  });

  it.each([
    ['AWF_WORKFLOW_ID', () => assertDeployedFor(pack, { ...env, AWF_WORKFLOW_ID: '' })],
    ['AWF_RUNS_TABLE', () => createRunsPort(pack, { ...env, AWF_RUNS_TABLE: undefined })],
    ['AWF_LINEAGE_TABLE', () => createLineagePort(pack, { ...env, AWF_LINEAGE_TABLE: undefined })],
    ['AWF_EVENT_BUS', () => createEventsPort(pack, { ...env, AWF_EVENT_BUS: undefined })],
  ])('fails naming %s when it is missing', (name, build) => {
    expect(build).toThrow(`environment variable ${name} is not set; the stack must provide it`);
  });
});
