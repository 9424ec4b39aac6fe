/**
 * What one GovernedWorkflow builds per pack: a rule that starts a Standard
 * state machine with a dead-letter queue and retries, observable state
 * machines and Lambdas, and a reminder schedule.
 */
import { readFileSync } from 'node:fs';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ENV } from '../../core/runtime-env.js';
import { STACK_OUTPUTS } from '../../core/stack-outputs.js';
import { declaredPorts } from '../../core/steps/definitions.js';
import type { GovernedWorkflow } from '../../lib/governed-workflow.js';
import { AWF_PACKAGE_ROOT, stepEntriesDir } from '../../lib/project-paths.js';
import { STEP_NAMES, STEP_PROFILES } from '../../lib/steps.js';
import type { PackAtDir } from '../../lib/workflows-stack.js';
import { workflowIdsOf } from '../support/packs.js';
import type { FakeCloud } from './support/fake-cloud.js';
import { fakeCloudOf, loadTestPacks, type SynthesizedAwf, synthAwf } from './support/synth.js';

/** The repository's packs and the fixture packs. */
let packs: PackAtDir[];
let synth: SynthesizedAwf;
let template: Template;
let cloud: FakeCloud;

const logicalId = (construct: { node: { defaultChild?: unknown } }): string =>
  synth.workflows.getLogicalId(construct.node.defaultChild as never);

function workflow(id: string): GovernedWorkflow {
  const found = synth.workflows.workflows[id];
  if (!found) throw new Error(`no workflow ${id}`);
  return found;
}

/** A resource's properties with every intrinsic resolved. */
function resolvedProperties(id: string): Record<string, unknown> {
  const resource = cloud.resource(synth.workflows.stackName, id);
  return cloud.resolve(synth.workflows.stackName, resource.Properties ?? {}) as Record<string, unknown>;
}

beforeAll(async () => {
  packs = await loadTestPacks();
  synth = synthAwf({ packs });
  template = synth.workflowsTemplate;
  cloud = fakeCloudOf(synth);
});

describe('trigger rule', () => {
  it('creates one rule per workflow on the platform bus, matching its trigger', () => {
    const busName = cloud.resolve(synth.data.stackName, {
      Ref: synth.data.getLogicalId(synth.data.eventBus.node.defaultChild as never),
    });
    expect(resolvedProperties(logicalId(workflow('refund-triage').rule))).toMatchObject({
      EventBusName: busName,
      EventPattern: { source: ['acme.payments'], 'detail-type': ['RefundRequested'] },
    });
    expect(resolvedProperties(logicalId(workflow('order-holds').rule))).toMatchObject({
      EventBusName: busName,
      EventPattern: {
        source: ['acme.orders'],
        'detail-type': ['OrderFlagged'],
        detail: { riskScore: [{ numeric: ['>=', 50] }] },
      },
    });
  });

  it('targets the STANDARD state machine with the whole event, a dead-letter queue and an explicit retry policy', () => {
    for (const id of workflowIdsOf(packs)) {
      const flow = workflow(id);
      const rule = resolvedProperties(logicalId(flow.rule)) as { Targets: Record<string, unknown>[] };
      expect(rule.Targets).toHaveLength(1);
      const [target] = rule.Targets;
      expect(target).toEqual({
        Id: expect.any(String),
        Arn: cloud.arnOf(synth.workflows.stackName, logicalId(flow.stateMachine)),
        RoleArn: expect.any(String),
        DeadLetterConfig: { Arn: cloud.arnOf(synth.workflows.stackName, logicalId(flow.deadLetterQueue)) },
        RetryPolicy: { MaximumRetryAttempts: 16, MaximumEventAgeInSeconds: 86_400 },
      });
      expect(resolvedProperties(logicalId(flow.stateMachine))).toMatchObject({
        StateMachineType: 'STANDARD',
      });
    }
  });

  it('encrypts the dead-letter queue with the data key and refuses requests without TLS', () => {
    const keyArn = cloud.arnOf(
      synth.data.stackName,
      synth.data.getLogicalId(synth.data.key.node.defaultChild as never),
    );
    const flow = workflow('refund-triage');
    expect(resolvedProperties(logicalId(flow.deadLetterQueue))).toMatchObject({ KmsMasterKeyId: keyArn });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: logicalId(flow.deadLetterQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('state machine', () => {
  it('logs every transition at level ALL without execution data, and traces with X-Ray', () => {
    for (const id of workflowIdsOf(packs)) {
      expect(resolvedProperties(logicalId(workflow(id).stateMachine))).toMatchObject({
        StateMachineType: 'STANDARD',
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: false,
          Destinations: [
            { CloudWatchLogsLogGroup: { LogGroupArn: expect.stringMatching(/^arn:aws:logs:/) } },
          ],
        },
        TracingConfiguration: { Enabled: true },
      });
    }
  });

  it('keeps the definition and its substitutions in the template for the local cloud', () => {
    const properties = resolvedProperties(logicalId(workflow('refund-triage').stateMachine)) as {
      DefinitionString: string;
      DefinitionSubstitutions: Record<string, string>;
    };
    expect(JSON.parse(properties.DefinitionString)).toMatchObject({ StartAt: 'Admit event' });
    expect(Object.keys(properties.DefinitionSubstitutions).sort()).toEqual(
      [
        'ActFunctionArn',
        'AdmitFunctionArn',
        'CompleteFunctionArn',
        'EscalateFunctionArn',
        'GateFunctionArn',
        'GroundFunctionArn',
        'ParkFunctionArn',
        'Partition',
        'PlanFunctionArn',
        'RequestApprovalFunctionArn',
      ].sort(),
    );
    expect(properties.DefinitionSubstitutions.Partition).toBe('aws');
    expect(properties.DefinitionSubstitutions.PlanFunctionArn).toBe(
      cloud.arnOf(synth.workflows.stackName, logicalId(workflow('refund-triage').functions.plan)),
    );
  });
});

describe('step functions', () => {
  it('builds the fourteen steps of every workflow', () => {
    const ids = workflowIdsOf(packs);
    expect(ids).toEqual(expect.arrayContaining(['refund-triage', 'order-holds']));
    template.resourceCountIs('AWS::Lambda::Function', ids.length * STEP_NAMES.length);
    for (const id of ids) {
      expect(Object.keys(workflow(id).functions)).toEqual([...STEP_NAMES]);
    }
  });

  it('runs each step on Node.js 24, arm64, with active tracing and its explicit memory and timeout', () => {
    for (const step of STEP_NAMES) {
      const properties = resolvedProperties(logicalId(workflow('refund-triage').functions[step]));
      expect({ step, ...properties }).toMatchObject({
        step,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: STEP_PROFILES[step].memorySize,
        Timeout: STEP_PROFILES[step].timeout.toSeconds(),
        Handler: 'index.handler',
      });
    }
  });

  it('gives each step its own role and its own encrypted log group with a retention', () => {
    const flow = workflow('order-holds');
    const roles = new Set(STEP_NAMES.map((step) => logicalId(flow.roles[step])));
    expect(roles.size).toBe(STEP_NAMES.length);
    for (const step of STEP_NAMES) {
      const properties = resolvedProperties(logicalId(flow.functions[step])) as {
        Role: string;
        LoggingConfig: { LogGroup: string };
      };
      expect(properties.Role).toBe(cloud.arnOf(synth.workflows.stackName, logicalId(flow.roles[step])));
      const written = cloud.resource(synth.workflows.stackName, logicalId(flow.functions[step])).Properties
        ?.LoggingConfig as { LogGroup: { Ref: string } };
      const logGroupId = written.LogGroup.Ref;
      expect(properties.LoggingConfig.LogGroup).toBe(
        cloud.physicalName(synth.workflows.stackName, logGroupId),
      );
      const logGroup = resolvedProperties(logGroupId);
      expect(logGroup).toMatchObject({
        RetentionInDays: 180,
        KmsKeyId: expect.stringMatching(/^arn:aws:kms:/),
      });
    }
  });

  it('gives each step the runtime environment its handler reads', () => {
    const flow = workflow('refund-triage');
    const nameOf = (construct: { node: { defaultChild?: unknown } }) =>
      cloud.physicalName(synth.data.stackName, synth.data.getLogicalId(construct.node.defaultChild as never));
    const tables = {
      [ENV.runsTable]: nameOf(synth.data.runsTable),
      [ENV.lineageTable]: nameOf(synth.data.lineageTable),
      [ENV.eventBus]: nameOf(synth.data.eventBus),
    };
    for (const step of STEP_NAMES) {
      const { Environment } = resolvedProperties(logicalId(flow.functions[step])) as {
        Environment: { Variables: Record<string, string> };
      };
      const variables = Environment.Variables;
      expect({ step, ...variables }).toMatchObject({
        step,
        ...tables,
        [ENV.workflowId]: 'refund-triage',
        POWERTOOLS_SERVICE_NAME: `awf-refund-triage-${step}`,
        POWERTOOLS_METRICS_NAMESPACE: 'awf',
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(variables[ENV.modelId]).toBe(
        step === 'plan' ? 'us.anthropic.claude-haiku-4-5-20251001-v1:0' : undefined,
      );
      expect(variables[ENV.fallbackModels]).toBe(step === 'plan' ? '[]' : undefined);
      // Only variables a handler reads: the task-token steps find the state machine in the token.
      expect({
        step,
        awf: Object.keys(variables)
          .filter((name) => name.startsWith('AWF_'))
          .sort(),
      }).toEqual({
        step,
        awf: [
          // The roles whose sessions the step's function URL trusts, and whom it serves (test/infra/approvers.test.ts).
          ...(declaredPorts(step).callers === undefined ? [] : [ENV.callerKind, ENV.callerRoles]),
          ENV.eventBus,
          // Where follow-ups are scheduled, to the steps that create or delete schedules (test/infra/follow-ups.test.ts).
          ...(declaredPorts(step).scheduler === undefined ? [] : [ENV.followUpScheduler]),
          // The deployment's fallback models, beside its model (test/unit/workflow/model-choice.test.ts).
          ...(step === 'plan' ? [ENV.fallbackModels] : []),
          ...(declaredPorts(step).keys === 'mac' ? [ENV.historyKeyId] : []),
          ENV.lineageTable,
          ...(step === 'plan' ? [ENV.modelId] : []),
          // The step's own record key and its verified writers' (test/infra/record-keys.test.ts).
          ...(declaredPorts(step).recordKeys === undefined ? [] : [ENV.recordKeys]),
          ENV.runsTable,
          // The task token key, to the steps that seal or open tokens (test/infra/task-token-key.test.ts).
          ...(declaredPorts(step).tokens === undefined ? [] : [ENV.tokenKeyId]),
          ENV.workflowId,
        ],
      });
    }
  });

  it('bundles each step from a generated entry that binds its definition to the pack by relative imports', () => {
    const entry = readFileSync(`${stepEntriesDir(AWF_PACKAGE_ROOT)}/order-holds/act.ts`, 'utf8');
    expect(entry).toContain("import { createStepHandler } from '../../../../../lambdas/step-handler.js';");
    expect(entry).toContain("import { actStep } from '../../../../../core/steps/act/act.js';");
    expect(entry).toContain(
      "import spec from '../../../../../test/infra/fixtures/packs/order-holds/workflow.js';",
    );
    expect(entry).toContain(
      "import prompt from '../../../../../test/infra/fixtures/packs/order-holds/prompt.md';",
    );
    expect(entry).toContain(
      "import policies from '../../../../../test/infra/fixtures/packs/order-holds/policies.cedar';",
    );
    // Act evaluates policies, so its entry also carries the policy set synth parsed.
    expect(entry).toContain(
      'export const handler = createStepHandler(actStep, { spec, prompt, policies, parsedPolicies }, {',
    );
  });
});

describe('reminders', () => {
  it('runs the remind step on the default bus every reminder interval, with a dead-letter queue', () => {
    const cases = [
      ['refund-triage', 'rate(4 hours)'],
      ['order-holds', 'rate(30 minutes)'],
    ] as const;
    for (const [id, rate] of cases) {
      const flow = workflow(id);
      const rule = resolvedProperties(logicalId(flow.reminderSchedule));
      expect(rule.EventBusName).toBeUndefined();
      expect(rule).toMatchObject({
        ScheduleExpression: rate,
        Targets: [
          {
            Arn: cloud.arnOf(synth.workflows.stackName, logicalId(flow.functions.remind)),
            DeadLetterConfig: {
              Arn: cloud.arnOf(synth.workflows.stackName, logicalId(flow.deadLetterQueue)),
            },
            RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
          },
        ],
      });
    }
  });

  it('sends failed asynchronous reminder runs to the dead-letter queue', () => {
    const flow = workflow('refund-triage');
    expect(resolvedProperties(logicalId(flow.functions.remind))).toMatchObject({
      DeadLetterConfig: {
        TargetArn: cloud.arnOf(synth.workflows.stackName, logicalId(flow.deadLetterQueue)),
      },
    });
  });
});

it('outputs each workflow state machine, approvals and operations endpoints and their roles for the awf CLI', () => {
  const outputs = cloud.resolve(synth.workflows.stackName, template.toJSON().Outputs) as Record<
    string,
    { Value: string }
  >;
  const value = outputs[STACK_OUTPUTS.workflows]?.Value;
  const ids = workflowIdsOf(packs);
  expect(ids).toEqual(expect.arrayContaining(['refund-triage', 'order-holds']));
  expect(JSON.parse(value ?? 'null')).toEqual(
    Object.fromEntries(
      ids.map((id) => [
        id,
        {
          stateMachineArn: cloud.arnOf(synth.workflows.stackName, logicalId(workflow(id).stateMachine)),
          approvalsUrl: expect.stringMatching(/^https:\/\/[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws\/$/),
          approverRoleArn: cloud.arnOf(synth.workflows.stackName, logicalId(workflow(id).approverRole)),
          operationsUrl: expect.stringMatching(/^https:\/\/[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws\/$/),
          operatorRoleArn: cloud.arnOf(synth.workflows.stackName, logicalId(workflow(id).operatorRole)),
          followUpsUrl: expect.stringMatching(/^https:\/\/[0-9a-f]{32}\.lambda-url\.us-east-1\.on\.aws\/$/),
        },
      ]),
    ),
  );
});
