import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect } from 'vitest';

/**
 * A setup file of every project: appends one line per test file to NIXTAG_TEST_CPU_PROFILE (set by
 * vitest.config.ts): the CPU seconds the worker and the children it waited for (git, Nix, npm, the
 * built CLI) spent on the file (loading it included), from /proc/self/stat; its wall seconds; its
 * project; its path; the part of those CPU seconds that is the worker's own (vitest, the
 * in-process CLI runs, starting programs) rather than its children's; the worker's resident
 * memory in MiB at the file's end (the kernel's cost of each program it starts grows with it).
 * test/helpers/projectTimes.ts sums them per project at the end of the run.
 */
function cpuSeconds(own = false): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // proc(5): utime, stime, cutime, cstime are fields 14-17; index 0 here is field 3 (after the name).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields.slice(11, own ? 13 : 15).reduce((sum, ticks) => sum + Number(ticks), 0) / 100;
  } catch {
    return undefined; // not Linux
  }
}

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const out = process.env.NIXTAG_TEST_CPU_PROFILE;
/**
 * Where the last file of this worker ended (kept across files where a worker runs several), or
 * the worker's start: starting vitest and loading the file's modules count toward the file.
 */
const marked = globalThis as { nixtagCpuMark?: number; nixtagOwnCpuMark?: number };
const started = marked.nixtagCpuMark ?? (cpuSeconds() === undefined ? undefined : 0);
const ownStarted = marked.nixtagOwnCpuMark ?? 0;
if (out && started !== undefined) {
  const wall = performance.now();
  afterAll(() => {
    const file = path.relative(ROOT, expect.getState().testPath ?? '?');
    const layer = file.split(path.sep)[1] ?? '?';
    const project = process.env.NIXTAG_TEST_NIX === 'second' ? `${layer}-nix2.26` : layer;
    marked.nixtagCpuMark = cpuSeconds() ?? started;
    marked.nixtagOwnCpuMark = cpuSeconds(true) ?? ownStarted;
    const cpu = marked.nixtagCpuMark - started;
    const own = marked.nixtagOwnCpuMark - ownStarted;
    const wallSeconds = ((performance.now() - wall) / 1000).toFixed(1);
    appendFileSync(
      out,
      `${cpu.toFixed(2)}\t${wallSeconds}\t${project}\t${file}\t${own.toFixed(2)}\t${Math.round(process.memoryUsage().rss / 2 ** 20)}\n`,
    );
  });
}
