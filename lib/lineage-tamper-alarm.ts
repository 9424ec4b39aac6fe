/**
 * Tamper alarms on the lineage table: its stream feeds the tamper function
 * (`lambdas/lineage/tamper.ts`), which puts `LineageTampered` on the platform
 * bus and counts `awf/LineageTamperEvents`; an alarm fires on any count.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LINEAGE_TAMPER_EVENT, LINEAGE_TAMPER_METRIC } from '../core/lineage/tamper.js';
import { ENV } from '../core/runtime-env.js';
import { InfrastructurePropsError } from './errors.js';
import { grantPutEventsMatching } from './grants/events.js';
import { PlatformFunction } from './platform-function.js';
import type { BundlingRoot } from './project-paths.js';

/** Props of {@link LineageTamperAlarm}. */
export interface LineageTamperAlarmProps {
  /** The lineage table; it must have a stream with old images. */
  readonly lineageTable: dynamodb.ITable;
  readonly eventBus: events.IEventBus;
  /** Encrypts the function's log group. */
  readonly logKey: kms.IKey;
  /** Where batches go once the mapping's retries are spent. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly bundlingRoot: BundlingRoot;
  /**
   * Where the alarm notifies.
   * @default - the alarm has no action; add one with `alarm.addAlarmAction`
   */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The tamper function, its stream mapping and the alarm.
 *
 * @example
 * new LineageTamperAlarm(this, 'LineageTamper', { lineageTable, eventBus, logKey, deadLetterQueue, bundlingRoot });
 */
export class LineageTamperAlarm extends Construct {
  public readonly tamperFunction: PlatformFunction;
  /** The stream mapping: MODIFY and REMOVE only (INSERTs are appends, never findings). */
  public readonly eventSource: sources.DynamoEventSource;
  /** In alarm as soon as one tamper event is counted in a minute. */
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: LineageTamperAlarmProps) {
    super(scope, id);
    if (props.lineageTable.tableStreamArn === undefined) {
      throw new InfrastructurePropsError(
        'lineageTable must have a stream (NEW_AND_OLD_IMAGES) for tamper alarms, got a table without one',
        this,
      );
    }
    this.tamperFunction = new PlatformFunction(this, 'Tamper', {
      handlerModule: 'lineage/tamper',
      description: 'lineage tamper function: reports every change to a lineage record but TTL expiry',
      logKey: props.logKey,
      deadLetterQueue: props.deadLetterQueue,
      bundlingRoot: props.bundlingRoot,
      environment: { [ENV.eventBus]: props.eventBus.eventBusName },
    });
    const fn = this.tamperFunction.function;
    grantPutEventsMatching(props.eventBus, this.tamperFunction.role, {
      sources: [LINEAGE_TAMPER_EVENT.source],
      detailTypes: [LINEAGE_TAMPER_EVENT.detailType],
    });

    this.eventSource = new sources.DynamoEventSource(props.lineageTable, {
      // From the oldest record the stream keeps: a change made before the mapping existed is still reported.
      startingPosition: lambda.StartingPosition.TRIM_HORIZON,
      batchSize: 100,
      filters: [lambda.FilterCriteria.filter({ eventName: lambda.FilterRule.or('MODIFY', 'REMOVE') })],
      bisectBatchOnError: true,
      retryAttempts: 10,
      onFailure: new sources.SqsDlq(props.deadLetterQueue),
    });
    fn.addEventSource(this.eventSource);
    Validations.of(this.tamperFunction.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Reading a stream through an event source mapping needs dynamodb:ListStreams, which supports no resource-level permission; DescribeStream, GetRecords and GetShardIterator name the lineage table stream only.',
    });

    this.alarm = new cloudwatch.Metric({
      namespace: LINEAGE_TAMPER_METRIC.namespace,
      metricName: LINEAGE_TAMPER_METRIC.name,
      dimensionsMap: { service: 'awf-lineage-tamper' },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
    }).createAlarm(this, 'Alarm', {
      alarmDescription:
        'awf: a lineage record was changed or deleted outside TTL expiry. See the LineageTampered events on the platform bus, and docs/AUDIT.md (Break glass).',
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // The metric is emitted only when there is something to count.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    if (props.alarmTopic !== undefined) this.alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
  }
}
