// Loaded with `node --import`: nixtag's writes to its temporary files (`.<name>.nixtag-…`) are
// cut short, as on a disk that fills up: at most NIXTAG_TEST_WRITE_LIMIT bytes in all, a short
// count first, then 0 bytes per call. Other writes are untouched.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const limit = Number(process.env.NIXTAG_TEST_WRITE_LIMIT ?? '1000');
const real = fs.writeSync;
const written = new Map();
fs.writeSync = (descriptor, buffer, ...rest) => {
  let target = '';
  try {
    target = fs.readlinkSync(`/proc/self/fd/${descriptor}`);
  } catch {
    // not a file
  }
  if (!target.includes('.nixtag-') || typeof buffer === 'string') return real(descriptor, buffer, ...rest);
  const [offset = 0, length = buffer.byteLength - offset] = rest;
  const room = Math.max(0, limit - (written.get(target) ?? 0));
  const count = room === 0 ? 0 : real(descriptor, buffer, offset, Math.min(length, room, 700));
  written.set(target, (written.get(target) ?? 0) + count);
  return count;
};
syncBuiltinESMExports();
