/**
 * The cold-start configuration every step handler (admit, ground, complete,
 * escalate, remind) runs before serving: tested here without the middy
 * wrapper, whose module graph needs packages only the bundler resolves.
 */
import {
  assertDeployedFor,
  eventPublisherFromEnv,
  lineageStoreFromEnv,
  runsStoreFromEnv,
} from '../../../lambdas/shared/from-env.js';
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
    ['AWF_RUNS_TABLE', () => runsStoreFromEnv(pack, { ...env, AWF_RUNS_TABLE: undefined })],
    ['AWF_LINEAGE_TABLE', () => lineageStoreFromEnv({ ...env, AWF_LINEAGE_TABLE: undefined })],
    ['AWF_EVENT_BUS', () => eventPublisherFromEnv({ ...env, AWF_EVENT_BUS: undefined })],
  ])('fails naming %s when it is missing', (name, build) => {
    expect(build).toThrow(`environment variable ${name} is not set; the stack must provide it`);
  });
});
