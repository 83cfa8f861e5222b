/**
 * Matches the clone URLs a forge sends with the URLs in the config, whatever
 * the form: https or ssh, with or without `.git`, credentials or a trailing
 * slash. Pure.
 */
export function normalizeRepoUrl(url: string): string {
  let u = url.trim();
  // scp-like ssh: git@host:owner/repo
  const scp = /^[^@/\s]+@([^:/\s]+):(.+)$/.exec(u);
  if (scp) u = `ssh://${scp[1]}/${scp[2]}`;
  try {
    const parsed = new URL(u);
    if (parsed.protocol === 'file:') return `file://${parsed.pathname.replace(/\/+$/, '').replace(/\.git$/, '')}`;
    return `${parsed.hostname.toLowerCase()}${parsed.pathname.replace(/\/+$/, '').replace(/\.git$/, '').toLowerCase()}`;
  } catch {
    // A local path.
    return `file://${u.replace(/\/+$/, '').replace(/\.git$/, '')}`;
  }
}

/** The configured repository one of `cloneUrls` names, if any. */
export function matchRepo<T extends { url: string }>(repos: readonly T[], cloneUrls: readonly string[]): T | undefined {
  const wanted = new Set(cloneUrls.map(normalizeRepoUrl));
  return repos.find((r) => wanted.has(normalizeRepoUrl(r.url)));
}
