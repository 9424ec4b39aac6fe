/**
 * Synthesis fails early, with a message naming what was wrong and the bad
 * value, when a pack or a prop cannot be deployed; a prop's error is
 * aws-cdk-lib's ValidationError and names the construct's path.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Errors, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { WorkflowSpecError } from '../../core/errors.js';
import { defineWorkflow, type WorkflowSpec } from '../../core/workflow/spec.js';
import { AwfDataStack } from '../../lib/data-stack.js';
import { InfrastructurePropsError } from '../../lib/errors.js';
import {
  GovernedWorkflow,
  type GovernedWorkflowProps,
  workflowTimeouts,
} from '../../lib/governed-workflow.js';
import { grantPutWorkflowEvents } from '../../lib/grants/events.js';
import { AwfWorkflowsStack, type PackAtDir } from '../../lib/workflows-stack.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';
import { loadReferencePack } from '../support/packs.js';
import { BROKEN_PACKS_DIR, cdkJsonContext, TEST_ENV } from './support/synth.js';

let refundTriage: PackAtDir;

beforeAll(async () => {
  refundTriage = await loadReferencePack();
});

/** The refund-triage spec with some fields replaced, validated as an author's would be. */
function refundTriageWith(change: (spec: WorkflowSpec) => Partial<WorkflowSpec>): WorkflowSpec {
  const spec = refundTriage.pack.spec;
  return defineWorkflow({ ...spec, ...change(spec) });
}

function newScope(): { app: App; data: AwfDataStack; stack: Stack } {
  const app = new App({ context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  return {
    app,
    data: new AwfDataStack(app, 'Data', { env: TEST_ENV }),
    stack: new Stack(app, 'Flows', { env: TEST_ENV }),
  };
}

function build(overrides: Partial<GovernedWorkflowProps> & { spec?: WorkflowSpec }): void {
  const { data, stack } = newScope();
  const { spec, ...props } = overrides;
  new GovernedWorkflow(stack, 'Workflow', {
    pack: { ...refundTriage.pack, spec: spec ?? refundTriage.pack.spec },
    packDir: refundTriage.dir,
    eventBus: data.eventBus,
    runsTable: data.runsTable,
    lineageTable: data.lineageTable,
    key: data.key,
    historyKey: data.historyKey,
    recordKeys: data.recordKeys,
    tokenKey: data.tokenKey,
    ...props,
  });
}

function thrown(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw error;
  }
  throw new Error('expected an error, none was thrown');
}

/** The error `action` throws, checked to be a validation error of the construct at `path`. */
function propsError(action: () => unknown, path: string): InfrastructurePropsError {
  const error = thrown(action);
  expect(error).toBeInstanceOf(InfrastructurePropsError);
  expect(Errors.isValidationError(error)).toBe(true);
  expect((error as InfrastructurePropsError).constructPath).toBe(path);
  return error as InfrastructurePropsError;
}

describe('workflow packs', () => {
  it('fails discovery of an invalid pack, naming the workflow and the field', async () => {
    const error = await discoverWorkflowPacks(BROKEN_PACKS_DIR).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowSpecError);
    expect((error as WorkflowSpecError).workflowId).toBe('late-reminders');
    expect((error as Error).message).toMatch(
      /workflow "late-reminders" is invalid:\n {2}- agent\.maxTokens: /,
    );
  });

  it('fails when the reminder interval is not whole minutes, naming the workflow, field and value', () => {
    const spec = refundTriageWith((s) => ({ approvals: { ...s.approvals, reminderInterval: '90s' } }));
    const error = thrown(() => build({ spec }));
    expect(error).toBeInstanceOf(WorkflowSpecError);
    expect(error.message).toContain('workflow "refund-triage" is invalid');
    expect(error.message).toContain('approvals.reminderInterval: expected whole minutes');
    expect(error.message).toContain('got 90s');
  });

  it('fails when the reminder interval is not shorter than the approval timeout', () => {
    const spec: WorkflowSpec = {
      ...refundTriage.pack.spec,
      approvals: { ...refundTriage.pack.spec.approvals, timeout: '2h', reminderInterval: '2h' },
    };
    expect(() => workflowTimeouts(spec)).toThrow(
      /approvals\.reminderInterval: expected less than the approval timeout \(2h\), got 2h/,
    );
  });

  it('accepts a reminder interval of more than half the approval timeout: the wait needs no heartbeat', () => {
    const spec = refundTriageWith((s) => ({
      approvals: { ...s.approvals, timeout: '2h', reminderInterval: '1h' },
    }));
    expect(workflowTimeouts(spec)).toMatchObject({
      approvalTimeoutSeconds: 7200,
      reminderIntervalSeconds: 3600,
    });
  });

  it('fails when a run could outlive a Standard execution', () => {
    const spec: WorkflowSpec = {
      ...refundTriage.pack.spec,
      agent: { ...refundTriage.pack.spec.agent, maxIterations: 10 },
      approvals: { ...refundTriage.pack.spec.approvals, timeout: '40d' },
    };
    expect(() => workflowTimeouts(spec)).toThrow(/approvals\.timeout: .* got 10 x 40d/);
  });

  it('fails when the prompt is empty, naming the workflow and the prompt file', () => {
    const error = thrown(() => build({ pack: { ...refundTriage.pack, prompt: '  \n' } }));
    expect(error).toBeInstanceOf(WorkflowSpecError);
    expect(error.message).toContain('agent.prompt: expected a non-empty prompt in prompt.md, got ""');
  });

  it('fails when a policy the steps embed fails strict validation, naming the workflow, the policy and its line', () => {
    // The steps do not validate their policies at cold start: synth must refuse the file they embed.
    const { pack } = refundTriage;
    const dir = join(mkdtempSync(join(tmpdir(), 'awf-pack-')), pack.spec.id);
    mkdirSync(dir);
    const misspelt = [
      '@id("refund-misspelt")',
      'permit (principal, action == Awf::Action::"issueRefund", resource)',
      'when { context.input.amonut < decimal("10.0") };',
    ].join('\n');
    const file = `${pack.policies.trimEnd()}\n\n${misspelt}\n`;
    writeFileSync(join(dir, pack.spec.policies), file);
    const line = file.split('\n').findIndex((text) => text.includes('amonut')) + 1;
    // props.pack holds the valid policies: what is checked is the file in packDir, the one bundled.
    const error = thrown(() => build({ packDir: dir }));
    expect(error).toBeInstanceOf(WorkflowSpecError);
    expect((error as WorkflowSpecError).workflowId).toBe(pack.spec.id);
    expect((error as WorkflowSpecError).problems).toEqual([
      expect.stringContaining(`policies: policy "refund-misspelt" (line ${line}): `),
    ]);
    expect(error.message).toContain('amonut');
  });

  it('fails naming the construct when the pack folder is not named after the workflow id', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'awf-pack-')), 'refunds');
    mkdirSync(dir);
    expect(propsError(() => build({ packDir: dir }), 'Flows/Workflow').message).toBe(
      'packDir must be the folder of workflow "refund-triage" (named after its id), got a folder named "refunds"',
    );
  });

  it('fails naming the construct and the missing files when the pack folder lacks what the Lambda entries import', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'awf-pack-')), 'refund-triage');
    mkdirSync(dir);
    const error = propsError(() => build({ packDir: dir }), 'Flows/Workflow');
    expect(error.message).toContain('cannot build the admit step of workflow "refund-triage": missing');
    expect(error.message).toContain(join(dir, 'workflow.ts'));
    expect(error.message).toContain(join(dir, 'prompt.md'));
  });

  it('fails naming the construct when a geographic inference profile cannot be called from the stack region', () => {
    const spec = refundTriageWith((s) => ({
      agent: { ...s.agent, modelId: 'eu.anthropic.claude-3-5-haiku-20241022-v1:0' },
    }));
    expect(propsError(() => build({ spec }), 'Flows/Workflow').message).toMatch(
      /inference profile "eu\.anthropic\.claude-3-5-haiku-20241022-v1:0" routes within eu .* and cannot be called from region us-east-1/,
    );
  });

  it('fails naming the construct when a table is encrypted with another key than the one given', () => {
    const { data, stack } = newScope();
    const other = new AwfDataStack(data.node.scope as App, 'OtherData', { env: TEST_ENV });
    const error = propsError(
      () =>
        new GovernedWorkflow(stack, 'Workflow', {
          pack: refundTriage.pack,
          packDir: refundTriage.dir,
          eventBus: data.eventBus,
          runsTable: other.runsTable,
          lineageTable: data.lineageTable,
          key: data.key,
          historyKey: data.historyKey,
          recordKeys: data.recordKeys,
          tokenKey: data.tokenKey,
        }),
      'Flows/Workflow',
    );
    expect(error.message).toBe(
      'runsTable must be encrypted with the key given as props.key, got a table encrypted with OtherData/DataKey',
    );
  });

  it('fails naming the construct and the path when the given lock file does not exist', () => {
    const lockFile = join(mkdtempSync(join(tmpdir(), 'awf-app-')), 'package-lock.json');
    expect(propsError(() => build({ depsLockFilePath: lockFile }), 'Flows/Workflow').message).toBe(
      `depsLockFilePath must be an existing lock file, got ${lockFile}`,
    );
  });

  it('fails naming the construct when the history key is the data key or not an HMAC key', () => {
    const workflowWith = (historyKey: (data: AwfDataStack) => kms.IKey) => () => {
      const { data, stack } = newScope();
      new GovernedWorkflow(stack, 'Workflow', {
        pack: refundTriage.pack,
        packDir: refundTriage.dir,
        eventBus: data.eventBus,
        runsTable: data.runsTable,
        lineageTable: data.lineageTable,
        key: data.key,
        historyKey: historyKey(data),
        recordKeys: data.recordKeys,
        tokenKey: data.tokenKey,
      });
    };
    expect(
      propsError(
        workflowWith((data) => data.key),
        'Flows/Workflow',
      ).message,
    ).toBe('historyKey must be an HMAC key of its own, got props.key (Data/DataKey)');
    const symmetric = workflowWith((data) => new kms.Key(data, 'SymmetricKey', { enableKeyRotation: true }));
    expect(propsError(symmetric, 'Flows/Workflow').message).toBe(
      'historyKey must have keySpec HMAC_256 and keyUsage GENERATE_VERIFY_MAC, got SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT (Data/SymmetricKey)',
    );
  });

  it('fails naming the construct when the task token key is shared or not a symmetric encryption key', () => {
    const workflowWith = (tokenKey: (data: AwfDataStack) => kms.IKey) => () => {
      const { data, stack } = newScope();
      new GovernedWorkflow(stack, 'Workflow', {
        pack: refundTriage.pack,
        packDir: refundTriage.dir,
        eventBus: data.eventBus,
        runsTable: data.runsTable,
        lineageTable: data.lineageTable,
        key: data.key,
        historyKey: data.historyKey,
        recordKeys: data.recordKeys,
        tokenKey: tokenKey(data),
      });
    };
    expect(
      propsError(
        workflowWith((data) => data.key),
        'Flows/Workflow',
      ).message,
    ).toBe('tokenKey must be a key of its own, got the key also used as props.key (Data/DataKey)');
    const hmac = workflowWith(
      (data) =>
        new kms.Key(data, 'HmacKey', {
          keySpec: kms.KeySpec.HMAC_256,
          keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
        }),
    );
    expect(propsError(hmac, 'Flows/Workflow').message).toBe(
      'tokenKey must have keySpec SYMMETRIC_DEFAULT and keyUsage ENCRYPT_DECRYPT, got HMAC_256 / GENERATE_VERIFY_MAC (Data/HmacKey)',
    );
  });
});

describe('data stack', () => {
  it('fails naming the stack on an event archive retention shorter than a day, showing it', () => {
    const app = new App({ context: cdkJsonContext() });
    const error = propsError(
      () => new AwfDataStack(app, 'Data', { env: TEST_ENV, eventArchiveRetention: Duration.hours(12) }),
      'Data',
    );
    expect(error.message).toBe(
      'eventArchiveRetention must be a whole number of days, at least 1, got 12 hours',
    );
  });
});

describe('workflows stack', () => {
  it('fails naming the stack without packs', () => {
    const { app, data } = newScope();
    const error = propsError(
      () =>
        new AwfWorkflowsStack(app, 'Workflows', {
          packs: [],
          eventBus: data.eventBus,
          runsTable: data.runsTable,
          lineageTable: data.lineageTable,
          key: data.key,
          historyKey: data.historyKey,
          recordKeys: data.recordKeys,
          tokenKey: data.tokenKey,
        }),
      'Workflows',
    );
    expect(error.message).toBe('packs must hold at least one workflow pack, got none');
  });

  it('fails naming the stack and a workflow id given twice', () => {
    const { app, data } = newScope();
    const error = propsError(
      () =>
        new AwfWorkflowsStack(app, 'Workflows', {
          packs: [refundTriage, refundTriage],
          eventBus: data.eventBus,
          runsTable: data.runsTable,
          lineageTable: data.lineageTable,
          key: data.key,
          historyKey: data.historyKey,
          recordKeys: data.recordKeys,
          tokenKey: data.tokenKey,
        }),
      'Workflows',
    );
    expect(error.message).toBe('packs must have unique workflow ids, got refund-triage more than once');
  });
});

describe('event grants', () => {
  it('fails naming the bus when a detail-type list is given empty', () => {
    const stack = new Stack(undefined, 'Flows');
    const bus = new events.EventBus(stack, 'Bus');
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    const error = propsError(
      () => grantPutWorkflowEvents(bus, role, { workflowId: 'refund-triage', detailTypes: [] }),
      'Flows/Bus',
    );
    expect(error.message).toBe(
      'detailTypes must list at least one detail-type when given, got [] for workflow refund-triage',
    );
  });
});
