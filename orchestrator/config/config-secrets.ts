import type { ServiceConfig } from './service-config.ts';

/**
 * Every secret value the config holds: the backend passphrase, the webhook
 * secrets, the forge tokens, the API tokens and the notification targets'
 * addresses and signing keys. The audit log and the
 * operational log remove each of them wherever it appears.
 */
export function configSecrets(config: ServiceConfig): string[] {
  const secrets = [
    config.pulumi.passphrase,
    ...config.repositories.flatMap((r) => (r.webhookSecret ? [r.webhookSecret] : [])),
    ...[config.forge.github, config.forge.gitlab, config.forge.gitea].flatMap((f) => (f ? [f.token] : [])),
    ...(config.auth && config.auth !== 'none' ? config.auth.tokens.map((t) => t.token) : []),
    ...config.notifications.targets.flatMap((t) => [t.url, ...(t.secret ? [t.secret] : [])]),
  ];
  return secrets.map((s) => s.reveal());
}
