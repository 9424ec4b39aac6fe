/**
 * The anchored verification for people: what was checked, then each damaged
 * run with its first bad record, then what is only informational (expired
 * records, records not yet anchored). `--json` prints the verification itself.
 */
import type { AnchoredVerification, RunVerdict } from './anchored-verify.js';

function seqs(range: { readonly fromSeq: number; readonly toSeq: number }): string {
  return range.fromSeq === range.toSeq ? `${range.fromSeq}` : `${range.fromSeq}..${range.toSeq}`;
}

function where(damage: { readonly seq: number; readonly lastSeq?: number }): string {
  return damage.lastSeq === undefined || damage.lastSeq === damage.seq
    ? `record ${damage.seq}`
    : `records ${damage.seq}..${damage.lastSeq}`;
}

function damagedRun(run: RunVerdict): string[] {
  const first = run.firstBad;
  if (first === undefined) return [];
  const lines = [`  ${run.runId}: first bad ${where(first)} (${first.kind}): ${first.problem}`];
  for (const damage of run.damage.slice(first === run.damage[0] ? 1 : 0)) {
    lines.push(`      also ${where(damage)} (${damage.kind}): ${damage.problem}`);
  }
  return lines;
}

/**
 * Renders an anchored verification as text: `LINEAGE VERIFIED` or
 * `LINEAGE DAMAGED`, checkpoint problems, and each damaged run naming its
 * first bad record and the kind of damage.
 *
 * @example
 * process.stdout.write(`${renderAnchoredReport(await verifyAnchored(input))}\n`);
 */
export function renderAnchoredReport(verification: AnchoredVerification): string {
  const { checkpoints, summary, runs } = verification;
  const latest = checkpoints.latest;
  const lines = [
    verification.ok ? 'LINEAGE VERIFIED' : 'LINEAGE DAMAGED',
    `checked at ${verification.checkedAt}: ${summary.runs} runs, ${summary.records} records; ${summary.intact} intact, ${summary.damaged} damaged, ${summary.expired} expired by retention`,
    latest === undefined
      ? `checkpoints: ${checkpoints.given} given, none trusted`
      : `checkpoints: ${checkpoints.trusted} of ${checkpoints.given} trusted, latest ${latest.sequence} made ${latest.createdAt} (hash ${latest.hash})`,
  ];
  if (checkpoints.problems.length > 0) {
    lines.push('', 'CHECKPOINT PROBLEMS:');
    for (const p of checkpoints.problems) {
      lines.push(
        `  ${p.sequence === undefined ? 'series' : `checkpoint ${p.sequence}`} (${p.kind}): ${p.problem}`,
      );
    }
  }
  const damaged = runs.filter((run) => run.status === 'damaged');
  if (damaged.length > 0) {
    lines.push('', 'DAMAGED RUNS:');
    for (const run of damaged) lines.push(...damagedRun(run));
  }
  const expired = runs.filter((run) => run.expired.length > 0);
  if (expired.length > 0) {
    lines.push('', 'expired by retention (not damage):');
    for (const run of expired) lines.push(`  ${run.runId}: records ${run.expired.map(seqs).join(', ')}`);
  }
  const unanchored = runs.filter(
    (run) =>
      run.status === 'intact' && run.lastSeq !== undefined && run.lastSeq > (run.anchoredThrough ?? -1),
  );
  if (unanchored.length > 0) {
    lines.push(
      '',
      `${unanchored.length} runs hold records newer than the latest checkpoint: until the next one, those rest on the hash chain (and the MACs, when checked) alone`,
    );
  }
  return lines.join('\n');
}
