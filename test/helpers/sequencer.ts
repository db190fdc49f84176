import path from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that install packages (npm, the pre-commit framework): the longest of all. */
const SLOWEST = ['pre-commit-framework', 'newcomer', 'install-paths'];
/** Without durations, a layer's files are longer than the next one's. */
const LAYERS = ['e2e', 'integration', 'unit'];

/**
 * Longest files first, whatever their project, so that the last file to start is a short one
 * (vitest's own order runs the projects one after the other). By the durations vitest remembers
 * from the last run; files it has none for first, slowest-looking first: those that install
 * packages, then e2e, integration and unit, larger files first.
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const key = (spec: TestSpecification) =>
      `${spec.project.name}:${path.relative(this.ctx.config.root, spec.moduleId)}`;
    const duration = (spec: TestSpecification) => this.ctx.cache.getFileTestResults(key(spec))?.duration;
    const guess = (spec: TestSpecification) => {
      const slow = SLOWEST.findIndex((name) => spec.moduleId.includes(`/${name}.test.`));
      const layer = LAYERS.findIndex((name) => spec.project.name.startsWith(name));
      return [slow === -1 ? SLOWEST.length : slow, layer, -(this.ctx.cache.getFileStats(key(spec))?.size ?? 0)];
    };
    const byGuess = (a: TestSpecification, b: TestSpecification) => {
      const [x, y] = [guess(a), guess(b)];
      return x.map((value, index) => value - y[index]!).find((difference) => difference !== 0) ?? 0;
    };
    return [...files].sort((a, b) => {
      const [x, y] = [duration(a), duration(b)];
      if (x === undefined || y === undefined) return x === y ? byGuess(a, b) : x === undefined ? -1 : 1;
      return y - x;
    });
  }
}
