/**
 * `awf policies report` through the command line's own program, against the
 * lineage table on DynamoDB Local: what the gate recorded of a log-only policy
 * is read back through the byWorkflow index and reported per policy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { buildProgram } from '../../cli/program.js';
import { lineageWriter } from '../../core/lineage/writer.js';
import type { LogOnlyEvaluation } from '../../core/policy/log-only.js';
import type { LogOnlyReport } from '../../core/policy/log-only-report.js';
import type { GateDecision } from '../../core/steps/contracts.js';
import { localStateSchema, writeLocalState } from '../../local/process/state-file.js';
import { type DynamoDbLocal, LOCAL_REGION, startDynamoDbLocal } from '../support/dynamodb-local.js';
import { manualClock } from '../support/in-memory-stores.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { testRecordKeys } from '../support/trusted-ports.js';

const WORKFLOW = REFERENCE_WORKFLOW_ID;
const POLICY = 'refund-over-40-forbidden';

let ddb: DynamoDbLocal;
let stateDir: string;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  stateDir = mkdtempSync(join(tmpdir(), 'awf-policies-report-'));
  const unused = 'http://127.0.0.1:9';
  const workflow = { stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x', functions: {} };
  // Parsed, so the file has whatever shape the local cloud writes; only DynamoDB is reached.
  const state = localStateSchema.parse({
    region: LOCAL_REGION,
    accountId: '000000000000',
    pid: process.pid,
    startedAt: '2026-11-02T00:00:00.000Z',
    endpoints: {
      dynamodb: ddb.endpoint,
      eventbridge: unused,
      sfn: unused,
      lambda: unused,
      bedrockRuntime: unused,
      kms: unused,
    },
    tables: { runs: ddb.runsTableName, lineage: ddb.lineageTableName },
    eventBus: 'awf',
    workflows: { [WORKFLOW]: workflow, 'ticket-triage': workflow },
    sinkFile: join(stateDir, 'sink.jsonl'),
  });
  writeLocalState(state, stateDir);

  // What the gate step writes, through the gate's own writer: the registry accepts `logOnly`.
  const store = new DynamoDbLineageStore({ client: ddb.client, tableName: ddb.lineageTableName });
  const clock = manualClock('2026-11-02T10:00:00.000Z');
  const writer = lineageWriter('gate', store, clock, testRecordKeys());
  const decisions: [GateDecision, LogOnlyEvaluation | undefined][] = [
    ['ALLOW', { policyId: POLICY, wouldDecide: 'DENY', changed: true, satisfied: true }],
    ['ALLOW', { policyId: POLICY, wouldDecide: 'ALLOW', changed: false, satisfied: false }],
    ['REQUIRE_APPROVAL', { policyId: POLICY, wouldDecide: 'DENY', changed: true, satisfied: true }],
    ['DENY', undefined],
    ['ALLOW', { policyId: POLICY, wouldDecide: 'DENY', changed: true, satisfied: true }],
  ];
  for (const [index, [decision, logOnly]] of decisions.entries()) {
    await writer.append(`run-report-${index}`, {
      type: 'policy.evaluated',
      actor: 'awf:gate',
      workflowId: WORKFLOW,
      entityId: `ord_${index}`,
      versions: { workflowVersion: '1.0.0', policySetHash: 'a'.repeat(64) },
      data: {
        iteration: 0,
        proposalId: `p-${index}`,
        action: 'issueRefund',
        input: { orderId: `ord_${index}`, amount: 45.5 },
        confidence: 0.9,
        policyDecision: decision,
        decision,
        reasons: [],
        errors: [],
        autonomy: 'autonomous',
        shadow: false,
        ...(logOnly && { logOnly: [logOnly] }),
      },
    });
    clock.advance(60 * 60 * 1000);
  }
});

afterAll(async () => {
  await ddb?.stop();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

/** Runs `awf policies report <args>` in this process and returns what it printed. */
async function report(...args: string[]): Promise<string> {
  let printed = '';
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed += chunk.toString();
    return true;
  });
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'awf', 'policies', 'report', '--state-dir', stateDir, ...args]);
  } finally {
    write.mockRestore();
  }
  return printed;
}

describe('awf policies report', () => {
  it('prints, per log-only policy, the decisions it would have changed by kind, with examples', async () => {
    const text = await report('--workflow', WORKFLOW);
    expect(text).toContain('5 decisions recorded');
    expect(text).toContain(`${WORKFLOW} / ${POLICY}`);
    expect(text).toContain('would have changed 3 (ALLOW→DENY: 2, REQUIRE_APPROVAL→DENY: 1)');
    expect(text).toMatch(/RUN\s+ACTION\s+DECISION\s+WOULD DECIDE\s+AT/);
    expect(text).toMatch(/run-report-4\s+issueRefund\s+ALLOW\s+DENY\s+2026-11-02T14:00:00\.000Z/);
  });

  it('prints the same as JSON with --json, and counts only decisions from --since', async () => {
    const all = JSON.parse(await report('--json')) as LogOnlyReport;
    expect(all.decisions).toBe(5);
    expect(all.policies).toEqual([
      expect.objectContaining({
        workflowId: WORKFLOW,
        policyId: POLICY,
        evaluated: 4,
        satisfied: 3,
        changed: 3,
        changes: [
          { from: 'ALLOW', to: 'DENY', count: 2 },
          { from: 'REQUIRE_APPROVAL', to: 'DENY', count: 1 },
        ],
      }),
    ]);
    expect(all.policies[0]?.examples.map((e) => e.runId)).toEqual([
      'run-report-4',
      'run-report-2',
      'run-report-0',
    ]);

    const recent = JSON.parse(await report('--json', '--since', '2026-11-02T12:00:00Z')) as LogOnlyReport;
    expect(recent).toMatchObject({ since: '2026-11-02T12:00:00.000Z', decisions: 3 });
    expect(recent.policies[0]).toMatchObject({ evaluated: 2, changed: 2 });
  });

  it('says so when no log-only policy was evaluated', async () => {
    expect(await report('--workflow', 'ticket-triage')).toBe(
      'no log-only policy was evaluated in the 0 decisions recorded\n',
    );
  });

  it('fails on a workflow the target does not have, naming it and the ones it has', async () => {
    await expect(report('--workflow', 'refund-triaje')).rejects.toThrow(
      '--workflow: no workflow "refund-triaje" here; the workflows are refund-triage, ticket-triage',
    );
  });

  it('fails on a malformed --since, naming the value', async () => {
    for (const since of ['yesterday', '2026-13-01', '2026-11-02T10:00:00']) {
      await expect(report('--since', since)).rejects.toThrow(
        `--since must be an ISO-8601 date or time with its zone, such as 2026-11-01 or 2026-11-01T09:00:00Z, got "${since}"`,
      );
    }
  });
});
