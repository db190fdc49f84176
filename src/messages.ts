/** Every user-facing string, gathered from src/messages/ (one file per concern), so wording stays consistent and reviewable. */
import { nixMessages } from './messages/nix.js';
import { pinMessages } from './messages/pin.js';
import { doctorMessages } from './messages/doctor.js';
import { configMessages } from './messages/config.js';
import { commandLineMessages } from './messages/commandLine.js';
import { manifestsMessages } from './messages/manifests.js';
import { lockMessages } from './messages/lock.js';
import { resultsMessages } from './messages/results.js';
import { registryMessages } from './messages/registry.js';
import { initMessages } from './messages/init.js';
import { helpMessages } from './messages/help.js';
import { flakeMessages } from './messages/flakes.js';
import { gather } from './messages/gather.js';

export type { DoctorDetails, MovingConstruct, UnclonableReason } from './messages/shared.js';

/** One flat object: a key in two groups does not compile (gather). */
export const messages = gather(
  nixMessages,
  pinMessages,
  doctorMessages,
  configMessages,
  commandLineMessages,
  manifestsMessages,
  lockMessages,
  resultsMessages,
  registryMessages,
  { init: initMessages },
  helpMessages,
  flakeMessages,
);
