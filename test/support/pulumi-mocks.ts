import * as pulumi from '@pulumi/pulumi';

/** A resource the program registered, as the mocks saw it. */
export interface MockedResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registered: MockedResource[] = [];

/**
 * Installs Pulumi's runtime mocks (the AWS and Kubernetes provider plugins
 * cannot be had here) and records every resource the program registers. The
 * mock fills in the few outputs the programs read back (ids, ARNs, names).
 */
export async function installMocks(project: string, stack: string): Promise<void> {
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        const state: Record<string, unknown> = {
          ...args.inputs,
          arn: `arn:aws:mock:eu-west-1:123456789012:${args.name}`,
          arnSuffix: `app/${args.name}/0123456789abcdef`,
          dnsName: `${args.name}.elb.example.com`,
          latestVersion: 1,
        };
        if (args.inputs.name === undefined) state.name = `${args.name}-mock`;
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    project,
    stack,
    false,
  );
}

/** Clears the record, for the next program run. */
export function resetRegistered(): void {
  registered.length = 0;
}

/** Resolves an output (or a plain value) to its value. */
export function valueOf<T>(input: pulumi.Input<T>): Promise<T> {
  return new Promise((resolve) => pulumi.output(input).apply((v) => resolve(v as T)));
}

/**
 * Runs a program under the mocks and waits until it has registered every
 * resource: its outputs resolve only after the resources they depend on.
 */
export async function runProgram(
  program: () => Record<string, pulumi.Input<unknown>>,
): Promise<{ resources: MockedResource[]; outputs: Record<string, unknown> }> {
  resetRegistered();
  const result = program();
  const outputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) outputs[k] = await valueOf(v);
  // Registrations are asynchronous; let the last ones land.
  await new Promise((r) => setTimeout(r, 10));
  return { resources: [...registered], outputs };
}

export function ofType(resources: MockedResource[], type: string): MockedResource[] {
  return resources.filter((r) => r.type === type);
}
