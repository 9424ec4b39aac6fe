/**
 * The whole platform on the local cloud: the synthesized stacks, their real
 * Lambda bundles, DynamoDB Local, the local Step Functions, EventBridge and
 * Bedrock, driven through the real AWS SDK clients and the `awf` CLI.
 *
 * One cloud serves every test (starting DynamoDB Local and the functions' cold
 * starts is the slow part). Its model is `test/fixtures/e2e/unreliable-model.ts`:
 * the refund-triage pack's own stand-in model, except for order ids that ask
 * for throttling or invalid output. Every case uses its own order and customer
 * ids, so no run sees another's refund history.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { jest } from '@jest/globals';
import { meterDynamoDbPerRun } from '../../bench/dynamodb-per-run.js';
import { runIdFor } from '../../core/ids.js';
import { computeRecordHash } from '../../core/lineage/chain.js';
import { observationsOf } from '../../core/lineage/observations.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import type { BusEvent } from '../../core/steps/contracts.js';
import { isProcessRunning } from '../../local/process/process-running.js';
import { localStatePath, readLocalState } from '../../local/process/state-file.js';
import { PROJECT_ROOT } from '../../local/process/synth.js';
import {
  discoverWorkflowPacks,
  type ExampleEvent,
  loadExampleEvents,
  WORKFLOWS_DIR,
} from '../../workflows/discover.js';
import {
  GARBAGE_ORDER_PREFIX,
  RETIRED_ORDER_PREFIX,
  THROTTLED_ORDER_PREFIX,
  THROTTLES_PER_CASE,
} from '../fixtures/e2e/unreliable-model.js';
import { listens } from '../support/awf-process.js';
import { type E2eCloud, ORDERS_TABLE, orderOf, startE2eCloud, withIds } from '../support/local-cloud.js';

const WORKFLOW = 'refund-triage';
/** Every pack under workflows/: the local cloud runs them all, refund-triage among them. */
const WORKFLOW_IDS = (await discoverWorkflowPacks()).map(({ pack }) => pack.spec.id);
const EXAMPLES = loadExampleEvents(join(WORKFLOWS_DIR, WORKFLOW));
const MODEL_SCRIPT = join(PROJECT_ROOT, 'test/fixtures/e2e/unreliable-model.ts');
/** A listed payments approver the examples do not name (their requester is carol). */
const APPROVER = 'alice@acme.example';

function example(name: string): ExampleEvent {
  const found = EXAMPLES.find((e) => e.name === name);
  if (!found)
    throw new Error(`no example "${name}" in ${WORKFLOW} (examples: ${EXAMPLES.map((e) => e.name)})`);
  return found;
}

/** Ids matching the pack's order and customer id formats, unique to this test run. */
let counter = 0;
function freshIds(prefix = 'ord_e2e'): { orderId: string; customerId: string } {
  counter += 1;
  const suffix = `${Date.now().toString(36)}${counter}`;
  return { orderId: `${prefix}${suffix}`, customerId: `cus_e2e${suffix}` };
}

function types(records: readonly LineageRecord[]): string[] {
  return records.map((r) => r.type);
}

/** Handles that would keep a process alive: listening servers, sockets, worker threads. */
function liveHandles(): Record<string, number> {
  const counts: Record<string, number> = { TCPServerWrap: 0, TCPSocketWrap: 0, MessagePort: 0 };
  for (const resource of process.getActiveResourcesInfo()) {
    if (resource in counts) counts[resource] = (counts[resource] ?? 0) + 1;
  }
  return counts;
}

describe('the local cloud, end to end', () => {
  let e2e: E2eCloud;
  let handlesBefore: Record<string, number>;

  beforeAll(async () => {
    handlesBefore = liveHandles();
    e2e = await startE2eCloud({ modelScript: MODEL_SCRIPT, principals: ['mallory@acme.example'] });
  }, 240_000);

  afterAll(async () => {
    await e2e?.stop();
  }, 60_000);

  /** Puts the event, waits for the run to need approval, and returns the pending approval's id. */
  async function pendingApproval(
    event: ExampleEvent,
  ): Promise<{ runId: string; approvalId: string; eventId: string }> {
    const eventId = await e2e.putCase(event);
    const runId = runIdFor(WORKFLOW, eventId);
    await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL');
    const [approval] = await e2e.runs.listApprovalsOfRun(runId);
    if (!approval) throw new Error(`run ${runId} awaits approval but has no approval record`);
    return { runId, approvalId: approval.approvalId, eventId };
  }

  describe('local.json', () => {
    it("names the workflow's state machine, every step function, the tables, the bus and the endpoints", () => {
      const state = readLocalState(e2e.stateDir);
      const workflow = state.workflows[WORKFLOW];

      expect(state).toEqual(e2e.cloud.state);
      expect(WORKFLOW_IDS).toContain(WORKFLOW);
      expect(Object.keys(state.workflows).sort()).toEqual([...WORKFLOW_IDS].sort());
      expect(workflow?.stateMachineArn).toMatch(/^arn:aws:states:[a-z0-9-]+:\d{12}:stateMachine:/);
      expect(Object.keys(workflow?.functions ?? {}).sort()).toEqual(
        [
          'act',
          'admit',
          'complete',
          'decide-approval',
          'escalate',
          'follow-up',
          'gate',
          'ground',
          'park',
          'plan',
          'reconcile',
          'remind',
          'request-approval',
          'switch',
        ].sort(),
      );
      const hosted = e2e.cloud.lambda.host.functions.map((f) => f.functionName);
      expect(hosted).toEqual(expect.arrayContaining(Object.values(workflow?.functions ?? {})));
      for (const endpoint of Object.values(state.endpoints))
        expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect([state.tables.runs, state.tables.lineage, state.eventBus].every((name) => name.length > 0)).toBe(
        true,
      );
    });
  });

  describe('example events', () => {
    it.each(EXAMPLES.map((e) => [e.name, e] as const))(
      'the "%s" example ends as its expect block says',
      async (_name, original) => {
        const rejected = original.expect.outcome === 'REJECT';
        // The malformed example stays as written; the others get their own entity and history.
        const event = rejected ? original : withIds(original, freshIds());
        const eventId = rejected ? await e2e.putEvent(event) : await e2e.putCase(event);
        const runId = runIdFor(WORKFLOW, eventId);

        if (original.expect.outcome === 'REQUIRE_APPROVAL') {
          await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL');
          const [approval] = await e2e.runs.listApprovalsOfRun(runId);
          await e2e.cli([
            'approvals',
            'approve',
            approval?.approvalId ?? 'missing',
            '--as',
            APPROVER,
            '--reason',
            'Carrier confirmed the parcel was returned to sender.',
          ]);
        }
        const execution = await e2e.settledOf(eventId);
        const chain = await e2e.lineage.chain(runId);

        if (rejected) {
          expect(execution).toMatchObject({ status: 'FAILED', error: 'AWF.EventRejected' });
          expect(await e2e.runs.getRun(runId)).toBeUndefined();
          expect(types(chain)).toEqual(['event.rejected']);
          return;
        }
        const run = await e2e.runs.getRun(runId);
        expect(run?.status).toBe(original.expect.status);
        const executed = observationsOf(chain).map((o) => o.action);
        expect(executed.sort()).toEqual([...original.expect.actions].sort());
        const firstVerdict = chain.find((r) => r.type === 'policy.evaluated');
        expect(firstVerdict?.data.decision).toBe(original.expect.outcome);
      },
      90_000,
    );
  });

  describe('approvals through the CLI', () => {
    it('approves a waiting run with the awf program, and the run completes', async () => {
      const { runId, approvalId } = await pendingApproval(
        withIds(example('approval-large-refund'), freshIds()),
      );

      const result = await e2e.spawnCli([
        'approvals',
        'approve',
        approvalId,
        '--as',
        APPROVER,
        '--reason',
        'Carrier confirmed the loss.',
      ]);

      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`approved ${approvalId} as ${APPROVER}`);
      const run = await e2e.waitForRunStatus(runId, 'COMPLETED');
      expect(run.status).toBe('COMPLETED');
      const decided = (await e2e.lineage.chain(runId)).find((r) => r.type === 'approval.decided');
      expect(decided).toMatchObject({
        actor: `human:${APPROVER}`,
        data: { approvalId, decision: 'APPROVED', reason: 'Carrier confirmed the loss.' },
      });
      expect(observationsOf(await e2e.lineage.chain(runId)).map((o) => o.action)).toEqual(['issueRefund']);
    }, 90_000);

    it('rejects a waiting run through the CLI, and the run ends REJECTED without acting', async () => {
      const { runId, approvalId, eventId } = await pendingApproval(
        withIds(example('approval-large-refund'), freshIds()),
      );

      const printed = await e2e.cli([
        'approvals',
        'reject',
        approvalId,
        '--as',
        'bob@acme.example',
        '--reason',
        'Order shows as delivered.',
      ]);

      expect(printed).toContain(`rejected ${approvalId}`);
      expect((await e2e.settledOf(eventId)).status).toBe('SUCCEEDED');
      const run = await e2e.runs.getRun(runId);
      expect(run).toMatchObject({ status: 'REJECTED', outcome: { reason: 'APPROVAL_REJECTED' } });
      expect(observationsOf(await e2e.lineage.chain(runId))).toEqual([]);
      const issued = e2e.cloud.eventBridge.eventBridge
        .events({ detailType: 'RefundIssued' })
        .filter((r) => r.event.detail.runId === runId);
      expect(issued).toEqual([]);
    }, 90_000);

    it('fails to approve as someone who is not an approver, with one line saying so', async () => {
      const { runId, approvalId } = await pendingApproval(
        withIds(example('approval-large-refund'), freshIds()),
      );

      const result = await e2e.spawnCli([
        'approvals',
        'approve',
        approvalId,
        '--as',
        'mallory@acme.example',
        '--reason',
        'Looks fine to me.',
      ]);

      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual([
        `awf: approval "${approvalId}": "mallory@acme.example" is not an approver of workflow "${WORKFLOW}"`,
      ]);
      expect((await e2e.runs.getRun(runId))?.status).toBe('AWAITING_APPROVAL');
      // Leave nothing waiting: the last test checks that stop() ends everything.
      await e2e.cli(['approvals', 'reject', approvalId, '--as', APPROVER, '--reason', 'Test cleanup.']);
      await e2e.waitForRunStatus(runId, 'REJECTED');
    }, 90_000);
  });

  describe('delivery and deduplication', () => {
    it('puts the action events of a run on the sink exactly once', async () => {
      const eventId = await e2e.putCase(withIds(example('autonomous-small-refund'), freshIds()));
      const runId = runIdFor(WORKFLOW, eventId);
      await e2e.settledOf(eventId);
      await e2e.cloud.eventBridge.eventBridge.whenIdle();

      const sink = JSON.parse(await e2e.cli(['events', 'sink', '--json'])) as {
        'detail-type': string;
        detail: { runId?: string };
      }[];
      const ofRun = sink.filter((e) => e.detail.runId === runId).map((e) => e['detail-type']);

      expect(ofRun.sort()).toEqual(['RefundIssued', 'WorkflowCompleted']);
    }, 90_000);

    it('starts no second run for the same event delivered twice', async () => {
      const { detail } = withIds(example('autonomous-small-refund'), freshIds());
      await e2e.seedFacts(ORDERS_TABLE, [orderOf(detail)]);
      const event: BusEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'RefundRequested',
        source: 'acme.payments',
        account: e2e.cloud.state.accountId,
        time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: e2e.cloud.state.region,
        resources: [],
        detail,
      };
      const stateMachineArn = e2e.cloud.state.workflows[WORKFLOW]?.stateMachineArn;
      // PutEvents cannot set an event id; EventBridge's at-least-once delivery is two executions with one event.
      const starts = await Promise.all(
        ['first', 'second'].map((delivery) =>
          e2e.sfn.send(
            new StartExecutionCommand({
              stateMachineArn,
              name: `${delivery}-${event.id}`,
              input: JSON.stringify(event),
            }),
          ),
        ),
      );
      const ended = await Promise.all(
        starts.map(
          ({ executionArn }) => e2e.cloud.stepFunctions.stepFunctions.execution(executionArn ?? '').settled,
        ),
      );
      await e2e.cloud.eventBridge.eventBridge.whenIdle();

      const runId = runIdFor(WORKFLOW, event.id);
      const outputs = ended.map((e) => JSON.parse(e.output ?? '{}') as { outcome?: string });
      expect(ended.map((e) => e.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
      expect(outputs.map((o) => o.outcome).sort()).toEqual(['ADMITTED', 'DUPLICATE']);
      expect((await e2e.runs.getRun(runId))?.status).toBe('COMPLETED');
      const runsOfEntity = (await e2e.runs.listRuns({ workflowId: WORKFLOW, limit: 1000 })).filter(
        (r) => r.entityId === detail.orderId,
      );
      expect(runsOfEntity.map((r) => r.runId)).toEqual([runId]);
      expect(types(await e2e.lineage.chain(runId)).filter((t) => t === 'run.started')).toHaveLength(1);
      const refunds = e2e.cloud.eventBridge.eventBridge
        .events({ detailType: 'RefundIssued' })
        .filter((r) => r.event.detail.runId === runId);
      expect(refunds).toHaveLength(1);
    }, 90_000);

    it('rejects a malformed event with a lineage record naming the problems, and opens no run', async () => {
      const malformed = example('invalid-negative-amount');
      const eventId = await e2e.putEvent(malformed);
      const runId = runIdFor(WORKFLOW, eventId);

      const execution = await e2e.settledOf(eventId);

      expect(execution).toMatchObject({ status: 'FAILED', error: 'AWF.EventRejected' });
      expect(await e2e.runs.getRun(runId)).toBeUndefined();
      const [record, ...others] = await e2e.lineage.chain(runId);
      expect(others).toEqual([]);
      expect(record).toMatchObject({ type: 'event.rejected', actor: 'awf:admit', data: { eventId } });
      const problems = (record?.data.problems ?? []) as string[];
      expect(problems.some((p) => p.startsWith('detail.amount'))).toBe(true);
      expect(problems.some((p) => p.startsWith('detail.customerId'))).toBe(true);
    }, 90_000);
  });

  describe('an unreliable model', () => {
    it('is retried when it throttles, and the run completes', async () => {
      const before = e2e.cloud.bedrock.requestCounts()[WORKFLOW] ?? 0;
      const eventId = await e2e.putCase(
        withIds(example('autonomous-small-refund'), freshIds(THROTTLED_ORDER_PREFIX)),
      );
      const runId = runIdFor(WORKFLOW, eventId);

      const execution = await e2e.settledOf(eventId);

      expect(execution.status).toBe('SUCCEEDED');
      expect((await e2e.runs.getRun(runId))?.status).toBe('COMPLETED');
      // Two throttled requests, then the one planning round of a small refund (refund with finish).
      const requests = (e2e.cloud.bedrock.requestCounts()[WORKFLOW] ?? 0) - before;
      expect(requests).toBe(THROTTLES_PER_CASE + 1);
    }, 90_000);

    it('ends ESCALATED MODEL_UNAVAILABLE, naming the model and the fix, when the model reached its end of life', async () => {
      const eventId = await e2e.putCase(
        withIds(example('autonomous-small-refund'), freshIds(RETIRED_ORDER_PREFIX)),
      );
      const runId = runIdFor(WORKFLOW, eventId);

      const execution = await e2e.settledOf(eventId);

      expect(execution.status).toBe('SUCCEEDED');
      expect(await e2e.runs.getRun(runId)).toMatchObject({
        status: 'ESCALATED',
        outcome: { reason: 'MODEL_UNAVAILABLE' },
      });
      const escalated = (await e2e.lineage.chain(runId)).find((r) => r.type === 'run.escalated');
      expect(escalated?.data).toMatchObject({
        reason: 'MODEL_UNAVAILABLE',
        detail: { tried: [expect.objectContaining({ kind: 'end-of-life' })], fix: expect.any(String) },
      });
    }, 90_000);

    it('ends ESCALATED, not FAILED or hung, when the model keeps answering invalid output', async () => {
      const eventId = await e2e.putCase(
        withIds(example('autonomous-small-refund'), freshIds(GARBAGE_ORDER_PREFIX)),
      );
      const runId = runIdFor(WORKFLOW, eventId);

      const execution = await e2e.settledOf(eventId);

      expect(execution.status).toBe('SUCCEEDED');
      const run = await e2e.runs.getRun(runId);
      expect(run).toMatchObject({ status: 'ESCALATED', outcome: { reason: 'INVALID_MODEL_OUTPUT' } });
      const chain = types(await e2e.lineage.chain(runId));
      expect(chain).toContain('run.escalated');
      expect(chain).not.toContain('action.executed');
    }, 90_000);
  });

  describe('CLI output for scripts', () => {
    it('prints JSON that parses for runs, approvals, the audit trail and the sink, and the trail verifies', async () => {
      const { runId, approvalId } = await pendingApproval(
        withIds(example('approval-large-refund'), freshIds()),
      );

      const approvals = JSON.parse(await e2e.cli(['approvals', 'list', '--as', APPROVER, '--json'])) as {
        approvalId: string;
      }[];
      expect(approvals.map((a) => a.approvalId)).toContain(approvalId);
      expect(JSON.stringify(approvals)).not.toContain('taskToken');
      // Who the case names (the requester) is personal data the list does not show.
      expect(JSON.stringify(approvals)).not.toContain('excludedApprovers');
      expect(JSON.stringify(approvals)).not.toContain('carol@acme.example');

      await e2e.cli([
        'approvals',
        'approve',
        approvalId,
        '--as',
        APPROVER,
        '--reason',
        'Verified with carrier.',
      ]);
      await e2e.waitForRunStatus(runId, 'COMPLETED');

      const runs = JSON.parse(await e2e.cli(['runs', 'list', '--json'])) as {
        runId: string;
        status: string;
      }[];
      expect(runs).toContainEqual(expect.objectContaining({ runId, status: 'COMPLETED' }));
      const shown = JSON.parse(await e2e.cli(['runs', 'show', runId, '--json'])) as {
        status: string;
        approvals: { approvalId: string; status: string }[];
        observations: { action: string }[];
      };
      expect(shown).toMatchObject({
        status: 'COMPLETED',
        approvals: [{ approvalId, status: 'APPROVED' }],
        observations: [{ action: 'issueRefund' }],
      });
      const trail = JSON.parse(await e2e.cli(['audit', 'trail', runId, '--json'])) as {
        records: LineageRecord[];
        verification: { ok: boolean };
        forged: unknown[];
      };
      expect(trail.verification.ok).toBe(true);
      // Every record was MACed by its writer's Lambda with its record key in the local KMS.
      expect(trail.forged).toEqual([]);
      expect(trail.records.every((record) => /^[0-9a-f]{64}$/.test(record.mac ?? ''))).toBe(true);
      expect(types(trail.records)).toEqual(
        expect.arrayContaining(['run.started', 'approval.requested', 'approval.decided', 'run.completed']),
      );
      const sink = JSON.parse(await e2e.cli(['events', 'sink', '--json', '--all'])) as { source: string }[];
      expect(sink.map((e) => e.source)).toEqual(expect.arrayContaining(['acme.payments', `awf.${WORKFLOW}`]));
    }, 90_000);
  });

  describe('authenticated lineage', () => {
    it('reports an approval.decided put straight into the lineage table, hash correct but no valid MAC, as forged', async () => {
      const eventId = await e2e.putCase(withIds(example('autonomous-small-refund'), freshIds()));
      const runId = runIdFor(WORKFLOW, eventId);
      await e2e.waitForRunStatus(runId, 'COMPLETED');
      const chain = await e2e.lineage.chain(runId);
      const last = chain.at(-1) as LineageRecord;

      // What a principal allowed to put items in the table could write: well-formed, correctly chained and hashed.
      const forged = {
        type: 'approval.decided' as const,
        actor: 'human:mallory@acme.example',
        workflowId: last.workflowId,
        entityId: last.entityId,
        versions: last.versions,
        data: {
          approvalId: 'appr-forged',
          proposalId: 'prop-forged',
          action: 'issueRefund',
          decision: 'APPROVED',
          reason: 'Looks fine.',
          bindingHash: 'b'.repeat(64),
        },
        chainId: runId,
        seq: last.seq + 1,
        at: new Date().toISOString(),
        entityKey: last.entityKey,
        prevHash: last.hash,
      };
      const unsigned = { ...forged, hash: computeRecordHash(forged) };
      expect(await e2e.lineage.putIfAbsent(unsigned)).toBe(true);
      const invented = { ...forged, seq: last.seq + 2, prevHash: unsigned.hash };
      expect(
        await e2e.lineage.putIfAbsent({
          ...invented,
          hash: computeRecordHash(invented),
          mac: 'ab'.repeat(32),
        }),
      ).toBe(true);

      const result = await e2e.spawnCli(['audit', 'trail', runId, '--json']);
      expect(result.code).toBe(2);
      const trail = JSON.parse(result.stdout) as { forged: unknown[] };
      expect(trail.forged).toEqual([
        {
          seq: last.seq + 1,
          type: 'approval.decided',
          expectedWriter: 'decide-approval',
          problem:
            'forged: "approval.decided" record carries no MAC (unauthenticated); only the decide-approval step may write it',
        },
        {
          seq: last.seq + 2,
          type: 'approval.decided',
          expectedWriter: 'decide-approval',
          problem:
            'forged: the MAC of this "approval.decided" record does not verify under the record key of the decide-approval step, its only writer',
        },
      ]);
      const text = await e2e.spawnCli(['audit', 'trail', runId]);
      expect(text.stdout).toContain('FORGED RECORDS:');
      expect(text.stdout).toContain(`seq ${last.seq + 1} approval.decided (writer: decide-approval)`);
    }, 90_000);
  });

  describe('what a run asks of DynamoDB', () => {
    /**
     * The requests of one run on the autonomous path, by kind, as `npm run bench`
     * meters them: each is something the design asks for (a fresh read where a
     * step decides, a MAC'd lineage record per step, the claim of the
     * execution), so a new one should be a decision, not an accident.
     */
    const AUTONOMOUS_PATH_REQUESTS = {
      'BatchGetItem runs EXEC#+RUN#+SWITCH#+WORKFLOW#': 1,
      'BatchGetItem runs RUN#+SWITCH#+WORKFLOW#': 1,
      [`GetItem ${ORDERS_TABLE}`]: 3,
      'GetItem runs RUN#': 2,
      'GetItem runs SWITCH#': 1,
      'PutItem lineage': 7,
      'PutItem runs HISTORY#': 1,
      'PutItem runs REQUEST#': 1,
      'PutItem runs RUN#': 1,
      'Query lineage': 5,
      'Query runs HISTORY#': 2,
      'TransactWriteItems runs EXEC#+LEDGER#': 1,
      'UpdateItem runs EXEC#': 1,
      'UpdateItem runs RUN#': 1,
    };
    /** The steps an autonomous run invokes, each once. */
    const AUTONOMOUS_PATH_STEPS = ['admit', 'ground', 'plan', 'gate', 'act', 'complete'];
    const METERED_RUNS = 2;

    it('makes 28 requests on the autonomous path, of the kinds the design asks for', async () => {
      const { host } = e2e.cloud.lambda;
      const functions = e2e.cloud.topology.workflows[WORKFLOW]?.functions ?? {};
      const expectedInvocations = AUTONOMOUS_PATH_STEPS.map((step) => functions[step] ?? step)
        .flatMap((name) => Array<string>(METERED_RUNS).fill(name))
        .sort();
      const invocations = jest.spyOn(host, 'invokeRaw');
      const invoked = () => invocations.mock.calls.map(([target]) => host.findFunction(target).functionName);
      try {
        // A scheduled function (the lineage checkpointer, a reminder) may call DynamoDB while the
        // runs do: a window in which anything but the runs' own steps ran is measured again.
        for (let window = 1; ; window++) {
          let counted: string[] = [];
          const perRun = await meterDynamoDbPerRun(e2e.cloud, METERED_RUNS, async (runs) => {
            invocations.mockClear();
            const eventIds = await Promise.all(
              Array.from({ length: runs }, () =>
                e2e.putCase(withIds(example('autonomous-small-refund'), freshIds())),
              ),
            );
            await Promise.all(eventIds.map((eventId) => e2e.settledOf(eventId)));
            counted = invoked().sort();
          });
          if (window < 3 && JSON.stringify(counted) !== JSON.stringify(expectedInvocations)) continue;
          expect(counted).toEqual(expectedInvocations);
          expect(perRun.dynamodbRequestsPerRun).toEqual({ total: 28, byKind: AUTONOMOUS_PATH_REQUESTS });
          expect(perRun.dynamodbErrorsPerRun?.total).toBe(0);
          return;
        }
      } finally {
        invocations.mockRestore();
      }
    }, 180_000);
  });

  describe('stopping', () => {
    it('stops every process, server and worker it started, and removes local.json', async () => {
      const { cloud } = e2e;
      const endpoints = Object.values(cloud.state.endpoints);

      await e2e.stop();

      expect(isProcessRunning(cloud.dynamodb.pid)).toBe(false);
      expect(await Promise.all(endpoints.map(listens))).toEqual(endpoints.map(() => false));
      expect(existsSync(localStatePath(e2e.stateDir))).toBe(false);
      // Sockets the far end closed are released on the next turns of the event loop.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const grown = Object.entries(liveHandles()).filter(
        ([kind, count]) => count > (handlesBefore[kind] ?? 0),
      );
      expect(grown).toEqual([]);
    }, 60_000);
  });
});
