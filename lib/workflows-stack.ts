/**
 * The stateless stack: one GovernedWorkflow per workflow pack.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../core/stack-outputs.js';
import type { WorkflowPack } from '../core/workflow/pack.js';
import { AwfDashboards } from './dashboards.js';
import { InfrastructurePropsError } from './errors.js';
import { GovernedWorkflow } from './governed-workflow.js';
import type { RecordKeysByWriter } from './grants/keys.js';
import { pascalCase } from './steps.js';

/** A workflow pack and the folder it was loaded from. */
export interface PackAtDir {
  readonly pack: WorkflowPack;
  readonly dir: string;
}

/** Props of {@link AwfWorkflowsStack}. */
export interface AwfWorkflowsStackProps extends StackProps {
  /** The packs to deploy; at least one, ids unique. */
  readonly packs: readonly PackAtDir[];
  readonly eventBus: events.IEventBus;
  readonly runsTable: dynamodb.ITable;
  readonly lineageTable: dynamodb.ITable;
  /** The key of the tables; also encrypts the workflows' logs and dead-letter queues. */
  readonly key: kms.IKey;
  /** The HMAC key steps hash history keys with (`AwfDataStack.historyKey`). */
  readonly historyKey: kms.IKey;
  /** The lineage record keys, one per writing step (`AwfDataStack.recordKeys`). */
  readonly recordKeys: RecordKeysByWriter;
  /** The key approval task tokens are sealed with (`AwfDataStack.tokenKey`). */
  readonly tokenKey: kms.IKey;
  /**
   * How long step and state machine logs are kept.
   * @default logs.RetentionDays.SIX_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * The lock file of the app the step Lambdas are bundled in (see `GovernedWorkflowProps.depsLockFilePath`).
   * @default - the nearest lock file at or above the awf package
   */
  readonly depsLockFilePath?: string;
  /** Where every workflow's alarms notify (`AwfDataStack.alarmTopic`). @default - alarms without actions */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Who may put each workflow's trigger events on the bus, by workflow id
   * (see `GovernedWorkflowProps.triggerSenders`); an id of no pack fails.
   * @default - for every workflow, the principals of this stack's account
   */
  readonly triggerSenders?: Readonly<Record<string, readonly iam.IPrincipal[]>>;
  /**
   * The most concurrent Plan invocations (model calls) of each workflow, by
   * workflow id (see `GovernedWorkflowProps.modelConcurrency`).
   * @default - no reservation for any workflow
   */
  readonly modelConcurrency?: Readonly<Record<string, number>>;
}

/**
 * One {@link GovernedWorkflow} per given workflow pack, each with
 * construct id `PascalCase(<workflow id>)`. Outputs `Workflows`: a JSON object
 * of workflow id to `{ stateMachineArn, approvalsUrl, approverRoleArn, operationsUrl, operatorRoleArn, followUpsUrl }`, which
 * the `awf` CLI reads.
 *
 * @example
 * new AwfWorkflowsStack(app, 'AwfWorkflows', {
 *   env, packs, eventBus: data.eventBus, runsTable: data.runsTable, lineageTable: data.lineageTable, key: data.key,
 *   historyKey: data.historyKey, recordKeys: data.recordKeys, tokenKey: data.tokenKey,
 * });
 */
export class AwfWorkflowsStack extends Stack {
  /** The workflows, by workflow id. */
  public readonly workflows: Readonly<Record<string, GovernedWorkflow>>;
  /** The engineering and executive dashboards over every workflow. */
  public readonly dashboards: AwfDashboards;

  constructor(scope: Construct, id: string, props: AwfWorkflowsStackProps) {
    super(scope, id, props);
    if (props.packs.length === 0) {
      throw new InfrastructurePropsError('packs must hold at least one workflow pack, got none', this);
    }
    const ids = props.packs.map(({ pack }) => pack.spec.id);
    const duplicates = ids.filter((workflowId, i) => ids.indexOf(workflowId) !== i);
    if (duplicates.length > 0) {
      throw new InfrastructurePropsError(
        `packs must have unique workflow ids, got ${[...new Set(duplicates)].join(', ')} more than once`,
        this,
      );
    }

    for (const [name, byWorkflow] of [
      ['triggerSenders', props.triggerSenders],
      ['modelConcurrency', props.modelConcurrency],
    ] as const) {
      const unknown = Object.keys(byWorkflow ?? {}).filter((workflowId) => !ids.includes(workflowId));
      if (unknown.length > 0) {
        throw new InfrastructurePropsError(
          `${name} must be keyed by deployed workflow ids (${ids.join(', ')}), got ${unknown.join(', ')}`,
          this,
        );
      }
    }

    const workflows: Record<string, GovernedWorkflow> = {};
    for (const { pack, dir } of props.packs) {
      workflows[pack.spec.id] = new GovernedWorkflow(this, pascalCase(pack.spec.id), {
        pack,
        packDir: dir,
        eventBus: props.eventBus,
        runsTable: props.runsTable,
        lineageTable: props.lineageTable,
        key: props.key,
        historyKey: props.historyKey,
        recordKeys: props.recordKeys,
        tokenKey: props.tokenKey,
        logRetention: props.logRetention,
        depsLockFilePath: props.depsLockFilePath,
        ...(props.alarmTopic ? { alarmTopic: props.alarmTopic } : {}),
        triggerSenders: props.triggerSenders?.[pack.spec.id],
        modelConcurrency: props.modelConcurrency?.[pack.spec.id],
      });
    }
    this.workflows = workflows;
    this.dashboards = new AwfDashboards(this, 'Dashboards', { workflows, namePrefix: this.stackName });

    new CfnOutput(this, STACK_OUTPUTS.workflows, {
      description:
        'workflow id -> { stateMachineArn, approvalsUrl, approverRoleArn, operationsUrl, operatorRoleArn, followUpsUrl }',
      value: this.toJsonString(
        Object.fromEntries(
          Object.entries(workflows).map(([workflowId, workflow]) => [
            workflowId,
            {
              stateMachineArn: workflow.stateMachine.stateMachineArn,
              approvalsUrl: workflow.approvalsUrl.url,
              approverRoleArn: workflow.approverRole.roleArn,
              operationsUrl: workflow.operationsUrl.url,
              operatorRoleArn: workflow.operatorRole.roleArn,
              followUpsUrl: workflow.followUpsUrl.url,
            },
          ]),
        ),
      ),
    });
  }
}
