/**
 * The `awf` command tree. Each command resolves its target (the local cloud by
 * default, a deployed stack with `--aws`) and prints a table, or JSON with `--json`.
 */
import { Command, Option } from 'commander';
import { needsStackKey } from './checkpoints.js';
import { decideApproval, listApprovals } from './commands/approvals.js';
import { auditTrail } from './commands/audit.js';
import { auditCheckpoint } from './commands/audit-checkpoint.js';
import { type AuditExportOptions, auditExport, EXPORT_FORMATS } from './commands/audit-export.js';
import { auditKey, auditProve, auditVerifyProof, type VerifyProofOptions } from './commands/audit-proof.js';
import { type AuditQueryOptions, auditQuery } from './commands/audit-query.js';
import { type AuditVerifyOptions, auditVerify } from './commands/audit-verify.js';
import type { DoctorOptions } from './commands/doctor.js';
import { putEvent, showSink } from './commands/events.js';
import { policiesReport } from './commands/policies.js';
import { cancelFollowUp, listRuns, showRun, waitForRun } from './commands/runs.js';
import { setSwitch, switchRequestOf, switchStatus } from './commands/workflows.js';
import { resolveTarget, type TargetOptions } from './target.js';

type Options = TargetOptions & { json?: boolean } & Record<string, unknown>;

/** Adds the options every target-using command shares. */
function withTarget(command: Command): Command {
  return command
    .option('--json', 'print JSON for scripts instead of a table')
    .option('--aws', 'talk to a deployed stack instead of the local cloud')
    .option('--stack <name>', 'workflows stack name (with --aws)')
    .option('--data-stack <name>', 'data stack name (with --aws)')
    .option('--region <region>', 'AWS region (with --aws)')
    .addOption(new Option('--state-dir <dir>', 'local cloud state folder').default('.awf').hideHelp());
}

/** Adds where checkpoints and their public keys are read from, for `--aws` or an offline copy. */
function withCheckpoints(command: Command): Command {
  return command
    .option('--checkpoints <dir>', 'a folder of checkpoint files (a copy of the checkpoint bucket)')
    .option(
      '--key <file>',
      "a trusted public key (PEM); repeat for several (default: the local cloud's)",
      (file: string, files: string[] = []) => [...files, file],
    );
}

/** Runs `action` with the command's merged options and resolved target. */
function targeted(
  action: (
    target: Awaited<ReturnType<typeof resolveTarget>>,
    options: Options,
    ...args: string[]
  ) => Promise<void> | void,
) {
  return async (...args: unknown[]) => {
    const command = args.at(-1) as Command;
    const options = command.optsWithGlobals() as Options;
    const positional = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
    const target = await resolveTarget(options);
    await action(target, options, ...positional);
  };
}

/** Builds the `awf` program. `local` commands are added by the caller (they need the local cloud's code). */
export function buildProgram(): Command {
  const program = new Command('awf')
    .description('awf: governed autonomous workflows on AWS')
    .showHelpAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  const events = program
    .command('events')
    .description('put events on the platform bus and read what actions emitted');
  withTarget(
    events
      .command('put')
      .description('put one event on the platform bus')
      .option('--source <source>', 'event source, such as acme.payments')
      .option('--detail-type <type>', 'event detail-type, such as RefundRequested')
      .option('--detail <json>', 'event detail as a JSON object')
      .option('--file <path>', 'a JSON file with source, detail-type and detail (an example event)')
      .option(
        '--wait <seconds>',
        'seconds to wait for a workflow to admit it, then say how (admitted, a duplicate, rejected); 0 to only put it',
        '10',
      ),
  ).action(targeted((target, options) => putEvent(target, options)));
  withTarget(
    events
      .command('sink')
      .description('events the platform and its actions emitted (local cloud)')
      .option('--source <source>', 'only this source')
      .option('--detail-type <type>', 'only this detail-type')
      .option('--all', 'also the business events that came in')
      .option(
        '--notifications',
        "what the workflows' SNS topics would have published (approval requests, reminders, escalations)",
      ),
  ).action(targeted((target, options) => showSink(target, options)));

  const runs = program.command('runs').description('runs of the governed workflows');
  withTarget(
    runs
      .command('list')
      .description('runs, newest first')
      .option('--workflow <id>', 'only this workflow')
      .option('--status <status>', 'RUNNING, AWAITING_APPROVAL, COMPLETED, ESCALATED, REJECTED or FAILED')
      .option('--limit <n>', 'at most this many', '50'),
  ).action(targeted((target, options) => listRuns(target, options)));
  withTarget(runs.command('show <run>').description('one run: status, approvals, actions, lineage')).action(
    targeted((target, options, runId = '') => showRun(target, runId, options)),
  );
  withTarget(
    runs
      .command('wait <run>')
      .description('wait until the run ends (or reaches --status)')
      .option('--status <status>', 'wait for this status instead, such as AWAITING_APPROVAL')
      .option('--timeout <duration>', 'give up after this long, such as 90s or 5m', '120s'),
  ).action(targeted((target, options, runId = '') => waitForRun(target, runId, options)));
  withTarget(
    runs
      .command('cancel-follow-up <followUp>')
      .description('ask to cancel a pending follow-up; it is cancelled once the approvers approve')
      .requiredOption('--reason <text>', 'why; recorded and shown to the approvers')
      .option(
        '--as <operator>',
        "locally: whose local operator identity signs (the workflow's owner contact, or a --principal of awf local up); in AWS your credentials say who you are",
      ),
  ).action(targeted((target, options, followUpId = '') => cancelFollowUp(target, followUpId, options)));

  const workflows = program.command('workflows').description("the workflows' kill switch (operators)");
  for (const command of ['pause', 'resume'] as const) {
    const sub = workflows
      .command(`${command} <workflow>`)
      .description(
        command === 'pause'
          ? 'halt the workflow (nothing new executes) or send every action to an approver (--mode approve-all)'
          : 'let the workflow run normally again',
      );
    if (command === 'pause') sub.option('--mode <mode>', 'halt | approve-all', 'halt');
    withTarget(
      sub
        .option(
          '--as <operator>',
          "locally: whose local operator identity signs (the workflow's owner contact, or a --principal of awf local up); in AWS your credentials say who you are",
        )
        .requiredOption('--reason <text>', 'why; recorded in the lineage for auditors'),
    ).action(
      targeted((target, options, workflowId = '') =>
        setSwitch(target, switchRequestOf(target, command, workflowId, options), options),
      ),
    );
  }
  withTarget(
    workflows.command('status [workflow]').description("each workflow's switch: run, halt or approve-all"),
  ).action(targeted((target, options, workflowId) => switchStatus(target, workflowId, options)));

  const approvals = program.command('approvals').description('pending human approvals');
  withTarget(
    approvals
      .command('list')
      .description('pending approvals you may decide')
      .option('--workflow <id>', 'only this workflow')
      .option('--as <principal>', 'locally: whose local identity signs, such as alice@acme.example'),
  ).action(targeted((target, options) => listApprovals(target, options)));
  for (const [name, decision] of [
    ['approve', 'APPROVE'],
    ['reject', 'REJECT'],
  ] as const) {
    withTarget(
      approvals
        .command(`${name} <approval>`)
        .description(`${name} a pending approval`)
        .option(
          '--as <principal>',
          'locally: whose local identity signs, such as alice@acme.example (in AWS: who your credentials say)',
        )
        .option('--workflow <id>', 'the workflow of the approval (default: ask each)')
        .requiredOption('--reason <text>', 'why; recorded in the lineage for auditors'),
    ).action(
      targeted((target, options, approvalId = '') => decideApproval(target, approvalId, decision, options)),
    );
  }

  const audit = program.command('audit').description('evidence for auditors');
  withTarget(
    audit.command('trail <run>').description("the run's lineage records in order, chain verified"),
  ).action(targeted((target, options, runId = '') => auditTrail(target, runId, options)));
  withTarget(
    audit
      .command('checkpoint')
      .description(
        'make the next signed checkpoint of every lineage chain now (the local cloud also makes one every few minutes)',
      ),
  ).action(targeted((target, options) => auditCheckpoint(target, options)));
  withCheckpoints(
    withTarget(
      audit
        .command('verify')
        .description(
          'verify lineage chains against the signed checkpoints (exit 2 naming each damaged run and its first bad record), or an inclusion proof offline (--proof)',
        )
        .option('--run <run>', 'only this run')
        .option('--workflow <id>', "only this workflow's runs with a record in the window")
        .option('--since <time>', 'with --workflow: from this ISO-8601 date or time')
        .option('--until <time>', 'with --workflow: up to this ISO-8601 date or time')
        .option('--all', 'every chain of the table (the default)')
        .option('--proof <file>', 'verify this inclusion proof (from "awf audit prove") offline instead')
        .option('--record <file>', 'with --proof: the record itself (JSON), checked against the proof'),
    ),
  ).action(async (...args: unknown[]) => {
    const options = (args.at(-1) as Command).optsWithGlobals() as AuditVerifyOptions & VerifyProofOptions;
    // A proof is checked offline: no cloud, no credentials, unless the key must come from the stack.
    if (options.proof !== undefined) {
      return auditVerifyProof(options, needsStackKey(options) ? await resolveTarget(options) : undefined);
    }
    await auditVerify(await resolveTarget(options), options);
  });
  withCheckpoints(
    withTarget(
      audit
        .command('prove <record>')
        .description(
          'print the inclusion proof of one record (RUN:SEQ) under the checkpoint that anchored it, as JSON',
        ),
    ),
  ).action(targeted((target, options, ref = '') => auditProve(target, ref, options)));
  withCheckpoints(
    withTarget(
      audit.command('key').description('print the public key(s) checkpoints are verified with (PEM)'),
    ),
  ).action(async (...args: unknown[]) => {
    const options = (args.at(-1) as Command).optsWithGlobals() as Parameters<typeof auditKey>[0];
    // Locally the key is a file of the state folder: no running cloud needed.
    await auditKey(options, needsStackKey(options) ? await resolveTarget(options) : undefined);
  });
  withTarget(
    audit
      .command('query')
      .description("a workflow's lineage records (one Query of the table's indexes per page, never a Scan)")
      .option('--workflow <id>', 'the workflow (required)')
      .option('--since <time>', 'from this ISO-8601 date or time')
      .option('--until <time>', 'up to this ISO-8601 date or time')
      .option('--entity <id>', 'only this business entity (order id, ticket id)')
      .option('--actor <actor>', 'only this actor: awf:<step>, model:<model id> or human:<principal>')
      .option('--kind <type>', 'only this record type, such as approval.decided')
      .option('--csv', 'print CSV'),
  ).action(targeted((target, options) => auditQuery(target, options as AuditQueryOptions)));
  withTarget(
    audit
      .command('export')
      .description('export the lineage: JSON Lines, CSV, or OpenLineage RunEvents (one per line)')
      .option('--workflow <id>', 'only this workflow (default: every workflow of the target)')
      .option('--since <time>', 'from this ISO-8601 date or time')
      .option('--until <time>', 'up to this ISO-8601 date or time')
      .requiredOption('--format <format>', EXPORT_FORMATS.join(' | ')),
  ).action(targeted((target, options) => auditExport(target, options as AuditExportOptions)));

  const policies = program.command('policies').description("the workflows' Cedar policies");
  withTarget(
    policies
      .command('report')
      .description(
        'per log-only policy: the recorded decisions it was evaluated with and those it would have changed, with examples',
      )
      .option('--workflow <id>', 'only this workflow')
      .option(
        '--since <time>',
        'only decisions recorded at or after this ISO-8601 date or time, such as 2026-11-01',
      ),
  ).action(targeted((target, options) => policiesReport(target, options)));

  const packs = program.command('packs').description('workflow packs');
  packs
    .command('test')
    .description(
      'run every example event of the packs through the real state machine and steps, in this process, on a virtual clock; exit 1 when one ends otherwise than it expects',
    )
    .option('--pack <id>', 'only this pack')
    .option('--dir <dir>', 'the folder holding the packs (default: workflows/)')
    .option('--json', 'print JSON')
    .action(async (options: { pack?: string; dir?: string; json?: boolean }) => {
      // Loaded on use: it brings the Step Functions emulation, which no other command needs.
      const { testPacks } = await import('./commands/packs.js');
      await testPacks(options);
    });

  program
    .command('doctor')
    .description(
      'check what a deploy and a first run need, one line each (ok, warn, blocker): the toolchain and the local cloud; with --aws each workflow model (lifecycle, a one-token call), the bus, tables and roles; exit 1 on a blocker',
    )
    .option('--json', 'print JSON for scripts instead of a table')
    .option('--aws', 'check the AWS account instead of the local cloud')
    .option('--stack <name>', 'workflows stack name (with --aws)')
    .option('--data-stack <name>', 'data stack name (with --aws)')
    .option('--region <region>', 'AWS region (with --aws)')
    .addOption(new Option('--state-dir <dir>', 'local cloud state folder').default('.awf').hideHelp())
    .action(async (options: DoctorOptions) => {
      // Loaded on use: with --aws it brings the Bedrock control-plane client, which no other command needs.
      const { runDoctor } = await import('./commands/doctor.js');
      await runDoctor(options);
    });

  return program;
}
