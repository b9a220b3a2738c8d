#!/usr/bin/env node
// Runs before the tests (`pretest`, `pretest:unit`, `pretest:e2e` in package.json): installs the
// embedded llama.cpp engine that the engine tests and the local-model end-to-end test load, when
// it is missing or is not the version Lumina is tested against. It runs the product's own
// installer — installEngine(), what `lumina engine install` runs: node-llama-cpp and this
// platform's CPU binary (~85 MB) from the npm registry into node_modules/.lumina-engine.
// When both packages are there at the right version it only reads two package.json files, so
// running it before every test command costs well under a second.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { tsImport } from 'tsx/esm/api';

const engine = await tsImport(
  '../packages/server/src/providers/llama-cpp/engine-install.ts',
  import.meta.url,
);
const engineDir = engine.defaultEngineDir();

/** `name@version` arguments of the install command: node-llama-cpp and the CPU binary package. */
function wantedPackages() {
  const { args } = engine.engineInstallCommand({ engineDir });
  return args
    .filter((arg) => !arg.startsWith('-') && arg.lastIndexOf('@') > 0)
    .map((arg) => ({
      name: arg.slice(0, arg.lastIndexOf('@')),
      version: arg.slice(arg.lastIndexOf('@') + 1),
    }));
}

async function installedVersion(name) {
  const manifest = path.join(engineDir, 'node_modules', ...name.split('/'), 'package.json');
  return readFile(manifest, 'utf8').then(
    (text) => JSON.parse(text).version,
    () => undefined,
  );
}

let wanted;
try {
  wanted = wantedPackages();
} catch (error) {
  // No prebuilt CPU binary for this platform: the engine tests cannot run here at all.
  console.error(`ensure-test-engine: ${error.message}; the engine tests need one of the supported platforms`);
  process.exit(1);
}

const stale = [];
for (const pkg of wanted) {
  const found = await installedVersion(pkg.name);
  if (found !== pkg.version)
    stale.push(`${pkg.name}@${pkg.version} (${found ? `found ${found}` : 'missing'})`);
}

if (stale.length === 0) {
  console.log(
    `ensure-test-engine: the embedded engine ${engine.ENGINE_VERSION} is installed in ${engineDir}`,
  );
} else {
  console.log(`ensure-test-engine: installing the embedded engine for the tests: ${stale.join(', ')}`);
  try {
    const result = await engine.installEngine({
      engineDir,
      onOutput: (line) => console.log(`  ${line}`),
    });
    console.log(
      `ensure-test-engine: engine installed in ${result.engineDir} (${Math.round(result.durationMs / 1000)} s)`,
    );
  } catch (error) {
    console.error(`ensure-test-engine: ${error.message}`);
    process.exit(1);
  }
}
