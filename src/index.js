// Forge resolves `handler: index.<name>` to this file; the host code lives in src-js/.
export { resolver, scheduler, syncWorker } from '../src-js/forge/index.js';
