/**
 * `awf doctor [--aws]`: checks what a deploy and a first run need, one line
 * per check (ok, warn or blocker), and exits 1 on a blocker.
 *
 * Locally: Node.js, Java (DynamoDB Local), the synth inputs, the packs, and
 * whether the local cloud runs and its endpoints answer. With `--aws`: each
 * workflow's models (lifecycle on Bedrock's control plane, a one-token
 * Converse call), then the deployed bus, tables and roles. The models are the
 * packs', with the deployment's choice from cdk.json's context applied, as
 * `cdk deploy` would.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelsOf } from '../../core/model/agent-models.js';
import { modelChoiceFromContext, withModelChoice } from '../../core/workflow/model-choice.js';
import { LOCAL_STATE_DIR } from '../../local/process/state-file.js';
import { discoverWorkflowPacks } from '../../workflows/discover.js';
import { type AwsProbes, awsChecks, type WorkflowModels } from '../doctor/aws-checks.js';
import { type DoctorLine, doctorExitCode, line, renderDoctor } from '../doctor/lines.js';
import { type LocalProbes, localChecks } from '../doctor/local-checks.js';
import { type OutputOptions, print } from '../output.js';
import type { TargetOptions } from '../target.js';

/** What `awf doctor` is asked. */
export interface DoctorOptions extends OutputOptions, TargetOptions {}

/** The probes the doctor uses; tests give fakes. */
export interface DoctorProbes {
  readonly local: LocalProbes;
  /** Made only with `--aws`, for the region. */
  readonly aws?: (region: string) => AwsProbes;
  /** The workflows and their models, as a deploy from here would run them. */
  readonly workflows?: () => Promise<readonly WorkflowModels[]>;
  readonly now?: () => Date;
}

/** The context of cdk.json and cdk.context.json in `projectDir`, as `cdk` merges them. */
function cdkContext(projectDir: string): Record<string, unknown> {
  const read = (file: string): Record<string, unknown> => {
    const path = join(projectDir, file);
    if (!existsSync(path)) return {};
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const context = file === 'cdk.json' ? (parsed as { context?: unknown }).context : parsed;
    return typeof context === 'object' && context !== null ? (context as Record<string, unknown>) : {};
  };
  return { ...read('cdk.context.json'), ...read('cdk.json') };
}

/** The packs' workflows with the models cdk.json's context chooses for them. */
export async function deployedWorkflowModels(projectDir: string): Promise<WorkflowModels[]> {
  const context = cdkContext(projectDir);
  return (await discoverWorkflowPacks()).map(({ pack }) => {
    const choice = modelChoiceFromContext(pack.spec.id, (key) => context[key]);
    return { workflowId: pack.spec.id, modelIds: modelsOf(withModelChoice(pack.spec, choice).agent) };
  });
}

/**
 * Runs the checks, prints them, sets the exit status (1 on a blocker) and
 * returns the lines.
 */
export async function doctor(options: DoctorOptions, probes: DoctorProbes): Promise<DoctorLine[]> {
  const aws = options.aws ?? false;
  const lines = await localChecks(probes.local, { aws });
  if (aws) {
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (region === undefined || probes.aws === undefined) {
      lines.push(line('region', 'blocker', 'no region: pass --region or set AWS_REGION'));
    } else {
      let workflows: readonly WorkflowModels[] = [];
      try {
        workflows = (await probes.workflows?.()) ?? [];
      } catch (error) {
        lines.push(line('models', 'blocker', error instanceof Error ? error.message : String(error)));
      }
      lines.push(line('region', 'ok', region));
      lines.push(...(await awsChecks(probes.aws(region), workflows, probes.now?.() ?? new Date())));
    }
  }
  print({ lines, exitCode: doctorExitCode(lines) }, options, (report) => renderDoctor(report.lines));
  if (doctorExitCode(lines) === 1) process.exitCode = 1;
  return lines;
}

/** The doctor with this machine's probes; the AWS ones are loaded only with `--aws`. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorLine[]> {
  const projectDir = process.cwd();
  const { createLocalProbes } = await import('../doctor/local-probes.js');
  const { createAwsProbes } = options.aws
    ? await import('../doctor/aws-probes.js')
    : { createAwsProbes: undefined };
  return doctor(options, {
    local: createLocalProbes(projectDir, options.stateDir ?? LOCAL_STATE_DIR),
    ...(createAwsProbes === undefined ? {} : { aws: (region: string) => createAwsProbes(region, options) }),
    workflows: () => deployedWorkflowModels(projectDir),
  });
}
