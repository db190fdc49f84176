/** One flake image of a batch: which flake, the attribute paths tried in order, and what is read. */
export interface FlakeImageSpec {
  /** Index into the batch's flake references. */
  flake: number;
  /** Attribute paths of the flake's outputs, tried in order (flakeInstallable.ts candidatePaths). */
  candidates: string[][];
  /** The attribute read from the output: `outPath`, or `imageTag`. */
  leaf: 'outPath' | 'imageTag';
}

/** A string as a Nix string literal: nothing in it can end the string or start an interpolation. */
export function nixString(text: string): string {
  return `"${text.replace(/[\\"$]/g, (character) => `\\${character}`)}"`;
}

/**
 * One expression that evaluates every flake image of a run in one `nix eval`: each distinct flake
 * (a locked `git+file` reference of nixtag's checkout) is loaded once with `builtins.getFlake`,
 * which reads its flake.lock without changing it, and each image's output is found as `nix eval
 * <installable>.<leaf>` finds it: the first candidate path that holds the leaf, a step on
 * anything but a set counting as missing. For an output that is not there, the names that are;
 * for one without the leaf, what it is. `sources`: each flake's source in the store, so that the
 * files Nix reports parsing there can be read as the repository's.
 *
 * The data travels as JSON in a string literal (escaped by nixString): `nix eval --expr` does not
 * pass `--argstr` to the expression. With an answer marker the result is also traced (see
 * nixInstantiate.ts).
 */
export function flakeBatchExpression(
  flakes: readonly string[],
  images: readonly FlakeImageSpec[],
  system: string,
  answerMarker?: string,
): string {
  const spec = JSON.stringify({ flakes, images, system, ...(answerMarker ? { marker: answerMarker } : {}) });
  return `let
  s = builtins.fromJSON ${nixString(spec)};
  flakes = map builtins.getFlake s.flakes;
  at = v: path: builtins.foldl' (found: step:
    if found != null && builtins.isAttrs found.v && found.v ? \${step} then { v = found.v.\${step}; } else null
  ) { inherit v; } path;
  first = outputs: leaf: candidates:
    if candidates == [ ] then null
    else
      let
        path = builtins.head candidates;
        found = at outputs (path ++ leaf);
      in if found != null then { inherit path; v = (at outputs path).v; } else first outputs leaf (builtins.tail candidates);
  names = v: if builtins.isAttrs v then builtins.attrNames v else [ ];
  available = outputs: {
    outputs = names outputs;
    systems = names (outputs.packages or { });
    packages = names (outputs.packages.\${s.system} or { });
    legacyPackages = let found = names (outputs.legacyPackages.\${s.system} or { }); in
      if builtins.length found > 200 then [ ] else found;
  };
  describe = i:
    let
      outputs = (builtins.elemAt flakes i.flake).outputs;
      hit = first outputs [ i.leaf ] i.candidates;
      near = first outputs [ ] i.candidates;
      value = hit.v.\${i.leaf};
    in
    if hit == null then
      if near == null then { kind = "missing"; available = available outputs; }
      else { kind = builtins.typeOf near.v; inherit (near) path; attrs = names near.v; }
    else if !(builtins.isString value) then { kind = "leaf-" + builtins.typeOf value; inherit (hit) path; }
    else {
      kind = "found";
      inherit (hit) path;
      inherit value;
      derivation = (hit.v.type or null) == "derivation";
    };
  result = {
    sources = map (flake: flake.sourceInfo.outPath) flakes;
    images = map describe s.images;
  };
in if s ? marker then builtins.trace (s.marker + builtins.toJSON result) result else result
`;
}
