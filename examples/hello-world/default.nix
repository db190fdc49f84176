# The image CI builds and tags. A real project calls pkgs.dockerTools.buildImage on a pinned
# nixpkgs; this stand-in has the same shape (a derivation whose output is the image tarball)
# but needs no nixpkgs, so the demo evaluates on any machine with Nix.
{ system ? builtins.currentSystem }:
let
  # A filtered, named source: its hash depends only on the files in app/, never on the
  # checkout directory's name or on .git.
  src = builtins.path { path = ./app; name = "source"; };
in
derivation {
  name = "docker-image-hello-world.tar.gz";
  inherit system src;
  builder = "/bin/sh";
  args = [ "-c" "echo 'a stand-in for the image tarball' > $out" ];
}
