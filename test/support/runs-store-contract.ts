/**
 * The behaviour every RunsStore must have, as a reusable suite: run against the
 * in-memory fake and the DynamoDB adapter, it keeps the fake honest.
 *
 * Each test uses ids of its own, so one table can serve the whole suite.
 */

import type { FollowUpRecord, RunsStore } from '../../core/runs/records.js';
import type { Observation } from '../../core/steps/contracts.js';
import { anApprovalRecord, aRunRecord } from './run-builders.js';

let counter = 0;
/** Ids no other test of this process uses. */
function fresh(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${counter}`;
}

const anObservation = (proposalId: string, extra: Record<string, unknown> = {}): Observation => ({
  proposalId,
  action: 'issueRefund',
  status: 'EXECUTED',
  result: { eventId: `evt-${proposalId}`, ...extra },
});

/** Declares the RunsStore contract tests for the store `make` returns (called once per test). */
export function describeRunsStoreContract(make: () => RunsStore): void {
  describe('runs', () => {
    it('creates a run once and refuses a duplicate without overwriting it', async () => {
      const store = make();
      const run = aRunRecord({ runId: fresh('run') });
      expect(await store.createRun(run)).toBe(true);
      expect(await store.createRun({ ...run, executionId: 'another-execution' })).toBe(false);
      expect(await store.getRun(run.runId)).toEqual(run);
    });

    it('returns undefined for an unknown run', async () => {
      expect(await make().getRun(fresh('run'))).toBeUndefined();
    });

    it('changes the status of a running run, then refuses to change it once terminal', async () => {
      const store = make();
      const run = aRunRecord({ runId: fresh('run') });
      await store.createRun(run);
      expect(
        await store.setRunStatus(run.runId, { status: 'AWAITING_APPROVAL', at: '2026-11-02T14:22:00.000Z' }),
      ).toBe(true);
      const completed = {
        status: 'COMPLETED' as const,
        at: '2026-11-02T14:30:00.000Z',
        endedAt: '2026-11-02T14:30:00.000Z',
        cycleTimeMs: 540_000,
        outcome: { summary: 'refunded 45.50 USD' },
      };
      expect(await store.setRunStatus(run.runId, completed)).toBe(true);
      expect(await store.setRunStatus(run.runId, { status: 'FAILED', at: '2026-11-02T14:31:00.000Z' })).toBe(
        false,
      );
      expect(await store.getRun(run.runId)).toEqual({
        ...run,
        status: 'COMPLETED',
        updatedAt: '2026-11-02T14:30:00.000Z',
        endedAt: '2026-11-02T14:30:00.000Z',
        cycleTimeMs: 540_000,
        outcome: { summary: 'refunded 45.50 USD' },
      });
    });

    it('refuses a status change of an unknown run', async () => {
      expect(
        await make().setRunStatus(fresh('run'), { status: 'FAILED', at: '2026-11-02T14:31:00.000Z' }),
      ).toBe(false);
    });

    it('lists the runs of a workflow newest first, by status and up to a limit', async () => {
      const store = make();
      const workflowId = fresh('wf');
      const older = aRunRecord({ runId: fresh('run'), workflowId, startedAt: '2026-11-01T10:00:00.000Z' });
      const newer = aRunRecord({ runId: fresh('run'), workflowId, startedAt: '2026-11-02T10:00:00.000Z' });
      const newest = aRunRecord({ runId: fresh('run'), workflowId, startedAt: '2026-11-03T10:00:00.000Z' });
      const elsewhere = aRunRecord({ runId: fresh('run'), workflowId: fresh('wf') });
      for (const run of [newer, older, elsewhere, newest]) await store.createRun(run);
      await store.setRunStatus(newer.runId, { status: 'COMPLETED', at: '2026-11-02T11:00:00.000Z' });

      expect((await store.listRuns({ workflowId })).map((r) => r.runId)).toEqual([
        newest.runId,
        newer.runId,
        older.runId,
      ]);
      expect((await store.listRuns({ workflowId, status: 'RUNNING' })).map((r) => r.runId)).toEqual([
        newest.runId,
        older.runId,
      ]);
      expect((await store.listRuns({ workflowId, limit: 2 })).map((r) => r.runId)).toEqual([
        newest.runId,
        newer.runId,
      ]);
      expect((await store.listRuns({ workflowId, status: 'RUNNING', limit: 1 })).map((r) => r.runId)).toEqual(
        [newest.runId],
      );
    });

    it('lists runs of every workflow when no workflow is given', async () => {
      const store = make();
      const a = aRunRecord({ runId: fresh('run'), workflowId: fresh('wf') });
      const b = aRunRecord({ runId: fresh('run'), workflowId: fresh('wf') });
      await store.createRun(a);
      await store.createRun(b);
      const ids = (await store.listRuns({})).map((r) => r.runId);
      expect(ids).toEqual(expect.arrayContaining([a.runId, b.runId]));
    });
  });

  describe('approvals', () => {
    it('stores an approval once and reads it back whole', async () => {
      const store = make();
      const approval = anApprovalRecord({ approvalId: fresh('appr'), runId: fresh('run') });
      expect(await store.putApproval(approval)).toBe(true);
      expect(await store.putApproval({ ...approval, taskToken: 'token-2' })).toBe(false);
      expect(await store.getApproval(approval.approvalId)).toEqual(approval);
    });

    it('decides a pending approval once; a second decision is refused and changes nothing', async () => {
      const store = make();
      const approval = anApprovalRecord({ approvalId: fresh('appr'), runId: fresh('run') });
      await store.putApproval(approval);
      const decided = await store.decideApproval(approval.approvalId, {
        status: 'APPROVED',
        at: '2026-11-02T15:00:00.000Z',
        by: 'alice@acme.example',
        reason: 'photos confirm the damage',
      });
      expect(decided).toEqual({
        ...approval,
        status: 'APPROVED',
        decidedAt: '2026-11-02T15:00:00.000Z',
        decidedBy: 'alice@acme.example',
        reason: 'photos confirm the damage',
      });
      const second = await store.decideApproval(approval.approvalId, {
        status: 'REJECTED',
        at: '2026-11-02T15:01:00.000Z',
        by: 'bob@acme.example',
        reason: 'too late',
      });
      expect(second).toBeUndefined();
      expect(await store.getApproval(approval.approvalId)).toEqual(decided);
    });

    it('lets exactly one of two concurrent decisions win', async () => {
      const store = make();
      const approval = anApprovalRecord({ approvalId: fresh('appr'), runId: fresh('run') });
      await store.putApproval(approval);
      const decide = (by: string) =>
        store.decideApproval(approval.approvalId, {
          status: 'APPROVED',
          at: '2026-11-02T15:00:00.000Z',
          by,
          reason: 'ok',
        });
      const results = await Promise.all([decide('alice@acme.example'), decide('bob@acme.example')]);
      expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    });

    it('refuses to decide an unknown approval', async () => {
      const decision = {
        status: 'EXPIRED' as const,
        at: '2026-11-02T15:00:00.000Z',
        by: 'awf:escalate',
        reason: 'x',
      };
      expect(await make().decideApproval(fresh('appr'), decision)).toBeUndefined();
    });

    it('lists the pending approvals of a workflow oldest first, without decided ones or other workflows', async () => {
      const store = make();
      const workflowId = fresh('wf');
      const later = anApprovalRecord({
        approvalId: fresh('appr'),
        runId: fresh('run'),
        workflowId,
        requestedAt: '2026-11-02T16:00:00.000Z',
      });
      const earlier = anApprovalRecord({
        approvalId: fresh('appr'),
        runId: fresh('run'),
        workflowId,
        requestedAt: '2026-11-02T15:00:00.000Z',
      });
      const decided = anApprovalRecord({ approvalId: fresh('appr'), runId: fresh('run'), workflowId });
      const elsewhere = anApprovalRecord({
        approvalId: fresh('appr'),
        runId: fresh('run'),
        workflowId: fresh('wf'),
      });
      for (const approval of [later, earlier, decided, elsewhere]) await store.putApproval(approval);
      await store.decideApproval(decided.approvalId, {
        status: 'REJECTED',
        at: '2026-11-02T15:30:00.000Z',
        by: 'alice@acme.example',
        reason: 'no',
      });

      expect((await store.listPendingApprovals({ workflowId })).map((a) => a.approvalId)).toEqual([
        earlier.approvalId,
        later.approvalId,
      ]);
      const all = (await store.listPendingApprovals()).map((a) => a.approvalId);
      expect(all).toEqual(
        expect.arrayContaining([earlier.approvalId, later.approvalId, elsewhere.approvalId]),
      );
      expect(all).not.toContain(decided.approvalId);
    });

    it('lists every approval of a run, decided or not, and only of that run', async () => {
      const store = make();
      const runId = fresh('run');
      const first = anApprovalRecord({
        approvalId: fresh('appr'),
        runId,
        requestedAt: '2026-11-02T15:00:00.000Z',
      });
      const second = anApprovalRecord({
        approvalId: fresh('appr'),
        runId,
        requestedAt: '2026-11-02T15:05:00.000Z',
      });
      const otherRun = anApprovalRecord({ approvalId: fresh('appr'), runId: fresh('run') });
      for (const approval of [second, otherRun, first]) await store.putApproval(approval);
      await store.decideApproval(first.approvalId, {
        status: 'APPROVED',
        at: '2026-11-02T15:10:00.000Z',
        by: 'alice@acme.example',
        reason: 'ok',
      });
      const approvals = await store.listApprovalsOfRun(runId);
      expect(approvals.map((a) => [a.approvalId, a.status])).toEqual([
        [first.approvalId, 'APPROVED'],
        [second.approvalId, 'PENDING'],
      ]);
    });

    it('keeps the last reminder of an approval apart from the approval, which it leaves as it was', async () => {
      const store = make();
      const approval = anApprovalRecord({ approvalId: fresh('appr'), runId: fresh('run') });
      await store.putApproval(approval);
      const before = await store.getApproval(approval.approvalId);
      expect(await store.lastReminderAt(approval.approvalId)).toBeUndefined();
      await store.markReminded(approval.approvalId, '2026-11-02T18:21:00.000Z');
      expect(await store.lastReminderAt(approval.approvalId)).toBe('2026-11-02T18:21:00.000Z');
      expect(await store.getApproval(approval.approvalId)).toEqual(before);
      expect(await store.listPendingApprovals({ workflowId: approval.workflowId })).toContainEqual(before);
    });

    it('moves the last reminder forward only', async () => {
      const store = make();
      const approvalId = fresh('appr');
      await store.markReminded(approvalId, '2026-11-02T18:21:00.000Z');
      await store.markReminded(approvalId, '2026-11-02T14:21:00.000Z');
      await store.markReminded(approvalId, '2026-11-02T18:21:00.000Z');
      expect(await store.lastReminderAt(approvalId)).toBe('2026-11-02T18:21:00.000Z');
      await store.markReminded(approvalId, '2026-11-02T22:21:00.000Z');
      expect(await store.lastReminderAt(approvalId)).toBe('2026-11-02T22:21:00.000Z');
      expect(await store.lastReminderAt(fresh('appr'))).toBeUndefined();
    });

    it('replaces the task token of a pending approval only', async () => {
      const store = make();
      const approval = anApprovalRecord({ approvalId: fresh('appr'), runId: fresh('run') });
      await store.putApproval(approval);
      expect(await store.refreshApprovalToken(approval.approvalId, 'token-2')).toBe(true);
      expect((await store.getApproval(approval.approvalId))?.taskToken).toBe('token-2');
      await store.decideApproval(approval.approvalId, {
        status: 'APPROVED',
        at: '2026-11-02T15:00:00.000Z',
        by: 'alice@acme.example',
        reason: 'ok',
      });
      expect(await store.refreshApprovalToken(approval.approvalId, 'token-3')).toBe(false);
      expect((await store.getApproval(approval.approvalId))?.taskToken).toBe('token-2');
      expect(await store.refreshApprovalToken(fresh('appr'), 'token-4')).toBe(false);
    });
  });

  describe('action executions', () => {
    it('lets the first claim win and shows later claims the record, in progress then completed', async () => {
      const store = make();
      const key = fresh('exec');
      expect(await store.claimExecution(key, '2026-11-02T14:25:00.000Z')).toEqual({ claimed: true });
      expect(await store.claimExecution(key, '2026-11-02T14:26:00.000Z')).toEqual({
        claimed: false,
        record: { key, status: 'IN_PROGRESS', startedAt: '2026-11-02T14:25:00.000Z' },
      });
      const observation = anObservation('prop-1');
      const clearance = { decision: 'REQUIRE_APPROVAL' as const, approvalId: 'appr-1' };
      await store.completeExecution(key, observation, clearance);
      expect(await store.claimExecution(key, '2026-11-02T14:27:00.000Z')).toEqual({
        claimed: false,
        record: { key, status: 'COMPLETED', startedAt: '2026-11-02T14:25:00.000Z', observation, clearance },
      });
    });

    it('lets exactly one of many concurrent claims win', async () => {
      const store = make();
      const key = fresh('exec');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => store.claimExecution(key, '2026-11-02T14:25:00.000Z')),
      );
      expect(results.filter((r) => r.claimed)).toHaveLength(1);
    });

    it('fails to complete an execution that was never claimed', async () => {
      await expect(
        make().completeExecution(fresh('exec'), anObservation('prop-1'), { decision: 'ALLOW' }),
      ).rejects.toThrow(/was never claimed/);
    });
  });

  describe('autonomy', () => {
    it('keeps the latest autonomy level of an action', async () => {
      const store = make();
      const workflowId = fresh('wf');
      expect(await store.getAutonomy(workflowId, 'issueRefund')).toBeUndefined();
      const supervised = {
        workflowId,
        action: 'issueRefund',
        level: 'supervised' as const,
        since: '2026-11-01T00:00:00.000Z',
        reason: 'override rate 0.2 above 0.1',
      };
      await store.putAutonomy(supervised);
      await store.putAutonomy({ ...supervised, level: 'autonomous', since: '2026-12-01T00:00:00.000Z' });
      expect(await store.getAutonomy(workflowId, 'issueRefund')).toEqual({
        ...supervised,
        level: 'autonomous',
        since: '2026-12-01T00:00:00.000Z',
      });
      expect(await store.getAutonomy(workflowId, 'denyRefund')).toBeUndefined();
    });
  });

  describe('decision controls', () => {
    const aSwitch = (workflowId: string, mode: 'halt' | 'approve-all' = 'halt') => ({
      workflowId,
      mode,
      since: '2026-12-01T00:00:00.000Z',
      reason: 'refunds paused during the payments incident',
      by: 'ops@example.com',
    });

    it('reads neither when no operator set the switch or an autonomy level', async () => {
      expect(await make().getDecisionControls(fresh('wf'), 'issueRefund')).toEqual({
        switch: undefined,
        autonomy: undefined,
      });
    });

    it("reads the workflow's switch and the asked action's autonomy together, as last set", async () => {
      const store = make();
      const workflowId = fresh('wf');
      const autonomy = {
        workflowId,
        action: 'issueRefund',
        level: 'supervised' as const,
        since: '2026-11-01T00:00:00.000Z',
        reason: 'override rate 0.2 above 0.1',
      };
      await store.putAutonomy(autonomy);
      await store.putAutonomy({ ...autonomy, action: 'denyRefund', level: 'autonomous' });
      await store.putSwitch(aSwitch(workflowId, 'approve-all'));
      await store.putSwitch(aSwitch(workflowId, 'halt'));
      await store.putSwitch(aSwitch(fresh('wf'), 'approve-all'));
      expect(await store.getDecisionControls(workflowId, 'issueRefund')).toEqual({
        switch: aSwitch(workflowId, 'halt'),
        autonomy,
      });
    });

    it('reads the switch alone when no action is asked for, and for an action with no level', async () => {
      const store = make();
      const workflowId = fresh('wf');
      await store.putSwitch(aSwitch(workflowId));
      await store.putAutonomy({
        workflowId,
        action: 'issueRefund',
        level: 'supervised',
        since: '2026-11-01T00:00:00.000Z',
        reason: 'override rate 0.2 above 0.1',
      });
      expect(await store.getDecisionControls(workflowId, undefined)).toEqual({
        switch: aSwitch(workflowId),
        autonomy: undefined,
      });
      expect(await store.getDecisionControls(workflowId, 'denyRefund')).toEqual({
        switch: aSwitch(workflowId),
        autonomy: undefined,
      });
    });

    it('reads a run with the decision controls of an action, and no run for an unknown id', async () => {
      const store = make();
      const run = aRunRecord({ runId: fresh('run'), workflowId: fresh('wf') });
      await store.createRun(run);
      const autonomy = {
        workflowId: run.workflowId,
        action: 'issueRefund',
        level: 'shadow' as const,
        since: '2026-11-01T00:00:00.000Z',
        reason: 'new policy on trial',
      };
      await store.putAutonomy(autonomy);
      await store.putSwitch(aSwitch(run.workflowId, 'approve-all'));
      expect(await store.getRunWithDecisionControls(run.runId, run.workflowId, 'issueRefund')).toEqual({
        run,
        switch: aSwitch(run.workflowId, 'approve-all'),
        autonomy,
      });
      expect(await store.getRunWithDecisionControls(run.runId, run.workflowId, undefined)).toEqual({
        run,
        switch: aSwitch(run.workflowId, 'approve-all'),
        autonomy: undefined,
      });
      expect(await store.getRunWithDecisionControls(fresh('run'), fresh('wf'), 'issueRefund')).toEqual({
        run: undefined,
        switch: undefined,
        autonomy: undefined,
      });
    });

    it('reads the execution of a key with the run and its controls, as getExecution reads it', async () => {
      const store = make();
      const run = aRunRecord({ runId: fresh('run'), workflowId: fresh('wf') });
      await store.createRun(run);
      const key = fresh('exec');
      const unclaimed = await store.getRunWithDecisionControls(run.runId, run.workflowId, 'issueRefund', key);
      expect(unclaimed.run).toEqual(run);
      expect(unclaimed.execution).toBeUndefined();

      await store.claimExecution(key, '2026-11-02T14:25:00.000Z');
      const inProgress = await store.getRunWithDecisionControls(
        run.runId,
        run.workflowId,
        'issueRefund',
        key,
      );
      expect(inProgress.execution).toEqual({
        key,
        status: 'IN_PROGRESS',
        startedAt: '2026-11-02T14:25:00.000Z',
      });

      await store.completeExecution(key, anObservation('prop-1'), { decision: 'ALLOW' });
      // Without an action too: the positions of what is read do not shift.
      const completed = await store.getRunWithDecisionControls(run.runId, run.workflowId, undefined, key);
      expect(completed).toEqual({
        run,
        switch: undefined,
        autonomy: undefined,
        execution: await store.getExecution(key),
      });
      expect(completed.execution?.status).toBe('COMPLETED');
      expect(
        (await store.getRunWithDecisionControls(run.runId, run.workflowId, 'issueRefund')).execution,
      ).toBeUndefined();
    });
  });

  describe('history', () => {
    it('counts the executions of an action for a key since a time, inclusive', async () => {
      const store = make();
      const workflowId = fresh('wf');
      await store.recordHistory(workflowId, 'cus_1', 'issueRefund', '2026-10-01T00:00:00.000Z');
      await store.recordHistory(workflowId, 'cus_1', 'issueRefund', '2026-11-01T00:00:00.000Z');
      await store.recordHistory(workflowId, 'cus_1', 'issueRefund', '2026-11-01T00:00:00.000Z');
      await store.recordHistory(workflowId, 'cus_1', 'denyRefund', '2026-11-01T00:00:00.000Z');
      await store.recordHistory(workflowId, 'cus_2', 'issueRefund', '2026-11-01T00:00:00.000Z');
      await store.recordHistory(fresh('wf'), 'cus_1', 'issueRefund', '2026-11-01T00:00:00.000Z');
      expect(
        (await store.listHistory(workflowId, 'cus_1', 'issueRefund', '2026-11-01T00:00:00.000Z')).length,
      ).toBe(2);
      expect(
        (await store.listHistory(workflowId, 'cus_1', 'issueRefund', '2026-09-01T00:00:00.000Z')).length,
      ).toBe(3);
      expect(
        (await store.listHistory(workflowId, 'cus_3', 'issueRefund', '2026-09-01T00:00:00.000Z')).length,
      ).toBe(0);
    });
  });

  describe('follow-ups', () => {
    const aFollowUp = (runId: string, dueAt: string): FollowUpRecord => ({
      followUpId: fresh('fu'),
      workflowId: 'access-grants',
      runId,
      entityId: 'req-1',
      workflowVersion: '0.1.0',
      action: 'revokeAccess',
      after: { action: 'grantAccess', proposalId: 'prop-1', executionKey: 'exec-1' },
      input: { requestId: 'req-1', system: 'billing', level: 'read' },
      dueAt,
      scheduledAt: '2026-11-02T14:00:00.000Z',
      scheduleName: 'fu-1',
      status: 'PENDING',
    });

    it('stores a follow-up once and lists those of a run by due time', async () => {
      const store = make();
      const runId = fresh('run');
      const later = aFollowUp(runId, '2026-11-03T14:00:00.000Z');
      const sooner = aFollowUp(runId, '2026-11-02T22:00:00.000Z');
      expect(await store.putFollowUp(later)).toBe(true);
      expect(await store.putFollowUp({ ...later, dueAt: '2026-12-01T00:00:00.000Z' })).toBe(false);
      await store.putFollowUp(sooner);
      await store.putFollowUp(aFollowUp(fresh('run'), '2026-11-02T20:00:00.000Z'));
      expect(await store.getFollowUp(later.followUpId)).toEqual(later);
      expect(await store.listFollowUpsOfRun(runId)).toEqual([sooner, later]);
      expect(await store.getFollowUp(fresh('fu'))).toBeUndefined();
    });

    it('ends a pending follow-up once, and notes a cancellation only while it is pending', async () => {
      const store = make();
      const followUp = aFollowUp(fresh('run'), '2026-11-02T22:00:00.000Z');
      await store.putFollowUp(followUp);
      expect(await store.noteFollowUpCancellation(followUp.followUpId, 'appr-1')).toBe(true);
      expect(
        await store.endFollowUp(followUp.followUpId, { status: 'DONE', at: '2026-11-02T22:00:01.000Z' }),
      ).toBe(true);
      expect(
        await store.endFollowUp(followUp.followUpId, { status: 'CANCELLED', at: '2026-11-02T22:00:02.000Z' }),
      ).toBe(false);
      expect(await store.noteFollowUpCancellation(followUp.followUpId, 'appr-2')).toBe(false);
      expect(await store.getFollowUp(followUp.followUpId)).toEqual({
        ...followUp,
        cancellationApprovalId: 'appr-1',
        status: 'DONE',
        endedAt: '2026-11-02T22:00:01.000Z',
      });
      expect(await store.endFollowUp(fresh('fu'), { status: 'DONE', at: '2026-11-02T22:00:00.000Z' })).toBe(
        false,
      );
    });
  });
}
