/**
 * Workflow packs are plug-ins: a workflows folder holding the reference pack
 * and a renamed copy of it (another id, another trigger, other entity ids)
 * synthesizes both side by side, and each copy's example events are valid for
 * it and for it only.
 *
 * The folder is built in the system's temporary directory, never in the
 * repository; its Lambda entries are written under a lock file of its own, so
 * the repository's entries stay as they are.
 */
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compilePattern } from '../../core/event-pattern/index.js';
import { readEventPath } from '../../core/redaction.js';
import { STACK_OUTPUTS } from '../../core/stack-outputs.js';
import type { WorkflowSpec } from '../../core/workflow/spec.js';
import { stepEntriesDir } from '../../lib/project-paths.js';
import { STEP_NAMES } from '../../lib/steps.js';
import {
  discoverWorkflowPacks,
  type ExampleEvent,
  type LocatedWorkflowPack,
  loadExampleEvents,
  WORKFLOWS_DIR,
} from '../../workflows/discover.js';
import {
  type WorkflowsOutsideRepo,
  withoutStdout,
  workflowsOutsideRepo,
} from '../support/outside-workflows.js';
import { packById, REFERENCE_WORKFLOW_ID, workflowIdsOf } from '../support/packs.js';
import { fakeCloudOf, type SynthesizedAwf, synthAwf, TEST_ENV } from './support/synth.js';

/** The renamed copy: what differs from the reference pack. */
const COPY = {
  id: 'parcel-claims',
  source: 'acme.parcels',
  detailType: 'ParcelClaimRequested',
  /** Turns a reference entity id (`ord_7h3n9q`) into the copy's own, of the same format. */
  entityId: (id: string) => id.replace(/^ord_/, 'ord_pc'),
} as const;

let outside: WorkflowsOutsideRepo;
let packs: LocatedWorkflowPack[];
let synth: SynthesizedAwf;

/** Replaces `from` by `to` in `file`, which must hold `from` exactly once. */
function replaceOnce(file: string, from: string, to: string): void {
  const text = readFileSync(file, 'utf8');
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected ${from} once in ${file}, found it ${count} times`);
  writeFileSync(file, text.replace(from, to));
}

/** Sets the member path `$.a.b` of `event` to `value`; every member on the way must exist. */
function writeEventPath(event: Record<string, unknown>, path: string, value: unknown): void {
  const members = path.slice(2).split('.');
  const last = members.pop() ?? '';
  let current = event;
  for (const member of members) current = current[member] as Record<string, unknown>;
  if (!(last in current)) throw new Error(`no ${path} to change`);
  current[last] = value;
}

/** Copies the reference pack into `workflowsDir` as the renamed copy. */
function copyReferencePack(reference: WorkflowSpec, workflowsDir: string): void {
  const dir = join(workflowsDir, COPY.id);
  cpSync(join(WORKFLOWS_DIR, REFERENCE_WORKFLOW_ID), dir, { recursive: true });
  const workflowFile = join(dir, 'workflow.ts');
  replaceOnce(workflowFile, `id: '${reference.id}'`, `id: '${COPY.id}'`);
  replaceOnce(workflowFile, `source: '${reference.trigger.source}'`, `source: '${COPY.source}'`);
  replaceOnce(
    workflowFile,
    `detailType: '${reference.trigger.detailType}'`,
    `detailType: '${COPY.detailType}'`,
  );
  const eventsDir = join(dir, 'events');
  for (const file of readdirSync(eventsDir).filter((name) => name.endsWith('.json'))) {
    const event = JSON.parse(readFileSync(join(eventsDir, file), 'utf8')) as Record<string, unknown>;
    event.source = COPY.source;
    event['detail-type'] = COPY.detailType;
    writeEventPath(
      event,
      reference.entityKey,
      COPY.entityId(String(readEventPath(event, reference.entityKey))),
    );
    writeFileSync(join(eventsDir, file), `${JSON.stringify(event, null, 2)}\n`);
  }
  // The copy's orders, under its own ids, so its grounding reads find the cases its events name.
  const orders = join(dir, 'fixtures', 'orders.json');
  const items = JSON.parse(readFileSync(orders, 'utf8')) as { orderId: string }[];
  writeFileSync(
    orders,
    `${JSON.stringify(
      items.map((item) => ({ ...item, orderId: COPY.entityId(item.orderId) })),
      null,
      2,
    )}\n`,
  );
}

/** A bus event as EventBridge delivers it, from an example. */
function busEventOf({
  name,
  source,
  'detail-type': detailType,
  detail,
}: ExampleEvent): Record<string, unknown> {
  return {
    version: '0',
    id: `example-${name}`,
    source,
    'detail-type': detailType,
    account: TEST_ENV.account,
    region: TEST_ENV.region,
    time: '2026-11-20T12:00:00Z',
    resources: [],
    detail,
  };
}

/** The event pattern of a workflow's trigger rule, as synthesized. */
function rulePattern(workflowId: string): unknown {
  const workflow = synth.workflows.workflows[workflowId];
  if (!workflow) throw new Error(`no workflow ${workflowId}`);
  const id = synth.workflows.getLogicalId(workflow.rule.node.defaultChild as never);
  const resources = synth.workflowsTemplate.toJSON().Resources as Record<
    string,
    { Properties: { EventPattern: unknown } }
  >;
  return resources[id]?.Properties.EventPattern;
}

beforeAll(async () => {
  outside = workflowsOutsideRepo('pack-plugins');
  const { workflowsDir } = outside;
  cpSync(join(WORKFLOWS_DIR, REFERENCE_WORKFLOW_ID), join(workflowsDir, REFERENCE_WORKFLOW_ID), {
    recursive: true,
  });
  const [reference] = await discoverWorkflowPacks(workflowsDir);
  if (!reference) throw new Error('the reference pack did not load from its copy');
  copyReferencePack(reference.pack.spec, workflowsDir);
  packs = await discoverWorkflowPacks(workflowsDir);

  // The app's own lock file roots the generated Lambda entries, apart from the repository's.
  synth = synthAwf({ packs, depsLockFilePath: outside.lockFile });
});

afterAll(() => outside?.remove());

it('discovers the reference pack and its renamed copy, each with its own id, trigger and entities', () => {
  expect(workflowIdsOf(packs)).toEqual([COPY.id, REFERENCE_WORKFLOW_ID]);
  const reference = packById(packs, REFERENCE_WORKFLOW_ID).pack.spec;
  const copy = packById(packs, COPY.id).pack.spec;
  expect(copy.trigger).toMatchObject({ source: COPY.source, detailType: COPY.detailType });
  expect([copy.trigger.source, copy.trigger.detailType]).not.toEqual([
    reference.trigger.source,
    reference.trigger.detailType,
  ]);
  const entities = (located: LocatedWorkflowPack) =>
    loadExampleEvents(located.dir).map((example) => readEventPath(example, located.pack.spec.entityKey));
  const referenceEntities = entities(packById(packs, REFERENCE_WORKFLOW_ID));
  const copyEntities = entities(packById(packs, COPY.id));
  expect(copyEntities).toHaveLength(referenceEntities.length);
  expect(copyEntities.filter((id) => referenceEntities.includes(id))).toEqual([]);
});

it('synthesizes both packs side by side: a rule, a state machine and the fourteen steps each', () => {
  const ids = workflowIdsOf(packs);
  expect(Object.keys(synth.workflows.workflows).sort()).toEqual([...ids].sort());
  synth.workflowsTemplate.resourceCountIs('AWS::Lambda::Function', ids.length * STEP_NAMES.length);
  synth.workflowsTemplate.resourceCountIs('AWS::StepFunctions::StateMachine', ids.length);
  for (const { pack } of packs) {
    const { id, trigger } = pack.spec;
    expect({ id, pattern: rulePattern(id) }).toEqual({
      id,
      pattern: { source: [trigger.source], 'detail-type': [trigger.detailType] },
    });
    expect(Object.keys(synth.workflows.workflows[id]?.functions ?? {})).toEqual([...STEP_NAMES]);
  }
  const cloud = fakeCloudOf(synth);
  const outputs = cloud.resolve(
    synth.workflows.stackName,
    synth.workflowsTemplate.toJSON().Outputs,
  ) as Record<string, { Value: string }>;
  const listed = JSON.parse(outputs[STACK_OUTPUTS.workflows]?.Value ?? 'null') as Record<string, unknown>;
  expect(Object.keys(listed).sort()).toEqual([...ids].sort());
});

it("writes each pack's Lambda entries under the app's own lock file, outside the repository", () => {
  const entriesDir = stepEntriesDir(dirname(outside.lockFile));
  for (const id of workflowIdsOf(packs)) {
    expect(readdirSync(join(entriesDir, id)).sort()).toEqual(STEP_NAMES.map((step) => `${step}.ts`).sort());
  }
  const copyEntry = readFileSync(join(entriesDir, COPY.id, 'admit.ts'), 'utf8');
  expect(copyEntry).toContain(`workflows/${COPY.id}/workflow.js`);
  expect(copyEntry).not.toContain(outside.root);
});

describe.each([REFERENCE_WORKFLOW_ID, COPY.id])('the example events of %s', (workflowId) => {
  it('exist, and each is routed to its pack only', () => {
    const located = packById(packs, workflowId);
    const examples = loadExampleEvents(located.dir);
    expect(examples.length).toBeGreaterThan(0);
    const matchers = workflowIdsOf(packs).map((id) => [id, compilePattern(rulePattern(id))] as const);
    for (const example of examples) {
      const routedTo = matchers.filter(([, matches]) => matches(busEventOf(example))).map(([id]) => id);
      expect({ example: example.name, routedTo }).toEqual({ example: example.name, routedTo: [workflowId] });
    }
  });

  it("fit the pack's trigger schema unless they are meant to be rejected, and name an entity", () => {
    const { dir, pack } = packById(packs, workflowId);
    for (const example of loadExampleEvents(dir)) {
      const valid = pack.spec.trigger.detail.safeParse(example.detail).success;
      expect({ example: example.name, valid }).toEqual({
        example: example.name,
        valid: example.expect.outcome !== 'REJECT',
      });
      const entity = readEventPath(example, pack.spec.entityKey);
      expect({ example: example.name, entity: typeof entity }).toEqual({
        example: example.name,
        entity: 'string',
      });
    }
  });

  it("propose only actions of the pack's own catalogue", () => {
    const { dir, pack } = packById(packs, workflowId);
    for (const example of loadExampleEvents(dir)) {
      for (const action of example.expect.actions) expect(Object.keys(pack.spec.actions)).toContain(action);
    }
  });
});

it('passes `awf packs test` for both packs: every example ends as it expects', async () => {
  const { testPacks } = await import('../../cli/commands/packs.js');
  try {
    const lines = await withoutStdout(() => testPacks({ dir: outside.workflowsDir, json: true }));
    expect(new Set(lines.map((line) => line.pack))).toEqual(new Set(workflowIdsOf(packs)));
    expect(
      lines.filter((line) => !line.passed).map((line) => [line.pack, line.example, line.mismatches]),
    ).toEqual([]);
    expect(process.exitCode ?? 0).toBe(0);
  } finally {
    process.exitCode = undefined;
  }
});
