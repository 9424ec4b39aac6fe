/**
 * `awf policies report`: per `@mode("log-only")` policy, the recorded decisions
 * it would have changed had it been enforced (`core/policy/log-only-report.ts`).
 */
import {
  type LogOnlyExample,
  type LogOnlyPolicyReport,
  type LogOnlyReport,
  logOnlyReport,
} from '../../core/policy/log-only-report.js';
import { type OutputOptions, print, renderTable } from '../output.js';
import { storesOf } from '../stores.js';
import type { Target } from '../target.js';

/** Options of `awf policies report`. */
export interface PoliciesReportOptions extends OutputOptions {
  /** Only this workflow; every workflow of the target otherwise. */
  readonly workflow?: string;
  /** Only decisions recorded at or after this ISO-8601 date or time. */
  readonly since?: string;
}

// A date, or a date and time with its zone: a time without one would be read in the local zone.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Reads `--since` as an instant, in the form the lineage stores `at` (UTC, milliseconds).
 * @throws Error naming the option and the value when it is not an ISO-8601 date or zoned time.
 */
export function parseSince(value: string): string {
  const time = ISO_TIME.test(value) ? new Date(value) : undefined;
  if (time === undefined || Number.isNaN(time.getTime())) {
    throw new Error(
      `--since must be an ISO-8601 date or time with its zone, such as 2026-11-01 or 2026-11-01T09:00:00Z, got "${value}"`,
    );
  }
  return time.toISOString();
}

function policyText(policy: LogOnlyPolicyReport): string {
  const changes = policy.changes.map((c) => `${c.from}→${c.to}: ${c.count}`).join(', ');
  return [
    `${policy.workflowId} / ${policy.policyId}`,
    `  evaluated with ${policy.evaluated} decisions (${policy.firstAt} to ${policy.lastAt}); its conditions held for ${policy.satisfied}; ${policy.errors} errors`,
    `  would have changed ${policy.changed}${changes ? ` (${changes})` : ''}`,
    ...(policy.examples.length > 0
      ? renderTable(policy.examples, [
          { heading: 'run', value: (e) => e.runId },
          { heading: 'action', value: (e) => e.action },
          { heading: 'decision', value: (e) => e.decision },
          { heading: 'would decide', value: (e) => e.wouldDecide },
          { heading: 'at', value: (e) => e.at },
          ...(policy.examples.some((e) => e.error !== undefined)
            ? [{ heading: 'error', value: (e: LogOnlyExample) => e.error }]
            : []),
        ])
          .split('\n')
          .map((line) => `  ${line}`)
      : []),
  ].join('\n');
}

function reportText(report: LogOnlyReport): string {
  const window = report.since ? ` since ${report.since}` : '';
  if (report.policies.length === 0) {
    return `no log-only policy was evaluated in the ${report.decisions} decisions recorded${window}`;
  }
  const count =
    report.policies.length === 1 ? '1 log-only policy' : `${report.policies.length} log-only policies`;
  return [
    `${report.decisions} decisions recorded${window}; ${count} evaluated`,
    ...report.policies.map(policyText),
  ].join('\n\n');
}

/**
 * Prints the log-only report of one workflow, or of every workflow of the target.
 * @throws Error when `--workflow` names no workflow of the target, or `--since` is malformed.
 */
export async function policiesReport(target: Target, options: PoliciesReportOptions): Promise<void> {
  const since = options.since === undefined ? undefined : parseSince(options.since);
  const known = Object.keys(target.workflows).sort();
  if (options.workflow !== undefined && !known.includes(options.workflow)) {
    throw new Error(
      `--workflow: no workflow "${options.workflow}" here; the workflows are ${known.join(', ') || '(none)'}`,
    );
  }
  const { lineage } = storesOf(target);
  const records = await Promise.all(
    (options.workflow ? [options.workflow] : known).map((workflowId) =>
      lineage.recordsOfWorkflow(workflowId, { type: 'policy.evaluated', ...(since && { since }) }),
    ),
  );
  print(logOnlyReport(records.flat(), { ...(since && { since }) }), options, reportText);
}
