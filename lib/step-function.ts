/**
 * One step Lambda of a governed workflow: bundled entry, own role, own log group.
 */
import { relative, sep } from 'node:path';
import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { type BundlingRoot, cedarWasmFile } from './project-paths.js';
import type { StepName, StepProfile } from './steps.js';

/**
 * Defines `require`, `__filename` and `__dirname` in the ESM bundle. Bundled
 * CommonJS code needs them: cedar-wasm's Node.js build is CommonJS and reads
 * `cedar_wasm_bg.wasm` from `__dirname`, and other packages `require` Node
 * built-ins. Written without `$`, backticks or double quotes because the
 * bundler command line passes it through a shell.
 */
export const ESM_REQUIRE_BANNER = [
  "import { createRequire as __awfCreateRequire } from 'node:module';",
  "import { fileURLToPath as __awfFileURLToPath } from 'node:url';",
  "import { dirname as __awfDirname } from 'node:path';",
  'const require = __awfCreateRequire(import.meta.url);',
  'const __filename = __awfFileURLToPath(import.meta.url);',
  'const __dirname = __awfDirname(__filename);',
].join(' ');

/*
 * No V8 flags are set from a bundle. Raising the WebAssembly tiering budget
 * (and validating cedar-wasm lazily) cut Gate's and Act's cold-start CPU by a
 * fifth, but `v8.setFlagsFromString` after V8 has started is undefined
 * behaviour: in the local cloud, whose Lambda environments are worker threads
 * of one process, it crashed the process in V8's deoptimizer under load. A
 * Lambda flag must come from the runtime's command line, which Node.js's
 * NODE_OPTIONS does not open to these flags.
 */

/**
 * How the Lambda bundles are minified: whitespace and syntax, not identifiers.
 *
 * The cold import of a bundle is largely V8 parsing its source, so a smaller
 * source starts faster: measured on Act's bundle (median of 15 fresh
 * processes each), 127 ms against 142 ms unminified, and every step gains
 * about as much. Identifiers are not renamed, so functions, classes and
 * errors keep their names in logs and stack traces; renaming them as well
 * (esbuild's `--minify`) only pays with `--keep-names` added back, and that
 * injects a call per function that made the import slower than no
 * minification at all (166 ms). Source maps still map every frame back.
 */
export const BUNDLE_MINIFY_ARGS: Readonly<Record<string, boolean>> = {
  '--minify-whitespace': true,
  '--minify-syntax': true,
};

/** Props of {@link WorkflowStepFunction}. */
export interface WorkflowStepFunctionProps {
  readonly workflowId: string;
  readonly step: StepName;
  readonly profile: StepProfile;
  /** The generated entry file (see `writeStepEntry`). */
  readonly entry: string;
  /** Environment variables besides the Powertools and source-map ones this construct sets. */
  readonly environment: Readonly<Record<string, string>>;
  /** Encrypts the log group; its key policy must let CloudWatch Logs use it. */
  readonly logKey: kms.IKey;
  readonly logRetention: logs.RetentionDays;
  /**
   * Where failed asynchronous invocations go (only for steps invoked
   * asynchronously, such as the scheduled reminder).
   * @default - none: Step Functions invokes the step synchronously and owns retries and Catch
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /** The app's root and lock file the entry is bundled in; it must hold the entry. */
  readonly bundlingRoot: BundlingRoot;
}

/**
 * A step Lambda: Node.js 24 on arm64, ESM bundle with the AWS SDK inside (so
 * the SDK version is the one the lock file pins, not the runtime's), source
 * maps, active tracing, explicit memory and timeout, its own log group and its
 * own role with no managed policy; grants are added by the caller, one per need.
 */
export class WorkflowStepFunction extends Construct {
  /** The function. */
  public readonly function: nodejs.NodejsFunction;
  /** Its execution role; starts with only the right to write its own log group. */
  public readonly role: iam.Role;
  /** Its log group. */
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WorkflowStepFunctionProps) {
    super(scope, id);
    const { workflowId, step, profile } = props;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention,
      encryptionKey: props.logKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `awf ${workflowId}: ${step} step`,
    });
    this.logGroup.grantWrite(this.role);

    // Relative to the bundling root, so the same command works for local and Docker bundling.
    const wasm = profile.evaluatesPolicies
      ? relative(props.bundlingRoot.projectRoot, cedarWasmFile()).split(sep).join('/')
      : undefined;
    const wasmCopy = (inputDir: string, outputDir: string): string[] =>
      wasm ? [`cp "${inputDir}/${wasm}" "${outputDir}/cedar_wasm_bg.wasm"`] : [];

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: profile.memorySize,
      timeout: profile.timeout,
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup: this.logGroup,
      role: this.role,
      description: `awf ${workflowId}: ${step} step`,
      // Lambda's own asynchronous retries (two, within six hours) come before the queue.
      deadLetterQueue: props.deadLetterQueue,
      projectRoot: props.bundlingRoot.projectRoot,
      depsLockFilePath: props.bundlingRoot.depsLockFilePath,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: `awf-${workflowId}-${step}`,
        POWERTOOLS_METRICS_NAMESPACE: 'awf',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        // Prefer packages' ESM builds; fall back to CommonJS where there is none.
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        loader: { '.md': 'text', '.cedar': 'text' },
        // The AWS SDK is bundled, not taken from the runtime: its version is the lock file's.
        bundleAwsSDK: true,
        externalModules: [],
        sourceMap: true,
        sourceMapMode: nodejs.SourceMapMode.EXTERNAL,
        sourcesContent: false,
        minify: false,
        esbuildArgs: { ...BUNDLE_MINIFY_ARGS },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir: string, outputDir: string) => wasmCopy(inputDir, outputDir),
        },
      },
    });
  }
}
