/**
 * `awf audit query` and `awf audit export` on real DynamoDB Local: each form
 * answers from the table's indexes (and run chains) with Query requests only,
 * never a Scan, paginated, and returns exactly the records asked for.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbLineageQueries } from '../../adapters/dynamodb-lineage-queries.js';
import { DynamoDbLineageStore } from '../../adapters/dynamodb-lineage-store.js';
import { auditExport } from '../../cli/commands/audit-export.js';
import { auditQuery } from '../../cli/commands/audit-query.js';
import type { Target } from '../../cli/target.js';
import { lineageQueryOf } from '../../core/lineage/query.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { type DynamoDbLocal, localDynamoDbClient, startDynamoDbLocal } from '../support/dynamodb-local.js';
import { aValidChain } from '../support/lineage-builders.js';

const WORKFLOW = 'refund-triage';

let ddb: DynamoDbLocal;
let client: DynamoDBClient;
/** The name of every command the client sent. */
const sent: string[] = [];

/** A run about `entityId`, its records one second apart from `start`, the approval decided by `approver`. */
function aRun(runId: string, entityId: string, start: string, approver: string): LineageRecord[] {
  const base = Date.parse(start);
  return aValidChain(runId, ['run.started', 'approval.decided', 'run.completed']).map((record, i) => ({
    ...record,
    entityId,
    entityKey: `${WORKFLOW}#${entityId}`,
    at: new Date(base + i * 1000).toISOString(),
    actor: record.type === 'approval.decided' ? `human:${approver}` : record.actor,
  }));
}

beforeAll(async () => {
  ddb = await startDynamoDbLocal({ lineageTableName: 'awf-lineage-queries' });
  client = localDynamoDbClient(ddb.endpoint);
  const store = new DynamoDbLineageStore({ client: ddb.client, tableName: ddb.lineageTableName });
  const runs = [
    aRun('run-q-1', 'ord_q1', '2026-11-01T10:00:00.000Z', 'alice@acme.example'),
    aRun('run-q-2', 'ord_q2', '2026-11-02T10:00:00.000Z', 'bob@acme.example'),
    aRun('run-q-3', 'ord_q1', '2026-11-03T10:00:00.000Z', 'bob@acme.example'),
  ];
  for (const record of runs.flat()) await store.putIfAbsent(record);
  const send = client.send.bind(client) as (command: unknown) => Promise<unknown>;
  client.send = ((command: { constructor: { name: string } }) => {
    sent.push(command.constructor.name);
    return send(command);
  }) as unknown as typeof client.send;
}, 90_000);

afterAll(async () => {
  client?.destroy();
  await ddb?.stop();
});

beforeEach(() => {
  sent.length = 0;
});

const target = (): Target =>
  ({
    kind: 'local',
    region: 'us-east-1',
    runsTable: 'awf-runs',
    lineageTable: ddb.lineageTableName,
    eventBus: 'awf',
    workflows: {
      [WORKFLOW]: {
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x',
        approvalsUrl: '',
      },
    },
    recordKeys: {},
    clients: { dynamodb: client },
  }) as unknown as Target;

async function stdoutOf(work: () => Promise<void>): Promise<string> {
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string) => {
    chunks.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    await work();
  } finally {
    process.stdout.write = write;
  }
  return chunks.join('');
}

const ids = (records: readonly LineageRecord[]) => records.map((r) => `${r.chainId}:${r.seq}`);

describe('the lineage queries', () => {
  const queries = () => new DynamoDbLineageQueries({ client, tableName: ddb.lineageTableName });

  it.each([
    [
      'a workflow in a time window',
      { workflow: WORKFLOW, since: '2026-11-02', until: '2026-11-02T23:59:59Z' },
      ['run-q-2:0', 'run-q-2:1', 'run-q-2:2'],
    ],
    [
      'a business entity',
      { workflow: WORKFLOW, entity: 'ord_q1' },
      ['run-q-1:0', 'run-q-1:1', 'run-q-1:2', 'run-q-3:0', 'run-q-3:1', 'run-q-3:2'],
    ],
    [
      'a business entity in a time window, one record type',
      { workflow: WORKFLOW, entity: 'ord_q1', since: '2026-11-03', kind: 'approval.decided' },
      ['run-q-3:1'],
    ],
    ['an actor', { workflow: WORKFLOW, actor: 'human:bob@acme.example' }, ['run-q-2:1', 'run-q-3:1']],
    [
      'a record type',
      { workflow: WORKFLOW, kind: 'run.completed', until: '2026-11-02T23:00:00Z' },
      ['run-q-1:2', 'run-q-2:2'],
    ],
  ])('answers %s exactly, with Query requests only', async (_form, options, expected) => {
    const records = await queries().records(lineageQueryOf(options));

    expect(ids(records).sort()).toEqual(expected);
    expect(sent.length).toBeGreaterThan(0);
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
  });

  it("names a workflow's and an entity's runs with Query requests only", async () => {
    expect(await queries().chainIds(lineageQueryOf({ workflow: WORKFLOW, since: '2026-11-02' }))).toEqual([
      'run-q-2',
      'run-q-3',
    ]);
    expect(await queries().chainIds(lineageQueryOf({ workflow: WORKFLOW, entity: 'ord_q2' }))).toEqual([
      'run-q-2',
    ]);
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
  });

  it('prints records as JSON and as CSV through awf audit query, with Query requests only', async () => {
    const json = JSON.parse(
      await stdoutOf(() => auditQuery(target(), { workflow: WORKFLOW, entity: 'ord_q2', json: true })),
    ) as LineageRecord[];
    const csv = await stdoutOf(() =>
      auditQuery(target(), { workflow: WORKFLOW, actor: 'human:alice@acme.example', csv: true }),
    );

    expect(ids(json)).toEqual(['run-q-2:0', 'run-q-2:1', 'run-q-2:2']);
    expect(json.every((r) => !('runEntityKey' in r) && !('decisionKind' in r))).toBe(true);
    const [header, ...rows] = csv.trimEnd().split('\r\n');
    expect(header).toMatch(/^at,runId,seq,type,actor,/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain('human:alice@acme.example');
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
  });

  it.each(['jsonl', 'csv', 'openlineage'])('exports as %s with Query requests only', async (format) => {
    const out = await stdoutOf(() =>
      auditExport(target(), { format, since: '2026-11-01', until: '2026-11-30' }),
    );

    const lines = out.trimEnd().split(format === 'csv' ? '\r\n' : '\n');
    expect(lines).toHaveLength(format === 'csv' ? 10 : format === 'jsonl' ? 9 : 6);
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
  });

  it('lists every chain id for --all with one paginated Scan that reads the partition key only', async () => {
    const store = new DynamoDbLineageStore({ client, tableName: ddb.lineageTableName });

    expect(await store.chainIds()).toEqual(['run-q-1', 'run-q-2', 'run-q-3']);
    expect(sent).toEqual(['ScanCommand']);
  });

  it('fails a query with no workflow, a time that is not one, or a kind that is no record type', () => {
    expect(() => lineageQueryOf({})).toThrow(/--workflow/);
    expect(() => lineageQueryOf({ workflow: WORKFLOW, since: 'yesterday' })).toThrow(
      /--since must be an ISO-8601 date or time.*"yesterday"/,
    );
    expect(() => lineageQueryOf({ workflow: WORKFLOW, since: '2026-11-02', until: '2026-11-01' })).toThrow(
      /--until .* is before --since/,
    );
    expect(() => lineageQueryOf({ workflow: WORKFLOW, kind: 'approval.granted' })).toThrow(
      /--kind "approval.granted" is no lineage record type/,
    );
  });
});
