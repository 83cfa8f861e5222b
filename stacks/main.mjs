// Entry point the Pulumi engine runs with plain Node.js. Registering tsx here,
// rather than through runtime `nodeargs`, keeps the program TypeScript under
// any Node.js language host, including ones that do not pass nodeargs on.
import { register } from 'tsx/esm/api';

register();
const { default: main } = await import('./index.ts');
export default main;
