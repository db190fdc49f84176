import { createHash } from 'node:crypto';

/**
 * The sha256 of every `nix/sources.nix` niv has written (the 39 versions of that file in
 * nmattia/niv's history, to 67b245a of 2024-02-21; niv writes it verbatim). What such a file reads
 * from the environment is known and settled: `NIV_OVERRIDE_<name>` (a developer's override that
 * neither CI nor nixtag's scrubbed environment sets) and `PWD` only beside one; `nixVersion` only
 * against 1.12 and 2.4, the same answer on every Nix nixtag runs; `nixPath` and the unpinned
 * `fetchTarball` only on paths those answers never take. A file changed by a byte is not one of
 * these and is read as any other.
 */
const NIV_SOURCES = new Set([
  '07fdc88142ac6df6e3371f1a5b94295c62db1a447ee4bbdab737192d4c8ecd72',
  '0933f243ee382d0c924ad8e3f8a2a74ec9cf9e2dc6fa09846a8e57472899ed82',
  '1de5e1e37bff3c01fec9186e40e1a2a3df00b8e725ea2a05b7b6a57232d78a81',
  '20e6f94c883d32cc474472b083a80954e2d0b57d045d089b08aeea86c730f5e6',
  '220b1b708858c4037237e61b48c9f89cdfef8e0a8630a12e52e280489e9d9c84',
  '32f981fb385191cabc16e636b4bd5b158d19721a3f666ad9195c792fb65767ff',
  '337b63701790470b9ce7248b9bb0f3254f7d02cf05f2513a7a26f24b989e21df',
  '3436584da0b135d6f192ea70b93ee6e574886c714e9e0e43eef85368ab1fc25b',
  '3af7dc59100b8cd68101b8682636db94791161f3bdccd174e6f2d8c8cad5271a',
  '3c3b3cd4d4d1db9c67dac20f9a2affeafee121d093bb7b7be444eb1369875928',
  '46dfe1d224d6015ef5a66b03518bfc46fd74e1b32c0343b9fd937039248c0b50',
  '49ec788bf4f7ee80acd7ed3adb21361626654b6b82eab4f63571431d79e29737',
  '4bcb34e30d44c66e6d90c6deb5add53ba150f2352ab0cadd4dda6134d8573b2e',
  '4ccb2b6d204a9c0bd5ece777d213c433a13f66f80a24fd21787983a563c34d9c',
  '72c1ddf275b189ac1aa0d5a57b1d6f40ed507a3d4af9d6ef379473ec27b6f537',
  '72d84f3e0e3430484b269c1ef4e7b9069635bdc6b4b0b9fe6ab3ad3226e2b902',
  '7418d47756de59383a8e0c1a52303fb79450e48b2fac4bfd2234a2e1fccf6849',
  '7493ad13897df22112d300c4d239ac2a6fc1bec6ca17e6e2779e9dc6ccf0cfec',
  '7b24bb9520df6184f1cdb43f3622a5382920b719de3dd7988b4dea02e3843d89',
  '8cccd368ddf7483ccdcca7b3b9b19b241250f7beb95f4ab503cc047c5f20366f',
  '928fcabfaa62ad5fae1d39eb61085bf70c5aa6671f6825faec2241c422472426',
  '948042ac36054cfa8451cceff1cc82ae950addeb69416a23206b22245b98526f',
  '9c6c8e32f2c2d995a5fd03b37ea3b845f85acd6797fbbf5cdee6877fe4e6664c',
  'a3a5f21d5688a6253bd32178279d536c4db4fca69148fc7634d0d0083c9f1bca',
  'a3d03b2529bd1cae718c13f5bdc499a9228543ed44cdeeb230896e01e4257d2f',
  'b68e8cfa27ea56ec7cc5bdb643f0e1d470cbaa37a9ea9691f2c62d5230713b4c',
  'bd4dbb2cedd101940a293c1db6402999121514ad595c8f53aecb72dc70756ce8',
  'c5bbf92e5b806f108513117e7c2dae5c76d893dc9b0c3084d4e33bb581afb250',
  'cf8bf7bd923904ad57ca3c0633fd4980e93259fdddf507c0e32b2481557f6c64',
  'd479587ca8a7726ff62ade974bb9b5746eeece12501aaba25931b699859a22d9',
  'd69686f0dc65f6893a6424f3ec38b8ba4b6a08f95615f3c55fb8727aec313876',
  'd6f9e30ba88f880061bb986bf8950ec925825a0941b45156f1340c50cc425cfa',
  'e2301bf8d01aaae6c5efdbf294b80708451fd527be1d70f791075d5c61dc4caf',
  'e9f3023a79cde9a82b5ef1e2a022adb3d635cbd616cd5152b058e0259d54e133',
  'ec6c73c129fc40ac45cf743b18937b34b1cfd97ea39152c019d984bbdefd03ba',
  'f1c9bae36c0ab4383d238c995f4e5105c78b98fbf4b316f076e26cf2a1feb670',
  'fb99dd7e59ef804ade7760cc879cd8f510b7d814dfd57b348f0d5a511d47d40d',
  'fe6aaadcdc4559565c870783de1d8785284c005affb5dc3a97fdc9e2b2804fb6',
  'ff53fc548f8684f5042adcb9990a4671ca9fcb11efddf36af7c15f73b7de1e49',
]);

/** Whether `text` is a `sources.nix` exactly as niv generated it. */
export function isNivSources(text: string): boolean {
  return text.includes('niv') && NIV_SOURCES.has(createHash('sha256').update(text).digest('hex'));
}

/**
 * Whether `text` is niv's `sources.nix` by what it does, whatever its bytes (a formatter's, a line
 * removed): its `sourcesFile ? … ./sources.json …` parameter and its own fetchers. Only what it fetches
 * from sources.json is read on this (nivFetches.ts); what it reads from the environment is settled
 * for niv's exact text alone (isNivSources).
 */
export function hasNivStructure(text: string): boolean {
  return (
    /\bsourcesFile\s*\?[^,}]*\.\/sources\.json\b/.test(text) &&
    /\bbuiltins_fetchTarball\b/.test(text) &&
    /\bfetch_tarball\b/.test(text)
  );
}
