/**
 * `awf doctor`: one line per check, ok / warn / blocker, exit status 1 on a
 * blocker; every probe is a fake, so no Java, local cloud or AWS account is needed.
 */
import { jest } from '@jest/globals';
import { type DoctorProbes, doctor } from '../../../cli/commands/doctor.js';
import { type AwsProbes, awsChecks, type DeployedPlatform } from '../../../cli/doctor/aws-checks.js';
import { doctorExitCode } from '../../../cli/doctor/lines.js';
import { javaMajorOf, type LocalProbes, localChecks } from '../../../cli/doctor/local-checks.js';
import type { FoundationModelLifecycle } from '../../../core/model/lifecycle.js';
import { namedError } from '../../support/in-memory-stores.js';

const NOW = new Date('2026-12-05T00:00:00.000Z');
const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';
const OLD_HAIKU = 'anthropic.claude-3-5-haiku-20241022-v1:0';

function fakeLocal(overrides: Partial<LocalProbes> = {}): LocalProbes {
  return {
    nodeVersion: () => '20.20.2',
    javaVersion: () => 'openjdk version "17.0.9" 2023-10-17',
    missingSynthInputs: () => [],
    packIds: async () => ['payout-review'],
    localCloud: () => ({ state: 'running', pid: 42, endpoints: { dynamodb: 'http://127.0.0.1:8000' } }),
    answers: async () => true,
    ...overrides,
  };
}

const PLATFORM: DeployedPlatform = {
  eventBus: 'awf-bus',
  runsTable: 'awf-runs',
  lineageTable: 'awf-lineage',
  stateMachines: { 'payout-review': 'arn:aws:states:us-east-1:123456789012:stateMachine:refund' },
};

/** AWS where every model is Active and answers, and the stacks are deployed; override what a test needs. */
function fakeAws(
  lifecycles: Record<string, FoundationModelLifecycle | Error> = {},
  overrides: Partial<AwsProbes> = {},
): AwsProbes {
  return {
    catalog: {
      async foundationModel(modelId) {
        const lifecycle = lifecycles[modelId] ?? { status: 'ACTIVE' };
        if (lifecycle instanceof Error) throw lifecycle;
        return { modelId, lifecycle };
      },
      async inferenceProfile(profileId) {
        return { inferenceProfileId: profileId, status: 'ACTIVE', modelArns: ['a', 'b'] };
      },
    },
    converseOneToken: async () => undefined,
    platform: async () => PLATFORM,
    eventBus: async () => undefined,
    tableStatus: async () => 'ACTIVE',
    stateMachine: async () => ({
      status: 'ACTIVE',
      roleArn: 'arn:aws:iam::123456789012:role/StateMachineRole',
    }),
    ...overrides,
  };
}

const statuses = (lines: readonly { check: string; status: string }[]) =>
  Object.fromEntries(lines.map((l) => [l.check, l.status]));

describe('local checks', () => {
  it('says ok for a ready machine with a running local cloud whose endpoints answer', async () => {
    const lines = await localChecks(fakeLocal(), { aws: false });

    expect(statuses(lines)).toEqual({
      node: 'ok',
      java: 'ok',
      'synth inputs': 'ok',
      'workflow packs': 'ok',
      'local cloud': 'ok',
      'local dynamodb': 'ok',
    });
    expect(doctorExitCode(lines)).toBe(0);
  });

  it('blocks on an old Node.js, an old Java, missing synth inputs, a broken pack and a silent endpoint', async () => {
    const lines = await localChecks(
      fakeLocal({
        nodeVersion: () => '18.19.0',
        javaVersion: () => 'java version "1.8.0_381"',
        missingSynthInputs: () => ['cdk.json'],
        packIds: async () => {
          throw new Error(
            'workflow "payout-review" is invalid: agent.budget: expected maxTokens, maxUsd or both',
          );
        },
        answers: async () => false,
      }),
      { aws: false },
    );

    expect(lines.filter((l) => l.status === 'blocker').map((l) => l.check)).toEqual([
      'node',
      'java',
      'synth inputs',
      'workflow packs',
      'local dynamodb',
    ]);
    expect(lines.find((l) => l.check === 'java')?.detail).toMatch(/^version 8; .*Java 17 or later/);
    expect(doctorExitCode(lines)).toBe(1);
  });

  it('warns, without blocking, when the local cloud is stopped or its state file is stale', async () => {
    const stopped = await localChecks(fakeLocal({ localCloud: () => ({ state: 'stopped' }) }), {
      aws: false,
    });
    const stale = await localChecks(fakeLocal({ localCloud: () => ({ state: 'stale', pid: 7 }) }), {
      aws: false,
    });

    expect(stopped.at(-1)).toEqual({
      check: 'local cloud',
      status: 'warn',
      detail: 'not running; start it with "npm start" (or "npx awf local up")',
    });
    expect(stale.at(-1)?.detail).toContain('process 7, which is not running');
    expect(doctorExitCode([...stopped, ...stale])).toBe(0);
  });

  it('only warns about Java for AWS, and leaves the local cloud out', async () => {
    const lines = await localChecks(fakeLocal({ javaVersion: () => undefined }), { aws: true });

    expect(statuses(lines)).toEqual({
      node: 'ok',
      java: 'warn',
      'synth inputs': 'ok',
      'workflow packs': 'ok',
    });
  });

  it('reads the Java major version from both version styles', () => {
    expect(javaMajorOf('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajorOf('openjdk version "17.0.9" 2023-10-17')).toBe(17);
    expect(javaMajorOf('java version "1.8.0_381"')).toBe(8);
    expect(javaMajorOf('no version here')).toBeUndefined();
  });
});

describe('AWS checks', () => {
  const workflow = { workflowId: 'payout-review', modelIds: [HAIKU] };

  it('says ok for an Active model that answers and a deployed bus, tables and roles, one line each', async () => {
    const lines = await awsChecks(fakeAws(), [workflow], NOW);

    expect(lines.map((l) => [l.check, l.status])).toEqual([
      ['model payout-review', 'ok'],
      ['converse payout-review', 'ok'],
      ['bus', 'ok'],
      ['table runs', 'ok'],
      ['table lineage', 'ok'],
      ['roles payout-review', 'ok'],
    ]);
    expect(lines[0]?.detail).toBe(`${HAIKU}: ACTIVE (profile ACTIVE, 2 destination(s))`);
  });

  it('looks up an inference profile, then the lifecycle of the foundation model behind it', async () => {
    const probes = fakeAws();
    const profile = jest.spyOn(probes.catalog, 'inferenceProfile');
    const model = jest.spyOn(probes.catalog, 'foundationModel');

    await awsChecks(probes, [workflow], NOW);

    expect(profile).toHaveBeenCalledWith(HAIKU);
    expect(model).toHaveBeenCalledWith('anthropic.claude-haiku-4-5-20251001-v1:0');
  });

  it('warns about a LEGACY model with its end-of-life date', async () => {
    const lines = await awsChecks(
      fakeAws({ [OLD_HAIKU]: { status: 'LEGACY', endOfLifeTime: new Date('2027-01-15T00:00:00Z') } }),
      [{ workflowId: 'payout-review', modelIds: [OLD_HAIKU] }],
      NOW,
    );

    expect(lines[0]).toEqual({
      check: 'model payout-review',
      status: 'warn',
      detail: `${OLD_HAIKU}: LEGACY, end of life 2027-01-15: move to an Active model before then (docs/OPERATIONS.md#models)`,
    });
    expect(doctorExitCode(lines)).toBe(0);
  });

  it('blocks on a model past its end of life, and on a Converse call that says so, with the fix', async () => {
    const lines = await awsChecks(
      fakeAws(
        { [OLD_HAIKU]: { status: 'LEGACY', endOfLifeTime: new Date('2026-06-19T00:00:00Z') } },
        {
          converseOneToken: async () => {
            throw namedError(
              'ResourceNotFoundException',
              'This model version has reached the end of its life.',
            );
          },
        },
      ),
      [{ workflowId: 'payout-review', modelIds: [OLD_HAIKU] }],
      NOW,
    );

    expect(lines.slice(0, 2)).toEqual([
      {
        check: 'model payout-review',
        status: 'blocker',
        detail: expect.stringMatching(/: EOL since 2026-06-19; fix: the model reached its end of life/),
      },
      {
        check: 'converse payout-review',
        status: 'blocker',
        detail: expect.stringMatching(/: end-of-life: This model version .*; fix: /),
      },
    ]);
    expect(doctorExitCode(lines)).toBe(1);
  });

  it('only warns when a fallback is unavailable: the first model still answers', async () => {
    const lines = await awsChecks(
      fakeAws({
        [OLD_HAIKU]: namedError('ResourceNotFoundException', 'Could not resolve the foundation model'),
      }),
      [{ workflowId: 'payout-review', modelIds: [HAIKU, OLD_HAIKU] }],
      NOW,
    );

    expect(lines.find((l) => l.check === 'fallback 1 payout-review')).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('Bedrock knows no such model here'),
    });
    expect(doctorExitCode(lines)).toBe(0);
  });

  it('blocks on access denied to the model, naming the Marketplace permissions in the fix', async () => {
    const lines = await awsChecks(
      fakeAws(
        {},
        {
          converseOneToken: async () => {
            throw namedError(
              'AccessDeniedException',
              'Model access is denied due to ... aws-marketplace:Subscribe',
            );
          },
        },
      ),
      [workflow],
      NOW,
    );

    expect(lines[1]).toMatchObject({
      status: 'blocker',
      detail: expect.stringContaining('aws-marketplace:Subscribe and aws-marketplace:ViewSubscriptions'),
    });
  });

  it('warns, without blocking, when throttled or when the control plane may not be read', async () => {
    const lines = await awsChecks(
      fakeAws(
        { 'anthropic.claude-haiku-4-5-20251001-v1:0': namedError('AccessDeniedException', 'not authorized') },
        {
          converseOneToken: async () => {
            throw namedError('ThrottlingException', 'Rate exceeded');
          },
        },
      ),
      [workflow],
      NOW,
    );

    expect(lines.slice(0, 2).map((l) => l.status)).toEqual(['warn', 'warn']);
    expect(doctorExitCode(lines)).toBe(0);
  });

  it('warns once when the stacks are not deployed yet, and blocks on a missing table', async () => {
    const undeployed = await awsChecks(fakeAws({}, { platform: async () => undefined }), [workflow], NOW);
    const noTable = await awsChecks(
      fakeAws(
        {},
        {
          tableStatus: async (name) => {
            if (name === 'awf-lineage')
              throw namedError('ResourceNotFoundException', 'Requested resource not found');
            return 'ACTIVE';
          },
        },
      ),
      [workflow],
      NOW,
    );

    expect(undeployed.at(-1)).toMatchObject({ check: 'stacks', status: 'warn' });
    expect(doctorExitCode(undeployed)).toBe(0);
    expect(noTable.find((l) => l.check === 'table lineage')?.status).toBe('blocker');
  });

  it('says once that there are no credentials, instead of failing every line', async () => {
    const lines = await awsChecks(
      fakeAws(
        {},
        {
          platform: async () => {
            throw namedError('CredentialsProviderError', 'Could not load credentials from any providers');
          },
        },
      ),
      [workflow],
      NOW,
    );

    expect(lines).toEqual([expect.objectContaining({ check: 'credentials', status: 'blocker' })]);
  });
});

describe('awf doctor', () => {
  let write: jest.SpiedFunction<typeof process.stdout.write>;
  beforeEach(() => {
    write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    process.exitCode = undefined;
  });
  afterEach(() => {
    write.mockRestore();
    process.exitCode = undefined;
  });

  const probes = (aws: AwsProbes): DoctorProbes => ({
    local: fakeLocal(),
    aws: () => aws,
    workflows: async () => [{ workflowId: 'payout-review', modelIds: [HAIKU] }],
    now: () => NOW,
  });

  it('prints one line per check and leaves the exit status 0 when nothing blocks', async () => {
    const lines = await doctor({ aws: true, region: 'us-east-1' }, probes(fakeAws()));

    expect(process.exitCode).toBeUndefined();
    const printed = String(write.mock.calls[0]?.[0]);
    expect(printed.split('\n')[0]).toMatch(/^CHECK +STATUS +DETAIL$/);
    expect(printed).toContain(`${lines.length} ok, 0 warn, 0 blocker`);
  });

  it('sets exit status 1 on a blocker, and prints JSON with --json', async () => {
    const eol = fakeAws({
      'anthropic.claude-haiku-4-5-20251001-v1:0': { status: 'LEGACY', endOfLifeTime: new Date('2026-10-01') },
    });

    await doctor({ aws: true, region: 'us-east-1', json: true }, probes(eol));

    expect(process.exitCode).toBe(1);
    const report = JSON.parse(String(write.mock.calls[0]?.[0])) as { exitCode: number; lines: unknown[] };
    expect(report.exitCode).toBe(1);
    expect(report.lines).toContainEqual(
      expect.objectContaining({ check: 'model payout-review', status: 'blocker' }),
    );
  });

  it('blocks without a region for --aws', async () => {
    const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    try {
      const lines = await doctor({ aws: true }, probes(fakeAws()));
      expect(lines.at(-1)).toMatchObject({ check: 'region', status: 'blocker' });
    } finally {
      Object.assign(
        process.env,
        Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined)),
      );
    }
  });
});
