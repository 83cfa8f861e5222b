// Lint rules for Homeostat. Type-aware rules are left out on purpose: `tsc`
// already runs in the test command, and they would double lint time.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Folders of pure decision logic: data in, data out, no I/O of any kind. */
const PURE = [
  // The shared vocabulary every stage sees (stack keys): data only.
  'orchestrator/model/**',
  'orchestrator/detect/**',
  'orchestrator/correlate/**',
  'orchestrator/diagnose/**',
  'orchestrator/decide/**',
  'orchestrator/verify/**',
  'orchestrator/remediate/commit-message.ts',
  'orchestrator/plan/**',
  'remediations/**',
  'orchestrator/engine/run-summary.ts',
  'orchestrator/engine/engine-errors.ts',
  'orchestrator/records/stack-status.ts',
  'orchestrator/intake/repo-match.ts',
  'orchestrator/webhooks/**',
  'orchestrator/telemetry/**',
  'sandbox/alarm-rules.ts',
  'sandbox/fleet-model.ts',
  'sandbox/sandbox-config.ts',
  'sandbox/scenario-plan.ts',
  'sandbox/scenario-verdict.ts',
  'sandbox/scenarios.ts',
  'sandbox/sim-clock.ts',
];

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
    files: ['test/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-unused-expressions': 'off' },
  },
  {
    files: PURE,
    // The adapters at the edge: HMAC needs node:crypto; the CloudWatch and Redis clients.
    ignores: ['orchestrator/webhooks/signatures.ts', 'orchestrator/telemetry/cloudwatch-reader.ts', 'orchestrator/telemetry/redis-telemetry-store.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'fs/*', 'child_process', 'http', 'https', 'net', 'os', 'path'], message: 'pure decision code does no I/O: pass data in' },
            { group: ['ioredis', 'bullmq', '@aws-sdk/*', '@octokit/*'], message: 'pure decision code does no I/O: use an adapter' },
            { group: ['@pulumi/pulumi/automation', '@pulumi/pulumi/automation/*'], allowTypeImports: true, message: 'pure decision code does not drive the engine' },
          ],
        },
      ],
    },
  },
);
