#!/usr/bin/env node
// Checked before anything else loads, so an old Node gets a sentence, not a stack trace.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`nixtag: error [NODE_VERSION]: nixtag needs Node.js 22 or newer; this is ${process.version}.\n`);
  process.exitCode = 3;
} else {
  const { main } = await import('./main.js');
  process.exitCode = await main(process.argv.slice(2));
}
