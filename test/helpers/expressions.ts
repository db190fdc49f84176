/** Small real Nix expressions built from `derivation`, stand-ins for dockerTools images. */

export const plainImage = `{ system ? builtins.currentSystem }:
derivation {
  name = "docker-image-app.tar.gz";
  inherit system;
  builder = "/bin/sh";
  args = [ "-c" "echo image > $out" ];
}
`;

export const deployment = (reference: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  template:
    spec:
      containers:
        - name: app
          image: ${reference}
`;

export const STALE = '0000000000000000000000000000000a';
