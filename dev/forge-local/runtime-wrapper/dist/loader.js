'use strict';
// Local stand-in for Forge's Node runtime loader. @forge/bundler copies this file next to the
// bundled app as __forge__.cjs: the entry the platform loads. Forge's loader picks the runtime
// wrapper to use; locally it is always the copy the bundler shipped (__forge_wrapper__.cjs).
const wrapper = require('./__forge_wrapper__.cjs');

module.exports = {
  /** @param {string} handlerRef manifest handler, e.g. "index.resolver" */
  getHandler: (handlerRef) => wrapper.getHandler(__dirname, handlerRef),
};
