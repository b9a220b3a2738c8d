#!/usr/bin/env node
// `npm run build` step: bundles the server (packages/server/src/bin.ts) with esbuild into
// packages/server/dist/bundle/, which `npm start` runs. One file set instead of ~2,000 modules
// read, resolved and linked one by one halves the CPU Node spends loading the server before
// /health can answer (docs/performance.md, issue 11 start-up). Tests, `npm run dev` and the CLI
// keep using the sources / the per-file tsc output.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const server = path.join(root, 'packages/server');
const src = path.join(server, 'src');
const outdir = path.join(server, 'dist/bundle');

/**
 * Packages that stay in node_modules and load at run time, each for a reason: native addons
 * (argon2, sharp, pg-native), PGlite and pgvector (they fetch their WASM, data and archives by
 * URL next to their own module) and pino (its transports run a worker script it resolves itself).
 */
const EXTERNAL = [
  // CommonJS packages that other code loads with a dynamic import() and reads named exports
  // from: esbuild's chunk for such a module exports only `default`, where Node's loader also
  // gives the named ones (@fastify/cookie's import('cookie') found no stringifySetCookie, so
  // sign-up failed; realtime/redis.ts's `{ Redis }`, @ai-sdk/gateway's @vercel/oidc).
  '@fastify/cookie',
  'ioredis',
  '@vercel/oidc',
  '@electric-sql/pglite',
  '@electric-sql/pglite-pgvector',
  '@node-rs/argon2',
  'sharp',
  'pg-native',
  'pino',
  'pino-pretty',
  // Loaded only in the attachment text worker, from node_modules by its file URL: its "fake
  // worker" is a module of its own beside it, and its CMaps and standard fonts are files there.
  'pdfjs-dist',
  // Imported only when the server runs from its TypeScript sources (db/pglite-thread-client.ts
  // builds the PGlite worker with it); never from the bundle.
  'esbuild',
];

/**
 * CommonJS files that read `__dirname`/`__filename` (swagger-ui serves its static files from
 * there, @fastify/swagger reads its package.json, ioredis trims stack traces) get the values of
 * their original location in node_modules, computed from the bundle's own URL at run time.
 */
const commonJsPaths = {
  name: 'commonjs-paths',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.c?js$/ }, async (args) => {
      const contents = await fs.promises.readFile(args.path, 'utf8');
      if (!/\b__(dirname|filename)\b/.test(contents)) return undefined;
      const file = path.relative(outdir, args.path).split(path.sep).join('/');
      const dir = path.posix.dirname(file);
      return {
        contents: `var __filename = __luminaPath(${JSON.stringify(file)}), __dirname = __luminaPath(${JSON.stringify(dir)});\n${contents}`,
        loader: 'js',
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

/**
 * Our modules resolve paths from their own location (`new URL('../../src/db/migrations',
 * import.meta.url)`, the web app's dist, package.json). In the bundle every module's
 * import.meta.url would be the chunk's, so each one gets the URL its tsc output has in
 * dist/<same path>.js, relative to the bundle directory: the paths stay right wherever the
 * checkout lives.
 */
const ownModuleUrls = {
  name: 'own-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(src + path.sep)) return undefined;
      let contents = await fs.promises.readFile(args.path, 'utf8');
      if (contents.includes('import.meta.url')) {
        const distFile = path.join(server, 'dist', path.relative(src, args.path)).replace(/\.ts$/, '.js');
        const relative = path.relative(outdir, distFile).split(path.sep).join('/');
        contents = contents.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(relative)}, import.meta.url).href`,
        );
      }
      return { contents, loader: 'ts' };
    });
  },
};

fs.rmSync(outdir, { recursive: true, force: true });
const result = await build({
  // PGlite's worker thread (db/pglite-worker.ts) is an entry of its own: Node starts a Worker
  // from a file. db/pglite-thread-client.ts finds it through LUMINA_BUNDLED_PGLITE_WORKER, a URL
  // relative to that module's import.meta.url, which own-module-urls makes its tsc output's
  // (dist/db/pglite-thread-client.js): '../bundle/…' lands beside server.js.
  // The attachment text worker (attachments/extraction-worker.ts) likewise, found through
  // LUMINA_BUNDLED_EXTRACTION_WORKER relative to dist/attachments/text-extraction.js.
  entryPoints: {
    server: path.join(src, 'bin.ts'),
    'pglite-worker': path.join(src, 'db/pglite-worker.ts'),
    'extraction-worker': path.join(src, 'attachments/extraction-worker.ts'),
  },
  define: {
    LUMINA_BUNDLED_PGLITE_WORKER: JSON.stringify('../bundle/pglite-worker.js'),
    LUMINA_BUNDLED_EXTRACTION_WORKER: JSON.stringify('../bundle/extraction-worker.js'),
  },
  outdir,
  bundle: true,
  // Dynamic imports (AI SDK vendors, sharp, dicebear, tokenizer ranks …) become chunks loaded
  // on first use, as they are without the bundle.
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  plugins: [ownModuleUrls, commonJsPaths],
  // CommonJS packages inside an ESM bundle still call require() for Node built-ins and the
  // external packages; __luminaPath resolves a path relative to the bundle directory.
  banner: {
    js: [
      "import { createRequire as __luminaCreateRequire } from 'node:module';",
      "import { fileURLToPath as __luminaFileURLToPath } from 'node:url';",
      'const require = __luminaCreateRequire(import.meta.url);',
      'const __luminaPath = (relative) => __luminaFileURLToPath(new URL(relative, import.meta.url));',
    ].join(' '),
  },
  // Chunks sit beside the entry: the URLs above are relative to the bundle directory.
  chunkNames: '[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  // No comments or indentation: V8 keeps every loaded module's source in the heap (the app chunk
  // was 5.6 MB of text). Names stay, so stack traces still read; --enable-source-maps maps them
  // to the TypeScript through the linked maps.
  minifyWhitespace: true,
  logLevel: 'warning',
  metafile: true,
});
fs.writeFileSync(path.join(outdir, 'meta.json'), JSON.stringify(result.metafile));

// V8 stores a source with any character above U+00FF as a two-byte string, twice the memory, for
// as long as the process runs (one curly quote in a regex doubled the app chunk's 4 MB: it
// happened twice, the second time unnoticed behind a warning, with regexes of the voice sentence
// chunker and the card blurb). esbuild escapes them in strings but not in regex literals. The
// build fails when a chunk holding our own code has one; write such characters as \u escapes.
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (
    !file.endsWith('.js') ||
    !Object.keys(output.inputs).some((input) => input.includes('packages/server/src/'))
  )
    continue;
  const wide = fs.readFileSync(file, 'utf8').match(/[\u0100-\uffff]/g);
  if (wide) {
    console.error(
      `bundle: ${path.basename(file)} holds ${wide.length} character(s) above U+00FF (${[...new Set(wide)].join(' ')}): V8 keeps its source at twice the size; write them as \\u escapes (regex literals too)`,
    );
    process.exitCode = 1;
  }
}
