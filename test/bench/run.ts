/**
 * `npm run bench`: every benchmark, each against its C baseline compiled from the same headers in the same
 * run. Figures are printed, never asserted: speed targets live here, not in unit tests.
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const suites = ['codec-bench.js', 'xen-ring-bench.js', 'virtio-bench.js', 'trace-bench.js'];
let failed = false;
for (const s of suites) {
  const path = here(`./${s}`);
  if (!existsSync(path)) continue;
  console.log(`\n== ${s.replace(/\.js$/, '')}`);
  const r = spawnSync(process.execPath, [path], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
