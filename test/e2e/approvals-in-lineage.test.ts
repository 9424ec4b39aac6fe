/**
 * Approvals count only as the lineage records them. Tried as an insider with
 * write access to the runs table and the Step Functions callback API, against
 * the local cloud: the approval item holds the task token sealed (`kms:v1:`),
 * which resumes nothing; and even with the token in clear, editing the
 * approval item and resuming the waiting task with it releases nothing; the run escalates with the refusal in its
 * lineage, and nothing reaches the sink.
 */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KMS_SEALED_PREFIX, KmsTaskTokenSeal } from '../../adapters/kms-token-seal.js';
import { signRequest } from '../../adapters/sigv4.js';
import { runIdFor } from '../../core/ids.js';
import { computeRecordHash } from '../../core/lineage/chain.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { RUNS_TABLE_LAYOUT } from '../../core/storage/table-layout.js';
import { readLocalIdentities } from '../../local/iam/identities.js';
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
  // mallory may sign (she has an identity) but is no approver; carol files the example refunds.
  e2e = await startE2eCloud({ principals: ['mallory@acme.example', 'carol@acme.example'] });
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

describe('approvers are who signed, as the endpoint authenticates them', () => {
  /** The workflow's local approvals endpoint, and a URL under it. */
  const endpointUrl = (path: string): URL => {
    const root = e2e.cloud.state.workflows[WORKFLOW]?.approvalsUrl;
    if (!root) throw new Error('no approvals endpoint in local.json');
    return new URL(path, root);
  };
  const identityOf = (person: string) => {
    const found = readLocalIdentities(e2e.stateDir).find(
      (identity) =>
        identity.principal === person && identity.workflowId === WORKFLOW && identity.kind === 'approver',
    );
    if (!found) throw new Error(`no local identity ${person}`);
    return found;
  };
  const decisionBody = JSON.stringify({ decision: 'APPROVE', reason: 'Parcel lost.' });

  async function post(url: URL, headers: Record<string, string>): Promise<Response> {
    const { host: _host, ...sent } = headers;
    return fetch(url, { method: 'POST', headers: sent, body: decisionBody });
  }

  it('refuses an unsigned request and one signed with a wrong secret (403, before the function), and records nothing', async () => {
    const { runId, approvalId } = await waitingRun();
    const url = endpointUrl(`approvals/${approvalId}/decision`);
    const before = (await e2e.lineage.chain(runId)).length;

    const unsigned = await post(url, { 'content-type': 'application/json' });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toEqual({ Message: 'Forbidden' });

    const alice = identityOf('alice@acme.example');
    const wrong = await signRequest(
      { method: 'POST', url, headers: { 'content-type': 'application/json' }, body: decisionBody },
      {
        credentials: { accessKeyId: alice.accessKeyId, secretAccessKey: 'not-alices-secret' },
        region: e2e.cloud.state.region,
        service: 'lambda',
      },
    );
    expect((await post(url, wrong)).status).toBe(403);

    expect(await e2e.lineage.chain(runId)).toHaveLength(before);
    expect((await e2e.runs.getApproval(approvalId))?.status).toBe('PENDING');
    // The local operator sees each refusal in the functions' log (written as it flushes).
    const logged = async (pattern: RegExp) => {
      for (
        let tries = 0;
        tries < 50 && !pattern.test(readFileSync(join(e2e.stateDir, 'lambda.log'), 'utf8'));
        tries++
      ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return readFileSync(join(e2e.stateDir, 'lambda.log'), 'utf8');
    };
    expect(await logged(/signature does not match/)).toMatch(
      /function URL refused POST .*: the request is not signed[\s\S]*function URL refused POST .*: the signature does not match the request/,
    );
  }, 120_000);

  it('refuses, and records as who signed, a signed decision by someone who is no approver and by the requester', async () => {
    const { runId, approvalId } = await waitingRun();

    for (const [person, refusal] of [
      ['mallory@acme.example', `"mallory@acme.example" is not an approver of workflow "${WORKFLOW}"`],
      ['carol@acme.example', `"carol@acme.example" is not an approver of workflow "${WORKFLOW}"`],
    ] as const) {
      await expect(
        e2e.cli(['approvals', 'approve', approvalId, '--as', person, '--reason', 'Looks fine.']),
      ).rejects.toThrow(refusal);
    }

    const refused = (await e2e.lineage.chain(runId)).filter((r) => r.type === 'approval.refused');
    expect(refused.map((r) => [r.data.principal, r.data.identity])).toEqual([
      ['mallory@acme.example', identityOf('mallory@acme.example').arn],
      ['carol@acme.example', identityOf('carol@acme.example').arn],
    ]);
    expect((await e2e.runs.getApproval(approvalId))?.status).toBe('PENDING');
  }, 120_000);

  it("lists to each approver what they may decide, through the endpoint, and refuses someone who is no one's approver", async () => {
    const { approvalId } = await waitingRun();
    const listed = JSON.parse(
      await e2e.cli(['approvals', 'list', '--as', 'bob@acme.example', '--workflow', WORKFLOW, '--json']),
    ) as { approvalId: string; taskToken?: unknown }[];
    expect(listed.map((a) => a.approvalId)).toContain(approvalId);
    expect(listed.every((a) => a.taskToken === undefined)).toBe(true);
    await expect(
      e2e.cli(['approvals', 'list', '--as', 'mallory@acme.example', '--workflow', WORKFLOW]),
    ).rejects.toThrow(/is not an approver of workflow/);
    await expect(e2e.cli(['approvals', 'list', '--as', 'nobody@acme.example'])).rejects.toThrow(
      /no local approver identity "nobody@acme.example"/,
    );
  }, 120_000);
});
