/**
 * `awf packs test`: every example of every discovered pack runs through the
 * real state machine and steps on a virtual clock; waits take no real time;
 * approvals are decided through the real decide step; a mismatch is reported
 * and fails the command.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { testPacks } from '../../../cli/commands/packs.js';
import { WorkflowSpecError } from '../../../core/errors.js';
import { parseExampleEvent } from '../../../core/workflow/example-event.js';
import { createPackTester, type PackTester } from '../../../local/pack-test/pack-tester.js';
import {
  discoverWorkflowPacks,
  type ExampleEvent,
  type LocatedWorkflowPack,
  loadExampleEvents,
  WORKFLOWS_DIR,
} from '../../../workflows/discover.js';
import {
  type WorkflowsOutsideRepo,
  withoutStdout,
  workflowsOutsideRepo,
} from '../../support/outside-workflows.js';
import { loadReferencePack, REFERENCE_WORKFLOW_ID } from '../../support/packs.js';

let located: LocatedWorkflowPack[];
let refundTriage: PackTester;
let largeRefund: ExampleEvent;

beforeAll(async () => {
  located = await discoverWorkflowPacks();
  const reference = await loadReferencePack();
  refundTriage = await createPackTester(reference.pack, reference.dir);
  const example = loadExampleEvents(reference.dir).find((e) => e.name === 'approval-large-refund');
  if (!example) throw new Error('expected the approval-large-refund example');
  largeRefund = example;
});

describe('every discovered pack', () => {
  it('ends each of its examples as the example expects', async () => {
    for (const { pack, dir } of located) {
      const tester = await createPackTester(pack, dir);
      const examples = loadExampleEvents(dir);
      expect(examples.length).toBeGreaterThan(0);
      for (const example of examples) {
        const result = await tester.run(example);
        expect({ pack: pack.spec.id, example: example.name, mismatches: result.mismatches }).toEqual({
          pack: pack.spec.id,
          example: example.name,
          mismatches: [],
        });
      }
    }
  });
});

describe('the pack tester', () => {
  it('drives an approval nobody decides to its timeout on the virtual clock: escalated, nothing run', async () => {
    const result = await refundTriage.run({ ...largeRefund, approvals: ['no-decision'] });
    expect(result.actual).toEqual({ outcome: 'REQUIRE_APPROVAL', status: 'ESCALATED', actions: [] });
    // The approval timeout of refund-triage is 24 hours: the wait ends then, no heartbeat needed.
    expect(result.virtualMs).toBe(24 * 3600_000);
    expect(refundTriage.lineage.map((r) => r.type)).toContain('approval.expired');
    // Reminded every 4 hours of the wait: at 4h, 8h, 12h, 16h and 20h.
    expect(refundTriage.events.filter((e) => e.detailType === 'ApprovalReminder')).toHaveLength(5);
    expect(result.passed).toBe(false);
  });

  it('refuses a pack whose policies synth would refuse, though the steps themselves do not validate them', async () => {
    const reference = await loadReferencePack();
    const misspelt =
      '@id("refund-misspelt")\npermit (principal, action == Awf::Action::"issueRefund", resource)\nwhen { context.input.amonut < decimal("10.0") };';
    const pack = { ...reference.pack, policies: `${reference.pack.policies}\n${misspelt}\n` };
    await expect(createPackTester(pack, reference.dir)).rejects.toThrow(WorkflowSpecError);
    await expect(createPackTester(pack, reference.dir)).rejects.toThrow(/policy "refund-misspelt".*amonut/);
  });

  it('decides when the example says, and runs the action once approved', async () => {
    const result = await refundTriage.run({
      ...largeRefund,
      approvals: [{ decision: 'APPROVE', after: '5h', reason: 'Carrier confirmed the loss.' }],
    });
    expect(result).toMatchObject({ passed: true, virtualMs: 5 * 3600_000 });
    const decided = refundTriage.lineage.find((r) => r.type === 'approval.decided');
    expect(decided?.data).toMatchObject({ decision: 'APPROVED', reason: 'Carrier confirmed the loss.' });
  });

  it('lets a decision that comes after the timeout find the run ended, and runs the next example clean', async () => {
    const late = await refundTriage.run({
      ...largeRefund,
      approvals: [{ decision: 'APPROVE', after: '30h' }],
    });
    expect(late.actual).toEqual({ outcome: 'REQUIRE_APPROVAL', status: 'ESCALATED', actions: [] });
    expect(late.virtualMs).toBe(24 * 3600_000);
    const next = await refundTriage.run(largeRefund);
    expect(next.passed).toBe(true);
  });

  it('ends a rejected approval REJECTED with nothing executed', async () => {
    const result = await refundTriage.run({ ...largeRefund, approvals: [{ decision: 'REJECT' }] });
    expect(result.actual).toEqual({ outcome: 'REQUIRE_APPROVAL', status: 'REJECTED', actions: [] });
  });

  it('honours separation of duties: the requester may not approve, and the default approver is one who may', async () => {
    // carol@acme.example filed this request (detail.requestedBy).
    const refused = await refundTriage.run({
      ...largeRefund,
      approvals: [{ decision: 'APPROVE', approver: 'carol@acme.example' }],
    });
    expect(refused.mismatches[0]).toMatch(/was refused: .*carol@acme.example/);
    expect(refused.actual.actions).toEqual([]);

    const byDefault = await refundTriage.run(largeRefund);
    expect(byDefault.passed).toBe(true);
    const decided = refundTriage.lineage.find((r) => r.type === 'approval.decided');
    expect(decided?.actor).not.toBe('human:carol@acme.example');
  });

  it("takes the event's time from the example, as the event's time and the steps' clock", async () => {
    const result = await refundTriage.run({ ...largeRefund, time: '2026-11-05T08:30:00Z' });
    expect(result.mismatches).toEqual([]);
    const started = refundTriage.lineage.find((r) => r.type === 'run.started');
    expect(started?.at).toBe('2026-11-05T08:30:00.000Z');
    expect(started?.data).toMatchObject({ eventTime: '2026-11-05T08:30:00.000Z' });
  });
});

describe('awf packs test', () => {
  let outside: WorkflowsOutsideRepo;
  beforeEach(() => {
    outside = workflowsOutsideRepo('packs');
    cpSync(join(WORKFLOWS_DIR, REFERENCE_WORKFLOW_ID), join(outside.workflowsDir, REFERENCE_WORKFLOW_ID), {
      recursive: true,
    });
  });
  afterEach(() => {
    outside.remove();
    process.exitCode = undefined;
  });

  it('exits 1 and names what differs when an example ends otherwise than it expects', async () => {
    const file = join(outside.workflowsDir, REFERENCE_WORKFLOW_ID, 'events', 'autonomous-small-refund.json');
    const example = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...example, expect: { ...example.expect, outcome: 'DENY' } }));

    const lines = await withoutStdout(() => testPacks({ dir: outside.workflowsDir, json: true }));

    expect(process.exitCode).toBe(1);
    expect(lines.find((l) => l.example === 'autonomous-small-refund')?.mismatches).toEqual([
      'outcome: expected DENY, got ALLOW',
    ]);
    expect(lines.filter((l) => l.passed)).toHaveLength(lines.length - 1);
  });

  it('fails naming the packs there are when --pack names none of them', async () => {
    await expect(testPacks({ dir: outside.workflowsDir, pack: 'refund-triag' })).rejects.toThrow(
      `no pack "refund-triag"; the packs are: ${REFERENCE_WORKFLOW_ID}`,
    );
  });

  it('refuses an example file with a bad field, naming the file and the field', () => {
    expect(() =>
      parseExampleEvent('refund-triage', 'late', {
        expect: { outcome: 'MAYBE', status: null, actions: [] },
        time: 'tomorrow',
        source: 'acme.payments',
        'detail-type': 'RefundRequested',
        detail: {},
      }),
    ).toThrow(WorkflowSpecError);
    try {
      parseExampleEvent('refund-triage', 'late', { expect: { outcome: 'MAYBE', status: null, actions: [] } });
    } catch (error) {
      expect((error as WorkflowSpecError).problems).toEqual(
        expect.arrayContaining([expect.stringMatching(/^events\/late\.json: expect\.outcome: /)]),
      );
    }
  });
});
