/**
 * Every execution ends in a recorded run state, in the local cloud: stopping
 * an execution through the real Step Functions API sends its status change to
 * the default bus, whose rule runs the reconcile function; the run ends
 * ABORTED with `run.closed` and its approval expired, and the sweep finds
 * nothing more to do.
 *
 * On the same cloud, the operator's side of a run's life: after runs end no
 * runs-table item keeps the customer's contact, and the kill switch set
 * through its function (approve-all) sends what would run on its own to a
 * human, until it is released.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { runIdFor } from '../../core/ids.js';
import { verifyChain } from '../../core/lineage/verify.js';
import { localClientConfig } from '../../local/process/aws-env.js';
import { loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import { type E2eCloud, startE2eCloud, waitFor, withIds } from '../support/local-cloud.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';

const WORKFLOW = REFERENCE_WORKFLOW_ID;
const EXAMPLES = loadExampleEvents(`${WORKFLOWS_DIR}/${WORKFLOW}`);
const LARGE_REFUND = EXAMPLES.find((e) => e.name === 'approval-large-refund');
const SMALL_REFUND = EXAMPLES.find((e) => e.name === 'autonomous-small-refund');
/** The reference pack's owner contact: the local cloud's operator of the workflow. */
const OPERATOR = 'payments-ops@acme.example';

let e2e: E2eCloud;

beforeAll(async () => {
  e2e = await startE2eCloud();
}, 240_000);

afterAll(async () => {
  await e2e?.stop();
});

it('closes a run whose execution an operator stopped: ABORTED, run.closed, approval expired, once', async () => {
  if (!LARGE_REFUND) throw new Error('no approval-large-refund example');
  const event = withIds(LARGE_REFUND, { orderId: 'ord_e2estop1', customerId: 'cus_e2estop1' });
  const eventId = await e2e.putCase(event);
  const runId = runIdFor(WORKFLOW, eventId);
  await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL');
  const execution = await e2e.executionOf(eventId);

  await e2e.sfn.send(
    new StopExecutionCommand({ executionArn: execution.executionArn, error: 'Ops.Stop', cause: 'stuck' }),
  );

  const closed = await e2e.waitForRunStatus(runId, 'ABORTED');
  expect(closed.outcome).toMatchObject({ reason: 'EXECUTION_ABORTED' });
  await e2e.cloud.eventBridge.eventBridge.whenIdle();
  const chain = await e2e.lineage.chain(runId);
  expect(chain.at(-1)).toMatchObject({
    type: 'run.closed',
    actor: 'awf:reconcile',
    data: { status: 'ABORTED', executionStatus: 'ABORTED', error: 'Ops.Stop', detectedBy: 'status-change' },
  });
  expect(verifyChain(chain, { ended: true })).toEqual({ ok: true, problems: [] });
  expect((await e2e.runs.listApprovalsOfRun(runId)).map((a) => a.status)).toEqual(['EXPIRED']);

  // The sweep, as its schedule runs it, finds the run closed and writes nothing.
  const sweep = e2e.cloud.eventBridge.eventBridge
    .rules()
    .find((rule) => rule.name.includes('SweepSchedule') && rule.name.includes('RefundTriage'));
  if (!sweep) throw new Error('no sweep schedule in the template');
  e2e.cloud.eventBridge.eventBridge.fireScheduledRule(sweep.name);
  await e2e.cloud.eventBridge.eventBridge.whenIdle();
  expect(await e2e.lineage.chain(runId)).toHaveLength(chain.length);
}, 120_000);

it("keeps no customer's email or phone in any runs-table item once the runs ended", async () => {
  if (!SMALL_REFUND || !LARGE_REFUND) throw new Error('missing examples');
  const email = 'dana.okafor@example.com';
  const phone = '+12065550199';
  const small = withIds(SMALL_REFUND, { orderId: 'ord_e2epii1', customerId: 'cus_e2epii1' });
  const large = withIds(LARGE_REFUND, { orderId: 'ord_e2epii2', customerId: 'cus_e2epii2' });
  for (const event of [small, large])
    Object.assign(event.detail, { customerEmail: email, customerPhone: phone });
  const completedId = runIdFor(WORKFLOW, await e2e.putCase(small));
  const stoppedEvent = await e2e.putCase(large);
  const stoppedId = runIdFor(WORKFLOW, stoppedEvent);
  await e2e.waitForRunStatus(completedId, 'COMPLETED');
  await e2e.waitForRunStatus(stoppedId, 'AWAITING_APPROVAL');
  // While the run waits, its event (and the customer's contact) is there for Gate and Act.
  expect(JSON.stringify(await e2e.runs.getRun(stoppedId))).toContain(email);
  const execution = await e2e.executionOf(stoppedEvent);
  await e2e.sfn.send(new StopExecutionCommand({ executionArn: execution.executionArn }));
  await e2e.waitForRunStatus(stoppedId, 'ABORTED');

  const client = new DynamoDBClient(
    localClientConfig(e2e.cloud.state.endpoints.dynamodb, e2e.cloud.state.region),
  );
  const { Items = [] } = await client
    .send(new ScanCommand({ TableName: e2e.cloud.state.tables.runs }))
    .finally(() => client.destroy());
  const text = JSON.stringify(Items);
  expect(text).not.toContain(email);
  expect(text).not.toContain(phone);
  expect((await e2e.runs.getRun(completedId))?.event).toMatchObject({
    detail: { customerEmail: '[REDACTED:pii]', customerPhone: '[REDACTED:pii]', orderId: 'ord_e2epii1' },
  });
}, 120_000);

it('lets an operator put the workflow in approve-all mode and back, through its operations endpoint', async () => {
  if (!SMALL_REFUND) throw new Error('missing example');
  await e2e.cli([
    'workflows',
    'pause',
    WORKFLOW,
    '--mode',
    'approve-all',
    '--reason',
    'New prompt rolling out.',
    '--as',
    OPERATOR,
  ]);
  const status = JSON.parse(await e2e.cli(['workflows', 'status', WORKFLOW, '--json'])) as unknown;
  expect(JSON.stringify(status)).toContain('approve-all');

  // A refund the workflow would make on its own now waits for a human.
  const eventId = await e2e.putCase(
    withIds(SMALL_REFUND, { orderId: 'ord_e2eswitch1', customerId: 'cus_e2eswitch1' }),
  );
  const runId = runIdFor(WORKFLOW, eventId);
  await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL');
  const switched = await e2e.lineage.chain(`switch#${WORKFLOW}`);
  expect(switched.map((r) => [r.type, r.actor, r.data.mode])).toEqual([
    ['workflow.switched', `human:${OPERATOR}`, 'approve-all'],
  ]);

  await e2e.cli(['workflows', 'resume', WORKFLOW, '--reason', 'Rollout checked.', '--as', OPERATOR]);
  const after = await e2e.putCase(
    withIds(SMALL_REFUND, { orderId: 'ord_e2eswitch2', customerId: 'cus_e2eswitch2' }),
  );
  await e2e.waitForRunStatus(runIdFor(WORKFLOW, after), 'COMPLETED');
}, 120_000);

it('parks an event that arrives while the workflow is halted, and runs it once an operator resumes', async () => {
  if (!SMALL_REFUND) throw new Error('missing example');
  await e2e.cli(['workflows', 'pause', WORKFLOW, '--reason', 'Fraud under investigation.', '--as', OPERATOR]);
  const eventId = await e2e.putCase(
    withIds(SMALL_REFUND, { orderId: 'ord_e2epark1', customerId: 'cus_e2epark1' }),
  );
  const runId = runIdFor(WORKFLOW, eventId);
  await waitFor(
    async () => (await e2e.lineage.chain(runId)).some((r) => r.type === 'run.parked'),
    'the run to be parked',
  );
  const status = JSON.parse(await e2e.cli(['workflows', 'status', WORKFLOW, '--json'])) as {
    mode: string;
    parked: number;
  }[];
  expect(status).toEqual([expect.objectContaining({ mode: 'halt', parked: 1 })]);
  expect((await e2e.lineage.chain(runId)).map((r) => r.type)).toEqual(['run.started', 'run.parked']);
  // Nobody but an operator may let it go: an approver's identity is not an operator's.
  await expect(
    e2e.cli(['workflows', 'resume', WORKFLOW, '--reason', 'Let it go.', '--as', 'bob@acme.example']),
  ).rejects.toThrow(/no local operator identity "bob@acme.example"/);

  await e2e.cli(['workflows', 'resume', WORKFLOW, '--reason', 'Investigation closed.', '--as', OPERATOR]);
  await e2e.waitForRunStatus(runId, 'COMPLETED');
  const types = (await e2e.lineage.chain(runId)).map((r) => r.type);
  expect(types.slice(0, 3)).toEqual(['run.started', 'run.parked', 'context.grounded']);
  expect(types).toContain('action.executed');
}, 120_000);
