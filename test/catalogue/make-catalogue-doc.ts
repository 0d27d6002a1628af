/** Write protocol/catalogue.md from the catalogue: `npx tsc -p . && node dist/test/catalogue/make-catalogue-doc.js`. */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { catalogueMarkdown } from './catalogue-doc.js';

const out = fileURLToPath(new URL('../../../protocol/catalogue.md', import.meta.url));
writeFileSync(out, catalogueMarkdown());
process.stdout.write(`wrote ${out}\n`);
