/**
 * AWS Control Tower's proactive controls over the synthesized templates: the
 * `@cdklabs/cdk-validator-cfnguard` policy-validation plugin (AWS
 * CloudFormation Guard and the Control Tower rules, shipped inside the npm
 * package; nothing is downloaded) finds nothing but the exceptions listed
 * here, each with its control, the resources it covers and why it is
 * accepted, as the cdk-nag acknowledgements are. A finding the list does not
 * cover fails, and so does an exception nothing needs any more.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import type { IPolicyValidationContextBeta1, PolicyValidationPluginReportBeta1 } from 'aws-cdk-lib';
import { loadTestPacks, type SynthesizedAwf, synthAwf } from './support/synth.js';

type StackKind = 'data' | 'workflows';

interface ControlException {
  /** The Control Tower control id, as the finding's description starts. */
  readonly control: string;
  readonly stack: StackKind;
  /** The logical ids it covers (construct ids, without CDK's hash). */
  readonly resources: RegExp;
  readonly reason: string;
  /**
   * For a finding that is a false positive: proves, from the template, that
   * the resource does meet the control.
   */
  readonly actuallyMet?: (properties: Record<string, unknown>) => boolean;
}

/** An `Fn::ImportValue` of the data stack's key ARN, which cfn-guard cannot see through. */
const importsDataKey = (value: unknown): boolean => JSON.stringify(value ?? null).includes('Fn::ImportValue');

const EXCEPTIONS: readonly ControlException[] = [
  {
    control: 'CT.LAMBDA.PR.3',
    stack: 'data',
    resources: /^(LineageAnchoringCheckpointerFunction|LineageTamperFunction)/,
    reason:
      'The platform functions reach only AWS APIs (DynamoDB, S3, KMS, EventBridge) and no private network; a VPC would add NAT or endpoints to run them and protect nothing they touch.',
  },
  {
    control: 'CT.LAMBDA.PR.3',
    stack: 'workflows',
    resources: /Function[0-9A-F]{8}$/,
    reason:
      'The step functions reach only AWS APIs (Bedrock, DynamoDB, KMS, EventBridge, Step Functions); an app whose connectors need a private network puts them in its VPC itself.',
  },
  {
    control: 'CT.S3.PR.10',
    stack: 'data',
    resources: /^LineageAnchoringBucket/,
    reason:
      'Checkpoints are signed chain heads, no record content, locked in compliance mode for a year: under a KMS key, disabling or losing the key would make locked evidence unreadable for its whole retention; SSE-S3 cannot be taken away.',
  },
  {
    control: 'CT.S3.PR.2',
    stack: 'data',
    resources: /^LineageAnchoringBucket/,
    reason:
      'Access to the checkpoint bucket is recorded by CloudTrail data events where the organization enables them; a log bucket per deployment would itself need this exception.',
  },
  {
    control: 'CT.S3.PR.3',
    stack: 'data',
    resources: /^LineageAnchoringBucket/,
    reason:
      'The bucket is versioned and Object Lock retains every checkpoint; a lifecycle rule expiring versions would contradict the lock, and checkpoints are small.',
  },
  {
    control: 'CT.S3.PR.4',
    stack: 'data',
    resources: /^LineageAnchoringBucket/,
    reason:
      'Only the checkpointer writes checkpoints, on its schedule, and its metrics and logs report each one; an event per object would notify nobody who acts on it.',
  },
  {
    control: 'CT.S3.PR.6',
    stack: 'data',
    resources: /^LineageAnchoringBucket/,
    reason:
      'Checkpoints are kept by Object Lock for their retention on purpose; a lifecycle policy cannot delete a locked version, and a transition would save nothing on objects this small.',
  },
  {
    control: 'CT.SQS.PR.1',
    stack: 'data',
    resources: /^DeadLetterQueue/,
    reason:
      'This queue is itself the dead-letter queue of the checkpointer, its schedule and the tamper stream mapping; a queue behind it would only move the problem.',
  },
  {
    control: 'CT.SQS.PR.1',
    stack: 'workflows',
    resources: /DeadLetterQueue[0-9A-F]{8}$/,
    reason:
      "This queue is itself the dead-letter queue of the workflow's trigger rule, schedules and asynchronous functions; a queue behind it would only move the problem.",
  },
  {
    control: 'CT.SQS.PR.2',
    stack: 'workflows',
    resources: /DeadLetterQueue[0-9A-F]{8}$/,
    reason:
      "A false positive: the queue is encrypted with the data stack's key, imported with Fn::ImportValue, which cfn-guard cannot resolve (checked below).",
    actuallyMet: (p) => importsDataKey(p.KmsMasterKeyId),
  },
  {
    control: 'CT.CLOUDWATCH.PR.3',
    stack: 'workflows',
    resources: /Logs[0-9A-F]{8}$/,
    reason:
      "A false positive: every step and state machine log group is encrypted with the data stack's key, imported with Fn::ImportValue, which cfn-guard cannot resolve (checked below).",
    actuallyMet: (p) => importsDataKey(p.KmsKeyId),
  },
  {
    control: 'CT.CLOUDWATCH.PR.2',
    stack: 'workflows',
    resources: /Logs[0-9A-F]{8}$/,
    reason:
      'Step and state machine logs are operations data, not evidence (the lineage is); they keep six months by default so that what an error message quotes does not outlive its use. Set logRetention to a year where an organization requires it.',
  },
];

interface Finding {
  readonly control: string;
  readonly stack: StackKind;
  readonly logicalId: string;
}

let synth: SynthesizedAwf;
let findings: Finding[];
let outdir: string;

function run(plugin: CfnGuardValidator, templatePaths: string[]): PolicyValidationPluginReportBeta1 {
  // What CDK hands a policy-validation plugin at synth: the paths of the synthesized templates.
  return plugin.validate({ templatePaths } as IPolicyValidationContextBeta1);
}

beforeAll(async () => {
  synth = synthAwf({ packs: await loadTestPacks() });
  outdir = mkdtempSync(join(tmpdir(), 'awf-control-tower-'));
  const paths: Record<string, StackKind> = {};
  for (const [kind, template] of [
    ['data', synth.dataTemplate],
    ['workflows', synth.workflowsTemplate],
  ] as const) {
    const path = join(outdir, `${kind}.template.json`);
    writeFileSync(path, JSON.stringify(template.toJSON()));
    paths[path] = kind;
  }
  const report = run(new CfnGuardValidator(), Object.keys(paths));
  findings = report.violations.flatMap((violation) => {
    const control = /^\[(CT\.[A-Z0-9]+\.PR\.\d+)\]/.exec(violation.description)?.[1] ?? violation.ruleName;
    return violation.violatingResources.map((resource) => ({
      control,
      stack: paths[resource.templatePath] ?? 'data',
      logicalId: resource.resourceLogicalId,
    }));
  });
}, 120_000);

afterAll(() => {
  if (outdir) rmSync(outdir, { recursive: true, force: true });
});

const covering = (finding: Finding) =>
  EXCEPTIONS.filter(
    (e) => e.control === finding.control && e.stack === finding.stack && e.resources.test(finding.logicalId),
  );

it('runs the Control Tower rules shipped in the package', () => {
  expect(new CfnGuardValidator().ruleIds?.length).toBeGreaterThan(100);
});

it('finds nothing in either stack but the listed exceptions', () => {
  expect(findings.filter((finding) => covering(finding).length === 0)).toEqual([]);
});

it('needs every listed exception: none outlives the finding it was made for', () => {
  const unused = EXCEPTIONS.filter((e) => !findings.some((finding) => covering(finding).includes(e)));
  expect(unused.map((e) => `${e.control} ${e.stack} ${e.resources}`)).toEqual([]);
});

it('gives every exception a specific reason', () => {
  for (const exception of EXCEPTIONS) expect(exception.reason.length).toBeGreaterThanOrEqual(60);
});

it('proves each false positive from the template: the resource meets the control', () => {
  for (const finding of findings) {
    for (const exception of covering(finding)) {
      if (!exception.actuallyMet) continue;
      const template = finding.stack === 'data' ? synth.dataTemplate : synth.workflowsTemplate;
      const resources = template.toJSON().Resources as Record<
        string,
        { Properties?: Record<string, unknown> }
      >;
      expect({
        at: finding.logicalId,
        met: exception.actuallyMet(resources[finding.logicalId]?.Properties ?? {}),
      }).toEqual({
        at: finding.logicalId,
        met: true,
      });
    }
  }
});

it('reports no key without the statement limiting grants to AWS services (CT.KMS.PR.3)', () => {
  expect(findings.filter((f) => f.control === 'CT.KMS.PR.3')).toEqual([]);
});
