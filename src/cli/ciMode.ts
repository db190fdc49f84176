/**
 * CI mode: `--ci`, or `CI=true` (or `1`) as CI systems set it (GitHub Actions, GitLab CI,
 * Tekton pipelines that set it). Read here and nowhere else; the library takes it as a request.
 */
export function ciMode(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return flag === true || /^(?:true|1)$/i.test(env.CI ?? '');
}
