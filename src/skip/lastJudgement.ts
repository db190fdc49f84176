import { readJudgement, type Judgement } from '../state/judgements.js';

/**
 * The last judgement, when it can speak for this run: it was made in the same run environment
 * (nixtag, the Nix binary, a --config file: state/environment.ts). None without Nix, as nothing
 * is remembered then; none when the file is missing or damaged.
 */
export function lastJudgement(gitDir: string, environment: string | undefined): Judgement | undefined {
  if (environment === undefined) return undefined;
  const judgement = readJudgement(gitDir);
  return judgement?.environment === environment ? judgement : undefined;
}
