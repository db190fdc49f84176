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
 * the result must then be one derivation. Images that name the same file with the same arguments
 * share one call, as Nix shares nothing across calls.
 *
 * Data travels as JSON in one `--argstr` so that no path or string is ever spliced into Nix
 * source; `--arg` expressions become formals `a0`, `a1`, … of the outer function. With an answer
 * marker, the fully evaluated result is also traced to stderr behind it (see nixInstantiate).
 */
export function batchExpression(images: readonly ImageExpression[], answerMarker?: string): BatchExpression {
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
  describe = i:
    let
      c = builtins.elemAt calls i.call;
      v = builtins.foldl' (step c.args) c.value i.path;
      isDrv = builtins.isAttrs v && (v.type or null) == "derivation";
      outputs = v.outputs or [ "out" ];
    in if !isDrv then { kind = builtins.typeOf v; size = if builtins.isAttrs v || builtins.isList v then builtins.length (if builtins.isList v then v else builtins.attrNames v) else 0; }
    else {
      kind = "derivation";
      inherit outputs;
      # Not named outPath: toJSON would print a set with outPath as that string.
      outStorePath = if builtins.elem "out" outputs then v.out.outPath else null;
      imageTag = if v ? imageTag then toString v.imageTag else null;
      imageName = if v ? imageName && builtins.isString v.imageName then v.imageName else null;
    };
  result = map describe s.images;
in if s ? marker then builtins.trace (s.marker + builtins.toJSON result) result else result
`;
  const spec = JSON.stringify({
    calls: callSpecs,
    images: imageSpecs,
    ...(answerMarker ? { marker: answerMarker } : {}),
  });
  const cliArgs = ['--argstr', 'spec', spec];
  exprArgs.forEach((expr, index) => cliArgs.push('--arg', `a${index}`, expr));
  return { text, cliArgs };
}
