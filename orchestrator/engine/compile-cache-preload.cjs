'use strict';
// Loaded first (NODE_OPTIONS=--require) by every Node.js process that the
// service's engines start: the program, the policy packs' hosts, dynamic
// providers. It makes Node's on-disk compile cache (NODE_COMPILE_CACHE) work
// across those processes; see engine-env.ts. CommonJS and without
// dependencies, because it runs before anything else in processes whose
// module setup is the commit's.
const v8 = require('node:v8');
const nodeModule = require('node:module');

// V8 rejects a cached compile made under other V8 flags. @pulumi/pulumi's
// closure hooks turn on `--allow-natives-syntax` when they load, which is at a
// different point in a program, a policy host and a dynamic provider, so each
// kind of process rejected (and rewrote) the entries the others wrote for the
// modules loaded before that point. With the flag on from the start, every
// process compiles under the same flags. It allows nothing the SDK does not
// already turn on in these processes before any of the commit's code runs.
v8.setFlagsFromString('--allow-natives-syntax');

// Node writes the cache when a process exits, but the engine kills its
// plugins (policy packs, dynamic providers) at the end of a run, so theirs
// was never written and each run compiled them afresh. A plugin prints its
// port on stdout once it is ready to serve, with everything it needs loaded:
// the cache is written then, once.
if (typeof nodeModule.flushCompileCache === 'function' && nodeModule.getCompileCacheDir?.()) {
  const stdout = process.stdout;
  const write = stdout.write;
  let flushed = false;
  // Kept in place after the flush (not swapped back), so that a wrapper someone put around it later stays whole.
  stdout.write = function writeAfterFlush(...args) {
    if (!flushed) {
      flushed = true;
      try {
        nodeModule.flushCompileCache();
      } catch {
        // A cache that cannot be written only costs the next run its speed.
      }
    }
    return write.apply(this, args);
  };
}
