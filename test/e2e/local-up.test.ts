/**
 * `awf local up` (what `npm start` runs) as a person meets it: the real
 * program in its own process, the demo to its end, the CLI beside it, and
 * Ctrl+C. Also the staleness rule that decides whether it synthesizes first.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DEMO_APPROVAL_REASON } from '../../cli/commands/local-demo.js';
import type { LineageRecord } from '../../core/lineage/record.js';
import { readEventPath } from '../../core/redaction.js';
import { type LocalState, localStatePath, readLocalState } from '../../local/process/state-file.js';
import { cloudAssemblyStaleness, SYNTH_SOURCES } from '../../local/process/synth.js';
import { discoverWorkflowPacks, loadExampleEvents } from '../../workflows/discover.js';
import { listens, runAwf, spawnAwf } from '../support/awf-process.js';

/** The reference pack, whose approval the demo approver grants. */
const WORKFLOW = 'refund-triage';
const PACKS = await discoverWorkflowPacks();
/** Every pack's example events, which the demo sends, each with the entity its run is about. */
const EXAMPLES = PACKS.flatMap(({ dir, pack }) =>
  loadExampleEvents(dir).map((example) => ({
    ...example,
    workflowId: pack.spec.id,
    entityId: String(readEventPath(example, pack.spec.entityKey)),
  })),
);
const WORKFLOW_IDS = PACKS.map(({ pack }) => pack.spec.id).sort();

/**
 * The examples (`<workflow>/<example>`) the demo says awf decided by its clock:
 * awf never decides by an event's time, so an example with its own `time` (an
 * hour of business, a weekend) may end otherwise at the hour this test runs.
 */
function decidedByClock(lines: readonly string[]): Set<string> {
  return new Set(
    lines.flatMap((line) => /^ {2}demo: (\S+) ended \S+; its example expects /.exec(line)?.[1] ?? []),
  );
}

/** Runs `awf <args>` to its end and returns its stdout. @throws with its stderr when it fails */
async function awf(args: readonly string[]): Promise<string> {
  const { code, stdout, stderr } = await runAwf(args);
  if (code !== 0) throw new Error(`awf ${args.join(' ')} exited ${code}: ${stderr}`);
  return stdout;
}

describe('awf local up', () => {
  let stateDir: string;
  let child: ChildProcessWithoutNullStreams | undefined;
  const lines: string[] = [];
  const newLines = new EventEmitter<{ line: [string] }>();
  let stderr = '';

  /** Resolves with the first line (seen so far or to come) matching `pattern`. */
  function lineMatching(pattern: RegExp, timeoutMs: number): Promise<string> {
    const seen = lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stderr: ${stderr}`)),
        timeoutMs,
      );
      const check = (line: string) => {
        if (!pattern.test(line)) return;
        clearTimeout(timer);
        newLines.off('line', check);
        resolve(line);
      };
      newLines.on('line', check);
    });
  }

  beforeAll(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'awf-up-'));
    child = spawnAwf(['local', 'up', '--in-memory', '--state-dir', stateDir]);
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      newLines.emit('line', line);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
  });

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts, shows every demo run through its states, approves as the demo approver, and ends every run as expected', async () => {
    await lineMatching(/^Ctrl\+C stops the local cloud\.$/, 240_000);
    const summary = lines.find((line) => line.startsWith('demo: ') && line.includes('ended'));

    const byClock = decidedByClock(lines);
    for (const name of byClock) {
      expect(EXAMPLES.find((e) => `${e.workflowId}/${e.name}` === name)?.time).toBeDefined();
    }
    const asExpected = `demo: ${EXAMPLES.length} example event(s) ended; ${EXAMPLES.length - byClock.size} as their examples expect`;
    expect(summary?.slice(0, asExpected.length)).toBe(asExpected);
    if (byClock.size > 0) expect(summary).toContain(`; ${byClock.size} decided by awf's clock at `);
    expect(summary).not.toContain('not as expected');
    expect(WORKFLOW_IDS).toContain(WORKFLOW);
    const readyLine = `s: ${WORKFLOW_IDS.length} workflow${WORKFLOW_IDS.length === 1 ? '' : 's'} (${WORKFLOW_IDS.join(', ')});`;
    const ready = lines.findIndex((line) => /^ready in [\d.]+ s: /.test(line) && line.includes(readyLine));
    const firstPut = lines.findIndex((line) => line.startsWith('demo: put'));
    expect(ready).toBeGreaterThanOrEqual(0);
    expect(firstPut).toBeGreaterThan(ready);
    for (const { workflowId, entityId, name, expect: expected } of EXAMPLES) {
      expect(lines).toContain(`  ${workflowId} ${entityId}  Admit event`);
      const ended = lines.find((line) => line.startsWith(`  ${workflowId} ${entityId}  => `)) ?? '';
      if (!byClock.has(`${workflowId}/${name}`)) expect(ended).toContain(expected.status ?? 'event rejected');
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}demo approver \(automatic, local demo only\): approving appr-\w+ issueRefund .* as alice@acme\.example$/,
      ),
    );
    for (const command of [
      'npx awf runs list',
      'npx awf audit trail',
      'npx awf events put --file',
      'npx awf approvals list',
      'npx awf events sink',
    ]) {
      expect(lines.some((line) => line.includes(command))).toBe(true);
    }
    expect(stderr).toBe('');
  }, 300_000);

  it('keeps running for the CLI, which finds the demo runs and the demo approval in the lineage', async () => {
    const state = readLocalState(stateDir);
    expect(state.pid).toBe(child?.pid);

    const runs = JSON.parse(await awf(['runs', 'list', '--json', '--state-dir', stateDir])) as {
      runId: string;
      workflowId: string;
      entityId: string;
      status: string;
    }[];
    const expected = EXAMPLES.filter((e) => e.expect.status !== null).map((e) => ({
      workflowId: e.workflowId,
      entityId: e.entityId,
      status: e.expect.status,
      byClock: decidedByClock(lines).has(`${e.workflowId}/${e.name}`),
    }));
    expect(runs.map(({ workflowId, entityId, status }) => ({ workflowId, entityId, status }))).toEqual(
      expect.arrayContaining(expected.filter((e) => !e.byClock).map(({ byClock: _, ...run }) => run)),
    );
    expect(runs).toHaveLength(expected.length);

    const approved = EXAMPLES.find(
      (e) => e.workflowId === WORKFLOW && e.expect.outcome === 'REQUIRE_APPROVAL',
    );
    const approvedRun = runs.find((r) => r.workflowId === WORKFLOW && r.entityId === approved?.entityId);
    const trail = JSON.parse(
      await awf(['audit', 'trail', approvedRun?.runId ?? 'missing', '--json', '--state-dir', stateDir]),
    ) as { records: LineageRecord[]; verification: { ok: boolean } };
    expect(trail.verification.ok).toBe(true);
    expect(trail.records.find((r) => r.type === 'approval.decided')).toMatchObject({
      actor: 'human:alice@acme.example',
      data: { decision: 'APPROVED', reason: DEMO_APPROVAL_REASON },
    });
  }, 60_000);

  it('stops everything on Ctrl+C (SIGINT), removes local.json and exits 0', async () => {
    const state: LocalState = readLocalState(stateDir);
    const endpoints = Object.values(state.endpoints);
    const exited = new Promise<number | null>((resolve) => child?.once('exit', resolve));

    child?.kill('SIGINT');

    expect(await exited).toBe(0);
    expect(lines.slice(-2)).toEqual(['SIGINT: stopping the local cloud...', 'stopped']);
    expect(existsSync(localStatePath(stateDir))).toBe(false);
    expect(await Promise.all(endpoints.map(listens))).toEqual(endpoints.map(() => false));
  }, 60_000);
});

describe('whether local up synthesizes first', () => {
  let root: string;
  const cdkOut = () => join(root, 'cdk.out');
  /** Sets a file's modification time to `secondsAgo` before now. */
  const age = (path: string, secondsAgo: number) => {
    const when = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(path, when, when);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'awf-synth-'));
    for (const source of SYNTH_SOURCES) {
      if (source.includes('.')) writeFileSync(join(root, source), '{}');
      else {
        mkdirSync(join(root, source));
        writeFileSync(join(root, source, 'index.ts'), 'export {};');
      }
    }
    mkdirSync(cdkOut());
    writeFileSync(join(cdkOut(), 'manifest.json'), '{}');
    for (const source of SYNTH_SOURCES) {
      age(source.includes('.') ? join(root, source) : join(root, source, 'index.ts'), 120);
    }
    age(join(cdkOut(), 'manifest.json'), 60);
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('keeps a cloud assembly newer than every source', () => {
    expect(cloudAssemblyStaleness(cdkOut(), root)).toEqual({
      stale: false,
      reason: 'the cloud assembly is up to date',
    });
  });

  it('synthesizes when the cloud assembly is missing', () => {
    rmSync(cdkOut(), { recursive: true });

    expect(cloudAssemblyStaleness(cdkOut(), root)).toEqual({ stale: true, reason: 'cdk.out is missing' });
  });

  it('synthesizes when a source changed since, naming it', () => {
    mkdirSync(join(root, 'lib', 'grants'));
    writeFileSync(join(root, 'lib', 'grants', 'events.ts'), 'export {};');

    expect(cloudAssemblyStaleness(cdkOut(), root)).toEqual({
      stale: true,
      reason: `${join('lib', 'grants', 'events.ts')} changed since the last synth`,
    });
  });

  it('synthesizes when the lock file changed (a dependency moved)', () => {
    writeFileSync(join(root, 'package-lock.json'), '{"changed":true}');

    expect(cloudAssemblyStaleness(cdkOut(), root).reason).toBe(
      'package-lock.json changed since the last synth',
    );
  });

  it('ignores files outside the sources, and node_modules inside them', () => {
    writeFileSync(join(root, 'README.md'), 'changed');
    mkdirSync(join(root, 'workflows', 'node_modules'));
    writeFileSync(join(root, 'workflows', 'node_modules', 'x.js'), 'changed');

    expect(cloudAssemblyStaleness(cdkOut(), root).stale).toBe(false);
  });
});
