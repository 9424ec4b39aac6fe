import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCloudAssembly, TemplateError, templateFromStacks } from '../../../local/template/index.js';

const ASSEMBLY = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/local/assembly');
const ACCOUNT = '210987654321';
const REGION = 'eu-west-1';
const WORKFLOWS = 'awf-local-workflows';

describe('loadCloudAssembly', () => {
  const template = loadCloudAssembly(ASSEMBLY);

  it('reads every stack of the manifest with its name, account and region', () => {
    expect(template.stacks.map((s) => [s.stackName, s.account, s.region, s.partition])).toEqual([
      ['AwfLocalData', ACCOUNT, REGION, 'aws'],
      [WORKFLOWS, ACCOUNT, REGION, 'aws'],
    ]);
  });

  it('lists resources by type across stacks', () => {
    expect(template.resourcesOfType('AWS::DynamoDB::Table').map((r) => r.logicalId)).toEqual([
      'RunsTable',
      'LineageTable',
    ]);
    expect(template.resourcesOfType('AWS::Lambda::Function').map((r) => r.stackName)).toEqual(
      Array(4).fill(WORKFLOWS),
    );
  });

  it('leaves out resources whose condition is false and keeps those whose condition holds', () => {
    const logicalIds = template.resources.map((r) => r.logicalId);
    expect(logicalIds).not.toContain('ProdOnlyQueue');
    expect(logicalIds).toContain('CDKMetadata');
  });

  it('names resources <stackName>-<logicalId> unless the template names them', () => {
    expect(template.physicalName('RunsTable')).toBe('AwfLocalData-RunsTable');
    expect(template.physicalName('EchoFunction')).toBe(`${WORKFLOWS}-EchoFunction`);
    expect(template.physicalName('CallbackFunction')).toBe('awf-local-callback');
    expect(template.physicalName('Bus')).toBe('AwfLocalDataBus5D2E8A71');
    expect(template.physicalName('CountersTable')).toBe('AwfLocalData-counters');
  });

  it('builds well-formed ARNs for the stack account and region', () => {
    expect(template.arnOf('EchoFunction')).toBe(
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${WORKFLOWS}-EchoFunction`,
    );
    expect(template.arnOf('StateMachine')).toBe(
      `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${WORKFLOWS}-StateMachine`,
    );
    expect(template.arnOf('LineageTable')).toBe(
      `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/AwfLocalData-LineageTable`,
    );
    expect(template.arnOf('Bus')).toBe(
      `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/AwfLocalDataBus5D2E8A71`,
    );
    expect(template.arnOf('Dlq')).toBe(`arn:aws:sqs:${REGION}:${ACCOUNT}:${WORKFLOWS}-Dlq`);
    expect(template.arnOf('Rule')).toBe(
      `arn:aws:events:${REGION}:${ACCOUNT}:rule/AwfLocalDataBus5D2E8A71/${WORKFLOWS}-Rule`,
    );
    expect(template.arnOf('ReminderSchedule')).toBe(
      `arn:aws:events:${REGION}:${ACCOUNT}:rule/${WORKFLOWS}-ReminderSchedule`,
    );
    expect(template.arnOf('DataKey')).toMatch(
      new RegExp(
        `^arn:aws:kms:${REGION}:${ACCOUNT}:key/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`,
      ),
    );
  });

  it('resolves a Lambda environment with cross-stack imports, Join of GetAtt, Sub, Select/Split and parameters', () => {
    const echo = template.resource('EchoFunction');
    const properties = template.resolvedProperties(echo);
    expect(properties.Environment).toEqual({
      Variables: {
        FIXTURE_NAME: 'echo',
        RUNS_TABLE: 'AwfLocalData-RunsTable',
        LINEAGE_TABLE_ARN: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/AwfLocalData-LineageTable`,
        BUS_NAME: 'AwfLocalDataBus5D2E8A71',
        DLQ_ARN: `arn:aws:sqs:${REGION}:${ACCOUNT}:${WORKFLOWS}-Dlq`,
        // The manifest's parameter value wins over the template's Default; ${!Literal} stays literal.
        LABEL: `${WORKFLOWS}-test-${WORKFLOWS}-Dlq-\${Literal}`,
      },
    });
  });

  it('resolves what Ref returns for each type: a state machine ARN, a queue URL, a table name', () => {
    expect(template.resolve({ Ref: 'StateMachine' }, WORKFLOWS)).toBe(template.arnOf('StateMachine'));
    expect(template.resolve({ Ref: 'Dlq' }, WORKFLOWS)).toBe(
      `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${WORKFLOWS}-Dlq`,
    );
    expect(template.resolve({ Ref: 'RunsTable' }, 'AwfLocalData')).toBe('AwfLocalData-RunsTable');
    expect(template.resolve({ Ref: 'Rule' }, WORKFLOWS)).toBe(`AwfLocalDataBus5D2E8A71|${WORKFLOWS}-Rule`);
  });

  it('resolves the pseudo parameters of the stack a value belongs to', () => {
    expect(
      template.resolve(
        ['AWS::Partition', 'AWS::Region', 'AWS::AccountId', 'AWS::URLSuffix', 'AWS::StackName'].map(
          (Ref) => ({ Ref }),
        ),
        WORKFLOWS,
      ),
    ).toEqual(['aws', REGION, ACCOUNT, 'amazonaws.com', WORKFLOWS]);
  });

  it('resolves a rule target with its dead-letter queue and retry policy', () => {
    const rule = template.resource('Rule');
    const properties = template.resolvedProperties(rule);
    expect(properties.EventBusName).toBe('AwfLocalDataBus5D2E8A71');
    expect(properties.Targets).toEqual([
      expect.objectContaining({
        Arn: template.arnOf('StateMachine'),
        DeadLetterConfig: { Arn: template.arnOf('Dlq') },
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
      }),
    ]);
  });

  it('applies a state machine definition substitutions', () => {
    const definition = JSON.parse(template.stateMachineDefinition('StateMachine')) as {
      States: { Echo: { Resource: string; Comment: string } };
    };
    expect(definition.States.Echo.Resource).toBe(template.arnOf('EchoFunction'));
    expect(definition.States.Echo.Comment).toBe('partition aws');
  });

  it('locates a function bundle from its asset metadata or, without it, from the asset manifest', () => {
    const bundle = join(ASSEMBLY, 'asset.fixture-functions');
    expect(template.assetPath('EchoFunction')).toBe(bundle);
    expect(template.assetPath('OtherFunction')).toBe(bundle);
  });

  it('fails on an import no stack exports, naming it and the known exports', () => {
    expect(() => template.resolve({ 'Fn::ImportValue': 'Nope:Missing' })).toThrow(
      /Fn::ImportValue "Nope:Missing": no stack exports it \(exports: AwfLocalData:ExportsOutputRefRunsTable/,
    );
  });

  it('fails on an unknown logical id, naming it', () => {
    expect(() => template.resolve({ 'Fn::GetAtt': ['Missing', 'Arn'] }, WORKFLOWS)).toThrow(
      new TemplateError(`no resource "Missing" in stack "${WORKFLOWS}" in the cloud assembly`),
    );
  });

  it('fails on an attribute it cannot produce locally, naming the resource and attribute', () => {
    expect(() => template.resolve({ 'Fn::GetAtt': ['Dlq', 'Bogus'] }, WORKFLOWS)).toThrow(
      'Fn::GetAtt Dlq.Bogus: attribute "Bogus" of AWS::SQS::Queue is not supported locally',
    );
  });

  it('fails on an intrinsic function it does not know', () => {
    expect(() => template.resolve({ 'Fn::Cidr': ['10.0.0.0/16', 2, 8] }, WORKFLOWS)).toThrow(
      'intrinsic function Fn::Cidr is not supported locally',
    );
  });
});

describe('templateFromStacks', () => {
  const assembly = loadCloudAssembly(ASSEMBLY);
  const inMemory = templateFromStacks(
    assembly.stacks.map((stack) => ({
      stackName: stack.stackName,
      template: JSON.parse(readFileSync(stack.templateFile, 'utf8')),
      account: stack.account,
      region: stack.region,
      parameterValues: stack.parameterValues,
    })),
  );

  it('resolves templates held in memory as it resolves them read from the cloud assembly', () => {
    const echo = inMemory.resource('EchoFunction');
    expect(inMemory.resolvedProperties(echo)).toEqual(
      assembly.resolvedProperties(assembly.resource('EchoFunction')),
    );
    expect(inMemory.arnOf('DataKey')).toBe(assembly.arnOf('DataKey'));
  });

  it('fails on two stacks of one name, naming it', () => {
    const [stack] = assembly.stacks;
    const twice = [stack, stack].map((s) => ({
      stackName: s?.stackName ?? '',
      template: {},
      account: ACCOUNT,
      region: REGION,
    }));
    expect(() => templateFromStacks(twice)).toThrow(
      'stack name "AwfLocalData" appears twice in the cloud assembly',
    );
  });
});

describe('loadCloudAssembly on a broken assembly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'awf-assembly-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fails when the directory has no manifest, naming the path', () => {
    expect(() => loadCloudAssembly(dir)).toThrow(
      `cloud assembly manifest not found at ${join(dir, 'manifest.json')}`,
    );
  });

  it('fails on a template without resource types, naming the field', () => {
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        artifacts: {
          Broken: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Broken.template.json' } },
        },
      }),
    );
    writeFileSync(
      join(dir, 'Broken.template.json'),
      JSON.stringify({ Resources: { Thing: { Properties: {} } } }),
    );
    expect(() => loadCloudAssembly(dir)).toThrow(
      /Broken\.template\.json is malformed: Resources\.Thing\.Type/,
    );
  });

  it('fails on a resource whose name refers to itself', () => {
    writeFileSync(
      join(dir, 'Broken.template.json'),
      JSON.stringify({
        Resources: {
          Loop: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { 'Fn::GetAtt': ['Loop', 'Arn'] } } },
        },
      }),
    );
    expect(() => loadCloudAssembly(dir).arnOf('Loop')).toThrow(
      '"Broken/Loop" refers to itself while resolving its name',
    );
  });
});
