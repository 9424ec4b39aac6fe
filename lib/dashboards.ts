/**
 * The two CloudWatch dashboards of a deployment, over every workflow:
 * - **engineering**: per-step latency, errors and throttles, state transitions
 *   and execution outcomes, dead-letter queues, Bedrock latency and tokens;
 * - **executive**: runs, cycle time p50/p90, automation rate (runs completed
 *   with no human step / runs ended), escalation and error rates, approval
 *   latency, model cost per run.
 * Every step metric they read is named in `lib/step-metrics.ts`.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import { STEP_NAMES } from '../core/steps/step-names.js';
import type { GovernedWorkflow } from './governed-workflow.js';
import { stepMetric } from './step-metrics.js';

/** The workflows the dashboards show, by workflow id. */
export interface AwfDashboardsProps {
  readonly workflows: Readonly<Record<string, GovernedWorkflow>>;
  /** Prefix of the dashboards' names. @default 'awf' */
  readonly namePrefix?: string;
}

const WIDE = 12;
const HOUR = Duration.hours(1);

/** The engineering and executive dashboards. */
export class AwfDashboards extends Construct {
  public readonly engineering: cloudwatch.Dashboard;
  public readonly executive: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AwfDashboardsProps) {
    super(scope, id);
    const prefix = props.namePrefix ?? 'awf';
    this.engineering = new cloudwatch.Dashboard(this, 'Engineering', {
      dashboardName: `${prefix}-engineering`,
    });
    this.executive = new cloudwatch.Dashboard(this, 'Executive', { dashboardName: `${prefix}-executive` });
    for (const [workflowId, workflow] of Object.entries(props.workflows).sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      this.engineering.addWidgets(...engineeringRow(workflowId, workflow));
      this.executive.addWidgets(...executiveRow(workflowId, workflow));
    }
  }
}

function engineeringRow(workflowId: string, workflow: GovernedWorkflow): cloudwatch.IWidget[] {
  const fns = STEP_NAMES.map((step) => [step, workflow.functions[step]] as const);
  return [
    new cloudwatch.TextWidget({ markdown: `## ${workflowId}`, width: 24, height: 1 }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: step latency p90`,
      width: WIDE,
      left: fns.map(([step, fn]) => fn.metricDuration({ statistic: 'p90', label: step })),
    }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: step errors and throttles`,
      width: WIDE,
      left: fns.map(([step, fn]) => fn.metricErrors({ label: `${step} errors` })),
      right: fns.map(([step, fn]) => fn.metricThrottles({ label: `${step} throttles` })),
    }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: executions`,
      width: WIDE,
      left: [
        workflow.stateMachine.metricStarted(),
        workflow.stateMachine.metricSucceeded(),
        workflow.stateMachine.metricFailed(),
        workflow.stateMachine.metricTimedOut(),
        workflow.stateMachine.metricAborted(),
      ],
      right: [
        workflow.stateMachine.metric('ExecutionTime', { statistic: 'p90', label: 'execution time p90' }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: dead-letter queue and reconciled runs`,
      width: WIDE,
      left: [workflow.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' })],
      right: [stepMetric(workflowId, 'reconcile', 'RunsReconciled', { label: 'runs closed by reconcile' })],
    }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: Bedrock latency and tokens`,
      width: 24,
      left: [
        stepMetric(workflowId, 'plan', 'ModelLatency', { statistic: 'p50', label: 'latency p50 (ms)' }),
        stepMetric(workflowId, 'plan', 'ModelLatency', { statistic: 'p90', label: 'latency p90 (ms)' }),
      ],
      right: [
        stepMetric(workflowId, 'plan', 'ModelInputTokens', { label: 'input tokens' }),
        stepMetric(workflowId, 'plan', 'ModelOutputTokens', { label: 'output tokens' }),
        stepMetric(workflowId, 'plan', 'ModelUnavailable', { label: 'no model answered' }),
      ],
    }),
  ];
}

function executiveRow(workflowId: string, workflow: GovernedWorkflow): cloudwatch.IWidget[] {
  const m = (step: Parameters<typeof stepMetric>[1], name: string, statistic = 'Sum') =>
    stepMetric(workflowId, step, name, { statistic, period: HOUR });
  const ended = {
    completed: m('complete', 'RunsCompleted'),
    autonomous: m('complete', 'RunsCompletedAutonomously'),
    escalated: m('escalate', 'RunsEscalated'),
    rejected: m('escalate', 'RunsRejected'),
    failed: m('escalate', 'RunsFailed'),
    reconciled: m('reconcile', 'RunsReconciled'),
  };
  const endedSum = 'completed + escalated + rejected + failed + reconciled';
  const rate = (expression: string, label: string) =>
    new cloudwatch.MathExpression({
      expression: `IF(${endedSum} > 0, 100 * (${expression}) / (${endedSum}), 0)`,
      usingMetrics: ended,
      period: HOUR,
      label,
    });
  return [
    new cloudwatch.TextWidget({ markdown: `## ${workflowId}`, width: 24, height: 1 }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: runs`,
      width: WIDE,
      left: [m('admit', 'EventsAdmitted'), ended.completed, ended.escalated, ended.rejected],
    }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: cycle time (ms)`,
      width: WIDE,
      left: [
        stepMetric(workflowId, 'complete', 'RunCycleTime', {
          statistic: 'p50',
          period: HOUR,
          label: 'completed p50',
        }),
        stepMetric(workflowId, 'complete', 'RunCycleTime', {
          statistic: 'p90',
          period: HOUR,
          label: 'completed p90',
        }),
        stepMetric(workflowId, 'escalate', 'RunCycleTime', {
          statistic: 'p90',
          period: HOUR,
          label: 'escalated p90',
        }),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: automation, escalation and error rates (%)`,
      width: WIDE,
      left: [
        rate('autonomous', 'automation rate: completed with no human step'),
        rate('escalated', 'escalation rate'),
        rate('failed + reconciled', 'error rate'),
      ],
    }),
    new cloudwatch.GraphWidget({
      title: `${workflowId}: approval latency (ms) and model cost per run (USD)`,
      width: WIDE,
      left: [
        stepMetric(workflowId, 'decide-approval', 'ApprovalLatency', {
          statistic: 'p50',
          period: HOUR,
          label: 'approval latency p50',
        }),
      ],
      right: [
        new cloudwatch.MathExpression({
          expression: 'IF(runs > 0, cost / runs, 0)',
          usingMetrics: { cost: m('plan', 'ModelCostUsd'), runs: m('admit', 'EventsAdmitted') },
          period: HOUR,
          label: 'model cost per run (USD)',
        }),
      ],
    }),
    new cloudwatch.SingleValueWidget({
      title: `${workflowId}: dead letters`,
      width: WIDE,
      metrics: [workflow.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum' })],
    }),
  ];
}
