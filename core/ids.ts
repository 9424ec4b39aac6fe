/**
 * Deterministic identifiers.
 *
 * Every id is derived from what identifies the thing, never drawn at random, so
 * a retried step, a redriven execution or a duplicated event computes the same
 * id and lands on the same record (and its conditional write) instead of
 * creating a second one. Each kind hashes a distinct label first, so ids of
 * different kinds never collide even for equal inputs.
 */
import { AwfError } from './errors.js';
import { hashOf } from './hash.js';

/** Hex digits kept from the SHA-256: 96 bits, far beyond any run count. */
const ID_HEX_LENGTH = 24;

function derive(prefix: string, parts: readonly unknown[]): string {
  return `${prefix}-${hashOf([prefix, ...parts]).slice(0, ID_HEX_LENGTH)}`;
}

function requireNonEmpty(name: string, value: string): void {
  if (value.length === 0) {
    // An empty id part would map every such input onto one id.
    throw new AwfError(`${name} must not be empty when deriving an id`);
  }
}

/**
 * The run id of an event for a workflow: `run-` + 24 hex digits.
 * @throws AwfError when an argument is empty.
 * @example runIdFor('refund-triage', event.id) // 'run-3f9a...'
 */
export function runIdFor(workflowId: string, eventId: string): string {
  requireNonEmpty('workflowId', workflowId);
  requireNonEmpty('eventId', eventId);
  return derive('run', [workflowId, eventId]);
}

/**
 * The id of one proposal: the same run, iteration, position, action and input
 * give the same id (`prop-` + 24 hex digits). The input is hashed canonically,
 * so key order does not matter.
 * @throws AwfError when runId or action is empty.
 */
export function proposalIdFor(
  runId: string,
  iteration: number,
  index: number,
  action: string,
  input: unknown,
): string {
  requireNonEmpty('runId', runId);
  requireNonEmpty('action', action);
  return derive('prop', [runId, iteration, index, action, input]);
}

/**
 * The opaque id of the approval of a proposal (`appr-` + 24 hex digits); it
 * stands in for the task token, which never leaves the runs table.
 * @throws AwfError when an argument is empty.
 */
export function approvalIdFor(runId: string, proposalId: string): string {
  requireNonEmpty('runId', runId);
  requireNonEmpty('proposalId', proposalId);
  return derive('appr', [runId, proposalId]);
}

/**
 * The idempotency key of one intent of a run (`exec-` + 24 hex digits): the
 * action and its canonical input, whatever iteration or position proposed
 * it. Act claims it before running the connector, so the same action with
 * the same input has one effect per run, however often the model proposes it
 * again; connectors pass it on for consumers to dedupe by.
 * @throws AwfError when an argument is empty.
 */
export function executionKeyFor(runId: string, action: string, input: unknown): string {
  requireNonEmpty('runId', runId);
  requireNonEmpty('action', action);
  return derive('exec', [runId, action, input]);
}
