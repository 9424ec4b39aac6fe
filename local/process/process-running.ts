/**
 * Whether a process is still running, for the locks and state files the
 * local cloud leaves behind (a `local.json` or a synth lock names the pid
 * that wrote it).
 */

/**
 * True while the process with this pid exists, including one this user may
 * not signal (EPERM); false once it has exited.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    // Signal 0 checks that the process exists without touching it.
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
