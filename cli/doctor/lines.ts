/**
 * What `awf doctor` reports: one line per check, each ok, warn or blocker,
 * and an exit status of 1 when any line is a blocker.
 */
import { renderTable } from '../output.js';

/** How a check came out: fine, worth a look, or stopping a deploy or a first run. */
export type DoctorStatus = 'ok' | 'warn' | 'blocker';

/** One check's line. */
export interface DoctorLine {
  /** What was checked, such as `node` or `model refund-triage`. */
  readonly check: string;
  readonly status: DoctorStatus;
  /** What was found and, when it is not ok, what to do. */
  readonly detail: string;
}

/** A line. */
export function line(check: string, status: DoctorStatus, detail: string): DoctorLine {
  return { check, status, detail };
}

/** 1 when any line is a blocker, else 0. */
export function doctorExitCode(lines: readonly DoctorLine[]): 0 | 1 {
  return lines.some((l) => l.status === 'blocker') ? 1 : 0;
}

/** The lines as a table, then a count of each status. */
export function renderDoctor(lines: readonly DoctorLine[]): string {
  const count = (status: DoctorStatus) => lines.filter((l) => l.status === status).length;
  return [
    renderTable(lines, [
      { heading: 'check', value: (l) => l.check },
      { heading: 'status', value: (l) => l.status },
      { heading: 'detail', value: (l) => l.detail },
    ]),
    '',
    `${count('ok')} ok, ${count('warn')} warn, ${count('blocker')} blocker`,
  ].join('\n');
}
