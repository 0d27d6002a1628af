/**
 * `npm run bench`: every benchmark, each against its C baseline compiled from the same headers in the same
 * run. Figures are printed, never asserted: speed targets live here, not in unit tests. `npm run bench --
 * --json` prints one JSON object per line per benchmark (test/bench/report.ts); the README's tables come
 * from it (`node dist/test/bench/readme-table.js < lines.json`).
 */
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const json = process.argv.includes('--json');
const suites = ['codec-bench.js', 'xen-ring-bench.js', 'virtio-bench.js', 'trace-bench.js'];
let failed = false;
for (const s of suites) {
  const path = here(`./${s}`);
  if (!existsSync(path)) continue;
  if (!json) console.log(`\n== ${s.replace(/\.js$/, '')}`);
  const r = spawnSync(process.execPath, [path, ...(json ? ['--json'] : [])], { stdio: 'inherit' });
  if (r.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
