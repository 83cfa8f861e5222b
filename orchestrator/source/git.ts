import { execFile } from 'node:child_process';

/** Errors from git, with its stderr, and any credentials in URLs removed. */
export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    message: string,
    readonly args: string[],
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Removes `user:password@` from URLs so that a token never reaches a log or an error. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

export interface GitOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Bytes of output to accept; default 64 MiB. */
  maxBuffer?: number;
}

/** Runs git and returns its stdout, trimmed. Never prompts: a missing credential fails at once. */
export function git(args: string[], options: GitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd: options.cwd,
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...options.env },
        maxBuffer: options.maxBuffer ?? 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        if (err) {
          const shown = redactUrl(`git ${args.join(' ')}`);
          reject(new GitError(`${shown} failed: ${redactUrl(String(stderr).trim() || err.message)}`, args, redactUrl(String(stderr))));
          return;
        }
        resolve(String(stdout).trim());
      },
    );
  });
}
