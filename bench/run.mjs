// Runs every benchmark; each prints figures measured in this run and their ratio.
const benchmarks = process.argv.slice(2);
const all = ['evaluation', 'scan', 'hooks', 'monorepo', 'scale', 'flakes', 'integrity'];
// Measured on the project's 2-core machines: said first, so that a silent minute is not a hang.
const minutes = { evaluation: 5, scan: 1, hooks: 3, monorepo: 3, scale: 6, flakes: 4, integrity: 5 };
const chosen = benchmarks.length > 0 ? benchmarks : all;
const total = chosen.reduce((sum, name) => sum + (minutes[name] ?? 1), 0);
console.log(
  `Running ${chosen.join(', ')}: about ${total} minute${total === 1 ? '' : 's'} on a 2-core machine` +
    (benchmarks.length > 0 ? '.' : ' (`npm run bench -- NAME` runs one of them).'),
);
for (const name of chosen) {
  await import(`./${name}.mjs`);
}
