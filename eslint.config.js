// Lint rules for Homeostat. Type-aware rules are left out on purpose: `tsc`
// already runs in the test command, and they would double lint time.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Folders of pure decision logic: data in, data out, no I/O of any kind.
 *
 * Convention: inside a pure stage folder, files named `*-runner.ts`,
 * `*-worker.ts`, `*-store.ts` and `*-queue.ts` are the stage's I/O edge
 * (Redis, BullMQ, CloudWatch, timers; for example `detect/detect-runner.ts`,
 * `correlate/correlate-worker.ts`). They are left out of the pure rule
 * (IO_EDGE, the `ignores` of the rule below); everything else in the folder
 * stays pure. Pure files import an edge file for its types only, a pure
 * barrel (`index.ts`) does not re-export one, and code outside the stage
 * imports an edge file by its path.
 */
const PURE = [
  // The shared vocabulary every stage sees (stack keys): data only.
  'orchestrator/model/**',
  'orchestrator/detect/**',
  'orchestrator/forecast/**',
  'orchestrator/correlate/**',
  'orchestrator/diagnose/**',
  'orchestrator/decide/**',
  'orchestrator/verify/**',
  'orchestrator/notify/**',
  'orchestrator/graph/**',
  'orchestrator/promote/**',
  'orchestrator/remediate/commit-message.ts',
  // The remediation's transition table (the steps it names are the I/O, in remediate/steps/).
  'orchestrator/remediate/transitions/**',
  'orchestrator/plan/**',
  'remediations/**',
  'orchestrator/engine/run-summary.ts',
  'orchestrator/engine/engine-errors.ts',
  'orchestrator/records/stack-status.ts',
  'orchestrator/intake/repo-match.ts',
  'orchestrator/intake/event-trigger.ts',
  'orchestrator/webhooks/**',
  'orchestrator/telemetry/**',
  'orchestrator/logs/**',
  'orchestrator/traces/**',
  'orchestrator/changes/**',
  'sandbox/alarm-rules.ts',
  'sandbox/fleet-model.ts',
  'sandbox/sandbox-config.ts',
  'sandbox/scenario-plan.ts',
  'sandbox/scenario-verdict.ts',
  'sandbox/scenarios.ts',
  'sandbox/sim-clock.ts',
];

/** The I/O edge of the pure stage folders (see the convention above). */
const IO_EDGE = ['orchestrator/*/*-runner.ts', 'orchestrator/*/*-worker.ts', 'orchestrator/*/*-store.ts', 'orchestrator/*/*-queue.ts'];

/** What pure code may not import. */
const IMPURE_IMPORTS = [
  { group: ['node:*', 'fs', 'fs/*', 'child_process', 'http', 'https', 'net', 'os', 'path'], message: 'pure decision code does no I/O: pass data in' },
  { group: ['ioredis', 'bullmq', '@aws-sdk/*', '@octokit/*'], message: 'pure decision code does no I/O: use an adapter' },
  { group: ['@pulumi/pulumi/automation', '@pulumi/pulumi/automation/*'], allowTypeImports: true, message: 'pure decision code does not drive the engine' },
];

/** A stage's I/O edge, seen from a pure file: types only. */
const EDGE_IMPORTS = {
  group: ['./*-runner.ts', './*-worker.ts', './*-store.ts', './*-queue.ts', '../*/*-runner.ts', '../*/*-worker.ts', '../*/*-store.ts', '../*/*-queue.ts'],
  allowTypeImports: true,
  message: "pure code does not run a stage's I/O edge: take its types, and have the edge pass data in",
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.homeostat/**', 'scripts/pulumi-engine/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', fetch: 'readonly',
        setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly',
        setImmediate: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', TextEncoder: 'readonly',
        TextDecoder: 'readonly', structuredClone: 'readonly', performance: 'readonly', require: 'readonly',
        module: 'writable', __dirname: 'readonly', NodeJS: 'readonly', Response: 'readonly', Request: 'readonly',
        Headers: 'readonly', document: 'readonly', window: 'readonly', EventSource: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { disallowTypeAnnotations: false }],
      'no-console': 'off',
    },
  },
  {
    // CommonJS entry points that the engine loads with require().
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Small modules (issue 13): a file over 400 lines or a function over 80 says why in a comment at its top.
    files: ['orchestrator/**/*.ts', 'orchestrator/**/*.js'],
    rules: { 'max-lines': ['error', { max: 400 }], 'max-lines-per-function': ['error', { max: 80 }] },
  },
  {
    files: ['test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    files: PURE,
    // The adapters at the edge: HMAC needs node:crypto; the CloudWatch client; the stages' I/O edge
    // (which holds the Redis telemetry store). telemetry-store.ts is pure despite its name: the
    // interface and the in-memory store.
    ignores: ['orchestrator/webhooks/signatures.ts', 'orchestrator/telemetry/cloudwatch-reader.ts', 'orchestrator/logs/cloudwatch-logs-reader.ts', ...IO_EDGE, '!orchestrator/telemetry/telemetry-store.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: IMPURE_IMPORTS }] },
  },
  {
    // The stage folders that follow the convention all through: their pure files import no edge
    // file (not yet telemetry/, whose barrel still re-exports the Redis telemetry store).
    files: ['orchestrator/detect/**', 'orchestrator/correlate/**'],
    ignores: IO_EDGE,
    rules: { 'no-restricted-imports': ['error', { patterns: [...IMPURE_IMPORTS, EDGE_IMPORTS] }] },
  },
);
