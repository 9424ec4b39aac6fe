/**
 * The follow-ups of one workflow in AWS: the EventBridge Scheduler schedule
 * group their one-time schedules live in, and the role the scheduler invokes
 * the follow-up function as.
 *
 * Least privilege, each way:
 * - the scheduler role may `lambda:InvokeFunction` on the follow-up function
 *   only (and deliver to the workflow's dead-letter queue what it cannot
 *   deliver, and decrypt the schedules' payloads under the workflow's key); only
 *   EventBridge Scheduler, for schedules of this group in this account, may
 *   assume it;
 * - the step that schedules (Act) may `scheduler:CreateSchedule` in this
 *   group only, and `iam:PassRole` of the scheduler role only, to the
 *   scheduler only;
 * - the step that cancels (decide-approval) may `scheduler:DeleteSchedule`
 *   in this group only.
 *
 * Schedules carry their target input encrypted with the workflow's key.
 */
import { ArnFormat, Aws, Names, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { flattenForNag } from './nag-ids.js';

/** Props of {@link WorkflowFollowUps}. */
export interface WorkflowFollowUpsProps {
  readonly workflowId: string;
  /** The follow-up step's function: the schedules' only target. */
  readonly followUpFunction: lambda.IFunction;
  /** Where invocations the scheduler cannot deliver land. */
  readonly deadLetterQueue: sqs.IQueue;
  /** The workflow's key: the schedules' payloads and the dead-letter queue are encrypted with it. */
  readonly key: kms.IKey;
}

/** The schedule group and scheduler role of a workflow's follow-ups. */
export class WorkflowFollowUps extends Construct {
  /** The group every follow-up schedule of the workflow is created in. */
  public readonly scheduleGroup: scheduler.CfnScheduleGroup;
  /** The group's name. */
  public readonly groupName: string;
  /** The role EventBridge Scheduler assumes to invoke the follow-up function. */
  public readonly schedulerRole: iam.Role;
  /** The ARNs of the group's schedules (`.../schedule/<group>/*`). */
  public readonly schedulesArn: string;

  private readonly props: WorkflowFollowUpsProps;

  constructor(scope: Construct, id: string, props: WorkflowFollowUpsProps) {
    super(scope, id);
    this.props = props;
    const stack = Stack.of(this);
    // Unique per stack and workflow, so two stages of one account never share a group.
    this.groupName = Names.uniqueResourceName(this, { maxLength: 64, separator: '-' });
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', { name: this.groupName });
    this.schedulesArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.groupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description: `awf ${props.workflowId}: EventBridge Scheduler invokes the follow-up function`,
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
          ArnLike: { 'aws:SourceArn': this.schedulesArn },
        },
      }),
    });
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.followUpFunction.functionArn],
      }),
    );
    // What it cannot deliver goes to the workflow's dead-letter queue, encrypted with the workflow's key.
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [props.deadLetterQueue.queueArn] }),
    );
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `sqs.${Aws.REGION}.${Aws.URL_SUFFIX}` } },
      }),
    );
    // The payloads of this group's schedules, encrypted with the workflow's key.
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.key.keyArn],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': this.schedulesArn } },
      }),
    );
  }

  /**
   * What the scheduler port's adapter is configured with (`AWF_FOLLOW_UP_SCHEDULER`):
   * the group, the target, the role, the dead-letter queue and the key.
   */
  public adapterConfig(): string {
    return Stack.of(this).toJsonString({
      groupName: this.groupName,
      targetArn: this.props.followUpFunction.functionArn,
      roleArn: this.schedulerRole.roleArn,
      deadLetterArn: this.props.deadLetterQueue.queueArn,
      kmsKeyArn: this.props.key.keyArn,
    });
  }

  /**
   * Lets `role` create the group's schedules, passing the scheduler role to
   * the scheduler, and encrypt their payloads with the workflow's key for the
   * group's schedules only.
   */
  public grantCreate(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['scheduler:CreateSchedule'], resources: [this.schedulesArn] }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.schedulerRole.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.props.key.keyArn],
        conditions: { ArnLike: { 'kms:EncryptionContext:aws:scheduler:schedule:arn': this.schedulesArn } },
      }),
    );
    this.acknowledgeSchedulesWildcard(role, 'created');
  }

  /** Lets `role` delete the group's schedules, and nothing else of the scheduler. */
  public grantDelete(role: iam.Role): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['scheduler:DeleteSchedule'], resources: [this.schedulesArn] }),
    );
    this.acknowledgeSchedulesWildcard(role, 'deleted');
  }

  private acknowledgeSchedulesWildcard(role: iam.Role, what: string): void {
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${flattenForNag(this, this.schedulesArn)}]`,
      reason: `Follow-up schedules are named by their follow-up id when they are ${what}; the wildcard is the schedule name within this workflow's schedule group.`,
    });
  }
}
