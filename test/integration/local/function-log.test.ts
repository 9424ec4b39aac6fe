/**
 * The functions' log: lines are batched, yet every line lands, in order, with
 * its function's name and stderr marked.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FUNCTION_LOG_FLUSH_MS,
  formatFunctionLogLine,
  openFunctionLog,
} from '../../../local/lambda/index.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awf-function-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openFunctionLog', () => {
  it('writes every line in order, prefixed by its function, stderr marked, appending to what was there', async () => {
    const path = join(dir, 'lambda.log');
    await writeFile(path, 'from an earlier start\n');
    const log = openFunctionLog(path);
    for (let i = 0; i < 250; i += 1) {
      log.write({
        functionName: i % 2 ? 'Plan' : 'Act',
        stream: i % 5 ? 'stdout' : 'stderr',
        line: `line ${i}`,
      });
    }
    await log.close();

    const lines = (await readFile(path, 'utf8')).trimEnd().split('\n');
    expect(lines).toHaveLength(251);
    expect(lines[0]).toBe('from an earlier start');
    expect(lines[1]).toBe('Act ! line 0');
    expect(lines[2]).toBe('Plan line 1');
    expect(lines.slice(1).map((line) => Number(line.split(' ').at(-1)))).toEqual(
      Array.from({ length: 250 }, (_, i) => i),
    );
  });

  it('puts a line in the file while it stays open, without waiting for close', async () => {
    const path = join(dir, 'lambda.log');
    const log = openFunctionLog(path);
    log.write({ functionName: 'Admit', stream: 'stdout', line: '{"EventsAdmitted":1}' });

    // Polled rather than timed: what matters is that it lands while the log is open.
    let content = '';
    for (let waited = 0; content === '' && waited < 10_000; waited += FUNCTION_LOG_FLUSH_MS) {
      await new Promise((resolve) => setTimeout(resolve, FUNCTION_LOG_FLUSH_MS));
      content = await readFile(path, 'utf8');
    }
    expect(content).toBe('Admit {"EventsAdmitted":1}\n');
    await log.close();
  });

  it('closes once when closed twice, and ignores lines written after close', async () => {
    const path = join(dir, 'lambda.log');
    const log = openFunctionLog(path);
    log.write({ functionName: 'Gate', stream: 'stdout', line: 'kept' });
    await Promise.all([log.close(), log.close()]);
    log.write({ functionName: 'Gate', stream: 'stdout', line: 'after close' });
    await log.close();

    expect(await readFile(path, 'utf8')).toBe(
      formatFunctionLogLine({ functionName: 'Gate', stream: 'stdout', line: 'kept' }),
    );
  });
});
