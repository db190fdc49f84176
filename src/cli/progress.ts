import { messages } from '../messages.js';

/** Shown only once Nix has run this long: a quick evaluation leaves no trace. */
const DELAY_MS = 1000;

/**
 * A progress line on a terminal's stderr while Nix evaluates (a cold nixpkgs takes many seconds,
 * and a silent hook looks hung): which images, and the time so far, rewritten in place each
 * second and erased when Nix is done. Undefined where it must not show: not a terminal, --json,
 * --quiet.
 */
export function progressLine(
  stream: NodeJS.WriteStream,
  show: boolean,
): ((images: readonly string[]) => () => void) | undefined {
  if (!show || !stream.isTTY) return undefined;
  return (images) => {
    const started = Date.now();
    let drawn = false;
    const draw = () => {
      stream.write(`\r\x1b[K${messages.evaluating(images, Math.round((Date.now() - started) / 1000))}`);
      drawn = true;
    };
    let timer: NodeJS.Timeout | undefined;
    const first = setTimeout(() => {
      draw();
      timer = setInterval(draw, 1000);
      timer.unref();
    }, DELAY_MS);
    first.unref();
    return () => {
      clearTimeout(first);
      if (timer !== undefined) clearInterval(timer);
      if (drawn) stream.write('\r\x1b[K');
    };
  };
}
