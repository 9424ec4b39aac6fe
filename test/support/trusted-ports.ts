/**
 * The trusted-fact ports tests run steps with: the reference pack's orders
 * table (its local fixture) and a keyed hasher under a fixed test key, so a
 * test can name the stored history key of a customer.
 */
import { join } from 'node:path';
import { InMemoryFactReader } from '../../adapters/memory-fact-reader.js';
import { InMemoryKeyedHasher } from '../../adapters/memory-keyed-hasher.js';
import { InMemoryRecordKeys } from '../../adapters/memory-record-keys.js';
import { InMemoryTaskTokenSeal } from '../../adapters/memory-token-seal.js';
import { assumedRoleArn, type CallerIdentities, trustedRoleCallers } from '../../core/approval/caller.js';
import { normalizeHistoryKey } from '../../core/runs/history-key.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';
import { loadFactFixtures } from '../../local/facts/fixtures.js';
import {
  IN_PROCESS_APPROVER_ROLE_ARN,
  IN_PROCESS_OPERATOR_ROLE_ARN,
  inProcessCallers,
} from '../../local/pack-test/in-process-steps.js';
import { WORKFLOWS_DIR } from '../../workflows/discover.js';
import refundTriage from '../../workflows/refund-triage/workflow.js';
import { REFERENCE_WORKFLOW_ID } from './packs.js';

/** The key every test hasher uses. */
export const TEST_HISTORY_KEY = 'awf-test-history-key';

/** A keyed hasher under {@link TEST_HISTORY_KEY}. */
export function testKeys(): InMemoryKeyedHasher {
  return new InMemoryKeyedHasher(TEST_HISTORY_KEY);
}

/** The secret every test's lineage record keys are derived from. */
export const TEST_RECORD_KEY_SECRET = 'awf-test-record-keys';

/** The lineage record keys of the tests: one per step, derived from {@link TEST_RECORD_KEY_SECRET}. */
export function testRecordKeys(): InMemoryRecordKeys {
  return new InMemoryRecordKeys(TEST_RECORD_KEY_SECRET);
}

/** The secret every test's task token seal is derived from. */
export const TEST_TOKEN_KEY = 'awf-test-task-tokens';

/** The task token seal of the tests, under {@link TEST_TOKEN_KEY}: a test can open what a step sealed. */
export function testTokenSeal(): InMemoryTaskTokenSeal {
  return new InMemoryTaskTokenSeal(TEST_TOKEN_KEY);
}

/** A fact reader holding the reference pack's fixture orders (and whatever a test seeds next). */
export function referenceFacts(): InMemoryFactReader {
  const reader = new InMemoryFactReader();
  for (const fixture of loadFactFixtures(refundTriage, join(WORKFLOWS_DIR, REFERENCE_WORKFLOW_ID))) {
    reader.seed(fixture.table, fixture.items);
  }
  return reader;
}

/**
 * The key history entries of `value` (a customer id) are stored under, as
 * the steps derive it with {@link testKeys}.
 */
export async function storedKeyOf(
  value: string,
  spec: Pick<WorkflowSpec, 'grounding' | 'data'> = refundTriage,
): Promise<string> {
  return testKeys().hash(`history:${normalizeHistoryKey(spec, value)}`);
}

/** The approvals endpoint's callers port in tests: trusts sessions of the in-process approver role. */
export function testCallers(): CallerIdentities {
  return inProcessCallers();
}

/** The operations endpoint's callers port as a deployed switch function has it: operator sessions only. */
export function testOperatorCallers(): CallerIdentities {
  return trustedRoleCallers([IN_PROCESS_OPERATOR_ROLE_ARN], 'operator');
}

/** The identity AWS would assert for `person` signed in as an operator (a session of the in-process operator role). */
export function operatorSession(person: string): string {
  return assumedRoleArn(IN_PROCESS_OPERATOR_ROLE_ARN, person);
}

/** The identity AWS would assert for `person` signed in as an approver (a session of the in-process approver role). */
export function approverSession(person: string): string {
  return assumedRoleArn(IN_PROCESS_APPROVER_ROLE_ARN, person);
}
