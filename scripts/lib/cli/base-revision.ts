/** In a pull request (GitHub Actions), the base branch as fetched: what the merge meets. */
export function pullRequestBase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.GITHUB_BASE_REF ? `origin/${env.GITHUB_BASE_REF}` : undefined;
}
