import type { AttrStep } from './attrPath.js';

/** An argument as given with `--argstr` (a string) or `--arg` (a Nix expression). */
export type NixArg = { string: string } | { expr: string };

export interface ImageExpression {
  /** Absolute path of the expression file. */
  file: string;
  attrPath: AttrStep[];
  args: Record<string, NixArg>;
}

export interface BatchExpression {
  /** Text for `nix-instantiate --eval --strict --json -E`. */
  text: string;
  /** `--argstr`/`--arg` pairs the text expects, in order. */
  cliArgs: string[];
}

/**
 * One expression that evaluates every image of a directory in a single Nix process, so that a
 * heavy import they share (nixpkgs) is paid once. It mimics nix-instantiate step by step, each
 * value being auto-called exactly once as nix-instantiate auto-calls (see autoCall): the file's
 * value (findAlongAttrPath before the first `-A` step, getDerivations when there is none), then
 * each value an `-A` step selects (before the next step, or by getDerivations after the last);
 * the result is then read as nix-instantiate reads it: a derivation, or a set or list holding
 * exactly one (getDerivations, drvsIn). Images that name the same file with the same arguments
 * share one call, as Nix shares nothing across calls.
 *
 * Data travels as JSON in one `--argstr` so that no path or string is ever spliced into Nix
 * source; `--arg` expressions become formals `a0`, `a1`, … of the outer function. With an answer
 * marker, the fully evaluated result is also traced to stderr behind it (see nixInstantiate).
 */
export function batchExpression(
  images: readonly ImageExpression[],
  answerMarker?: string,
  checkoutPaths: readonly string[] = [],
): BatchExpression {
  const exprArgs: string[] = [];
  const calls = new Map<string, number>();
  const callSpecs: unknown[] = [];
  const imageSpecs = images.map((image) => {
    const args: Record<string, unknown> = {};
    for (const [name, arg] of Object.entries(image.args)) {
      if ('string' in arg) args[name] = { s: arg.string };
      else {
        args[name] = { e: `a${exprArgs.length}` };
        exprArgs.push(arg.expr);
      }
    }
    const key = JSON.stringify([image.file, image.args]);
    let call = calls.get(key);
    if (call === undefined) {
      call = callSpecs.length;
      calls.set(key, call);
      callSpecs.push({ file: image.file, args });
    }
    return { call, path: image.attrPath };
  });

  const formals = ['spec', ...exprArgs.map((_, index) => `a${index}`)].join(', ');
  const exprScope = exprArgs.map((_, index) => `a${index}`).join(' ');
  const text = `{ ${formals} }:
let
  s = builtins.fromJSON spec;
  exprs = { ${exprScope ? `inherit ${exprScope};` : ''} };
  argValues = as: builtins.mapAttrs (n: a: if a ? s then a.s else exprs.\${a.e}) as;
  # As nix-instantiate's autoCallFunction: a set with __functor is applied to itself first; only a
  # function with formals is called, with every argument when it has \`...\`, else those it names;
  # a plain lambda (x: …) and a primop are left as they are. toXML tells the kinds of lambda apart.
  pattern = f: builtins.replaceStrings [ "\\n" ] [ " " ] (builtins.toXML f);
  hasFormals = f: builtins.match ".*<function> *<attrspat.*" (pattern f) != null;
  takesAll = f: builtins.match ".*<attrspat[^>]* ellipsis=.1.*" (pattern f) != null;
  autoCall = args: f:
    if builtins.isAttrs f && f ? __functor then autoCall args (f.__functor f)
    else if builtins.isFunction f && hasFormals f
    then f (if takesAll f then args else builtins.intersectAttrs (builtins.functionArgs f) args)
    else f;
  # v has been auto-called; what it selects is auto-called once, here, and never again.
  step = args: v: st: autoCall args (if st ? index then builtins.elemAt v st.index else v.\${st.name});
  calls = map (c: let args = argValues c.args; in { inherit args; value = autoCall args (import (/. + c.file)); }) s.calls;
  isDrv = v: builtins.isAttrs v && (v.type or null) == "derivation";
  # As nix-instantiate's getDerivations: a set's attributes (names it accepts, in order), each
  # derivation taken, a set marked recurseForDerivations entered; a list's elements, each
  # auto-called and entered; anything else inside a list is nix-instantiate's own error.
  attrOk = n: builtins.match "[A-Za-z_][A-Za-z0-9_+-]*" n != null;
  drvsIn = args: prefix: v:
    if isDrv v then [ { path = prefix; value = v; } ]
    else if builtins.isAttrs v then builtins.concatLists (map (n:
      let x = v.\${n}; p = prefix ++ [ n ]; in
      if isDrv x then [ { path = p; value = x; } ]
      else if builtins.isAttrs x && (x.recurseForDerivations or false) then drvsIn args p (autoCall args x)
      else [ ]) (builtins.filter attrOk (builtins.attrNames v)))
    else if builtins.isList v then builtins.concatLists (builtins.genList (index:
      let x = builtins.elemAt v index; p = prefix ++ [ (toString index) ]; in
      if isDrv x then [ { path = p; value = x; } ] else drvsIn args p (autoCall args x)) (builtins.length v))
    else throw "expression does not evaluate to a derivation (or a set or list of those)";
  # The same derivation reached twice (rec { a = …; b = a; }) is one, as nix-instantiate dedupes it.
  distinct = builtins.foldl' (kept: found:
    if builtins.elem found.value.outPath (map (k: k.value.outPath) kept) then kept else kept ++ [ found ]) [ ];
  drvInfo = v:
    let outputs = v.outputs or [ "out" ]; in {
      kind = "derivation";
      inherit outputs;
      # Not named outPath: toJSON would print a set with outPath as that string.
      outStorePath = if builtins.elem "out" outputs then v.out.outPath else null;
      imageTag = if v ? imageTag then toString v.imageTag else null;
      imageName = if v ? imageName && builtins.isString v.imageName then v.imageName else null;
      holdsCheckoutPath = holdsCheckoutPath v;
    };
  # Whether the derivation's attributes name the checkout's absolute path (\`toString ./app\`), as
  # the .drv then does: its tag differs in every directory (CI's clone's too). toJSON takes them as
  # the derivation does (a path copied to the store, cached from the derivation's own copy).
  holdsCheckoutPath = v:
    let attrs = builtins.toJSON (v.drvAttrs or { }); in
    builtins.any (p: builtins.replaceStrings [ p ] [ "" ] attrs != attrs) (s.checkoutPaths or [ ]);
  describe = i:
    let
      c = builtins.elemAt calls i.call;
      v = builtins.foldl' (step c.args) c.value i.path;
      reached = drvsIn c.args [ ] v;
      found = distinct reached;
      # One derivation reached as two values: nix-instantiate counts values, not paths (see evaluate.ts).
      twice = if builtins.length reached > builtins.length found then { container = builtins.typeOf v; paths = map (f: f.path) reached; } else null;
    in if isDrv v then drvInfo v
    else if builtins.isAttrs v || builtins.isList v then
      if builtins.length found == 1 then drvInfo (builtins.head found).value // { via = (builtins.head found).path; inherit twice; }
      else { kind = "derivations"; container = builtins.typeOf v; paths = map (f: f.path) found; }
    else { kind = builtins.typeOf v; };
  result = map describe s.images;
in if s ? marker then builtins.trace (s.marker + builtins.toJSON result) result else result
`;
  const spec = JSON.stringify({
    calls: callSpecs,
    images: imageSpecs,
    ...(answerMarker ? { marker: answerMarker } : {}),
    // As toJSON writes them, so that a match needs no unescaping.
    ...(checkoutPaths.length > 0
      ? { checkoutPaths: checkoutPaths.map((dir) => JSON.stringify(dir).slice(1, -1)) }
      : {}),
  });
  const cliArgs = ['--argstr', 'spec', spec];
  exprArgs.forEach((expr, index) => cliArgs.push('--arg', `a${index}`, expr));
  return { text, cliArgs };
}
