/**
 * What the switch step's operations answer, shared by the step
 * (`switch.ts`), the endpoint in front of it (`endpoint.ts`) and the CLI.
 */
import type { CallerIdentity } from '../../approval/caller.js';
import { AwfError } from '../../errors.js';
import type { SwitchBody } from '../../operations/endpoint-protocol.js';
import type { SwitchMode, WorkflowSwitchRecord } from '../../policy/switch.js';

/** What a switch change did. */
export interface SwitchResult {
  readonly workflowId: string;
  /** The mode before this change (`run` when never set). */
  readonly previous: SwitchMode;
  readonly switch: WorkflowSwitchRecord;
  /** Parked runs released by this change (none while halted). */
  readonly released: readonly string[];
}

/** How a workflow's switch stands. */
export interface SwitchStatus {
  readonly workflowId: string;
  readonly mode: SwitchMode;
  /** The stored switch, when an operator ever set one. */
  readonly switch?: WorkflowSwitchRecord;
  /** Runs waiting for resume. */
  readonly parked: number;
}

/** The operations of one workflow's switch, for the caller AWS authenticated. */
export interface WorkflowSwitchOperations {
  status(): Promise<SwitchStatus>;
  set(change: SwitchBody, operator: CallerIdentity): Promise<SwitchResult>;
}

/** Some parked runs could not be released; the others were, and the next change retries these. */
export class ReleaseError extends AwfError {
  constructor(
    readonly workflowId: string,
    readonly failures: readonly { readonly runId: string; readonly error: unknown }[],
  ) {
    super(
      `the switch of ${workflowId} was set, but ${failures.length} parked run(s) could not be released: ${failures
        .map((f) => `${f.runId} (${f.error instanceof Error ? f.error.message : String(f.error)})`)
        .join('; ')}; set the switch again to retry`,
    );
    this.name = 'ReleaseError';
  }
}
