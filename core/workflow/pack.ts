import type { ParsedPolicySet } from '../policy/policy-set.js';
import type { WorkflowSpec } from './spec.js';

/**
 * A workflow pack as the platform runs it: the validated spec plus the texts
 * it names (the system prompt and the Cedar policy set).
 *
 * At synth time the texts are read from `workflows/<id>/`; in a Lambda bundle
 * they are embedded by the bundler, so what runs is exactly what was synthesized.
 */
export interface WorkflowPack {
  readonly spec: WorkflowSpec;
  /** Contents of the spec's `agent.prompt` file. */
  readonly prompt: string;
  /** Contents of the spec's `policies` file. */
  readonly policies: string;
  /**
   * `policies` as `cdk synth` parsed them with Cedar, embedded in the step
   * bundles that evaluate policies so their cold start need not parse them
   * again. Used only when it is that file's parse (`embeddedPolicySet`).
   * @default - the policies are parsed from `policies`
   */
  readonly parsedPolicies?: ParsedPolicySet;
}
