// The Tributary WebAssembly core for Node hosts (Forge functions, the CLI, tests).
//
// The bytes are inlined (see scripts/build-wasm.mjs), so this works unchanged after Forge's
// webpack bundling, where files next to the source are not carried along.
import { initSync } from './generated/tributary_wasm.js';
import { wasmBase64 } from './generated/wasm-base64.js';

const instance = initSync({ module: Buffer.from(wasmBase64, 'base64') });

/** The core's linear memory in bytes (it grows as needed and never shrinks): what the
 *  benchmarks report as the core's memory. */
export const wasmMemoryBytes = () => instance.memory.buffer.byteLength;

export * from './generated/tributary_wasm.js';
