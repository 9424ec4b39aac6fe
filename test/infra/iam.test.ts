/**
 * Least privilege, proven by evaluating the synthesized policies: each role
 * may do what its step needs and is refused the rest.
 */
import type { Stack } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { workflowEventSource } from '../../core/platform-events.js';
import { declaredPorts } from '../../core/steps/definitions.js';
import type { PortNeeds } from '../../core/steps/ports.js';
import {
  LINEAGE_TABLE_LAYOUT,
  RUNS_TABLE_LAYOUT,
  type RunsPartition,
} from '../../core/storage/table-layout.js';
import { modelInvokeArns } from '../../lib/grants/model-invoke.js';
import { STEP_NAMES, type StepName } from '../../lib/steps.js';
import type { PackAtDir } from '../../lib/workflows-stack.js';
import { REFERENCE_WORKFLOW_ID, workflowIdsOf } from '../support/packs.js';
import type { FakeCloud } from './support/fake-cloud.js';
import {
  allRoles,
  isAllowed,
  type PolicyDocument,
  type RoleRef,
  rolesAllowed,
  statementsOf,
} from './support/iam.js';
import { fakeCloudOf, loadTestPacks, type SynthesizedAwf, synthAwf, TEST_ENV } from './support/synth.js';

const { account, region } = TEST_ENV;
/** The synthesized packs: the repository's and the fixture packs. */
let packs: PackAtDir[];
/** Their workflow ids. */
let workflowIds: string[];
let synth: SynthesizedAwf;
let cloud: FakeCloud;
let everyRole: RoleRef[];

function roleRef(stack: Stack, role: iam.Role): RoleRef {
  return { stackName: stack.stackName, logicalId: stack.getLogicalId(role.node.defaultChild as iam.CfnRole) };
}

function stepRole(workflowId: string, step: StepName): RoleRef {
  const workflow = synth.workflows.workflows[workflowId];
  if (!workflow) throw new Error(`no workflow ${workflowId}`);
  return roleRef(synth.workflows, workflow.roles[step]);
}

function stepRoles(workflowId: string, steps: readonly StepName[] = STEP_NAMES): RoleRef[] {
  return steps.map((step) => stepRole(workflowId, step));
}

function logicalIdOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

function arnOfConstruct(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return cloud.arnOf(stack.stackName, logicalIdOf(stack, construct));
}

const lineageTableArn = (): string => arnOfConstruct(synth.data, synth.data.lineageTable);
const runsTableArn = (): string => arnOfConstruct(synth.data, synth.data.runsTable);
const busArn = (): string => arnOfConstruct(synth.data, synth.data.eventBus);
const keyArn = (): string => arnOfConstruct(synth.data, synth.data.key);
const historyKeyArn = (): string => arnOfConstruct(synth.data, synth.data.historyKey);
const tokenKeyArn = (): string => arnOfConstruct(synth.data, synth.data.tokenKey);

function keyPolicy(): PolicyDocument {
  const keyId = logicalIdOf(synth.data, synth.data.key);
  const resolved = cloud.resolve(
    synth.data.stackName,
    cloud.resource(synth.data.stackName, keyId).Properties?.KeyPolicy ?? null,
  );
  return resolved as unknown as PolicyDocument;
}

const names = (roles: readonly RoleRef[]): string[] =>
  roles.map((r) => `${r.stackName}/${r.logicalId}`).sort();

beforeAll(async () => {
  packs = await loadTestPacks();
  workflowIds = workflowIdsOf(packs);
  synth = synthAwf({ packs });
  cloud = fakeCloudOf(synth);
  everyRole = allRoles(cloud, [synth.data.stackName, synth.workflows.stackName]);
});

describe('every role', () => {
  it('has no managed policies and no allow statement with a wildcard action', () => {
    for (const role of everyRole) {
      for (const statement of statementsOf(cloud, role)) {
        expect(statement.NotAction).toBeUndefined();
        if (statement.Effect !== 'Allow') continue;
        const actions = [statement.Action ?? []].flat();
        expect(actions.filter((action) => action.includes('*'))).toEqual([]);
      }
    }
  });

  it('has a wildcard resource only for X-Ray, log delivery and stream listing, which support no resource-level permissions', () => {
    // dynamodb:ListStreams: the lineage tamper function's stream mapping (test/infra/lineage-anchoring.test.ts).
    const allowedOnAnyResource =
      /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery)|dynamodb:ListStreams)$/;
    for (const role of everyRole) {
      for (const statement of statementsOf(cloud, role)) {
        if (![statement.Resource ?? []].flat().includes('*')) continue;
        for (const action of [statement.Action ?? []].flat()) expect(action).toMatch(allowedOnAnyResource);
      }
    }
  });
});

describe('the ports each step declares', () => {
  // The expectation is derived from each step definition's declared ports and
  // checked against the synthesized policies: the grants in lib/ and the list
  // the code runs with are one list, so adding a port to a step without its
  // grant (or a grant without the port) fails here.
  const samplePartitionKeys: Record<RunsPartition, string> = {
    run: `${RUNS_TABLE_LAYOUT.partitions.run}run-1`,
    approval: `${RUNS_TABLE_LAYOUT.partitions.approval}appr-1`,
    reminder: `${RUNS_TABLE_LAYOUT.partitions.reminder}appr-1`,
    execution: `${RUNS_TABLE_LAYOUT.partitions.execution}exec-1`,
    workflow: `${RUNS_TABLE_LAYOUT.partitions.workflow}${REFERENCE_WORKFLOW_ID}`,
    switch: `${RUNS_TABLE_LAYOUT.partitions.switch}${REFERENCE_WORKFLOW_ID}`,
    parked: `${RUNS_TABLE_LAYOUT.partitions.parked}${REFERENCE_WORKFLOW_ID}`,
    history: `${RUNS_TABLE_LAYOUT.partitions.history}${REFERENCE_WORKFLOW_ID}#issueRefund#cus_1`,
    request: `${RUNS_TABLE_LAYOUT.partitions.request}${REFERENCE_WORKFLOW_ID}#0f3a`,
    ledger: `${RUNS_TABLE_LAYOUT.partitions.ledger}${REFERENCE_WORKFLOW_ID}#refundedPerOrder#0f3a`,
    followup: `${RUNS_TABLE_LAYOUT.partitions.followup}fu-1`,
  };

  it.each(STEP_NAMES)('grants the %s step exactly what its declared ports need', async (step) => {
    const needs: PortNeeds = declaredPorts(step);
    const role = stepRole(REFERENCE_WORKFLOW_ID, step);
    const can = (action: string, resource: string, context?: Record<string, string[]>) =>
      isAllowed(cloud, role, { action, resource, ...(context ? { context } : {}) });

    expect(await can('dynamodb:PutItem', lineageTableArn())).toBe(needs.lineage === 'append');
    expect(await can('dynamodb:Query', runsTableArn())).toBe(needs.runs !== undefined);
    const writes: readonly string[] =
      needs.runs === undefined || needs.runs === 'read' ? [] : needs.runs.writes;
    for (const [partition, key] of Object.entries(samplePartitionKeys)) {
      const allowed = await can('dynamodb:PutItem', runsTableArn(), { 'dynamodb:LeadingKeys': [key] });
      expect({ step, partition, allowed }).toEqual({ step, partition, allowed: writes.includes(partition) });
    }
    const platformEvent = {
      'events:source': [workflowEventSource(REFERENCE_WORKFLOW_ID)],
      'events:detail-type': ['WorkflowCompleted'],
    };
    expect(await can('events:PutEvents', busArn(), platformEvent)).toBe(needs.events === 'workflow');
    const connectorEvent = {
      'events:source': [workflowEventSource(REFERENCE_WORKFLOW_ID)],
      'events:detail-type': ['RefundIssued'],
    };
    // The follow-up step reaches the connectors of reducing actions only, and refund-triage has none.
    expect(await can('events:PutEvents', busArn(), connectorEvent)).toBe(
      needs.events === 'workflow' || needs.events === 'connectors',
    );
    const bedrock = statementsOf(cloud, role).some((statement) =>
      [statement.Action ?? []].flat().includes('bedrock:InvokeModel'),
    );
    expect(bedrock).toBe(needs.model === 'invoke');
    const answersTokens = statementsOf(cloud, role).some((statement) =>
      [statement.Action ?? []].flat().includes('states:SendTaskSuccess'),
    );
    expect(answersTokens).toBe(needs.callbacks === 'answer');
    // test/infra/history-key.test.ts proves what a declaring role may do with the key, and nothing more.
    // KMS also needs the key policy, which that test hands the simulator; here, the statement's presence.
    const macs = statementsOf(cloud, role).some(
      (statement) =>
        [statement.Action ?? []].flat().includes('kms:GenerateMac') &&
        [statement.Resource ?? []].flat().includes(historyKeyArn()),
    );
    expect(macs).toBe(needs.keys === 'mac');
    // test/infra/task-token-key.test.ts proves the task token key's uses; here, which statement a role holds.
    const tokenUses = statementsOf(cloud, role)
      .filter((statement) => [statement.Resource ?? []].flat().includes(tokenKeyArn()))
      .flatMap((statement) => [statement.Action ?? []].flat());
    expect({ step, tokenUses }).toEqual({
      step,
      tokenUses: needs.tokens === 'seal' ? ['kms:Encrypt'] : needs.tokens === 'open' ? ['kms:Decrypt'] : [],
    });
  });

  it('lets the step that declares connector items, and only it, update a connector table', async () => {
    const holdsTable = `arn:aws:dynamodb:${region}:${account}:table/acme-order-holds`;
    const declaring = STEP_NAMES.filter((step) => declaredPorts(step).items === 'connectors');
    const allowed = await rolesAllowed(cloud, stepRoles('order-holds'), {
      action: 'dynamodb:UpdateItem',
      resource: holdsTable,
    });
    expect(names(allowed)).toEqual(names(stepRoles('order-holds', declaring)));
  });
});

describe('the kill switch', () => {
  const switchItem = {
    'dynamodb:LeadingKeys': [`${RUNS_TABLE_LAYOUT.partitions.switch}${REFERENCE_WORKFLOW_ID}`],
  };

  it("lets the workflow's own switch step, and no other role, write its switch item; none may delete it", async () => {
    for (const workflowId of workflowIds) {
      const itemOf = { 'dynamodb:LeadingKeys': [`${RUNS_TABLE_LAYOUT.partitions.switch}${workflowId}`] };
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
        const allowed = await rolesAllowed(cloud, everyRole, {
          action,
          resource: runsTableArn(),
          context: itemOf,
        });
        expect({ workflowId, action, allowed: names(allowed) }).toEqual({
          workflowId,
          action,
          allowed: action === 'dynamodb:DeleteItem' ? [] : names([stepRole(workflowId, 'switch')]),
        });
      }
    }
  });

  it('lets Gate and Act read the switch item, and write nothing of it', async () => {
    for (const step of ['gate', 'act'] as const) {
      const role = stepRole(REFERENCE_WORKFLOW_ID, step);
      const can = (action: string) =>
        isAllowed(cloud, role, { action, resource: runsTableArn(), context: switchItem });
      expect({ step, read: await can('dynamodb:GetItem'), write: await can('dynamodb:PutItem') }).toEqual({
        step,
        read: true,
        write: false,
      });
    }
  });
});

describe('model access', () => {
  // refund-triage calls its model through the US geography's inference profile; order-holds calls one directly.
  const profileModel = 'anthropic.claude-haiku-4-5-20251001-v1:0';
  const directModel = 'anthropic.claude-3-5-haiku-20241022-v1:0';
  const refundTriageModelArns = [
    `arn:aws:bedrock:${region}:${account}:inference-profile/us.${profileModel}`,
    ...['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2'].map(
      (r) => `arn:aws:bedrock:${r}::foundation-model/${profileModel}`,
    ),
  ];
  const orderHoldsModelArns = [`arn:aws:bedrock:${region}::foundation-model/${directModel}`];
  /** The ARNs a workflow's model is granted on: written out for the models above, derived for any other. */
  const modelArnsOf = (workflowId: string, modelId: string): string[] => {
    if (modelId === `us.${profileModel}`) return refundTriageModelArns;
    if (modelId === directModel) return orderHoldsModelArns;
    const construct = synth.workflows.workflows[workflowId];
    if (!construct) throw new Error(`no workflow ${workflowId}`);
    return modelInvokeArns(modelId, { construct, partition: 'aws', region, account });
  };

  it('grants bedrock actions to the plan roles only, on exactly the configured model ARNs', () => {
    const bedrockResources = new Map<string, string[]>();
    for (const role of everyRole) {
      for (const statement of statementsOf(cloud, role)) {
        const actions = [statement.Action ?? []].flat();
        if (!actions.some((a) => a.toLowerCase().startsWith('bedrock:'))) continue;
        expect(actions).toEqual(['bedrock:InvokeModel']);
        const key = `${role.stackName}/${role.logicalId}`;
        bedrockResources.set(key, [
          ...(bedrockResources.get(key) ?? []),
          ...[statement.Resource ?? []].flat(),
        ]);
      }
    }
    const plan = (id: string): string => names([stepRole(id, 'plan')])[0] ?? '';
    expect([...bedrockResources.keys()].sort()).toEqual(workflowIds.map(plan).sort());
    expect(bedrockResources.get(plan('refund-triage'))?.sort()).toEqual([...refundTriageModelArns].sort());
    expect(bedrockResources.get(plan('order-holds'))).toEqual(orderHoldsModelArns);
    for (const { pack } of packs) {
      const { id, agent } = pack.spec;
      expect({ id, arns: bedrockResources.get(plan(id))?.sort() }).toEqual({
        id,
        arns: [...modelArnsOf(id, agent.modelId)].sort(),
      });
    }
  });

  it('lets the plan role invoke its inference profile and the model in each region the profile routes to', async () => {
    const plan = stepRole('refund-triage', 'plan');
    for (const arn of refundTriageModelArns) {
      expect(await isAllowed(cloud, plan, { action: 'bedrock:InvokeModel', resource: arn })).toBe(true);
    }
  });

  it('refuses every role another model, and the configured model outside the profile geography', async () => {
    for (const resource of [
      `arn:aws:bedrock:${region}::foundation-model/anthropic.claude-3-opus-20240229-v1:0`,
      `arn:aws:bedrock:eu-west-1::foundation-model/${profileModel}`,
      `arn:aws:bedrock:${region}:${account}:inference-profile/eu.${profileModel}`,
    ]) {
      expect(
        names(await rolesAllowed(cloud, everyRole, { action: 'bedrock:InvokeModel', resource })),
      ).toEqual([]);
    }
  });
});

describe('lineage table', () => {
  it('refuses every role UpdateItem, DeleteItem, PartiQL and table changes on the lineage table and its indexes', async () => {
    const actions = [
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:PartiQLInsert',
      'dynamodb:PartiQLUpdate',
      'dynamodb:PartiQLDelete',
      'dynamodb:PartiQLSelect',
      'dynamodb:DeleteTable',
      'dynamodb:UpdateTable',
    ];
    for (const resource of [lineageTableArn(), `${lineageTableArn()}/index/runsByEntity`]) {
      for (const action of actions) {
        expect({
          action,
          resource,
          allowed: names(await rolesAllowed(cloud, everyRole, { action, resource })),
        }).toEqual({ action, resource, allowed: [] });
      }
    }
  });

  it('lets the steps that append lineage (the reminder among them, for its escalation rungs) GetItem, PutItem and Query the table', async () => {
    const steps = workflowIds.flatMap((id) => stepRoles(id));
    const appendingSteps = STEP_NAMES.filter((step) => declaredPorts(step).lineage === 'append');
    expect(appendingSteps).toContain('remind');
    const appending = workflowIds.flatMap((id) => stepRoles(id, appendingSteps));
    for (const action of ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']) {
      const allowed = await rolesAllowed(cloud, steps, { action, resource: lineageTableArn() });
      expect(names(allowed)).toEqual(names(appending));
    }
  });

  it('refuses the steps a Scan of the lineage table and any access through its indexes', async () => {
    const steps = workflowIds.flatMap((id) => stepRoles(id));
    expect(
      names(await rolesAllowed(cloud, steps, { action: 'dynamodb:Scan', resource: lineageTableArn() })),
    ).toEqual([]);
    const index = `${lineageTableArn()}/index/byWorkflow`;
    expect(names(await rolesAllowed(cloud, steps, { action: 'dynamodb:Query', resource: index }))).toEqual(
      [],
    );
  });

  it('lets the auditor role read the lineage table and every index, and nothing else', async () => {
    const auditor = roleRef(synth.data, synth.data.auditorRole);
    for (const resource of [
      lineageTableArn(),
      ...Object.values(LINEAGE_TABLE_LAYOUT.indexes).map(
        (index) => `${lineageTableArn()}/index/${index.indexName}`,
      ),
    ]) {
      expect(await isAllowed(cloud, auditor, { action: 'dynamodb:Query', resource })).toBe(true);
    }
    expect(await isAllowed(cloud, auditor, { action: 'dynamodb:PutItem', resource: lineageTableArn() })).toBe(
      false,
    );
    expect(await isAllowed(cloud, auditor, { action: 'dynamodb:GetItem', resource: runsTableArn() })).toBe(
      false,
    );
    expect(
      await isAllowed(cloud, auditor, {
        action: 'dynamodb:GetRecords',
        resource: `${lineageTableArn()}/stream/x`,
      }),
    ).toBe(false);
  });
});

describe('runs table', () => {
  const writers: StepName[] = [
    'admit',
    'request-approval',
    'decide-approval',
    'act',
    'complete',
    'escalate',
    'remind',
    'reconcile',
    // A follow-up's execution claim, and the approval its cancellation waits for.
    'follow-up',
  ];
  const readers: StepName[] = ['ground', 'plan', 'gate'];

  it('lets every step read runs and query the byWorkflow index', async () => {
    const steps = workflowIds.flatMap((id) => stepRoles(id));
    for (const resource of [runsTableArn(), `${runsTableArn()}/index/byWorkflow`]) {
      const allowed = await rolesAllowed(cloud, steps, { action: 'dynamodb:Query', resource });
      expect(names(allowed)).toEqual(names(steps));
    }
  });

  /** A write to the runs table of an item whose partition key is `partitionKey`. */
  const write = (action: string, partitionKey: string) => ({
    action,
    resource: runsTableArn(),
    context: { 'dynamodb:LeadingKeys': [partitionKey] },
  });

  it('lets only admit, request-approval, decide-approval, act, complete, escalate, remind, reconcile and follow-up write runs', async () => {
    // Remind writes reminders only; act writes execution claims and history, never a run's own items.
    const writersOfRuns = writers.filter((step) => step !== 'remind' && step !== 'act');
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem']) {
      const allowed = await rolesAllowed(cloud, everyRole, write(action, 'RUN#run-1'));
      expect(names(allowed)).toEqual(names(workflowIds.flatMap((id) => stepRoles(id, writersOfRuns))));
      const anyItem = await Promise.all(
        [
          'RUN#run-1',
          'APPROVAL#appr-1',
          'REMINDER#appr-1',
          'EXEC#exec-1',
          'HISTORY#refund-triage#issueRefund#cus_1',
        ].map((pk) => rolesAllowed(cloud, everyRole, write(action, pk))),
      );
      expect(
        names([...new Map(anyItem.flat().map((r) => [`${r.stackName}/${r.logicalId}`, r])).values()]),
      ).toEqual(names(workflowIds.flatMap((id) => stepRoles(id, writers))));
    }
    const readOnly = workflowIds.flatMap((id) => stepRoles(id, readers));
    expect(
      names(await rolesAllowed(cloud, readOnly, { action: 'dynamodb:PutItem', resource: runsTableArn() })),
    ).toEqual([]);
  });

  it("refuses every role a write of an autonomy level: nothing may raise an action's autonomy at run time", async () => {
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem']) {
      expect(names(await rolesAllowed(cloud, everyRole, write(action, 'WORKFLOW#refund-triage')))).toEqual(
        [],
      );
    }
  });

  it('lets each step write only the kinds of runs items it writes', async () => {
    const kinds = {
      run: 'RUN#run-1',
      approval: 'APPROVAL#appr-1',
      reminder: 'REMINDER#appr-1',
      execution: 'EXEC#exec-1',
      history: 'HISTORY#refund-triage#issueRefund#cus_1',
    };
    const expected: Partial<Record<StepName, (keyof typeof kinds)[]>> = {
      admit: ['run'],
      'request-approval': ['run', 'approval'],
      'decide-approval': ['run', 'approval'],
      act: ['execution', 'history'],
      complete: ['run'],
      escalate: ['run', 'approval'],
      remind: ['reminder'],
      reconcile: ['run', 'approval'],
      'follow-up': ['run', 'approval', 'execution'],
    };
    for (const step of STEP_NAMES) {
      const role = stepRole('refund-triage', step);
      const writable: string[] = [];
      for (const [kind, partitionKey] of Object.entries(kinds)) {
        if (await isAllowed(cloud, role, write('dynamodb:PutItem', partitionKey))) writable.push(kind);
      }
      expect({ step, writable: writable.sort() }).toEqual({
        step,
        writable: [...(expected[step] ?? [])].sort(),
      });
    }
  });

  it('refuses act a write of an approval, so the step that runs actions cannot approve them', async () => {
    const act = stepRole('refund-triage', 'act');
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem']) {
      expect(await isAllowed(cloud, act, write(action, 'APPROVAL#appr-1'))).toBe(false);
    }
    expect(await isAllowed(cloud, act, { action: 'dynamodb:UpdateItem', resource: runsTableArn() })).toBe(
      false,
    );
  });

  it('refuses remind a write of an approval and lets it write reminder items only', async () => {
    for (const id of workflowIds) {
      const remind = stepRole(id, 'remind');
      for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem']) {
        expect({
          id,
          action,
          approval: await isAllowed(cloud, remind, write(action, 'APPROVAL#appr-1')),
        }).toEqual({
          id,
          action,
          approval: false,
        });
      }
      expect(await isAllowed(cloud, remind, write('dynamodb:PutItem', 'REMINDER#appr-1'))).toBe(true);
      expect(await isAllowed(cloud, remind, { action: 'dynamodb:PutItem', resource: runsTableArn() })).toBe(
        false,
      );
    }
  });

  it('refuses every role DeleteItem and BatchWriteItem on the runs table: claims and history are never deleted', async () => {
    for (const action of ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem']) {
      expect({
        action,
        allowed: names(await rolesAllowed(cloud, everyRole, { action, resource: runsTableArn() })),
      }).toEqual({ action, allowed: [] });
    }
  });
});

describe('events', () => {
  /** A PutEvents call; the condition keys carry one value per entry. */
  const putEvents = (...entries: [source: string, detailType: string][]) => ({
    action: 'events:PutEvents',
    resource: busArn(),
    context: {
      'events:source': entries.map(([source]) => source),
      'events:detail-type': entries.map(([, detailType]) => detailType),
    },
  });

  it('lets request-approval, complete, escalate, remind and reconcile put platform events with their own workflow source only', async () => {
    for (const id of workflowIds) {
      const allowed = await rolesAllowed(
        cloud,
        everyRole,
        putEvents([workflowEventSource(id), 'WorkflowCompleted']),
      );
      expect(names(allowed)).toEqual(
        names(stepRoles(id, ['request-approval', 'complete', 'escalate', 'remind', 'reconcile'])),
      );
    }
  });

  it('refuses every role an event that impersonates a business system and would start a run', async () => {
    const triggers = packs.map(({ pack }): [string, string] => [
      pack.spec.trigger.source,
      pack.spec.trigger.detailType,
    ]);
    expect(triggers).toContainEqual(['acme.payments', 'RefundRequested']);
    for (const trigger of triggers) {
      const allowed = await rolesAllowed(cloud, everyRole, putEvents(trigger));
      expect({ trigger, allowed: names(allowed) }).toEqual({ trigger, allowed: [] });
    }
  });

  it('refuses a call that hides an impersonating entry among legitimate ones', async () => {
    const complete = stepRole('refund-triage', 'complete');
    const legitimate: [string, string] = ['awf.refund-triage', 'WorkflowCompleted'];
    expect(await isAllowed(cloud, complete, putEvents(legitimate))).toBe(true);
    expect(
      await isAllowed(cloud, complete, putEvents(legitimate, ['acme.payments', 'RefundRequested'])),
    ).toBe(false);
  });

  it('refuses a call whose entries carry no source at all', async () => {
    const complete = stepRole('refund-triage', 'complete');
    expect(await isAllowed(cloud, complete, { action: 'events:PutEvents', resource: busArn() })).toBe(false);
  });

  it('lets act put only the detail-types of its own connectors', async () => {
    const act = stepRole('refund-triage', 'act');
    for (const detailType of [
      'RefundIssued',
      'RefundDenied',
      'MoreInformationRequested',
      'RefundEscalated',
    ]) {
      expect(await isAllowed(cloud, act, putEvents(['awf.refund-triage', detailType]))).toBe(true);
    }
    expect(await isAllowed(cloud, act, putEvents(['awf.refund-triage', 'WorkflowCompleted']))).toBe(false);
    expect(await isAllowed(cloud, act, putEvents(['awf.order-holds', 'RiskTeamNotified']))).toBe(false);
    expect(
      await isAllowed(
        cloud,
        stepRole('order-holds', 'act'),
        putEvents(['awf.order-holds', 'RiskTeamNotified']),
      ),
    ).toBe(true);
  });
});

describe('connector tables', () => {
  const holdsTable = `arn:aws:dynamodb:${region}:${account}:table/acme-order-holds`;

  it('lets only the act role of the workflow that names a connector table update its items', async () => {
    const allowed = await rolesAllowed(cloud, everyRole, {
      action: 'dynamodb:UpdateItem',
      resource: holdsTable,
    });
    expect(names(allowed)).toEqual(names([stepRole('order-holds', 'act')]));
  });

  it('refuses act anything but UpdateItem on a connector table, and any table it does not name', async () => {
    const act = stepRole('order-holds', 'act');
    for (const action of ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:Scan', 'dynamodb:GetItem']) {
      expect(await isAllowed(cloud, act, { action, resource: holdsTable })).toBe(false);
    }
    const otherTable = `arn:aws:dynamodb:${region}:${account}:table/acme-payments`;
    expect(await isAllowed(cloud, act, { action: 'dynamodb:UpdateItem', resource: otherTable })).toBe(false);
  });
});

describe('state machines', () => {
  const invokedSteps: StepName[] = [
    'admit',
    'park',
    'ground',
    'plan',
    'gate',
    'request-approval',
    'act',
    'complete',
    'escalate',
  ];

  it('lets each state machine role invoke exactly the functions its definition names', async () => {
    for (const id of workflowIds) {
      const workflow = synth.workflows.workflows[id];
      if (!workflow) throw new Error(id);
      const role = roleRef(synth.workflows, workflow.stateMachine.role as iam.Role);
      for (const other of workflowIds) {
        const functions = synth.workflows.workflows[other]?.functions;
        if (!functions) throw new Error(other);
        for (const step of STEP_NAMES) {
          const resource = arnOfConstruct(synth.workflows, functions[step]);
          const expected = other === id && invokedSteps.includes(step);
          expect({
            id,
            other,
            step,
            allowed: await isAllowed(cloud, role, { action: 'lambda:InvokeFunction', resource }),
          }).toEqual({ id, other, step, allowed: expected });
        }
      }
    }
  });

  // SendTask* are authorized against the state machine that issued the token.
  // The IAM service reference lists no resource type for them, so a simulator
  // cannot evaluate them: the statements are checked as written instead.
  it('lets only decide-approval and switch (releasing parked runs) answer task tokens, of their own state machine only', () => {
    // Success and failure only: no role heartbeats an approval wait.
    const taskActions = ['states:SendTaskFailure', 'states:SendTaskSuccess'];
    for (const id of workflowIds) {
      const workflow = synth.workflows.workflows[id];
      if (!workflow) throw new Error(id);
      const ownStateMachine = arnOfConstruct(synth.workflows, workflow.stateMachine);
      for (const step of ['decide-approval', 'switch'] as const) {
        const statements = statementsOf(cloud, stepRole(id, step)).filter((s) =>
          [s.Action ?? []].flat().some((a) => a.startsWith('states:')),
        );
        expect(statements).toEqual([{ Effect: 'Allow', Action: taskActions, Resource: ownStateMachine }]);
      }
    }
    const answering = everyRole.filter((role) =>
      statementsOf(cloud, role).some((s) =>
        [s.Action ?? []].flat().some((a) => a.startsWith('states:SendTask')),
      ),
    );
    expect(names(answering)).toEqual(
      names(workflowIds.flatMap((id) => stepRoles(id, ['decide-approval', 'switch']))),
    );
  });

  // As above, checked as written: remind's role holds no states action at all.
  it('refuses remind SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat: it cannot resume or tend a task', () => {
    expect(declaredPorts('remind').callbacks).toBeUndefined();
    for (const id of workflowIds) {
      const allowed = statementsOf(cloud, stepRole(id, 'remind'))
        .filter((s) => s.Effect === 'Allow')
        .flatMap((s) => [s.Action ?? []].flat())
        .filter((a) => a.toLowerCase().startsWith('states:'));
      expect({ id, allowed }).toEqual({ id, allowed: [] });
    }
  });

  it('lets only the rule role of each workflow start its executions', async () => {
    for (const id of workflowIds) {
      const workflow = synth.workflows.workflows[id];
      if (!workflow) throw new Error(id);
      const resource = arnOfConstruct(synth.workflows, workflow.stateMachine);
      const allowed = await rolesAllowed(cloud, everyRole, { action: 'states:StartExecution', resource });
      expect(allowed).toHaveLength(1);
      const [ruleRole] = allowed;
      if (!ruleRole) throw new Error('no role may start executions');
      expect(
        cloud.resource(ruleRole.stackName, ruleRole.logicalId).Properties?.AssumeRolePolicyDocument,
      ).toMatchObject({
        Statement: [{ Principal: { Service: 'events.amazonaws.com' } }],
      });
    }
  });
});

describe('the data key', () => {
  it('lets a step use the key through DynamoDB only, never directly', async () => {
    const admit = stepRole('refund-triage', 'admit');
    const request = { action: 'kms:Decrypt', resource: keyArn(), resourcePolicy: keyPolicy() };
    expect(
      await isAllowed(cloud, admit, {
        ...request,
        context: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` },
      }),
    ).toBe(true);
    expect(await isAllowed(cloud, admit, request)).toBe(false);
    expect(
      await isAllowed(cloud, admit, {
        ...request,
        context: { 'kms:ViaService': `s3.${region}.amazonaws.com` },
      }),
    ).toBe(false);
  });
});
