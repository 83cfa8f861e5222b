import { join } from 'node:path';

/**
 * The environment every engine process of Homeostat runs with: the service's
 * runs and a person's `homeostat pulumi …` alike, so that both see the same
 * backend, secrets provider and engine home. Pure: it only computes.
 */
export interface EngineEnvSettings {
  /** Self-managed backend, for example `file:///var/lib/homeostat/state`. */
  backendUrl: string;
  /** Passphrase of the passphrase secrets provider. Never logged. */
  passphrase: string;
  /** Engine home (plugins, workspace settings); default: a `pulumi-home` folder beside a file backend, else the user's. */
  pulumiHome?: string;
  /** More environment for the engine, the program and its providers. */
  env?: Record<string, string>;
}

/**
 * Where the engine keeps its home: the settings' own, or beside a file
 * backend (so that a machine's several sandboxes and tests never share one).
 */
export function engineHome(settings: Pick<EngineEnvSettings, 'backendUrl' | 'pulumiHome'>): string | undefined {
  if (settings.pulumiHome) return settings.pulumiHome;
  return settings.backendUrl.startsWith('file://') ? join(new URL(settings.backendUrl).pathname, '..', 'pulumi-home') : undefined;
}

/** The variables that point the engine at the backend and keep it away from Pulumi Cloud. */
export function engineEnvVars(settings: EngineEnvSettings): Record<string, string> {
  const home = engineHome(settings);
  return {
    ...settings.env,
    PULUMI_BACKEND_URL: settings.backendUrl,
    PULUMI_CONFIG_PASSPHRASE: settings.passphrase,
    PULUMI_SKIP_UPDATE_CHECK: 'true',
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
    ...(home ? { PULUMI_HOME: home } : {}),
  };
}
