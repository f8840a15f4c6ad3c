// The second half of `npm run build`: tsc writes dist/ (a .js and a .d.ts per
// module), then this joins the three entry points (the root, kafkawire/protocol
// and the CLI) into dist/bundle/, which package.json's "exports" and bin/ load.
// Loading one file instead of ~120 modules costs about half the CPU time
// (about 0.55–0.6×: `npm run bench:startup`), and every process pays it.
// Shared code goes into shared chunks, so the root and the protocol subpath
// hand out the same classes; each API's message codecs stay a chunk of their
// own, loaded the first time the API is used, as in dist/.
// KAFKAWIRE_DIST names another tsc output folder (the package test builds into
// a temporary one).
import fs from 'node:fs';
import { defineConfig } from 'rolldown';

const from = process.env.KAFKAWIRE_DIST ?? 'dist';
const pkg = JSON.parse(fs.readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const dependencies = Object.keys(pkg.dependencies ?? {});

export default defineConfig({
  input: { index: `${from}/index.js`, protocol: `${from}/protocol.js`, main: `${from}/cli/main.js` },
  platform: 'node',
  // The runtime dependencies stay imports (npm installs them beside kafkawire); only kafkawire's own code is joined.
  external: (id) => id.startsWith('node:') || dependencies.some((d) => id === d || id.startsWith(`${d}/`)),
  output: {
    dir: `${from}/bundle`,
    format: 'esm',
    // Error classes name themselves after their class (`this.name = new.target.name`): no renaming.
    keepNames: true,
    // Not minified, so a stack trace's file and line read as the code itself; a map would only point at dist/'s JavaScript.
    sourcemap: false,
    cleanDir: true,
  },
});
