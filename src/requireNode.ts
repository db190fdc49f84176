import { NixtagError } from './errors.js';
import { messages } from './messages.js';

/**
 * The library needs Node.js 22 (Promise.withResolvers, Map.groupBy, require(esm)); on an older
 * Node, importing it throws this instead of failing later on a missing function.
 */
if (Number(process.versions.node.split('.')[0]) < 22) {
  throw new NixtagError('NODE_VERSION', messages.nodeTooOld(process.version, process.execPath, []), {
    hint: messages.nodeHint(),
  });
}
