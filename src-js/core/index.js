// The Tributary WebAssembly core for Node hosts (Forge functions, the CLI, tests).
//
// The bytes are inlined (see scripts/build-wasm.mjs), so this works unchanged after Forge's
// webpack bundling, where files next to the source are not carried along.
import { initSync } from './generated/tributary_wasm.js';
import { wasmBase64 } from './generated/wasm-base64.js';

initSync({ module: Buffer.from(wasmBase64, 'base64') });

export * from './generated/tributary_wasm.js';
