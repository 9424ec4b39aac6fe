/**
 * The log-only report: for each `@mode("log-only")` policy, how many recorded
 * decisions it was evaluated with and how many it would have changed.
 *
 * It reads `policy.evaluated` records only (their `logOnly` list), so it is
 * what the evidence says, not a re-evaluation: it answers "what would enforcing
 * this policy have changed in the decisions we made?" before anyone enforces it.
 */
import { parseLineageRecord, type TypedLineageRecord } from '../lineage/read.js';
import type { LineageRecord } from '../lineage/record.js';
import type { GateDecision } from '../steps/contracts.js';

/** How many examples of changed decisions each policy gets unless told otherwise. */
export const DEFAULT_REPORT_EXAMPLES = 3;

/** A decision a log-only policy would have changed. */
export interface LogOnlyExample {
  readonly runId: string;
  readonly proposalId: string;
  readonly action: string;
  /** The decision made. */
  readonly decision: GateDecision;
  /** The decision had the policy been enforced. */
  readonly wouldDecide: GateDecision;
  /** When the decision was recorded. */
  readonly at: string;
  /** The policy's first evaluation error, when an error is what would have denied. */
  readonly error?: string;
}

/** Changed decisions of one kind, such as ALLOW -> DENY. */
export interface LogOnlyChange {
  readonly from: GateDecision;
  readonly to: GateDecision;
  readonly count: number;
}

/** One log-only policy of one workflow over the report's window. */
export interface LogOnlyPolicyReport {
  readonly workflowId: string;
  readonly policyId: string;
  /** Decisions the policy was evaluated with. */
  readonly evaluated: number;
  /** Of those, the ones whose request its scope and conditions held for. */
  readonly satisfied: number;
  /** Decisions it would have changed, had it been enforced. */
  readonly changed: number;
  /** `changed` by decision made -> would-be decision, most frequent first. */
  readonly changes: readonly LogOnlyChange[];
  /** Evaluations that failed with an error (enforced, each would have denied). */
  readonly errors: number;
  /** Up to the report's `examples` changed decisions, newest first. */
  readonly examples: readonly LogOnlyExample[];
  /** The policy-set hashes of its evaluations; more than one means its set changed within the window. */
  readonly policySetHashes: readonly string[];
  /** The first and last decision it was evaluated with. */
  readonly firstAt: string;
  readonly lastAt: string;
}

/** The report: every log-only policy found in the records read. */
export interface LogOnlyReport {
  /** Only decisions recorded at or after this time were counted. */
  readonly since?: string;
  /** `policy.evaluated` records read (decisions), with or without log-only policies. */
  readonly decisions: number;
  /** By workflow, then policy id. */
  readonly policies: readonly LogOnlyPolicyReport[];
}

/** What shapes a report. */
export interface LogOnlyReportOptions {
  /** Count only decisions recorded at or after this ISO-8601 time (compared as stored, UTC). */
  readonly since?: string;
  /** Examples per policy. @default DEFAULT_REPORT_EXAMPLES */
  readonly examples?: number;
}

interface Tally {
  workflowId: string;
  policyId: string;
  evaluated: number;
  satisfied: number;
  errors: number;
  changes: Map<string, LogOnlyChange>;
  changedRecords: LogOnlyExample[];
  hashes: Set<string>;
  firstAt: string;
  lastAt: string;
}

function byTime(a: LineageRecord, b: LineageRecord): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.chainId !== b.chainId) return a.chainId < b.chainId ? -1 : 1;
  return a.seq - b.seq;
}

/**
 * Builds the report from lineage records (of any type; only `policy.evaluated` counts).
 *
 * Pure: the caller reads the records (for one workflow, the lineage table's
 * byWorkflow index). Records of the same chain and seq are counted once.
 *
 * @throws MalformedLineageRecordError when a `policy.evaluated` record does not have the registered shape.
 * @example
 * const report = logOnlyReport(records, { since: '2026-11-01T00:00:00.000Z' });
 * report.policies[0]; // { policyId: 'refund-over-250-forbidden', evaluated: 12, changed: 3, changes: [{ from: 'ALLOW', to: 'DENY', count: 3 }], ... }
 */
export function logOnlyReport(
  records: readonly LineageRecord[],
  options: LogOnlyReportOptions = {},
): LogOnlyReport {
  const { since, examples = DEFAULT_REPORT_EXAMPLES } = options;
  const seen = new Set<string>();
  const decisions: TypedLineageRecord<'policy.evaluated'>[] = [];
  for (const record of [...records].sort(byTime)) {
    if (record.type !== 'policy.evaluated' || (since !== undefined && record.at < since)) continue;
    const key = `${record.chainId}\u0000${record.seq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    decisions.push(parseLineageRecord(record, 'policy.evaluated'));
  }

  const tallies = new Map<string, Tally>();
  for (const record of decisions) {
    const { data } = record;
    for (const entry of data.logOnly ?? []) {
      const key = `${record.workflowId}\u0000${entry.policyId}`;
      let tally = tallies.get(key);
      if (!tally) {
        tally = {
          workflowId: record.workflowId,
          policyId: entry.policyId,
          evaluated: 0,
          satisfied: 0,
          errors: 0,
          changes: new Map(),
          changedRecords: [],
          hashes: new Set(),
          firstAt: record.at,
          lastAt: record.at,
        };
        tallies.set(key, tally);
      }
      tally.evaluated += 1;
      tally.lastAt = record.at;
      if (entry.satisfied) tally.satisfied += 1;
      if (entry.errors && entry.errors.length > 0) tally.errors += 1;
      if (record.versions.policySetHash) tally.hashes.add(record.versions.policySetHash);
      if (!entry.changed) continue;
      const change = `${data.decision}\u0000${entry.wouldDecide}`;
      const counted = tally.changes.get(change);
      tally.changes.set(change, {
        from: data.decision,
        to: entry.wouldDecide,
        count: (counted?.count ?? 0) + 1,
      });
      const error = entry.errors?.[0];
      tally.changedRecords.push({
        runId: record.chainId,
        proposalId: data.proposalId,
        action: data.action,
        decision: data.decision,
        wouldDecide: entry.wouldDecide,
        at: record.at,
        ...(error !== undefined && { error }),
      });
    }
  }

  const policies = [...tallies.values()]
    .sort((a, b) =>
      a.workflowId === b.workflowId
        ? a.policyId.localeCompare(b.policyId)
        : a.workflowId.localeCompare(b.workflowId),
    )
    .map(
      (tally): LogOnlyPolicyReport => ({
        workflowId: tally.workflowId,
        policyId: tally.policyId,
        evaluated: tally.evaluated,
        satisfied: tally.satisfied,
        changed: tally.changedRecords.length,
        changes: [...tally.changes.values()].sort(
          (a, b) => b.count - a.count || `${a.from}${a.to}`.localeCompare(`${b.from}${b.to}`),
        ),
        errors: tally.errors,
        examples: examples > 0 ? tally.changedRecords.slice(-examples).reverse() : [],
        policySetHashes: [...tally.hashes],
        firstAt: tally.firstAt,
        lastAt: tally.lastAt,
      }),
    );
  return { ...(since !== undefined && { since }), decisions: decisions.length, policies };
}
