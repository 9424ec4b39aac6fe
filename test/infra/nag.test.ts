/**
 * cdk-nag (AWS Solutions and Serverless packs) finds nothing left to fix, and
 * every finding we accept is acknowledged on the construct that causes it,
 * by its full id, with the reason it is acceptable.
 */
import { Stack, Stage, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { loadTestPacks, type SynthesizedAwf, synthAwf } from './support/synth.js';

let synth: SynthesizedAwf;

interface Acknowledgement {
  readonly path: string;
  readonly construct: IConstruct;
  readonly id: string;
  readonly reason: unknown;
}

function acknowledgements(): Acknowledgement[] {
  return synth.app.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) =>
        Object.entries(entry.data as Record<string, unknown>).map(([id, reason]) => ({
          path: construct.node.path,
          construct,
          // Rule ids without a plugin prefix are recorded as annotation ids; cdk-nag reads them back the same way.
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

beforeAll(async () => {
  synth = synthAwf({ packs: await loadTestPacks() });
});

it('reports no unacknowledged AwsSolutions or Serverless finding, error or warning, in either stack', () => {
  for (const pack of [new AwsSolutionsChecks(), new ServerlessChecks()]) {
    for (const stack of [synth.data, synth.workflows]) {
      const report = pack.validateScope(stack);
      const findings = report.violations.map((v) => ({
        rule: v.ruleName,
        severity: v.severity,
        at: v.violatingResources.map((r) => r.constructPath),
      }));
      expect(findings).toEqual([]);
      expect(report.success).toBe(true);
    }
  }
});

it('acknowledges findings by rule id, IAM5 by its full finding id, each with a specific reason', () => {
  const acks = acknowledgements();
  expect(acks.length).toBeGreaterThan(0);
  for (const ack of acks) {
    expect({ path: ack.path, id: ack.id }).toEqual({
      path: ack.path,
      id: expect.stringMatching(/^(AwsSolutions|Serverless)-[A-Za-z0-9]+(\[[^\]]+\])?$/),
    });
    if (ack.id.startsWith('AwsSolutions-IAM5') || ack.id.startsWith('AwsSolutions-IAM4')) {
      expect({ path: ack.path, id: ack.id }).toEqual({
        path: ack.path,
        id: expect.stringMatching(/^AwsSolutions-IAM[45]\[(Resource|Action|Policy)::.+\]$/),
      });
    }
    expect(typeof ack.reason).toBe('string');
    expect(String(ack.reason).length).toBeGreaterThanOrEqual(60);
  }
});

it('acknowledges nothing on a whole stack or app, only on the construct that causes the finding', () => {
  for (const ack of acknowledgements()) {
    expect({ path: ack.path, blanket: Stack.isStack(ack.construct) || Stage.isStage(ack.construct) }).toEqual(
      {
        path: ack.path,
        blanket: false,
      },
    );
  }
});

it('acknowledges on the data stack only the IAM wildcards S3 object keys, qualified invocation and stream listing need', () => {
  const data = `${synth.data.node.path}/`;
  const iamAcks = acknowledgements()
    .filter((ack) => ack.path.startsWith(data) && ack.id.startsWith('AwsSolutions-IAM'))
    .map((ack) => ({
      path: ack.path.slice(data.length),
      id: ack.id.replace(/<[A-Za-z0-9]+?([A-F0-9]{8})\./g, '<.'),
    }));
  expect(iamAcks).toEqual(
    expect.arrayContaining([
      { path: 'AuditorRole', id: 'AwsSolutions-IAM5[Resource::<.Arn>/checkpoints/*]' },
      { path: 'LineageAnchoring/Checkpointer/Role', id: 'AwsSolutions-IAM5[Resource::<.Arn>/checkpoints/*]' },
      { path: 'LineageAnchoring/ScheduleRole', id: 'AwsSolutions-IAM5[Resource::<.Arn>:*]' },
      { path: 'LineageTamper/Tamper/Role', id: 'AwsSolutions-IAM5[Resource::*]' },
    ]),
  );
  expect(iamAcks).toHaveLength(4);
});
