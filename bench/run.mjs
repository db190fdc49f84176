// Runs every benchmark; each prints figures measured in this run and their ratio.
const benchmarks = process.argv.slice(2);
const all = ['evaluation', 'scan', 'hooks', 'monorepo'];
for (const name of benchmarks.length > 0 ? benchmarks : all) {
  await import(`./${name}.mjs`);
}
