import * as pulumi from '@pulumi/pulumi';

/**
 * The dynamic provider behind the sandbox service. Pulumi serialises this
 * object's methods and runs them in its own provider process, so each method
 * must be self-contained: it may use only globals (`fetch`, `process`) and
 * its arguments, never a module import or a helper defined elsewhere in this
 * file.
 *
 * The provider talks to the fleet simulator whose base URL is in the
 * `HOMEOSTAT_FLEET_URL` environment variable of the engine. The URL is not an
 * input on purpose: the simulator's port changes from run to run, and that
 * must not show as a change to the service.
 */
export interface ServiceInputs {
  name: string;
  capacity: number;
  instanceSize: string;
  version: string;
  /** Size of the data volume, GiB. */
  volumeGiB: number;
  tags: Record<string, string>;
}

export interface ServiceOutputs extends ServiceInputs {
  generation: number;
}

export const serviceProvider: pulumi.dynamic.ResourceProvider<ServiceInputs, ServiceOutputs> = {
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.name !== 'string' || !/^[a-z][a-z0-9-]{0,62}$/.test(news.name)) {
      failures.push({ property: 'name', reason: 'must be lower-case letters, digits and dashes, starting with a letter' });
    }
    if (!Number.isInteger(news.capacity) || news.capacity < 0 || news.capacity > 1000) {
      failures.push({ property: 'capacity', reason: 'must be a whole number from 0 to 1000' });
    }
    if (!['small', 'medium', 'large', 'xlarge'].includes(news.instanceSize)) {
      failures.push({ property: 'instanceSize', reason: 'must be one of small, medium, large, xlarge' });
    }
    if (typeof news.version !== 'string' || news.version.length === 0) {
      failures.push({ property: 'version', reason: 'must be a non-empty string' });
    }
    if (!Number.isInteger(news.volumeGiB) || news.volumeGiB < 1 || news.volumeGiB > 100000) {
      failures.push({ property: 'volumeGiB', reason: 'must be a whole number of GiB from 1 to 100000' });
    }
    return { inputs: news, failures };
  },

  async diff(_id, olds, news) {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    // A new name is a new service; everything else changes in place.
    const replaces = ['name'].filter((k) => !same(olds[k as keyof ServiceOutputs], news[k as keyof ServiceInputs]));
    const updates = ['capacity', 'instanceSize', 'version', 'volumeGiB', 'tags'].filter(
      (k) => !same(olds[k as keyof ServiceOutputs], news[k as keyof ServiceInputs]),
    );
    return {
      changes: replaces.length + updates.length > 0,
      replaces,
      deleteBeforeReplace: false,
    };
  },

  async create(inputs) {
    const base = process.env.HOMEOSTAT_FLEET_URL;
    if (!base) throw new Error('HOMEOSTAT_FLEET_URL is not set: the sandbox stack needs a running fleet simulator');
    const res = await fetch(`${base}/services`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(inputs),
    });
    const body = (await res.json()) as ServiceOutputs & { id: string; error?: string };
    if (!res.ok) throw new Error(`fleet simulator refused to create ${inputs.name}: ${body.error ?? res.status}`);
    return { id: body.id, outs: { ...inputs, generation: body.generation } };
  },

  async read(id, props) {
    const base = process.env.HOMEOSTAT_FLEET_URL;
    if (!base) throw new Error('HOMEOSTAT_FLEET_URL is not set: the sandbox stack needs a running fleet simulator');
    const res = await fetch(`${base}/services/${id}`);
    // Gone from the fleet: an empty id tells the engine the resource no longer exists.
    if (res.status === 404) return { id: '', props: props ?? ({} as ServiceOutputs) };
    const body = (await res.json()) as ServiceOutputs & { error?: string };
    if (!res.ok) throw new Error(`fleet simulator could not read ${id}: ${body.error ?? res.status}`);
    return {
      id,
      props: {
        name: body.name,
        capacity: body.capacity,
        instanceSize: body.instanceSize,
        version: body.version,
        volumeGiB: body.volumeGiB,
        tags: body.tags,
        generation: body.generation,
      },
    };
  },

  async update(id, _olds, news) {
    const base = process.env.HOMEOSTAT_FLEET_URL;
    if (!base) throw new Error('HOMEOSTAT_FLEET_URL is not set: the sandbox stack needs a running fleet simulator');
    const res = await fetch(`${base}/services/${id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(news),
    });
    const body = (await res.json()) as ServiceOutputs & { error?: string };
    if (!res.ok) throw new Error(`fleet simulator refused to update ${id}: ${body.error ?? res.status}`);
    return { outs: { ...news, generation: body.generation } };
  },

  async delete(id) {
    const base = process.env.HOMEOSTAT_FLEET_URL;
    if (!base) throw new Error('HOMEOSTAT_FLEET_URL is not set: the sandbox stack needs a running fleet simulator');
    const res = await fetch(`${base}/services/${id}`, { method: 'DELETE' });
    if (!res.ok && res.status !== 404) throw new Error(`fleet simulator refused to delete ${id}: ${res.status}`);
  },
};

/** A service in the sandbox fleet, sized by the stack's config. */
export class SandboxService extends pulumi.dynamic.Resource {
  declare readonly name: pulumi.Output<string>;
  declare readonly capacity: pulumi.Output<number>;
  declare readonly instanceSize: pulumi.Output<string>;
  declare readonly version: pulumi.Output<string>;
  declare readonly volumeGiB: pulumi.Output<number>;
  declare readonly tags: pulumi.Output<Record<string, string>>;
  declare readonly generation: pulumi.Output<number>;

  constructor(name: string, args: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(serviceProvider, name, { ...args, generation: undefined }, opts, 'homeostat', 'SandboxService');
  }
}
