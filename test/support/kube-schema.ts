import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { z } from 'zod';

/**
 * Validation of rendered Kubernetes manifests against the API's own OpenAPI
 * schema, strictly, as `kubeconform --strict` does: a field the API does not
 * know is an error (the API server would drop it silently, so a misspelt
 * probe or securityContext field would quietly do nothing).
 */
export interface ManifestValidator {
  /** Problems of one manifest (empty when valid), each with its JSON path. */
  validate(manifest: unknown): string[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Closes every object schema that lists its properties, unless it says it keeps unknown fields. */
function closeObjects(node: Json): Json {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!isObject(node)) return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' && isObject(v) ? Object.fromEntries(Object.entries(v).map(([p, s]) => [p, closeObjects(s)])) : closeObjects(v);
  if (isObject(out.properties) && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  // CRDs mark int-or-string fields (ports) with an extension instead of a type.
  if (out['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    out.type = ['integer', 'string'];
  }
  return out;
}

const problemsOf = (errors: ErrorObject[] | null | undefined) => (errors ?? []).map((e) => `${e.instancePath || '/'}: ${e.message ?? e.keyword}${e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : ''}`);

const ManifestHeadSchema = z.object({ apiVersion: z.string().min(1), kind: z.string().min(1) }).passthrough();

/** A validator for the built-in kinds, from the API's swagger.json (OpenAPI v2). */
export function kubernetesValidator(swaggerFile: string): ManifestValidator {
  const swagger = z.object({ definitions: z.record(z.string(), z.unknown()) }).parse(JSON.parse(readFileSync(swaggerFile, 'utf8')));
  const definitions: JsonObject = {};
  const byKind = new Map<string, string>();
  for (const [name, raw] of Object.entries(swagger.definitions)) {
    const def = raw as JsonObject;
    definitions[name] = closeObjects(def);
    const gvks = def['x-kubernetes-group-version-kind'];
    if (Array.isArray(gvks)) {
      for (const g of gvks) {
        if (!isObject(g)) continue;
        const apiVersion = g.group ? `${String(g.group)}/${String(g.version)}` : String(g.version);
        // A kind listed by several definitions (the list kinds of meta) goes to its own group's first.
        if (!byKind.has(`${apiVersion}/${String(g.kind)}`)) byKind.set(`${apiVersion}/${String(g.kind)}`, name);
      }
    }
  }
  // Both are strings in the schema but accept numbers in a manifest (ports: 8080; cpu: 1).
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { type: ['integer', 'string'] };
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { type: ['string', 'number'] };
  // strict: false lets the x-kubernetes-* extensions through; formats (int32, date-time) are not checked.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'k8s', definitions });
  const compiled = new Map<string, ValidateFunction>();
  return {
    validate(manifest) {
      const head = ManifestHeadSchema.safeParse(manifest);
      if (!head.success) return ['/: not a Kubernetes object (apiVersion and kind are required)'];
      const key = `${head.data.apiVersion}/${head.data.kind}`;
      const name = byKind.get(key);
      if (!name) return [`/: no kind ${head.data.kind} in ${head.data.apiVersion} of this Kubernetes version`];
      let fn = compiled.get(name);
      if (!fn) {
        fn = ajv.getSchema(`k8s#/definitions/${name}`);
        if (!fn) throw new Error(`no schema for ${name}`);
        compiled.set(name, fn);
      }
      return fn(manifest) ? [] : problemsOf(fn.errors);
    },
  };
}

const CrdSchema = z.object({
  kind: z.literal('CustomResourceDefinition'),
  spec: z.object({
    group: z.string(),
    names: z.object({ kind: z.string() }),
    versions: z.array(z.object({ name: z.string(), schema: z.object({ openAPIV3Schema: z.record(z.string(), z.unknown()) }) })),
  }),
});

/** A validator for one custom resource kind, from its CRD's structural schema (every version it serves). */
export function crdValidator(crdFile: string): ManifestValidator {
  const crd = CrdSchema.parse(parse(readFileSync(crdFile, 'utf8')));
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const byVersion = new Map(crd.spec.versions.map((v) => [`${crd.spec.group}/${v.name}`, ajv.compile(closeObjects(v.schema.openAPIV3Schema as Json) as object)]));
  return {
    validate(manifest) {
      const head = ManifestHeadSchema.safeParse(manifest);
      if (!head.success) return ['/: not a Kubernetes object (apiVersion and kind are required)'];
      const fn = byVersion.get(head.data.apiVersion);
      if (head.data.kind !== crd.spec.names.kind || !fn) return [`/: the CRD defines ${crd.spec.names.kind} in ${[...byVersion.keys()].join(', ')}, not ${head.data.kind} in ${head.data.apiVersion}`];
      return fn(manifest) ? [] : problemsOf(fn.errors);
    },
  };
}
