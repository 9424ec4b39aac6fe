/**
 * A platform Lambda of the data stack (the lineage checkpointer, the tamper
 * function): bundled from awf's `lambdas/`, own role, own encrypted log
 * group, a dead-letter queue, no grant but its log group's.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type BundlingRoot, stepEntriesDir } from './project-paths.js';
import { writePlatformEntry } from './step-entry.js';
import { BUNDLE_MINIFY_ARGS, ESM_REQUIRE_BANNER } from './step-function.js';

/** Props of {@link PlatformFunction}. */
export interface PlatformFunctionProps {
  /** The handler module under awf's `lambdas/`, without extension (`lineage/tamper`). */
  readonly handlerModule: string;
  /** What it does, for the function's and the role's descriptions. */
  readonly description: string;
  /** Environment variables besides the Powertools and source-map ones this construct sets. */
  readonly environment: Readonly<Record<string, string>>;
  /** Encrypts the log group; its key policy must let CloudWatch Logs use it. */
  readonly logKey: kms.IKey;
  /** Where failed asynchronous invocations go. */
  readonly deadLetterQueue: sqs.IQueue;
  readonly bundlingRoot: BundlingRoot;
  /** @default Duration.minutes(1) */
  readonly timeout?: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.ONE_YEAR - the function's logs are audit evidence too */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * A data stack Lambda: Node.js 24 on arm64, ESM bundle with the AWS SDK
 * inside, JSON logs to its own log group, no tracing.
 *
 * Tracing stays off: X-Ray needs `xray:PutTraceSegments` on `*`, and the
 * data stack grants no wildcard action on any role (`test/infra/nag.test.ts`);
 * these functions' logs and metrics say what they did.
 */
export class PlatformFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  /** Starts with only the right to write its own log group. */
  public readonly role: iam.Role;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PlatformFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `awf: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      // An entry under the app's bundling root, re-exporting awf's handler wherever awf is installed.
      entry: writePlatformEntry(this, props.handlerModule, stepEntriesDir(props.bundlingRoot.projectRoot)),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(1),
      tracing: lambda.Tracing.DISABLED,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup: this.logGroup,
      role: this.role,
      description: `awf: ${props.description}`,
      deadLetterQueue: props.deadLetterQueue,
      projectRoot: props.bundlingRoot.projectRoot,
      depsLockFilePath: props.bundlingRoot.depsLockFilePath,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: `awf-${props.handlerModule.replace(/\//g, '-')}`,
        POWERTOOLS_METRICS_NAMESPACE: 'awf',
        POWERTOOLS_TRACE_ENABLED: 'false',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        // The AWS SDK is bundled, not taken from the runtime: its version is the lock file's.
        bundleAwsSDK: true,
        externalModules: [],
        sourceMap: true,
        sourceMapMode: nodejs.SourceMapMode.EXTERNAL,
        sourcesContent: false,
        minify: false,
        esbuildArgs: { ...BUNDLE_MINIFY_ARGS },
      },
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaTracing',
      reason:
        'X-Ray would need xray:PutTraceSegments on Resource::*, and no role of the data stack holds a wildcard; the function logs every outcome as JSON and emits EMF metrics instead.',
    });
  }
}
