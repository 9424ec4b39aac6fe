/**
 * The RunsStore contract against the in-memory fake and against the DynamoDB
 * adapter on real DynamoDB Local, plus what only the table shows (TTLs, the
 * sparse index).
 */
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { DynamoDbRunsStore } from '../../adapters/dynamodb-runs-store.js';
import { type DynamoDbLocal, startDynamoDbLocal } from '../support/dynamodb-local.js';
import { InMemoryRunsStore } from '../support/in-memory-stores.js';
import { anApprovalRecord } from '../support/run-builders.js';
import { describeRunsStoreContract } from '../support/runs-store-contract.js';

describe('InMemoryRunsStore', () => {
  describeRunsStoreContract(() => new InMemoryRunsStore());
});

describe('DynamoDbRunsStore on DynamoDB Local', () => {
  let ddb: DynamoDbLocal;
  beforeAll(async () => {
    ddb = await startDynamoDbLocal();
  });
  afterAll(async () => {
    await ddb?.stop();
  });
  const store = (retentionDays?: number) =>
    new DynamoDbRunsStore({
      client: ddb.documentClient,
      tableName: ddb.runsTableName,
      retentionDays,
    });

  describeRunsStoreContract(() => store());

  const rawItem = async (pk: string, sk: string) =>
    (await ddb.documentClient.send(new GetCommand({ TableName: ddb.runsTableName, Key: { pk, sk } }))).Item;

  it('gives execution claims and history entries an expiresAt TTL retentionDays ahead', async () => {
    const runs = store(30);
    const startedAt = '2026-11-02T14:25:00.000Z';
    const thirtyDays = 30 * 86_400;
    await runs.claimExecution('exec-ttl', startedAt);
    await runs.recordHistory('wf-ttl', 'cus_1', 'issueRefund', startedAt);

    expect((await rawItem('EXEC#exec-ttl', 'EXEC'))?.expiresAt).toBe(
      Date.parse(startedAt) / 1000 + thirtyDays,
    );
    const history = await ddb.documentClient.send(
      new QueryCommand({
        TableName: ddb.runsTableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'HISTORY#wf-ttl#issueRefund#cus_1' },
      }),
    );
    expect(history.Items?.[0]?.expiresAt).toBe(Date.parse(startedAt) / 1000 + thirtyDays);
  });

  it("keeps an approval's own expiry apart from its TTL, which is the data retention from its request", async () => {
    const approval = anApprovalRecord({ approvalId: 'appr-ttl', runId: 'run-appr-ttl' });
    await store(30).putApproval(approval);
    const item = await rawItem('APPROVAL#appr-ttl', 'APPROVAL');
    expect(item?.expiresAt).toBe(Date.parse(approval.requestedAt) / 1000 + 30 * 86_400);
    expect(item?.approvalExpiresAt).toBe(approval.expiresAt);
    expect((await store().getApproval('appr-ttl'))?.expiresAt).toBe(approval.expiresAt);
  });

  it('keeps a reminder in its own REMINDER# item with a TTL, and leaves the approval item alone', async () => {
    const runs = store(30);
    const approval = anApprovalRecord({ approvalId: 'appr-reminded', runId: 'run-reminded' });
    await runs.putApproval(approval);
    const before = await rawItem('APPROVAL#appr-reminded', 'APPROVAL');
    const at = '2026-11-02T18:21:00.000Z';
    await runs.markReminded(approval.approvalId, at);
    expect(await rawItem('REMINDER#appr-reminded', 'REMINDER')).toEqual({
      pk: 'REMINDER#appr-reminded',
      sk: 'REMINDER',
      kind: 'reminder',
      approvalId: 'appr-reminded',
      lastReminderAt: at,
      expiresAt: Date.parse(at) / 1000 + 30 * 86_400,
    });
    expect(await rawItem('APPROVAL#appr-reminded', 'APPROVAL')).toEqual(before);
  });

  it('drops a decided approval from the sparse index', async () => {
    const runs = store();
    const approval = anApprovalRecord({
      approvalId: 'appr-sparse',
      runId: 'run-sparse',
      workflowId: 'wf-sparse',
    });
    await runs.putApproval(approval);
    const indexed = async () =>
      (
        await ddb.documentClient.send(
          new QueryCommand({
            TableName: ddb.runsTableName,
            IndexName: 'byWorkflow',
            KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :prefix)',
            ExpressionAttributeValues: { ':pk': 'PENDING_APPROVALS', ':prefix': 'wf-sparse#' },
          }),
        )
      ).Items ?? [];
    expect(await indexed()).toHaveLength(1);
    await runs.decideApproval('appr-sparse', {
      status: 'REJECTED',
      at: '2026-11-02T15:00:00.000Z',
      by: 'alice@acme.example',
      reason: 'no',
    });
    expect(await indexed()).toHaveLength(0);
  });

  describe('decision controls when DynamoDB leaves keys unprocessed', () => {
    /** The table's client, except that the first `unprocessedRounds` BatchGetItem answers process nothing. */
    const throttledStore = (unprocessedRounds: number) => {
      let rounds = 0;
      const client = {
        send: async (command: { input: unknown }) => {
          if (command instanceof BatchGetCommand && rounds < unprocessedRounds) {
            rounds += 1;
            return { Responses: {}, UnprocessedKeys: command.input.RequestItems };
          }
          return ddb.documentClient.send(command as GetCommand);
        },
      };
      const runs = new DynamoDbRunsStore({
        client: client as unknown as DynamoDBDocumentClient,
        tableName: ddb.runsTableName,
      });
      return { runs, rounds: () => rounds };
    };
    const halt = {
      workflowId: 'wf-throttled',
      mode: 'halt' as const,
      since: '2026-12-01T00:00:00.000Z',
      reason: 'refunds paused',
      by: 'ops@example.com',
    };

    it('asks again for the keys left unprocessed', async () => {
      await store().putSwitch(halt);
      const { runs, rounds } = throttledStore(2);
      expect(await runs.getDecisionControls('wf-throttled', 'issueRefund')).toEqual({
        switch: halt,
        autonomy: undefined,
      });
      expect(rounds()).toBe(2);
    });

    it('fails, asking for a retry, when keys stay unprocessed', async () => {
      const { runs } = throttledStore(Number.POSITIVE_INFINITY);
      await expect(runs.getDecisionControls('wf-throttled', 'issueRefund')).rejects.toThrow(
        /left 2 key\(s\) unprocessed after 5 attempts; retry the step/,
      );
    });
  });

  it('fails to start with a retention that is not a positive whole number', () => {
    expect(() => store(0)).toThrow('retentionDays must be a positive whole number, got 0');
  });
});
