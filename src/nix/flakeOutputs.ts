import { flakeEvaluationArgs, type EvalSettings } from './commandLine.js';
import { flakeReference } from './evaluateFlakes.js';
import { nixString } from './flakeExpression.js';
import { nixCommand } from './nixInstantiate.js';

/** One `packages.<system>` output of a flake, as `nixtag init` sees it. */
export interface FlakePackage {
  name: string;
  /** The derivation's output path (`nix eval --raw .#NAME.outPath`); undefined: not a derivation. */
  outPath?: string | undefined;
  /** Its `imageTag` (dockerTools' layered images, nix2container), if it has one. */
  imageTag?: string | undefined;
  /** Its `imageName` (dockerTools, nix2container), if it is a string: what init ties it to a repository by. */
  imageName?: string | undefined;
  /** It looks like an image: a `.tar.gz`/`.tar` output, or `imageName`/`imageTag` as dockerTools and nix2container set. */
  image: boolean;
}

/**
 * Lists each flake's `packages.<system>` in one `nix eval` (the checkout's flakes at its commit
 * `head`, as the engine evaluates them), reading of each output only what tells an image apart;
 * an output whose evaluation throws is left out of the images, not fatal.
 */
export async function flakePackages(
  checkout: string,
  head: string,
  directories: readonly string[],
  settings: EvalSettings,
): Promise<FlakePackage[][]> {
  const spec = JSON.stringify({
    flakes: directories.map((dir) => flakeReference(checkout, head, dir)),
    system: settings.system,
  });
  const expression = `let
  s = builtins.fromJSON ${nixString(spec)};
  try = v: let r = builtins.tryEval v; in if r.success then r.value else null;
  list = flake:
    let packages = flake.outputs.packages.\${s.system} or { }; in
    map (name:
      let
        v = packages.\${name};
        drv = try (builtins.isAttrs v && (v.type or null) == "derivation") == true;
        # Not named outPath: toJSON would print a set with outPath as that string.
        storePath = if drv then try v.outPath else null;
        imageTag = if drv && v ? imageTag then try (toString v.imageTag) else null;
        imageName = if drv && v ? imageName && try (builtins.isString v.imageName) == true then v.imageName else null;
        named = if storePath == null then "" else builtins.baseNameOf storePath;
      in {
        inherit name storePath imageTag imageName;
        image = storePath != null && (builtins.match ".*\\\\.tar(\\\\.gz)?" named != null || v ? imageName || v ? imageTag);
      }) (builtins.attrNames packages);
in map (url: list (builtins.getFlake url)) s.flakes
`;
  const run = await nixCommand(flakeEvaluationArgs(settings, expression), checkout);
  const listed = JSON.parse(run.stdout) as Array<
    Array<{ name: string; storePath: string | null; imageTag: string | null; imageName: string | null; image: boolean }>
  >;
  return listed.map((packages) =>
    packages.map(({ name, storePath, imageTag, imageName, image }) => ({
      name,
      outPath: storePath ?? undefined,
      imageTag: imageTag ?? undefined,
      imageName: imageName ?? undefined,
      image,
    })),
  );
}
