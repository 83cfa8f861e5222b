/** Where esbuild says a message points: a file, line (1-based) and column (0-based, as esbuild gives it). */
export interface BuildMessageLocation {
  file: string;
  line: number;
  column: number;
  lineText?: string;
}

/** The part of an esbuild message the service reports (`esbuild`'s `Message`). */
export interface BuildMessage {
  text: string;
  location?: BuildMessageLocation | null;
}

/** The program (or a policy pack) does not compile: stalls the run as `InvalidProgram` until a new commit. */
export class BuildError extends Error {
  override readonly name = 'BuildError';
  readonly reason = 'InvalidProgram';
  readonly kind = 'stalled';
  constructor(
    message: string,
    /** The first error's place, `file:line:column`, when esbuild named one. */
    readonly at?: string,
  ) {
    super(message);
  }
}

/**
 * One line per error, as a compiler prints them: `stacks/index.ts:12:5: Expected ";" but found "x"`
 * (column 1-based, like tsc and editors), at most `max` of them and a count of the rest.
 */
export function formatBuildErrors(messages: readonly BuildMessage[], max = 3): string {
  if (messages.length === 0) return 'the build failed without an error message';
  const lines = messages.slice(0, max).map((m) => (m.location ? `${placeOf(m.location)}: ${m.text}` : m.text));
  if (messages.length > max) lines.push(`and ${messages.length - max} more error${messages.length - max === 1 ? '' : 's'}`);
  return lines.join('; ');
}

/** `file:line:column`, the column 1-based. */
export function placeOf(location: BuildMessageLocation): string {
  return `${location.file}:${location.line}:${location.column + 1}`;
}

/** The error a failed build is reported as: its messages, and where the first one points. */
export function buildErrorOf(messages: readonly BuildMessage[], what: string): BuildError {
  const first = messages.find((m) => m.location)?.location;
  return new BuildError(`${what} does not compile: ${formatBuildErrors(messages)}`, first ? placeOf(first) : undefined);
}
