/**
 * The alarms of one governed workflow, each sent to the deployment's alarm
 * topic: what an operator must hear about before a customer or an auditor
 * does. docs/OPERATIONS.md says what each means and what to do.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { STEP_NAMES, type StepName } from '../core/steps/step-names.js';
import { stepMetric } from './step-metrics.js';

/** What the alarms watch. */
export interface WorkflowAlarmsProps {
  readonly workflowId: string;
  readonly stateMachine: sfn.StateMachine;
  readonly deadLetterQueue: sqs.IQueue;
  readonly functions: Readonly<Record<StepName, lambda.IFunction>>;
  /** Seconds an approval may wait; the backlog alarm fires at half of it. */
  readonly approvalTimeoutSeconds: number;
  /** Where the alarms notify. @default - no action (the alarms still show in the console) */
  readonly topic?: sns.ITopic;
}

/**
 * One alarm per failure an operator must act on:
 * - the dead-letter queue holds a message (an event or reminder EventBridge could not deliver);
 * - an execution failed, timed out or was aborted;
 * - a step function errs or is throttled;
 * - more than half the runs of the last hour escalated;
 * - an approval has waited more than half its timeout (the remind step's age metric);
 * - no model answered a Plan (end of life, access denied, unknown model);
 * - a run ended outside the state machine and was closed by the reconcile step.
 */
export class WorkflowAlarms extends Construct {
  /** Every alarm, by a stable name (`DeadLetterQueueDepth`, `Errors-plan`, ...). */
  public readonly alarms: Readonly<Record<string, cloudwatch.Alarm>>;

  constructor(scope: Construct, id: string, props: WorkflowAlarmsProps) {
    super(scope, id);
    const { workflowId } = props;
    const alarms: Record<string, cloudwatch.Alarm> = {};
    const add = (
      name: string,
      metric: cloudwatch.IMetric,
      description: string,
      threshold = 1,
      comparison = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    ): void => {
      const alarm = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods: 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: `awf ${workflowId}: ${description} (docs/OPERATIONS.md, alarm "${name}")`,
      });
      if (props.topic) alarm.addAlarmAction(new actions.SnsAction(props.topic));
      alarms[name] = alarm;
    };

    add(
      'DeadLetterQueueDepth',
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: 'Maximum',
        period: Duration.minutes(5),
      }),
      'an event or reminder EventBridge could not deliver waits in the dead-letter queue',
    );
    add(
      'ExecutionsFailed',
      props.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      'an execution failed',
    );
    add(
      'ExecutionsTimedOut',
      props.stateMachine.metricTimedOut({ period: Duration.minutes(5) }),
      'an execution timed out',
    );
    add(
      'ExecutionsAborted',
      props.stateMachine.metricAborted({ period: Duration.minutes(5) }),
      'an execution was stopped',
    );
    for (const step of STEP_NAMES) {
      const fn = props.functions[step];
      add(`Errors-${step}`, fn.metricErrors({ period: Duration.minutes(5) }), `the ${step} function errs`);
      add(
        `Throttles-${step}`,
        fn.metricThrottles({ period: Duration.minutes(5) }),
        `the ${step} function is throttled`,
      );
    }
    const hour = Duration.hours(1);
    add(
      'EscalationRate',
      new cloudwatch.MathExpression({
        expression: 'IF(completed + escalated > 0, escalated / (completed + escalated), 0)',
        usingMetrics: {
          completed: stepMetric(workflowId, 'complete', 'RunsCompleted', { period: hour }),
          escalated: stepMetric(workflowId, 'escalate', 'RunsEscalated', { period: hour }),
        },
        period: hour,
        label: 'share of runs escalated',
      }),
      'more than half of the last hour’s runs escalated',
      0.5,
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    add(
      'ApprovalBacklogAge',
      stepMetric(workflowId, 'remind', 'OldestPendingApprovalAge', {
        statistic: 'Maximum',
        period: Duration.minutes(15),
      }),
      'an approval has waited more than half its timeout',
      Math.max(60, Math.floor(props.approvalTimeoutSeconds / 2)),
      cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    add(
      'ModelUnavailable',
      stepMetric(workflowId, 'plan', 'ModelUnavailable'),
      'no configured model answered a Plan (end of life, access denied, unknown model)',
    );
    add(
      'RunsReconciled',
      stepMetric(workflowId, 'reconcile', 'RunsReconciled'),
      'a run ended outside the state machine (failed step without Catch, timeout, stop) and was closed',
    );
    this.alarms = alarms;
  }
}
