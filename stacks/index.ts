import { ownershipTags, readConfig, OwnershipShape } from './config.ts';

/**
 * The one program of the infrastructure project. Each stack's
 * `homeostat:kind` picks what it deploys; the other programs are not even
 * loaded, so the sandbox stack starts without the AWS and Kubernetes SDKs.
 */
export default async function main(): Promise<Record<string, unknown>> {
  const ownership = readConfig('homeostat', OwnershipShape);
  const tags = ownershipTags(ownership);
  switch (ownership.kind) {
    case 'sandbox':
      return (await import('./sandbox/index.ts')).sandboxProgram(tags);
    case 'aws-web':
      return (await import('./aws-web/index.ts')).awsWebProgram(tags);
    case 'k8s-app':
      return (await import('./k8s-app/index.ts')).k8sAppProgram(tags);
  }
}
