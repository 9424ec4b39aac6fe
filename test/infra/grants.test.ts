/**
 * What a cloud team's own principals may do once granted through a workflow's
 * grant methods, proven by evaluating the synthesized policies: each grant
 * allows what it names and refuses everything next to it.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { workflowEventSource } from '../../core/platform-events.js';
import { AwfDataStack } from '../../lib/data-stack.js';
import { GovernedWorkflow } from '../../lib/governed-workflow.js';
import { STEP_NAMES } from '../../lib/steps.js';
import { loadReferencePack, REFERENCE_WORKFLOW_ID } from '../support/packs.js';
import { FakeCloud } from './support/fake-cloud.js';
import { type AccessRequest, isAllowed, type PolicyDocument, type RoleRef } from './support/iam.js';
import { cdkJsonContext, TEST_ENV } from './support/synth.js';

const { region } = TEST_ENV;

let data: AwfDataStack;
let flows: Stack;
let workflow: GovernedWorkflow;
let cloud: FakeCloud;
const roles: Record<'approvers' | 'supportDesk' | 'readers' | 'operators' | 'bystanders', RoleRef> =
  {} as never;
const grants: Record<'decide' | 'start' | 'read' | 'dataRead' | 'operate', iam.Grant> = {} as never;

function arnOf(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return cloud.arnOf(stack.stackName, stack.getLogicalId(construct.node.defaultChild as never));
}

const lineageTableArn = (): string => arnOf(data, data.lineageTable);
const runsTableArn = (): string => arnOf(data, data.runsTable);
const busArn = (): string => arnOf(data, data.eventBus);
const functionArn = (step: (typeof STEP_NAMES)[number]): string => arnOf(flows, workflow.functions[step]);

function keyPolicy(): PolicyDocument {
  const keyId = data.getLogicalId(data.key.node.defaultChild as never);
  return cloud.resolve(
    data.stackName,
    cloud.resource(data.stackName, keyId).Properties?.KeyPolicy ?? null,
  ) as unknown as PolicyDocument;
}

/** Which of the four principals may make `request`. */
async function whoMay(request: AccessRequest): Promise<string[]> {
  const allowed: string[] = [];
  for (const [name, role] of Object.entries(roles)) {
    if (await isAllowed(cloud, role, request)) allowed.push(name);
  }
  return allowed;
}

beforeAll(async () => {
  const found = await loadReferencePack();
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  data = new AwfDataStack(app, 'Data', { env: TEST_ENV });
  flows = new Stack(app, 'Flows', { env: TEST_ENV });
  workflow = new GovernedWorkflow(flows, 'RefundTriage', {
    pack: found.pack,
    packDir: found.dir,
    eventBus: data.eventBus,
    runsTable: data.runsTable,
    lineageTable: data.lineageTable,
    key: data.key,
    historyKey: data.historyKey,
    recordKeys: data.recordKeys,
    tokenKey: data.tokenKey,
  });
  // The cloud team's principals live in a stack of their own, as they would in their app.
  const people = new Stack(app, 'People', { env: TEST_ENV });
  const role = (id: string) => new iam.Role(people, id, { assumedBy: new iam.AccountRootPrincipal() });
  const approvers = role('Approvers');
  const supportDesk = role('SupportDesk');
  const readers = role('Readers');
  const operators = role('Operators');
  const bystanders = role('Bystanders');
  grants.operate = workflow.grantOperate(operators);
  grants.decide = workflow.grantDecide(approvers);
  grants.start = workflow.grantStartRuns(supportDesk);
  grants.read = workflow.grantReadLineage(readers);
  grants.dataRead = data.grantReadLineage(readers);

  cloud = new FakeCloud(
    [data, flows, people].map((stack) => ({
      stackName: stack.stackName,
      template: Template.fromStack(stack).toJSON(),
    })),
    TEST_ENV,
  );
  const ref = (r: iam.Role): RoleRef => ({
    stackName: people.stackName,
    logicalId: people.getLogicalId(r.node.defaultChild as iam.CfnRole),
  });
  Object.assign(roles, {
    approvers: ref(approvers),
    supportDesk: ref(supportDesk),
    readers: ref(readers),
    operators: ref(operators),
    bystanders: ref(bystanders),
  });
});

it('returns a grant added to the principal for each method', () => {
  for (const grant of Object.values(grants)) {
    expect(grant.success).toBe(true);
    expect(grant.principalStatements.length).toBeGreaterThan(0);
  }
});

describe('grantDecide', () => {
  const viaUrl = { 'lambda:FunctionUrlAuthType': 'AWS_IAM' };

  it('lets the grantee call the approvals endpoint, an AWS_IAM function URL', async () => {
    const decide = functionArn('decide-approval');
    expect(await whoMay({ action: 'lambda:InvokeFunctionUrl', resource: decide, context: viaUrl })).toEqual([
      'approvers',
    ]);
    expect(
      await whoMay({
        action: 'lambda:InvokeFunction',
        resource: decide,
        context: { 'lambda:InvokedViaFunctionUrl': 'true' },
      }),
    ).toEqual(['approvers']);
  });

  it('refuses the grantee a direct invoke, where it could hand the function a made-up identity', async () => {
    expect(
      await whoMay({ action: 'lambda:InvokeFunction', resource: functionArn('decide-approval') }),
    ).toEqual([]);
  });

  it('refuses the grantee every other step function and any other Lambda action', async () => {
    for (const step of STEP_NAMES.filter((s) => s !== 'decide-approval')) {
      expect({
        step,
        allowed: await whoMay({
          action: 'lambda:InvokeFunctionUrl',
          resource: functionArn(step),
          context: viaUrl,
        }),
      }).toEqual({ step, allowed: step === 'switch' || step === 'follow-up' ? ['operators'] : [] });
    }
    const decide = functionArn('decide-approval');
    expect(await whoMay({ action: 'lambda:UpdateFunctionCode', resource: decide })).toEqual([]);
  });
});

describe('grantOperate', () => {
  const viaUrl = { 'lambda:FunctionUrlAuthType': 'AWS_IAM' };

  it('lets the grantee, and no other principal, call the follow-ups endpoint to ask for a cancellation', async () => {
    const followUps = functionArn('follow-up');
    expect(
      await whoMay({ action: 'lambda:InvokeFunctionUrl', resource: followUps, context: viaUrl }),
    ).toEqual(['operators']);
    // A direct invoke is the schedules' alone (their scheduler role), never an operator's.
    expect(await whoMay({ action: 'lambda:InvokeFunction', resource: followUps })).toEqual([]);
  });

  it('lets the grantee, and no other principal, call the operations endpoint, an AWS_IAM function URL', async () => {
    const operate = functionArn('switch');
    expect(await whoMay({ action: 'lambda:InvokeFunctionUrl', resource: operate, context: viaUrl })).toEqual([
      'operators',
    ]);
    expect(
      await whoMay({
        action: 'lambda:InvokeFunction',
        resource: operate,
        context: { 'lambda:InvokedViaFunctionUrl': 'true' },
      }),
    ).toEqual(['operators']);
  });

  it('refuses the grantee a direct invoke, where it could hand the switch a made-up operator', async () => {
    expect(await whoMay({ action: 'lambda:InvokeFunction', resource: functionArn('switch') })).toEqual([]);
  });

  it('refuses the grantee every other step function, any other Lambda action and the runs table', async () => {
    for (const step of STEP_NAMES.filter((s) => s !== 'switch' && s !== 'follow-up')) {
      expect({
        step,
        allowed: await whoMay({
          action: 'lambda:InvokeFunctionUrl',
          resource: functionArn(step),
          context: viaUrl,
        }),
      }).toEqual({ step, allowed: step === 'decide-approval' ? ['approvers'] : [] });
    }
    expect(await whoMay({ action: 'lambda:UpdateFunctionCode', resource: functionArn('switch') })).toEqual(
      [],
    );
    // The switch item is written by the switch function's role alone, never by the operator directly.
    expect(
      await whoMay({
        action: 'dynamodb:PutItem',
        resource: runsTableArn(),
        context: { 'dynamodb:LeadingKeys': [`SWITCH#${REFERENCE_WORKFLOW_ID}`] },
      }),
    ).toEqual([]);
  });
});

describe('grantStartRuns', () => {
  const trigger = { 'events:source': ['acme.payments'], 'events:detail-type': ['RefundRequested'] };

  it("lets the grantee put the trigger's events on the platform bus", async () => {
    expect(await whoMay({ action: 'events:PutEvents', resource: busArn(), context: trigger })).toEqual([
      'supportDesk',
    ]);
  });

  it('refuses other sources and detail-types, alone or hidden among trigger events', async () => {
    const put = (context: Record<string, string[]>) =>
      whoMay({ action: 'events:PutEvents', resource: busArn(), context });
    expect(await put({ ...trigger, 'events:source': ['acme.orders'] })).toEqual([]);
    expect(await put({ ...trigger, 'events:detail-type': ['RefundIssued'] })).toEqual([]);
    // One call carries every entry's values: an entry impersonating the workflow spoils the whole call.
    expect(
      await put({
        ...trigger,
        'events:source': ['acme.payments', workflowEventSource(REFERENCE_WORKFLOW_ID)],
      }),
    ).toEqual([]);
    expect(await put({ 'events:source': ['acme.payments'] })).toEqual([]);
  });

  it('does not let the grantee start executions directly, bypassing the rule', async () => {
    const stateMachine = arnOf(flows, workflow.stateMachine);
    expect(await whoMay({ action: 'states:StartExecution', resource: stateMachine })).toEqual([]);
  });
});

describe('grantReadLineage', () => {
  it('lets the grantee read the lineage table and each of its indexes', async () => {
    for (const action of ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Scan', 'dynamodb:BatchGetItem']) {
      expect({ action, allowed: await whoMay({ action, resource: lineageTableArn() }) }).toEqual({
        action,
        allowed: ['readers'],
      });
    }
    for (const index of ['byWorkflow', 'runsByEntity', 'byDecision']) {
      const resource = `${lineageTableArn()}/index/${index}`;
      expect({ index, allowed: await whoMay({ action: 'dynamodb:Query', resource }) }).toEqual({
        index,
        allowed: ['readers'],
      });
    }
  });

  it('refuses every write to the lineage and any read of the runs table', async () => {
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem']) {
      expect({ action, allowed: await whoMay({ action, resource: lineageTableArn() }) }).toEqual({
        action,
        allowed: [],
      });
    }
    expect(await whoMay({ action: 'dynamodb:GetItem', resource: runsTableArn() })).toEqual([]);
  });

  it('lets the grantee decrypt with the data key through DynamoDB only', async () => {
    const decrypt = { action: 'kms:Decrypt', resource: arnOf(data, data.key), resourcePolicy: keyPolicy() };
    expect(
      await whoMay({ ...decrypt, context: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } }),
    ).toEqual(['readers']);
    expect(await whoMay(decrypt)).toEqual([]);
  });
});
