// Stands in for @atlaskit/feature-gate-js-client (Atlassian's Statsig client; aliased by
// scripts/build-settings.mjs). Atlaskit asks it which variant of a component to draw; a Forge page
// has no such client set up (and may not reach Statsig: connect-src 'self'), so every gate gives
// its default, as the real client does before it is initialised. Keeps ~100 KB out of the bundle.
const FeatureGates = {
  checkGate: () => false,
  getExperimentValue: (_experiment, _parameter, defaultValue) => defaultValue,
  getExperiment: () => ({ get: (_parameter, defaultValue) => defaultValue }),
  initializeCompleted: () => false,
};

export default FeatureGates;
