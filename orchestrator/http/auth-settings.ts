import type { AuthConfig } from '../config/service-config.ts';
import type { AuthSettings } from './auth.ts';

/** The HTTP layer's auth settings from the service config's `auth` section. */
export function authSettings(auth: AuthConfig): AuthSettings {
  if (auth === 'none') return { mode: 'none' };
  return {
    mode: 'tokens',
    tokens: auth.tokens,
    metrics: auth.metrics,
    ...(auth.proxy ? { proxy: { header: auth.proxy.header, trustedAddresses: auth.proxy.trustedAddresses, role: auth.proxy.role } } : {}),
  };
}
