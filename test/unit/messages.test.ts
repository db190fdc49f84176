import { describe, expect, it } from 'vitest';
import { messages } from '../../src/messages.js';
import { gather } from '../../src/messages/gather.js';
import { nixMessages } from '../../src/messages/nix.js';
import { initMessages } from '../../src/messages/init.js';

describe('the message groups gathered into one object', () => {
  it('keeps every key of every group, with its own value', () => {
    const first = { a: () => 'a', b: 1 };
    const second = { c: 'c' };
    const gathered = gather(first, second);
    expect(gathered).toEqual({ a: first.a, b: 1, c: 'c' });
    expect(gathered.a()).toBe('a');
  });

  it('refuses a key two groups define: a compile error, and a throw should a cast hide it', () => {
    // The line below must not compile; `npm run typecheck` fails if the type guard ever lets it.
    // @ts-expect-error 'b' is in both groups
    expect(() => gather({ a: 1, b: 2 }, { c: 3 }, { b: 4 })).toThrow("the message key 'b' is defined twice");
    const groups = [{ a: 1 }, { a: 2 }] as object[];
    expect(() => gather(...groups)).toThrow("the message key 'a' is defined twice");
  });

  it("holds nixtag's own groups: flat keys, and init's under messages.init", () => {
    expect(messages.nixMissing).toBe(nixMessages.nixMissing);
    expect(messages.init).toBe(initMessages);
    expect(messages.help.check).toMatch(/tag CI will build/);
  });
});
