// Entry point of the policy pack. The engine's run-policy-pack script loads a
// pack with require(), so this file is CommonJS; tsx's require hook lets the
// rules themselves stay TypeScript.
require('tsx/cjs/api').register();
require('./pack.ts');
