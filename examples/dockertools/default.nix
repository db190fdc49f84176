# What a real project's default.nix looks like: nixpkgs pinned by the repository's
# .nixpkgs-pin.json (niv's field names), and dockerTools building the image CI pushes.
# nixtag maps <nixpkgs> to the same pin, so either way of importing it gives the same tag.
# (Not evaluated by nixtag's own tests: nixpkgs cannot be downloaded on the build machines.)
let
  pin = builtins.fromJSON (builtins.readFile ../../.nixpkgs-pin.json);
  pkgs = import (builtins.fetchTarball { inherit (pin) url sha256; }) { system = "x86_64-linux"; };
  app = pkgs.writeShellScriptBin "hello" ''echo "hello, world"'';
in
pkgs.dockerTools.buildImage {
  name = "hello-world";
  config.Cmd = [ "${app}/bin/hello" ];
}
