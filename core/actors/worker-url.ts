import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker from a module next to the caller: the built `.js` when the
 * caller runs from `dist/`, or the `.ts` source when the caller itself runs
 * as TypeScript (vitest, tsx). Node 20 does not apply `--import tsx` to a
 * worker's entry file, so a TypeScript worker starts from a one-line
 * bootstrap that registers tsx's loader and then imports the entry.
 */
export function startWorker(callerUrl: string, relativeJsPath: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(relativeJsPath, callerUrl), options);
  const entry = new URL(relativeJsPath.replace(/\.js$/, '.ts'), callerUrl).href;
  const bootstrap = `import(${JSON.stringify(tsxApiUrl(callerUrl))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { ...options, eval: true });
}

function tsxApiUrl(callerUrl: string): string {
  const packageJson = createRequire(callerUrl).resolve('tsx/package.json');
  return pathToFileURL(join(dirname(packageJson), 'dist/esm/api/index.mjs')).href;
}
