import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import LongestFirst from './test/helpers/sequencer.js';

/**
 * Every temporary file of a test run, nixtag's checkouts with them (they live under TMPDIR:
 * src/tree/checkoutsRoot.ts), goes in one directory of the run's own, removed when it ends: the
 * run leaves the machine as it found it. The workers inherit TMPDIR from this process.
 */
const runTemp = mkdtempSync(path.join(tmpdir(), 'nixtag-tests-'));
process.env.TMPDIR = runTemp;
// The location probe's second checkouts (src/tree/checkoutsRoot.ts) too: Nix 2.26's chroot sees /tmp only.
process.env.XDG_CACHE_HOME = path.join(runTemp, 'cache');
process.on('exit', () => rmSync(runTemp, { recursive: true, force: true }));

/**
 * The Nix-facing tests run twice: on the machine's Nix (Debian 12's 2.8) and on a current one
 * (Debian 13's 2.26, in a chroot that scripts/ensure-nix226.sh installs), chosen by a PATH shim.
 */
const NIX_FACING = {
  integration: [
    'test/integration/hash-parity.test.ts',
    'test/integration/nix-answer.test.ts',
    'test/integration/function-calls.test.ts',
    'test/integration/git-sources.test.ts',
    'test/integration/nixpkgs-lib.test.ts',
    'test/integration/nix-source.test.ts',
    'test/integration/commit-dependence.test.ts',
    'test/integration/per-image-cache.test.ts',
    'test/integration/realworld-init.test.ts',
    'test/integration/moving-tags.test.ts',
    'test/integration/checkout-path-tags.test.ts',
    'test/integration/location-probe.test.ts',
    'test/integration/pin-bumped.test.ts',
    'test/integration/hashed-paths.test.ts',
    'test/integration/path-flow.property.test.ts',
    'test/integration/path-reach.test.ts',
    'test/integration/flakes.test.ts',
    'test/integration/flake-inputs.test.ts',
    'test/integration/flake-errors.test.ts',
    'test/integration/flake-lock-entries.test.ts',
    'test/integration/flake-tools.test.ts',
    'test/integration/config-trust.test.ts',
    'test/integration/checkout-integrity.test.ts',
    'test/integration/nix-config.test.ts',
  ],
  e2e: ['test/e2e/hooks-git.test.ts', 'test/e2e/flakes-hooks.test.ts'],
};

const shims = process.env.NIXTAG_NIX226_BIN ?? '/srv/nix226-bin';
const required = process.env.NIXTAG_REQUIRE_SECOND_NIX === '1' || process.env.CI === 'true';

/** The second Nix's version, or why it cannot be had. */
function secondNix(): { version: string } | { missing: string } {
  const shim = path.join(shims, 'nix-instantiate');
  if (!existsSync(shim)) return { missing: `${shim} does not exist (run scripts/ensure-nix226.sh as root)` };
  try {
    return { version: execFileSync(shim, ['--version'], { encoding: 'utf8' }).trim() };
  } catch (error) {
    return { missing: `${shim} --version failed: ${(error as Error).message}` };
  }
}

const second = secondNix();
if ('missing' in second && !required) {
  const line = '!'.repeat(100);
  console.warn(
    `\n${line}\n!! The Nix-facing tests run on ONE Nix only: the second Nix (2.26) is missing.\n!! ${second.missing}\n${line}\n`,
  );
}

/**
 * Each test file's CPU seconds (its worker's and its children's), one line per file in
 * NIXTAG_TEST_CPU_PROFILE (test/helpers/cpuProfile.ts), by default a file of the run's own; summed
 * per project at the end (test/helpers/projectTimes.ts). Name a file to keep it and rank the files:
 * `sort -rn FILE | head -25`.
 */
process.env.NIXTAG_TEST_CPU_PROFILE ||= path.join(runTemp, 'cpu-seconds.tsv');
writeFileSync(process.env.NIXTAG_TEST_CPU_PROFILE, '');
const profile = { setupFiles: ['test/helpers/cpuProfile.ts'] };

/**
 * Time limits catch a hang, not slowness: with more workers than cores each test runs several
 * times slower than alone, and more so on a machine others use too.
 */
const layers = {
  // Integration files (and unit files, above) spend their own CPU mostly on loading vitest and
  // nixtag's modules: one worker runs several files in turn (about 15% of the project's CPU time
  // saved). They restore the cwd and environment they change (unstubEnvs below for vi.stubEnv); a
  // vi.mock wraps what it mocks and counts, so the files after it see the same answers.
  integration: { testTimeout: 180_000, hookTimeout: 180_000, isolate: false },
  e2e: { testTimeout: 300_000, hookTimeout: 300_000 },
};

/** The same files again, with the second Nix first on PATH; a setup that fails loudly without it. */
const secondNixProjects =
  'missing' in second && !required
    ? []
    : (['integration', 'e2e'] as const).map((layer) => ({
        test: {
          name: `${layer}-nix2.26`,
          ...profile,
          include: NIX_FACING[layer],
          ...layers[layer],
          env: { PATH: `${shims}${path.delimiter}${process.env.PATH ?? ''}`, NIXTAG_TEST_NIX: 'second' },
          globalSetup: ['test/helpers/secondNixSetup.ts'],
        },
      }));

/**
 * Workers for all projects together (they share one pool). Most integration and e2e time is spent
 * waiting on git, Nix and the built CLI, so more than the cores: vitest's default (cores - 1) is
 * one worker on two cores. NIXTAG_TEST_WORKERS overrides it.
 */
const workers = Number(process.env.NIXTAG_TEST_WORKERS) || 5;

// Layers with their own time budgets: pure functions, real Nix and git, the built CLI and hooks.
export default defineConfig({
  // Vitest's cache (file durations, for ordering) in this checkout, not in a node_modules it may share.
  cacheDir: '.vitest-cache',
  test: {
    env: { NO_COLOR: '1' },
    unstubEnvs: true,
    // Forks: each file in its own process, so the in-process CLI runs may change cwd and environment.
    pool: 'forks',
    maxWorkers: workers,
    sequence: { sequencer: LongestFirst },
    // After the default summary, each project's time and CPU (test/helpers/projectTimes.ts).
    reporters: ['default', './test/helpers/projectTimes.ts'],
    projects: [
      { test: { name: 'unit', ...profile, include: ['test/unit/**/*.test.ts'], testTimeout: 30_000, isolate: false } },
      { test: { name: 'integration', ...profile, include: ['test/integration/**/*.test.ts'], ...layers.integration } },
      {
        test: {
          name: 'e2e',
          ...profile,
          include: ['test/e2e/**/*.test.ts'],
          ...layers.e2e,
          // nixtag packed once for the tests that install it.
          globalSetup: ['test/helpers/packSetup.ts'],
        },
      },
      ...secondNixProjects,
    ],
  },
});
