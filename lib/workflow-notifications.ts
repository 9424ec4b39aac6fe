/**
 * Notifications of one workflow: an SNS topic for approval requests,
 * reminders, the rungs of the escalation ladder and escalations, so people
 * hear of them where they are (email, chat). The events stay on the platform
 * bus for any other consumer; a rule there copies these kinds to the topic.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PLATFORM_DETAIL_TYPES, workflowEventSource } from '../core/platform-events.js';

/** The platform events people are told of. */
export const NOTIFIED_DETAIL_TYPES: readonly string[] = [
  PLATFORM_DETAIL_TYPES.approvalRequested,
  PLATFORM_DETAIL_TYPES.approvalReminder,
  // A rung of the escalation ladder reached: its role is told it may now approve.
  PLATFORM_DETAIL_TYPES.approvalEscalated,
  PLATFORM_DETAIL_TYPES.workflowEscalated,
];

/** Props of {@link WorkflowNotifications}. */
export interface WorkflowNotificationsProps {
  readonly workflowId: string;
  readonly eventBus: events.IEventBus;
  /** Encrypts the topic; its key policy must let EventBridge use it (the data stack's key does). */
  readonly key: kms.IKey;
  /** Where notifications EventBridge could not deliver go. */
  readonly deadLetterQueue: sqs.IQueue;
  /** Who is told: subscriptions added to the topic. @default - none; subscribe in the console or another stack */
  readonly subscriptions?: readonly sns.ITopicSubscription[];
}

/** The topic and the rule that feeds it. */
export class WorkflowNotifications extends Construct {
  /** Approval requests, reminders, rungs reached and escalations of the workflow, as the bus carries them. */
  public readonly topic: sns.Topic;
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: WorkflowNotificationsProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: `awf ${props.workflowId}: approvals and escalations`,
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const subscription of props.subscriptions ?? []) this.topic.addSubscription(subscription);
    this.rule = new events.Rule(this, 'Rule', {
      eventBus: props.eventBus,
      description: `awf ${props.workflowId}: tell people of approval requests, reminders, rungs reached and escalations`,
      eventPattern: {
        source: [workflowEventSource(props.workflowId)],
        detailType: [...NOTIFIED_DETAIL_TYPES],
      },
    });
    // The whole event is the message: subscribers filter and format it as they need.
    this.rule.addTarget(
      new targets.SnsTopic(this.topic, {
        deadLetterQueue: props.deadLetterQueue,
        retryAttempts: 16,
        maxEventAge: Duration.hours(24),
      }),
    );
  }
}
