import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { type FunctionLogLine, LambdaFunctionError, LambdaHost } from '../../../local/lambda/index.js';
import { LocalTemplate, loadCloudAssembly } from '../../../local/template/index.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/local');
const ASSEMBLY = join(FIXTURES, 'assembly');
const WORKFLOWS = 'awf-local-workflows';
const ECHO = `${WORKFLOWS}-EchoFunction`;
const OTHER = `${WORKFLOWS}-OtherFunction`;
const SLOW = `${WORKFLOWS}-SlowFunction`;

interface EchoResult {
  name: string;
  seenBefore: string | null;
  env: Record<string, string>;
  event: unknown;
  invocations: number;
  context: Record<string, unknown>;
}

/** A stand-in DynamoDB endpoint that answers ListTables and remembers who asked. */
async function startFakeDynamoDb(
  tableNames: string[],
): Promise<{ server: Server; endpoint: string; targets: string[] }> {
  const targets: string[] = [];
  const server = createServer((request, response) => {
    targets.push(String(request.headers['x-amz-target']));
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ TableNames: tableNames }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, targets };
}

describe('LambdaHost', () => {
  const template = loadCloudAssembly(ASSEMBLY);
  const logs: FunctionLogLine[] = [];
  let host: LambdaHost;
  let fakeDynamoDb: Awaited<ReturnType<typeof startFakeDynamoDb>>;

  beforeAll(async () => {
    process.env.AWF_TEST_ONLY_IN_THE_HOST = 'must not leak into functions';
    fakeDynamoDb = await startFakeDynamoDb(['seen-through-the-endpoint']);
    host = new LambdaHost({
      template,
      endpoints: { dynamodb: fakeDynamoDb.endpoint, sfn: 'http://127.0.0.1:1' },
      onLog: (line) => logs.push(line),
    });
  });

  afterAll(async () => {
    await host.stop();
    await new Promise((resolve) => fakeDynamoDb.server.close(resolve));
    delete process.env.AWF_TEST_ONLY_IN_THE_HOST;
  });

  it('knows every function of the template by name and ARN', () => {
    expect(host.functions.map((f) => f.functionName).sort()).toEqual(
      [ECHO, OTHER, SLOW, 'awf-local-callback'].sort(),
    );
    expect(host.findFunction(template.arnOf('EchoFunction')).functionName).toBe(ECHO);
    expect(host.findFunction(`${template.arnOf('EchoFunction')}:$LATEST`).functionName).toBe(ECHO);
  });

  it("runs a function with exactly the template's environment plus Lambda's and the local endpoints", async () => {
    const result = (await host.invoke(ECHO, { action: 'echo', orderId: 'ord_123456' })) as EchoResult;
    expect(result.name).toBe('echo');
    expect(result.event).toEqual({ action: 'echo', orderId: 'ord_123456' });
    expect(result.env).toMatchObject({
      FIXTURE_NAME: 'echo',
      RUNS_TABLE: 'AwfLocalData-RunsTable',
      BUS_NAME: 'AwfLocalDataBus5D2E8A71',
      AWS_ENDPOINT_URL_DYNAMODB: fakeDynamoDb.endpoint,
      AWS_ENDPOINT_URL_SFN: 'http://127.0.0.1:1',
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: ECHO,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      POWERTOOLS_TRACE_ENABLED: 'false',
    });
    expect(result.env.AWS_ACCESS_KEY_ID).toEqual(expect.any(String));
    expect(result.env.AWF_TEST_ONLY_IN_THE_HOST).toBeUndefined();
    expect(result.env.PROD_ONLY).toBeUndefined();
  });

  it('gives the handler a Lambda context with the remaining time bounded by the template Timeout', async () => {
    const { context } = (await host.invoke(ECHO, { action: 'echo' })) as EchoResult;
    expect(context).toMatchObject({
      functionName: ECHO,
      functionVersion: '$LATEST',
      invokedFunctionArn: template.arnOf('EchoFunction'),
      memoryLimitInMB: '256',
      logGroupName: `/aws/lambda/${ECHO}`,
      awsRequestId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(context.remainingTimeInMillis).toBeGreaterThan(0);
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(3000);
  });

  it("keeps functions apart: one never sees another's environment, and each reuses its own warm environment", async () => {
    const echoFirst = (await host.invoke(ECHO, { action: 'echo' })) as EchoResult;
    const other = (await host.invoke(OTHER, { action: 'echo' })) as EchoResult;
    const echoAgain = (await host.invoke(ECHO, { action: 'echo' })) as EchoResult;
    expect(other.name).toBe('other');
    expect(other.seenBefore).toBeNull();
    expect(other.env.RUNS_TABLE).toBeUndefined();
    expect(other.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE).toBe('512');
    expect(echoAgain.seenBefore).toBe('echo');
    expect(echoAgain.invocations).toBe(echoFirst.invocations + 1);
  });

  it("names each warm environment's own operating system thread, apart from the host's, for its CPU time", async () => {
    await host.invoke(ECHO, { action: 'echo' });
    await host.invoke(OTHER, { action: 'echo' });
    const threads = host.environmentThreads();
    const ofEcho = threads.filter((thread) => thread.functionName === ECHO);
    const ofOther = threads.filter((thread) => thread.functionName === OTHER);
    expect(ofEcho).toHaveLength(1);
    expect(ofOther).toHaveLength(1);
    const ids = [ofEcho[0]?.osThreadId, ofOther[0]?.osThreadId];
    expect(new Set(ids).size).toBe(2);
    for (const id of ids) {
      expect(id).not.toBe(process.pid);
      // A thread of this very process: its CPU time is readable where the bench reads it.
      expect(existsSync(`/proc/self/task/${id}/stat`)).toBe(process.platform === 'linux');
    }
  });

  it('lets the AWS SDK inside a function reach the endpoint the host gives it', async () => {
    await expect(host.invoke(ECHO, { action: 'list-tables' })).resolves.toEqual({
      tableNames: ['seen-through-the-endpoint'],
    });
    expect(fakeDynamoDb.targets).toContain('DynamoDB_20120810.ListTables');
  });

  it('answers null for a handler that returns nothing', async () => {
    await expect(host.invoke(ECHO, { action: 'nothing' })).resolves.toBeNull();
  });

  it('runs a callback-style handler from another module of the bundle under its explicit name', async () => {
    await expect(host.invoke('awf-local-callback', {})).resolves.toEqual({
      style: 'callback',
      name: 'callback',
    });
    await expect(host.invoke('awf-local-callback', { fail: true })).rejects.toMatchObject({
      name: 'RangeError',
      message: 'callback failure',
    });
  });

  it("fails with an Error named after the function's errorType and carrying its message", async () => {
    const failure = host.invoke(ECHO, {
      action: 'fail',
      errorName: 'LineageWriteError',
      message: 'chain broken at 3',
    });
    await expect(failure).rejects.toBeInstanceOf(LambdaFunctionError);
    await expect(failure).rejects.toMatchObject({
      name: 'LineageWriteError',
      errorType: 'LineageWriteError',
      message: 'chain broken at 3',
    });
    const raw = await host.invokeRaw(ECHO, JSON.stringify({ action: 'fail', errorName: 'X', message: 'y' }));
    expect(raw.functionError).toBe('Unhandled');
    expect(JSON.parse(raw.payload)).toMatchObject({
      errorType: 'X',
      errorMessage: 'y',
      trace: expect.any(Array),
    });
  });

  it('fails a function that runs past its Timeout with Sandbox.Timedout, then cold-starts a fresh environment', async () => {
    await expect(host.invoke(SLOW, { action: 'sleep', ms: 5000 })).rejects.toMatchObject({
      name: 'Sandbox.Timedout',
      message: expect.stringMatching(/Task timed out after 1\.00 seconds$/),
    });
    const after = (await host.invoke(SLOW, { action: 'echo' })) as EchoResult;
    expect(after.invocations).toBe(1);
  });

  it('fails with Runtime.ExitError when a function exits its process, and recovers on the next call', async () => {
    await expect(host.invoke(OTHER, { action: 'exit', code: 3 })).rejects.toMatchObject({
      name: 'Runtime.ExitError',
      message: expect.stringMatching(/exit status 3$/),
    });
    await expect(host.invoke(OTHER, { action: 'echo' })).resolves.toMatchObject({
      name: 'other',
      invocations: 1,
    });
  });

  it('fails with Runtime.UnhandledPromiseRejection when a promise is left rejected, and recovers on the next call', async () => {
    await expect(host.invoke(OTHER, { action: 'lose-a-promise' })).rejects.toMatchObject({
      name: 'Runtime.UnhandledPromiseRejection',
      message: 'nobody awaited this',
    });
    await expect(host.invoke(OTHER, { action: 'echo' })).resolves.toMatchObject({
      name: 'other',
      invocations: 1,
    });
  });

  it('passes what functions write to stdout and stderr to the log sink, line by line', async () => {
    await host.invoke(OTHER, { action: 'log', message: 'hello from other' });
    await waitFor(() => logs.some((l) => l.stream === 'stderr' && l.line === 'error: hello from other'));
    expect(logs).toContainEqual({ functionName: OTHER, stream: 'stdout', line: 'hello from other' });
  });

  it('fails an unknown function with Lambda.ResourceNotFoundException naming it', async () => {
    await expect(host.invoke('no-such-function', {})).rejects.toMatchObject({
      name: 'Lambda.ResourceNotFoundException',
      message: expect.stringContaining('Function not found: no-such-function'),
    });
  });

  it('gives functions new endpoints after setEndpoints, with a fresh environment', async () => {
    await host.setEndpoints({ eventbridge: 'http://127.0.0.1:2' });
    const result = (await host.invoke(ECHO, { action: 'echo' })) as EchoResult;
    expect(result.invocations).toBe(1);
    expect(result.env.AWS_ENDPOINT_URL_EVENTBRIDGE).toBe('http://127.0.0.1:2');
    expect(result.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(fakeDynamoDb.endpoint);
  });
});

describe('LambdaHost with functions it cannot start', () => {
  const assembly = loadCloudAssembly(ASSEMBLY);
  const [workflows] = assembly.stacks.filter((s) => s.stackName === WORKFLOWS);
  if (!workflows) throw new Error('fixture stack missing');
  const echo = workflows.template.Resources.EchoFunction;
  if (!echo) throw new Error('fixture function missing');
  const withHandler = (Handler: string, Runtime = 'nodejs22.x') => ({
    ...echo,
    Properties: { ...echo.Properties, Handler, Runtime, Environment: { Variables: {} } },
  });
  const broken = new LocalTemplate(ASSEMBLY, [
    {
      ...workflows,
      template: {
        ...workflows.template,
        Resources: {
          MissingExport: withHandler('index.nope'),
          MissingModule: withHandler('absent.handler'),
          PythonFunction: withHandler('index.handler', 'python3.12'),
        },
      },
    },
  ]);
  const host = new LambdaHost({ template: broken, onLog: () => {} });
  afterAll(() => host.stop());

  it('fails with Runtime.HandlerNotFound when the bundle does not export the handler', async () => {
    await expect(host.invoke(`${WORKFLOWS}-MissingExport`, {})).rejects.toMatchObject({
      name: 'Runtime.HandlerNotFound',
      message: 'index.mjs.nope is undefined or not exported',
    });
  });

  it('fails with Runtime.ImportModuleError when the handler module is not in the bundle', async () => {
    await expect(host.invoke(`${WORKFLOWS}-MissingModule`, {})).rejects.toMatchObject({
      name: 'Runtime.ImportModuleError',
      message: expect.stringContaining("Cannot find module '"),
    });
  });

  it('fails a non-Node.js runtime with a message naming the runtime', async () => {
    await expect(host.invoke(`${WORKFLOWS}-PythonFunction`, {})).rejects.toMatchObject({
      name: 'Runtime.InvalidRuntime',
      message: expect.stringContaining('runtime "python3.12"'),
    });
  });

  it('runs concurrent invocations of one function in separate environments, up to its concurrency limit', async () => {
    const sleepTwice = (h: LambdaHost) =>
      Promise.all(
        [0, 1].map(() => h.invoke(OTHER, { action: 'sleep', ms: 100 }) as Promise<{ invocations: number }>),
      );
    const parallel = new LambdaHost({ template: assembly, onLog: () => {} });
    const serial = new LambdaHost({ template: assembly, onLog: () => {}, maxConcurrencyPerFunction: 1 });
    try {
      expect((await sleepTwice(parallel)).map((r) => r.invocations)).toEqual([1, 1]);
      expect((await sleepTwice(serial)).map((r) => r.invocations).sort()).toEqual([1, 2]);
    } finally {
      await Promise.all([parallel.stop(), serial.stop()]);
    }
  });

  it('stops every worker thread it started', async () => {
    const running = new LambdaHost({ template: assembly, onLog: () => {} });
    await running.invoke(ECHO, { action: 'echo' });
    await running.invoke(OTHER, { action: 'echo' });
    expect(process.getActiveResourcesInfo()).toContain('MessagePort');
    await running.stop();
    expect(process.getActiveResourcesInfo()).not.toContain('MessagePort');
  });

  it('fails every invocation once stopped', async () => {
    const stopped = new LambdaHost({ template: assembly, onLog: () => {} });
    await stopped.stop();
    await expect(stopped.invoke(ECHO, {})).rejects.toMatchObject({ name: 'Lambda.ServiceException' });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('LambdaHost running a step handler bundled like the real ones', () => {
  const assembly = loadCloudAssembly(ASSEMBLY);
  const bundleDir = mkdtempSync(join(tmpdir(), 'awf-step-bundle-'));
  const stepLogs: FunctionLogLine[] = [];
  let host: LambdaHost;

  beforeAll(() => {
    // Bundled as NodejsFunction bundles the steps: one ESM file, CommonJS dependencies given a require.
    buildSync({
      entryPoints: [join(FIXTURES, 'powertools-step.ts')],
      outfile: join(bundleDir, 'index.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      mainFields: ['module', 'main'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'error',
    });
    const [workflows] = assembly.stacks.filter((s) => s.stackName === WORKFLOWS);
    const echo = workflows?.template.Resources.EchoFunction;
    if (!workflows || !echo) throw new Error('fixture stack missing');
    const step = {
      ...echo,
      Metadata: { 'aws:asset:path': bundleDir },
      Properties: {
        ...echo.Properties,
        Environment: {
          Variables: { POWERTOOLS_SERVICE_NAME: 'awf-fixture-step', POWERTOOLS_METRICS_NAMESPACE: 'awf' },
        },
      },
    };
    const template = new LocalTemplate(ASSEMBLY, [
      { ...workflows, template: { ...workflows.template, Resources: { StepFunction: step } } },
    ]);
    host = new LambdaHost({ template, onLog: (line) => stepLogs.push(line) });
  });

  afterAll(async () => {
    await host.stop();
    rmSync(bundleDir, { recursive: true, force: true });
  });

  it('runs it with the Powertools logger, metrics and tracer, and no X-Ray complaints as tracing is off', async () => {
    await expect(host.invoke(`${WORKFLOWS}-StepFunction`, { orderId: 'ord_123456' })).resolves.toEqual({
      orderId: 'ord_123456',
      service: 'awf-fixture-step',
    });
    // Lines arrive from the worker asynchronously; give them a moment.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stepLogs.filter((l) => l.line.includes('X-Ray'))).toEqual([]);
  });

  it('publishes the metrics the step measured, so Powertools never warns of an empty flush', async () => {
    stepLogs.length = 0;
    await host.invoke(`${WORKFLOWS}-StepFunction`, { orderId: 'ord_654321' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const lines = stepLogs.map((l) => l.line);
    expect(lines.some((line) => line.includes('"FixtureInvocations"') && line.includes('_aws'))).toBe(true);
    expect(lines.filter((line) => line.includes('No application metrics'))).toEqual([]);
  });

  it("fails bad input with the zod error's name, as the state machine sees it", async () => {
    await expect(host.invoke(`${WORKFLOWS}-StepFunction`, { orderId: 42 })).rejects.toMatchObject({
      name: 'ZodError',
    });
  });
});
