/**
 * Grounding facts are read from the customer's tables with `GetItem` only, by
 * the steps that declare the facts port only, on the tables the spec names
 * only: proven by evaluating the synthesized policies of a pack whose facts
 * name one table by name and one by ARN (in another region, so an ARN that
 * was rebuilt from its name would show).
 *
 * The pack is written in the system's temporary directory, never in the
 * repository, with a lock file of its own for its Lambda entries.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { declaredPorts } from '../../core/steps/definitions.js';
import { STEP_NAMES, type StepName } from '../../lib/steps.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';
import { type WorkflowsOutsideRepo, workflowsOutsideRepo } from '../support/outside-workflows.js';
import type { FakeCloud } from './support/fake-cloud.js';
import { isAllowed, type RoleRef, rolesAllowed } from './support/iam.js';
import { fakeCloudOf, type SynthesizedAwf, synthAwf, TEST_ENV } from './support/synth.js';

const { account, region } = TEST_ENV;
const WORKFLOW_ID = 'order-facts';
const ORDERS = `arn:aws:dynamodb:${region}:${account}:table/acme-orders`;
const CUSTOMERS_ARN = `arn:aws:dynamodb:eu-west-1:${account}:table/acme-customers`;

const WORKFLOW_TS = `import { z } from 'zod';
import { defineWorkflow } from '../../core/workflow/spec.js';

const orderId = z.string().min(3);

export default defineWorkflow({
  id: '${WORKFLOW_ID}',
  version: '0.1.0',
  owner: { team: 'orders', contact: 'orders@acme.example' },
  objective: 'Answer order questions from the order and customer records the business keeps.',
  trigger: {
    source: 'acme.orders',
    detailType: 'OrderQuestionAsked',
    detail: z.object({ orderId, customerId: z.string(), placedAt: z.number() }),
  },
  entityKey: '$.detail.orderId',
  agent: {
    modelId: 'anthropic.claude-3-5-haiku-20241022-v1:0',
    prompt: 'prompt.md',
    maxIterations: 1,
    maxTokens: 256,
    temperature: 0,
  },
  actions: {
    noteOrder: {
      description: 'Add a note to the order for the support team.',
      input: z.object({ orderId, note: z.string().min(3) }),
      risk: 'low',
      connector: { type: 'eventbridge', detailType: 'OrderNoted' },
      bind: { orderId: '$.detail.orderId' },
    },
  },
  policies: 'policies.cedar',
  grounding: {
    facts: {
      order: {
        source: { type: 'dynamodb', table: 'acme-orders', key: { orderId: '$.detail.orderId', placedAt: '$.detail.placedAt' } },
        attributes: z.object({ total: z.number(), status: z.string() }),
      },
      customer: {
        source: { type: 'dynamodb', table: '${CUSTOMERS_ARN}', key: { customerId: '$.detail.customerId' } },
        attributes: z.object({ tier: z.string() }),
      },
    },
  },
  autonomy: { default: 'supervised' },
  approvals: {
    approverRoles: ['support-lead'],
    approvers: { 'lead@acme.example': ['support-lead'] },
    timeout: '1h',
    reminderInterval: '15m',
    escalation: ['support-manager'],
  },
  data: { classification: {}, modelMaySee: ['public', 'internal'], retentionDays: 30 },
});
`;

let outside: WorkflowsOutsideRepo;
let synth: SynthesizedAwf;
let cloud: FakeCloud;

function stepRole(step: StepName): RoleRef {
  const workflow = synth.workflows.workflows[WORKFLOW_ID];
  if (!workflow) throw new Error(`no workflow ${WORKFLOW_ID}`);
  const role: iam.Role = workflow.roles[step];
  return {
    stackName: synth.workflows.stackName,
    logicalId: synth.workflows.getLogicalId(role.node.defaultChild as iam.CfnRole),
  };
}

const names = (roles: readonly RoleRef[]): string[] => roles.map((r) => r.logicalId).sort();
const declaring = (): StepName[] => STEP_NAMES.filter((step) => declaredPorts(step).facts === 'read');

beforeAll(async () => {
  outside = workflowsOutsideRepo('fact-grants');
  const dir = join(outside.workflowsDir, WORKFLOW_ID);
  mkdirSync(dir);
  writeFileSync(join(dir, 'workflow.ts'), WORKFLOW_TS);
  writeFileSync(
    join(dir, 'prompt.md'),
    'Answer the question about the order from the facts you are given.\n',
  );
  writeFileSync(
    join(dir, 'policies.cedar'),
    '@id("notes-allowed")\npermit (principal, action == Awf::Action::"noteOrder", resource);\n',
  );
  const packs = await discoverWorkflowPacks(outside.workflowsDir);
  synth = synthAwf({ packs, depsLockFilePath: outside.lockFile });
  cloud = fakeCloudOf(synth);
});

afterAll(() => outside?.remove());

it('has the ground step declare the facts port', () => {
  expect(declaring()).toContain('ground');
});

it.each([
  ['by name, in the stack account and region', ORDERS],
  ['by ARN, as given', CUSTOMERS_ARN],
])(
  'lets the steps that declare facts, and only them, GetItem on a fact table named %s',
  async (_how, table) => {
    const allowed = await rolesAllowed(cloud, STEP_NAMES.map(stepRole), {
      action: 'dynamodb:GetItem',
      resource: table,
    });
    expect(names(allowed)).toEqual(names(declaring().map(stepRole)));
  },
);

it('grants the ground step nothing on a fact table but GetItem', async () => {
  const ground = stepRole('ground');
  for (const action of [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:Query',
    'dynamodb:Scan',
    'dynamodb:BatchGetItem',
    'dynamodb:BatchWriteItem',
  ]) {
    for (const table of [ORDERS, CUSTOMERS_ARN]) {
      expect({ action, table, allowed: await isAllowed(cloud, ground, { action, resource: table }) }).toEqual(
        {
          action,
          table,
          allowed: false,
        },
      );
    }
  }
  expect(
    await isAllowed(cloud, ground, { action: 'dynamodb:Query', resource: `${ORDERS}/index/byStatus` }),
  ).toBe(false);
});

it('grants no step GetItem on a table the facts do not name, nor on the ARN table under its name here', async () => {
  for (const table of [
    `arn:aws:dynamodb:${region}:${account}:table/acme-other`,
    `arn:aws:dynamodb:${region}:${account}:table/acme-customers`,
    `arn:aws:dynamodb:eu-west-1:${account}:table/acme-orders`,
    `arn:aws:dynamodb:${region}:210987654321:table/acme-orders`,
  ]) {
    const allowed = await rolesAllowed(cloud, STEP_NAMES.map(stepRole), {
      action: 'dynamodb:GetItem',
      resource: table,
    });
    expect({ table, allowed: names(allowed) }).toEqual({ table, allowed: [] });
  }
});

it('keeps cdk-nag clean with the fact reads granted', () => {
  for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
    const report = pack.validateScope(synth.workflows);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  }
});
