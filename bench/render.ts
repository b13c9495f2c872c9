/** `npx tsx bench/render.ts [results.json]`: re-renders latest.md and the plots from a results file. */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { markdown, plots, type Results } from './report';

const file = process.argv[2] ?? path.join(__dirname, 'results', 'latest.json');
const r = JSON.parse(readFileSync(file, 'utf8')) as Results;
const dir = path.dirname(file);
writeFileSync(path.join(dir, `${path.basename(file, '.json')}.md`), markdown(r));
console.log(`wrote ${path.basename(file, '.json')}.md and ${plots(r, dir).join(', ')} in ${dir}`);
