// Entry point the engine runs with plain Node.js; tsx keeps the pack TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./pack.ts');
