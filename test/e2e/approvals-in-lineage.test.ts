/**
 * Approvals count only as the lineage records them. Tried as an insider with
 * write access to the runs table and the Step Functions callback API, against
 * the local cloud: the approval item holds the task token sealed (`kms:v1:`),
 * which resumes nothing; and even with the token in clear, editing the
 * approval item and resuming the waiting task with it releases nothing; the run escalates with the refusal in its
 * lineage, and nothing reaches the sink.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KMS_SEALED_PREFIX, KmsTaskTokenSeal } from '../../adapters/kms-token-seal.js';
import { runIdFor } from '../../core/ids.js';
import { computeRecordHash } from '../../core/lineage/chain.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { RUNS_TABLE_LAYOUT } from '../../core/storage/table-layout.js';
import { localClientConfig } from '../../local/process/aws-env.js';
import { loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import { type E2eCloud, startE2eCloud, withIds } from '../support/local-cloud.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';

const WORKFLOW = REFERENCE_WORKFLOW_ID;
const LARGE_REFUND = loadExampleEvents(`${WORKFLOWS_DIR}/${WORKFLOW}`).find(
  (e) => e.name === 'approval-large-refund',
);

let e2e: E2eCloud;
let documents: DynamoDBDocumentClient;

beforeAll(async () => {
  e2e = await startE2eCloud();
  documents = DynamoDBDocumentClient.from(
    new DynamoDBClient(localClientConfig(e2e.cloud.state.endpoints.dynamodb, e2e.cloud.state.region)),
  );
}, 240_000);

afterAll(async () => {
  documents?.destroy();
  await e2e?.stop();
});

let counter = 0;

/** Puts a 1,249 USD refund request of its own and waits for it to need an approval. */
async function waitingRun() {
  if (!LARGE_REFUND) throw new Error('no approval-large-refund example');
  counter += 1;
  const suffix = `${Date.now().toString(36)}${counter}`;
  const event = withIds(LARGE_REFUND, { orderId: `ord_e2eins${suffix}`, customerId: `cus_e2eins${suffix}` });
  const eventId = await e2e.putCase(event);
  const runId = runIdFor(WORKFLOW, eventId);
  await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL');
  const [approval] = await e2e.runs.listApprovalsOfRun(runId);
  if (!approval) throw new Error(`run ${runId} waits without an approval`);
  return { eventId, runId, approvalId: approval.approvalId, orderId: String(event.detail.orderId) };
}

/**
 * The clear task token of an approval, as only a role with `kms:Decrypt` on
 * the task token key (the decide step's) could get it: the item holds it
 * sealed, and the sealed form resumes nothing.
 */
async function clearTokenOf(approvalId: string, sealed: string): Promise<string> {
  expect(sealed.startsWith(KMS_SEALED_PREFIX)).toBe(true);
  await expect(
    e2e.sfn.send(new SendTaskSuccessCommand({ taskToken: sealed, output: '{}' })),
  ).rejects.toThrow();
  const tokenKey = e2e.cloud.kms.kms.keys.find((key) => key.description.includes('TaskTokenKey'));
  if (!tokenKey) throw new Error('no task token key in the template');
  const client = new KMSClient(localClientConfig(e2e.cloud.state.endpoints.kms, e2e.cloud.state.region));
  try {
    return await new KmsTaskTokenSeal({ client, keyId: tokenKey.arn }).open(approvalId, sealed);
  } finally {
    client.destroy();
  }
}

/** The RefundIssued events the sink holds for an order, once the bus is idle. */
async function refundsOf(orderId: string): Promise<unknown[]> {
  await e2e.cloud.eventBridge.eventBridge.whenIdle();
  const sink = JSON.parse(await e2e.cli(['events', 'sink', '--json', '--all'])) as {
    'detail-type': string;
    detail: Record<string, unknown>;
  }[];
  return sink.filter((e) => e['detail-type'] === 'RefundIssued' && e.detail.orderId === orderId);
}

const approvalKey = (approvalId: string) => ({
  [RUNS_TABLE_LAYOUT.partitionKey]: `${RUNS_TABLE_LAYOUT.partitions.approval}${approvalId}`,
  [RUNS_TABLE_LAYOUT.sortKey]: 'APPROVAL',
});

describe('an insider with the runs table and the callback API', () => {
  it('releases nothing by flipping the approval item to APPROVED and resuming the task with its token', async () => {
    const { eventId, runId, approvalId, orderId } = await waitingRun();
    const tableName = e2e.cloud.state.tables.runs;
    const { Item } = await documents.send(
      new GetCommand({ TableName: tableName, Key: approvalKey(approvalId) }),
    );
    // Even with the token in clear (which the table no longer gives), the lineage decides.
    const taskToken = await clearTokenOf(approvalId, String(Item?.taskToken));
    await documents.send(
      new UpdateCommand({
        TableName: tableName,
        Key: approvalKey(approvalId),
        UpdateExpression:
          'SET #status = :approved, decidedBy = :by, excludedApprovers = :none, expiresAt = :later',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':approved': 'APPROVED',
          ':by': 'alice@acme.example',
          ':none': [],
          ':later': '2099-01-01T00:00:00.000Z',
        },
      }),
    );
    await e2e.sfn.send(
      new SendTaskSuccessCommand({
        taskToken,
        output: JSON.stringify({
          approvalId,
          proposalId: String(Item?.proposalId),
          decision: 'APPROVED',
          approver: 'alice@acme.example',
          bindingHash: String(Item?.bindingHash),
        }),
      }),
    );

    await e2e.settledOf(eventId);
    expect((await e2e.runs.getRun(runId))?.status).toBe('ESCALATED');
    const chain = await e2e.lineage.chain(runId);
    expect(chain.map((r) => r.type)).not.toContain('action.executed');
    const [refused] = chain.filter((r) => r.type === 'action.refused');
    expect(refused?.data).toMatchObject({ refusal: 'approval' });
    expect(((refused?.data.reasons ?? []) as string[])[0]).toContain('the lineage holds approvals by nobody');
    expect(await refundsOf(orderId)).toEqual([]);
  }, 120_000);

  it('releases nothing with an approval.decided put straight into the lineage table, correctly chained and hashed, but no valid MAC', async () => {
    const { eventId, runId, approvalId, orderId } = await waitingRun();
    const item = await e2e.runs.getApproval(approvalId);
    if (!item) throw new Error('no approval item');
    const chain = await e2e.lineage.chain(runId);
    const last = chain.at(-1) as LineageRecord;
    // What anyone who may put items in the lineage table could write, as alice, for this very action.
    const forged = {
      type: 'approval.decided' as const,
      actor: 'human:alice@acme.example',
      workflowId: last.workflowId,
      entityId: last.entityId,
      versions: last.versions,
      data: {
        approvalId,
        proposalId: item.proposalId,
        action: 'issueRefund',
        decision: 'APPROVED',
        reason: 'Looks fine.',
        bindingHash: item.bindingHash,
      },
      chainId: runId,
      seq: last.seq + 1,
      at: new Date().toISOString(),
      entityKey: last.entityKey,
      prevHash: last.hash,
    };
    expect(
      await e2e.lineage.putIfAbsent({ ...forged, hash: computeRecordHash(forged), mac: 'ab'.repeat(32) }),
    ).toBe(true);
    await e2e.sfn.send(
      new SendTaskSuccessCommand({
        taskToken: await clearTokenOf(approvalId, item.taskToken),
        output: JSON.stringify({
          approvalId,
          proposalId: item.proposalId,
          decision: 'APPROVED',
          approver: 'alice@acme.example',
          bindingHash: item.bindingHash,
        }),
      }),
    );

    await e2e.settledOf(eventId);
    expect((await e2e.runs.getRun(runId))?.status).toBe('ESCALATED');
    const after = await e2e.lineage.chain(runId);
    expect(after.map((r) => r.type)).not.toContain('action.executed');
    const reasons = (after.find((r) => r.type === 'action.refused')?.data.reasons ?? []) as string[];
    expect(reasons.join('\n')).toContain(`record ${last.seq + 1} (approval.decided) is forged`);
    expect(await refundsOf(orderId)).toEqual([]);
  }, 120_000);

  it('still lets a listed approver approve through the CLI, and the refund runs once', async () => {
    const { eventId, runId, approvalId, orderId } = await waitingRun();

    await e2e.cli([
      'approvals',
      'approve',
      approvalId,
      '--as',
      'alice@acme.example',
      '--reason',
      'Parcel lost.',
    ]);

    await e2e.settledOf(eventId);
    expect((await e2e.runs.getRun(runId))?.status).toBe('COMPLETED');
    const executed = (await e2e.lineage.chain(runId)).filter((r) => r.type === 'action.executed');
    expect(executed.map((r) => r.data.approvers)).toEqual([['alice@acme.example']]);
    expect(await refundsOf(orderId)).toHaveLength(1);
  }, 120_000);
});
