/**
 * The small parts of `awf audit`: naming a record, CSV, the progress line,
 * and the offline proof check failing with what was wrong with its files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditVerifyProof, parseRecordRef } from '../../../cli/commands/audit-proof.js';
import { renderCsv } from '../../../cli/csv.js';
import { progressLine } from '../../../cli/progress-line.js';

describe('awf audit helpers', () => {
  it('reads RUN:SEQ, a run id holding colons included', () => {
    expect(parseRecordRef('run-3f9a:4')).toEqual({ runId: 'run-3f9a', seq: 4 });
    expect(parseRecordRef('a:b:12')).toEqual({ runId: 'a:b', seq: 12 });
  });

  it.each(['run-3f9a', ':4', 'run-3f9a:', 'run-3f9a:-1', 'run-3f9a:1.5'])(
    'fails to read "%s" as a record, naming the form',
    (ref) => {
      expect(() => parseRecordRef(ref)).toThrow(
        `a record is named RUN:SEQ, such as run-3f9a0c:4, got "${ref}"`,
      );
    },
  );

  it('writes CSV as RFC 4180 does: quotes around commas, quotes and line breaks, doubled quotes, CRLF', () => {
    const csv = renderCsv(
      [
        { a: 'plain', b: 'with, comma' },
        { a: 'say "hi"', b: { nested: ['x'] } },
      ],
      [
        { heading: 'a', value: (r) => r.a },
        { heading: 'b', value: (r) => r.b },
      ],
    );

    expect(csv).toBe('a,b\r\nplain,"with, comma"\r\n"say ""hi""","{""nested"":[""x""]}"\r\n');
    expect(renderCsv([{ a: 1 }], [{ heading: 'a', value: (r) => r.a }], { header: false })).toBe('1\r\n');
  });

  it('prints no progress for work done within a second', () => {
    const lines: string[] = [];
    const progress = progressLine('reading chains', 3, (text) => {
      lines.push(text);
    });
    progress.tick(1);
    progress.tick(3);
    progress.finish();

    expect(lines).toEqual([]);
  });

  describe('verify --proof', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'awf-proof-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('fails on a proof file that is not JSON, naming the file', async () => {
      const proof = join(dir, 'proof.json');
      writeFileSync(proof, 'not json');

      await expect(auditVerifyProof({ proof, key: join(dir, 'key.pem') })).rejects.toThrow(
        `the proof file ${proof} is not JSON`,
      );
    });

    it('fails on a key file that is missing, naming it', async () => {
      const proof = join(dir, 'proof.json');
      writeFileSync(proof, '{}');

      await expect(auditVerifyProof({ proof, key: join(dir, 'missing.pem') })).rejects.toThrow(
        `cannot read the public key file ${join(dir, 'missing.pem')}`,
      );
    });
  });
});
