import { readFileSync } from 'node:fs';
import type { Reporter, TestModule, Vitest } from 'vitest/node';

interface Span {
  start: number;
  end: number;
  /** The files' own durations added up: what the project would take on one worker. */
  summed: number;
  files: number;
  tests: number;
}

/** CPU seconds per project, and the costliest files, from test/helpers/cpuProfile.ts's lines. */
function cpuByProject(): { projects: Map<string, number>; files: Array<[number, string]> } {
  const projects = new Map<string, number>();
  const files: Array<[number, string]> = [];
  let text = '';
  try {
    text = readFileSync(process.env.NIXTAG_TEST_CPU_PROFILE ?? '', 'utf8');
  } catch {
    // no profile: no CPU column
  }
  for (const line of text.split('\n').filter(Boolean)) {
    const [cpu = '', , project = '', file = ''] = line.split('\t');
    projects.set(project, (projects.get(project) ?? 0) + Number(cpu));
    files.push([Number(cpu), `${project}: ${file}`]);
  }
  return { projects, files: files.sort((a, b) => b[0] - a[0]) };
}

/**
 * After vitest's own summary, one line per project: its wall time (first file started to last
 * file ended; projects overlap, they share the workers), its files' durations summed, and the CPU
 * its files took (their workers' and the programs they ran: the budget that two cores share);
 * then the five files that took the most CPU. Where the time of a run goes, without a second run.
 */
export default class ProjectTimes implements Reporter {
  private vitest: Vitest | undefined;
  private readonly spans = new Map<string, Span>();

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestModuleStart(module: TestModule): void {
    const name = module.project.name;
    const now = performance.now();
    const span = this.spans.get(name) ?? { start: now, end: now, summed: 0, files: 0, tests: 0 };
    span.start = Math.min(span.start, now);
    this.spans.set(name, span);
  }

  onTestModuleEnd(module: TestModule): void {
    const span = this.spans.get(module.project.name);
    if (span === undefined) return;
    span.end = Math.max(span.end, performance.now());
    span.summed += module.diagnostic().duration;
    span.files += 1;
    span.tests += [...module.children.allTests()].length;
  }

  onTestRunEnd(): void {
    if (this.spans.size === 0) return;
    const order = this.vitest?.projects.map((project) => project.name) ?? [];
    const names = [...this.spans.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    const width = Math.max(...names.map((name) => name.length));
    const seconds = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)} s`;
    const cpu = cpuByProject();
    const cpuOf = (name: string) => (cpu.projects.has(name) ? `  cpu ${seconds(cpu.projects.get(name)! * 1000)}` : '');
    const lines = names.map((name) => {
      const span = this.spans.get(name)!;
      return `   ${name.padEnd(width)}  wall ${seconds(span.end - span.start)}  summed ${seconds(span.summed)}${cpuOf(name)}  (${span.files} files, ${span.tests} tests)`;
    });
    if (cpu.files.length > 0) {
      const total = [...cpu.projects.values()].reduce((sum, value) => sum + value, 0);
      lines.push(`   CPU of all files ${seconds(total * 1000)}; the most:`);
      for (const [seconds_, file] of cpu.files.slice(0, 5)) lines.push(`     ${seconds(seconds_ * 1000)}  ${file}`);
    }
    const log = (text: string) => (this.vitest ? this.vitest.logger.log(text) : console.log(text));
    log(`\n Project times:\n${lines.join('\n')}`);
  }
}
