import type { Reporter, TestModule, Vitest } from 'vitest/node';

interface Span {
  start: number;
  end: number;
  /** The files' own durations added up: what the project would take on one worker. */
  summed: number;
  files: number;
  tests: number;
}

/**
 * After vitest's own summary, one line per project: its wall time (first file started to last
 * file ended; projects overlap, they share the workers) and its files' durations summed. Where
 * the time of a run goes, without a second run.
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
    const lines = names.map((name) => {
      const span = this.spans.get(name)!;
      return `   ${name.padEnd(width)}  wall ${seconds(span.end - span.start)}  summed ${seconds(span.summed)}  (${span.files} files, ${span.tests} tests)`;
    });
    const log = (text: string) => (this.vitest ? this.vitest.logger.log(text) : console.log(text));
    log(`\n Project times:\n${lines.join('\n')}`);
  }
}
