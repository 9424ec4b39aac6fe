/**
 * Anchored lineage on the local cloud: after demo-like runs and a signed
 * checkpoint, `awf audit verify --all` exits 0; then each way of tampering
 * with DynamoDB Local directly (the table's own API, as someone holding write
 * access would) is caught by `awf audit verify`, exit 2, naming the run and
 * its first bad record. A record's inclusion proof verifies offline with the
 * public key alone, and fails once changed.
 *
 * One cloud, in memory, for the whole file; each tampering hits a run of its own.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { checkpointFileName } from '../../adapters/folder-checkpoint-store.js';
import { createKmsClient } from '../../adapters/kms-keyed-hasher.js';
import { KmsRecordKeys, recordKeyIdsSchema } from '../../adapters/kms-record-keys.js';
import { runIdFor } from '../../core/ids.js';
import { computeRecordHash } from '../../core/lineage/chain.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { LINEAGE_REGISTRY } from '../../core/lineage/registry.js';
import { localCheckpointKeyFile, localCheckpointStore } from '../../local/lineage/checkpointing.js';
import { localClientConfig } from '../../local/process/aws-env.js';
import { type ExampleEvent, loadExampleEvents, WORKFLOWS_DIR } from '../../workflows/discover.js';
import { runAwf } from '../support/awf-process.js';
import { type E2eCloud, startE2eCloud, withIds } from '../support/local-cloud.js';
import { REFERENCE_WORKFLOW_ID } from '../support/packs.js';

const WORKFLOW = REFERENCE_WORKFLOW_ID;
const EXAMPLES = loadExampleEvents(join(WORKFLOWS_DIR, WORKFLOW));
const APPROVER = 'alice@acme.example';

function example(name: string): ExampleEvent {
  const found = EXAMPLES.find((e) => e.name === name);
  if (!found) throw new Error(`no example "${name}" in ${WORKFLOW}`);
  return found;
}

let counter = 0;
function freshIds(): { orderId: string; customerId: string } {
  counter += 1;
  const suffix = `${Date.now().toString(36)}${counter}`;
  return { orderId: `ord_anc${suffix}`, customerId: `cus_anc${suffix}` };
}

/** The tamperings, each on a completed run of its own. */
const TAMPERINGS = [
  'modify',
  'delete',
  'insert',
  'swap',
  'truncate',
  'rewrite',
  'vanish',
  'forge',
  'malformed',
] as const;

describe('anchored lineage on the local cloud', () => {
  let e2e: E2eCloud;
  let ddb: DynamoDBClient;
  let recordKeys: KmsRecordKeys;
  const completed = new Map<string, string>();
  let openRun = '';
  let demoRuns: string[] = [];

  /** Runs `awf <args>` in this process; its output and exit code (reset after, so jest's is its own). */
  async function awf(args: readonly string[]): Promise<{ code: number; stdout: string }> {
    try {
      const stdout = await e2e.cli(args);
      return { code: Number(process.exitCode ?? 0), stdout };
    } finally {
      process.exitCode = undefined;
    }
  }

  async function chain(runId: string): Promise<LineageRecord[]> {
    return e2e.lineage.chain(runId);
  }

  async function put(record: Record<string, unknown>): Promise<void> {
    await ddb.send(
      new PutItemCommand({
        TableName: e2e.cloud.state.tables.lineage,
        Item: marshall(record, { removeUndefinedValues: true }),
      }),
    );
  }

  async function remove(runId: string, seq: number): Promise<void> {
    await ddb.send(
      new DeleteItemCommand({
        TableName: e2e.cloud.state.tables.lineage,
        Key: { chainId: { S: runId }, seq: { N: String(seq) } },
      }),
    );
  }

  /** Puts an event as a case of its own and waits for its run to end (or to wait for approval). */
  async function runCase(name: string, options: { approve?: boolean } = {}): Promise<string> {
    const event = example(name);
    const rejected = event.expect.outcome === 'REJECT';
    const eventId = rejected ? await e2e.putEvent(event) : await e2e.putCase(withIds(event, freshIds()));
    const runId = runIdFor(WORKFLOW, eventId);
    if (event.expect.outcome === 'REQUIRE_APPROVAL') {
      await e2e.waitForRunStatus(runId, 'AWAITING_APPROVAL');
      if (!options.approve) return runId;
      const [approval] = await e2e.runs.listApprovalsOfRun(runId);
      await e2e.cli([
        'approvals',
        'approve',
        approval?.approvalId ?? 'missing',
        '--as',
        APPROVER,
        '--reason',
        'Carrier confirmed.',
      ]);
    }
    await e2e.settledOf(eventId);
    return runId;
  }

  beforeAll(async () => {
    e2e = await startE2eCloud();
    const { state } = e2e.cloud;
    ddb = new DynamoDBClient(localClientConfig(state.endpoints.dynamodb, state.region));
    recordKeys = new KmsRecordKeys({
      client: createKmsClient(localClientConfig(state.endpoints.kms, state.region)),
      keyIds: recordKeyIdsSchema.parse(state.recordKeys),
    });
    // Demo-like runs: every example once (an approval approved), then one run per tampering and one left waiting.
    demoRuns = await Promise.all(EXAMPLES.map((e) => runCase(e.name, { approve: true })));
    const runs = await Promise.all(TAMPERINGS.map(() => runCase('autonomous-small-refund')));
    TAMPERINGS.forEach((name, i) => {
      completed.set(name, runs[i] as string);
    });
    openRun = await runCase('approval-large-refund');
  }, 300_000);

  afterAll(async () => {
    ddb?.destroy();
    await e2e?.stop();
  }, 60_000);

  it('makes a signed checkpoint on demand, and awf audit verify --all (a process of its own) exits 0', async () => {
    const made = JSON.parse((await awf(['audit', 'checkpoint', '--json'])).stdout) as {
      sequence: number;
      leafCount: number;
      damaged: unknown[];
    };
    const result = await e2e.spawnCli(['audit', 'verify', '--all']);

    expect(made.sequence).toBeGreaterThanOrEqual(1); // the cloud made checkpoint 0 when it started
    expect(made.leafCount).toBeGreaterThan(0);
    expect(made.damaged).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^LINEAGE VERIFIED/);
    expect(result.stdout).toMatch(/0 damaged/);
  }, 90_000);

  it('prints the public key checkpoints verify with', async () => {
    const printed = await awf(['audit', 'key']);

    expect(printed.stdout).toContain(readFileSync(localCheckpointKeyFile(e2e.stateDir), 'utf8').trim());
    expect(printed.stdout).toMatch(/^# sha256:[0-9a-f]{64}/);
  });

  describe('an inclusion proof', () => {
    let proofFile = '';
    let recordFile = '';
    const keyFile = () => localCheckpointKeyFile(e2e.stateDir);

    beforeAll(async () => {
      const runId = completed.get('modify') as string;
      const proof = await awf(['audit', 'prove', `${runId}:3`]);
      proofFile = join(e2e.stateDir, 'record.proof.json');
      recordFile = join(e2e.stateDir, 'record.json');
      writeFileSync(proofFile, proof.stdout);
      writeFileSync(recordFile, JSON.stringify((await chain(runId))[3]));
    }, 30_000);

    it('verifies offline with nothing but the public key (no cloud, no state folder), with the record', async () => {
      const result = await runAwf([
        'audit',
        'verify',
        '--proof',
        proofFile,
        '--key',
        keyFile(),
        '--record',
        recordFile,
      ]);

      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^PROOF VERIFIED: record 3 of run run-/);
    }, 60_000);

    it('fails once the proof is changed, exit 2 naming what does not hold', async () => {
      const proof = JSON.parse(readFileSync(proofFile, 'utf8')) as { leaf: { hash: string } };
      proof.leaf.hash = proof.leaf.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      const changed = join(e2e.stateDir, 'changed.proof.json');
      writeFileSync(changed, JSON.stringify(proof));

      const result = await runAwf(['audit', 'verify', '--proof', changed, '--key', keyFile()]);

      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(/^PROOF FAILED/);
      expect(result.stdout).toContain('the audit path does not lead from the leaf to checkpoint');
    }, 60_000);
  });

  describe('tampering with DynamoDB Local directly', () => {
    beforeAll(async () => {
      const at = (name: (typeof TAMPERINGS)[number]) => completed.get(name) as string;
      // modify: an edited record, its hash left as it was.
      const modified = (await chain(at('modify')))[2] as LineageRecord;
      await put({ ...modified, data: { ...modified.data, edited: true } });
      // delete: a record from the middle.
      await remove(at('delete'), 2);
      // insert: a record slipped in at seq 2, the later ones moved up.
      const inserting = await chain(at('insert'));
      for (const record of inserting.slice(2).reverse()) await put({ ...record, seq: record.seq + 1 });
      await put({ ...(inserting[1] as LineageRecord), seq: 2, data: { inserted: true } });
      // swap: records 1 and 2 change places.
      const swapping = await chain(at('swap'));
      await put({ ...(swapping[2] as LineageRecord), seq: 1 });
      await put({ ...(swapping[1] as LineageRecord), seq: 2 });
      // truncate: the last two records of a completed run.
      const truncating = await chain(at('truncate'));
      for (const record of truncating.slice(-2)) await remove(at('truncate'), record.seq);
      // rewrite: from seq 2 on, edited, re-hashed, re-linked and re-MACed with the writers' own keys.
      const rewriting = await chain(at('rewrite'));
      let prevHash = (rewriting[1] as LineageRecord).hash;
      for (const record of rewriting.slice(2)) {
        const edited = {
          ...record,
          prevHash,
          data: record.seq === 2 ? { ...record.data, rewritten: true } : record.data,
        };
        const hash = computeRecordHash(edited);
        const mac = await recordKeys.sign(LINEAGE_REGISTRY[record.type].writer, hash);
        await put({ ...edited, hash, mac });
        prevHash = hash;
      }
      // vanish: the whole chain.
      for (const record of await chain(at('vanish'))) await remove(at('vanish'), record.seq);
      // forge: a record appended with a correct hash and link, and a MAC nobody's key made.
      const forging = await chain(at('forge'));
      const last = forging.at(-1) as LineageRecord;
      const forged = {
        ...last,
        seq: last.seq + 1,
        prevHash: last.hash,
        type: 'approval.decided' as const,
        actor: 'human:mallory@acme.example',
      };
      await put({ ...forged, hash: computeRecordHash(forged), mac: randomBytes(32).toString('hex') });
      // malformed: a record that is not one.
      await put({ chainId: at('malformed'), seq: 3, note: 'not a lineage record' });
      // the newest record of a run still waiting for its approval.
      const open = await chain(openRun);
      await remove(openRun, (open.at(-1) as LineageRecord).seq);
    }, 60_000);

    const expected: [string, (anchoredThrough: number) => number, string][] = [
      ['modify', () => 2, 'modified'],
      ['delete', () => 2, 'deleted'],
      ['insert', () => 2, 'modified'],
      ['swap', () => 1, 'modified'],
      ['truncate', (head) => head - 1, 'truncated'],
      ['rewrite', () => 2, 'rewritten'],
      ['vanish', () => 0, 'vanished'],
      ['forge', (head) => head + 1, 'forged'],
      ['malformed', () => 3, 'malformed'],
    ];

    it.each(expected)(
      'catches "%s": exit 2 naming the run and its first bad record',
      async (name, seqOf, kind) => {
        const runId = completed.get(name) as string;
        // The checkpoint anchored the chain as it was: its head says how long it was.
        const { stdout: made } = await awf(['audit', 'verify', '--run', runId, '--json']);
        const verdict = (JSON.parse(made) as { runs: { anchoredThrough: number }[] }).runs[0];

        const result = await awf(['audit', 'verify', '--run', runId]);

        expect(result.code).toBe(2);
        expect(result.stdout).toMatch(/^LINEAGE DAMAGED/);
        expect(result.stdout).toMatch(
          new RegExp(
            `${runId}: first bad records? ${seqOf(verdict?.anchoredThrough ?? -1)}\\b[^\\n]*\\(${kind}\\)`,
          ),
        );
      },
      30_000,
    );

    it('catches the deletion of the newest record of a run still waiting for approval (truncated)', async () => {
      const result = await awf(['audit', 'verify', '--run', openRun]);

      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(new RegExp(`${openRun}: first bad record \\d+ \\(truncated\\)`));
    });

    it('names every damaged run with awf audit verify --all, and none of the intact ones', async () => {
      const result = await e2e.spawnCli(['audit', 'verify', '--all']);

      expect(result.code).toBe(2);
      for (const runId of [...completed.values(), openRun])
        expect(result.stdout).toContain(`  ${runId}: first bad`);
      for (const runId of demoRuns) expect(result.stdout).not.toContain(runId);
      expect(result.stdout).toMatch(new RegExp(`${TAMPERINGS.length + 1} damaged`));
    }, 60_000);

    it('catches a damaged checkpoint signature: exit 2 naming the checkpoint, and no checkpoint extends it', async () => {
      const store = localCheckpointStore(e2e.stateDir);
      const latest = (await store.list()).length - 1;
      const file = join(store.dir, checkpointFileName(latest));
      const stored = JSON.parse(readFileSync(file, 'utf8')) as {
        signed: { signatures: { signature: string }[] };
      };
      for (const signature of stored.signed.signatures)
        signature.signature = randomBytes(64).toString('base64');
      writeFileSync(file, JSON.stringify(stored));

      const result = await awf(['audit', 'verify', '--run', completed.get('modify') as string]);

      expect(result.code).toBe(2);
      expect(result.stdout).toContain(
        `checkpoint ${latest} (signature): the ed25519 signature of key sha256:`,
      );
      await expect(awf(['audit', 'checkpoint'])).rejects.toThrow(
        `latest stored checkpoint (${latest}) does not verify`,
      );
    });
  });
});
