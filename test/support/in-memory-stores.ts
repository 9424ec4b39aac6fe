/**
 * The in-memory stores (adapters/memory-*.ts) for tests of the step use
 * cases, with a test-only way to tamper with lineage.
 *
 * The clocks and the recording fakes of the outbound ports are re-exported here
 * so one import gives a test everything.
 */
import { InMemoryLineageStore as MemoryLineageStore } from '../../adapters/memory-lineage-store.js';
import type { LineageRecord } from '../../core/lineage/record.js';

export { InMemoryRunsStore } from '../../adapters/memory-runs-store.js';
export { fixedClock, type ManualClock, manualClock, steppingClock } from './clocks.js';
export {
  namedError,
  RecordingEventPublisher,
  RecordingTaskCallbacks,
  type TaskCallbackCall,
} from './recording-ports.js';

/** The in-memory lineage store, plus tampering for tests of what detects it. */
export class InMemoryLineageStore extends MemoryLineageStore {
  /**
   * Replaces a stored record, bypassing the conditional put: simulates someone
   * tampering with the table.
   */
  tamper(chainId: string, seq: number, change: (record: LineageRecord) => LineageRecord): void {
    const record = this.recordsOf(chainId).find((candidate) => candidate.seq === seq);
    if (!record) throw new Error(`no lineage record ${chainId}/${seq} to tamper with`);
    this.replace(change(record));
  }
}
