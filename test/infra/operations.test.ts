/**
 * What a deployment gives its operators, asserted on the synthesized
 * templates: every run ends recorded (the status-change rule on the default
 * bus and the sweep), every alarm sends to the one alarm topic, both
 * dashboards exist, and execution data and logs are kept as the operations
 * issue asks (CMK-encrypted execution data, vended log group names, TTLs).
 */
import { Match } from 'aws-cdk-lib/assertions';
import { STEP_NAMES } from '../../core/steps/step-names.js';
import { RUNS_TABLE_LAYOUT } from '../../core/storage/table-layout.js';
import { loadTestPacks, type SynthesizedAwf, synthAwf } from './support/synth.js';

let synth: SynthesizedAwf;

beforeAll(async () => {
  synth = synthAwf({ packs: await loadTestPacks() });
});

const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
  synth.workflows.getLogicalId(construct.node.defaultChild as never);
const workflows = () => Object.entries(synth.workflows.workflows);

describe('every run ends recorded', () => {
  it("sends each state machine's failed, timed-out and aborted executions from the default bus to its reconcile function", () => {
    for (const [, workflow] of workflows()) {
      synth.workflowsTemplate.hasResourceProperties('AWS::Events::Rule', {
        EventBusName: Match.absent(),
        EventPattern: {
          source: ['aws.states'],
          'detail-type': ['Step Functions Execution Status Change'],
          detail: {
            stateMachineArn: [{ Ref: logicalId(workflow.stateMachine) }],
            status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [logicalId(workflow.functions.reconcile), 'Arn'] },
            DeadLetterConfig: Match.anyValue(),
          }),
        ],
      });
    }
  });

  it('sweeps the runs still open every 15 minutes with the same function', () => {
    for (const [, workflow] of workflows()) {
      synth.workflowsTemplate.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(15 minutes)',
        Targets: [
          Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalId(workflow.functions.reconcile), 'Arn'] } }),
        ],
      });
    }
  });
});

describe('alarms', () => {
  it('has one alarm topic, encrypted with the data key, that CloudWatch may publish to', () => {
    synth.dataTemplate.resourceCountIs('AWS::SNS::Topic', 1);
    synth.dataTemplate.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  });

  it('alarms on dead letters, ended executions, every step’s errors and throttles, escalations, the approval backlog, the model and reconciled runs, each to the topic', () => {
    const alarms = synth.workflowsTemplate.findResources('AWS::CloudWatch::Alarm');
    for (const [workflowId, workflow] of workflows()) {
      const expected = [
        'DeadLetterQueueDepth',
        'ExecutionsFailed',
        'ExecutionsTimedOut',
        'ExecutionsAborted',
        ...STEP_NAMES.flatMap((step) => [`Errors-${step}`, `Throttles-${step}`]),
        'EscalationRate',
        'ApprovalBacklogAge',
        'ModelUnavailable',
        'RunsReconciled',
      ];
      expect(Object.keys(workflow.alarms.alarms).sort()).toEqual([...expected].sort());
      for (const alarm of Object.values(workflow.alarms.alarms)) {
        const resource = alarms[synth.workflows.getLogicalId(alarm.node.defaultChild as never)];
        const actions = JSON.stringify(resource?.Properties?.AlarmActions ?? []);
        expect({ workflowId, actions }).toEqual({ workflowId, actions: expect.stringMatching(/AlarmTopic/) });
      }
    }
  });

  it('alarms on lineage tamper events in the data stack, to the same topic', () => {
    synth.dataTemplate.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'LineageTamperEvents',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
  });
});

it('builds the engineering and the executive dashboards over every workflow', () => {
  synth.workflowsTemplate.resourceCountIs('AWS::CloudWatch::Dashboard', 2);
  for (const name of ['engineering', 'executive']) {
    synth.workflowsTemplate.hasResourceProperties('AWS::CloudWatch::Dashboard', {
      DashboardName: `${synth.workflows.stackName}-${name}`,
    });
  }
});

describe('execution data and logs', () => {
  it('encrypts execution data with the data key, and logs each state machine to a vended log group', () => {
    for (const [workflowId] of workflows()) {
      synth.workflowsTemplate.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        EncryptionConfiguration: Match.objectLike({
          Type: 'CUSTOMER_MANAGED_KMS_KEY',
          KmsKeyId: Match.anyValue(),
        }),
      });
      synth.workflowsTemplate.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: `/aws/vendedlogs/states/${synth.workflows.stackName}-${workflowId}`,
      });
    }
  });

  it('expires runs-table items with the data retention (TTL)', () => {
    synth.dataTemplate.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: RUNS_TABLE_LAYOUT.timeToLiveAttribute, Enabled: true },
    });
  });
});

it("tells people of each workflow's approval requests, reminders, escalation rungs and escalations through its own encrypted topic", () => {
  for (const [workflowId, workflow] of workflows()) {
    const topic = synth.workflows.getLogicalId(workflow.notifications.topic.node.defaultChild as never);
    synth.workflowsTemplate.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: Match.anyValue(),
      DisplayName: `awf ${workflowId}: approvals and escalations`,
    });
    synth.workflowsTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventBusName: Match.anyValue(),
      EventPattern: {
        source: [`awf.${workflowId}`],
        'detail-type': ['ApprovalRequested', 'ApprovalReminder', 'ApprovalEscalated', 'WorkflowEscalated'],
      },
      Targets: [Match.objectLike({ Arn: { Ref: topic }, DeadLetterConfig: Match.anyValue() })],
    });
  }
});
