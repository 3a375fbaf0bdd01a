// `npm run package`: rebuilds dist/ from src/ with esbuild. One build, two entries (main, post) sharing
// chunks; ESM, minified; whatever a run needs only sometimes (the deploy path, the AWS SDK) sits in chunks
// loaded by import() when needed. Writes the licences of every bundled package beside it.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DIST, ROOT, distFiles, formatSizes } from './dist-size.js';

/** action.yml: `runs.main` and `runs.post`. */
const ENTRIES = { index: 'src/index.ts', 'post/index': 'src/post-index.ts' };

/**
 * @actions/core imports @actions/http-client, and with it undici 6 (~420 KB minified), only for
 * getIDToken, which Glidepath never calls. http-client declares no `sideEffects`, so a bundler must
 * keep it, and run undici's set-up, on every start. Its modules only define classes and functions:
 * marking it side-effect free lets esbuild drop it where nothing uses it, and keep it where something
 * does (e.g. @actions/github's proxy support).
 */
const unusedHttpClientDropped: esbuild.Plugin = {
  name: 'actions-http-client-side-effect-free',
  setup(build) {
    build.onResolve({ filter: /^@actions\/http-client$/ }, async (args) => {
      if (args.pluginData === 'resolving') return undefined;
      const r = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      return r.errors.length ? { errors: r.errors } : { path: r.path, sideEffects: false };
    });
  },
};

export const BUILD_OPTIONS: esbuild.BuildOptions = {
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: DIST,
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // ES module builds first (the AWS SDK's dist-es): the SDK is imported with import(), and esbuild
  // would hand a lazily imported CommonJS build over as a default export only, without named exports
  mainFields: ['module', 'main'],
  minify: true,
  // class and function names stay as written: error messages and the SDK's and undici's checks use them
  keepNames: true,
  // the licences go to dist/licenses.txt, once, instead of into every chunk
  legalComments: 'none',
  // bundled CommonJS packages call require() for Node's built-ins, which an ES module lacks
  banner: {
    js: "import{createRequire as __glidepathCreateRequire}from'node:module';const require=__glidepathCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
  plugins: [unusedHttpClientDropped],
};

interface PackageLicense {
  name: string;
  license: string;
  text: string;
}

/** The package a bundled file belongs to: the path up to its last `node_modules/<name>`. */
function packageDir(file: string): string | undefined {
  const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(file.replaceAll('\\', '/'));
  return m?.[1];
}

function licenseOf(dir: string): PackageLicense {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as {
    name: string;
    license?: string | { type?: string };
    licenses?: { type?: string }[];
  };
  const license =
    typeof pkg.license === 'string'
      ? pkg.license
      : (pkg.license?.type ?? pkg.licenses?.map((l) => l.type).join(' OR ') ?? 'UNKNOWN');
  const file = readdirSync(path.join(ROOT, dir))
    .filter((f) => /^(licen[cs]e|copying)(\.|-|$)/i.test(f))
    .sort()[0];
  const text = file ? readFileSync(path.join(ROOT, dir, file), 'utf8').trim() : '';
  return { name: pkg.name, license, text };
}

/**
 * Every bundled package with its licence, then the licence text. Packages that ship the same text
 * (the AWS SDK's two dozen Apache-2.0 packages) share one copy of it.
 */
export function licensesText(metafile: esbuild.Metafile): string {
  const dirs = new Set<string>();
  for (const out of Object.values(metafile.outputs))
    for (const [file, use] of Object.entries(out.inputs)) {
      const dir = packageDir(file);
      if (dir && use.bytesInOutput > 0) dirs.add(dir);
    }
  const byText = new Map<string, Set<string>>();
  for (const l of [...dirs].map(licenseOf)) {
    const names = byText.get(l.text) ?? new Set<string>();
    names.add(`${l.name} (${l.license})`);
    byText.set(l.text, names);
  }
  return (
    [...byText]
      .map(([text, names]) => ({
        names: [...names].sort(),
        text: text || '(no licence file in the package)',
      }))
      .sort((a, b) => a.names[0]!.localeCompare(b.names[0]!))
      .map(({ names, text }) => `${names.join('\n')}\n\n${text}`)
      .join('\n\n' + '-'.repeat(72) + '\n\n') + '\n'
  );
}

export async function buildDist(): Promise<void> {
  // from scratch: a chunk whose content changed gets a new name, and the old one must not linger
  rmSync(DIST, { recursive: true, force: true });
  mkdirSync(DIST, { recursive: true });
  const result = await esbuild.build(BUILD_OPTIONS);
  writeFileSync(path.join(DIST, 'licenses.txt'), licensesText(result.metafile!));
  // the bundle is ESM wherever the action's files end up, whatever the package.json above it says
  writeFileSync(path.join(DIST, 'package.json'), '{ "type": "module" }\n');
  if (!existsSync(path.join(DIST, 'post/index.js'))) throw new Error('the post entry was not written');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildDist();
  console.log(formatSizes(distFiles()));
}
