// Step 2 figure: scanning a tree of 1,000 manifests (about 10 MB) for references, against the
// yaml library parsing the same files alone (read + parseAllDocuments). Target <= 1.5.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { findReferences } from '../dist/engine/references.js';
import { openSession } from '../dist/engine/session.js';
import { compare, elapsed, repository } from './lib.mjs';

const FILES = 1000;
const deployment = (index, replica) => `# Service ${index}, replica set ${replica}: generated for the benchmark.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: service-${index}-${replica}
  labels: {app: service-${index}, tier: backend, "app.kubernetes.io/part-of": shop}
  annotations:
    description: >-
      A long folded description that manifests often carry, repeated to give the
      file a realistic size and shape for parsing.
spec:
  replicas: ${(index % 5) + 1}
  selector:
    matchLabels:
      app: service-${index}
  template:
    metadata:
      labels:
        app: service-${index}
    spec:
      serviceAccountName: service-${index}
      securityContext:
        fsGroup: 1000
        runAsNonRoot: true
      initContainers:
        - name: migrate
          image: registry.example/team/service-${index}:0000000000000000000000000000000a
          command: ["/bin/migrate", "--to", "latest"]
      containers:
        - name: server
          image: registry.example/team/service-${index}:0000000000000000000000000000000a
          ports:
            - containerPort: 8080
              name: http
          env:
            - name: PORT
              value: "8080"
            - name: LOG_LEVEL
              value: info
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef: {name: db, key: url}
          resources:
            requests: {cpu: 100m, memory: 64Mi}
            limits: {cpu: 200m, memory: 128Mi}
          readinessProbe:
            httpGet: {path: /healthz, port: 8080}
            initialDelaySeconds: 5
        - name: proxy
          image: envoyproxy/envoy:v1.30.${index % 10}
          args: ["--config-path", "/etc/envoy/envoy.yaml"]
---
apiVersion: v1
kind: Service
metadata:
  name: service-${index}-${replica}
spec:
  type: ClusterIP
  selector:
    app: service-${index}
  ports:
    - name: http
      port: 80
      targetPort: 8080
`;
const files = {};
for (let index = 0; index < FILES; index++) {
  files[`k8s/service-${index}.yaml`] = Array.from({ length: 5 }, (_, replica) => deployment(index, replica)).join(
    '---\n',
  );
}
files['default.nix'] = 'derivation { name = "x"; system = builtins.currentSystem; builder = "/bin/sh"; }\n';
files['.nixtagrc.yaml'] = 'images:\n  - name: service-1\n    repository: registry.example/team/service-1\n';
const bytes = Object.values(files).reduce((sum, text) => sum + Buffer.byteLength(text), 0);
const repo = repository(files);
if (process.env.NIXTAG_BENCH_KEEP) console.log('repository:', repo.dir);
const names = Object.keys(files).filter((file) => file.endsWith('.yaml'));
// Without the cache: scans remembered by blob id would make every round after the first a recall.
const session = await openSession({ cwd: repo.dir, cache: false });

const parseOnly = () =>
  elapsed(async () => {
    for (const name of names) parseAllDocuments(readFileSync(path.join(repo.dir, name), 'utf8'));
  });
const scan = () =>
  elapsed(async () => {
    const result = await findReferences(session);
    if (result.manifests.length < FILES) throw new Error('not every manifest was scanned');
  });
await parseOnly(); // warm the file cache and the JIT for both
await scan();
const ok = await compare({
  title: 'Scanning manifests vs parsing them alone',
  baseline: [`yaml parseAllDocuments, ${FILES} files (${(bytes / 1e6).toFixed(1)} MB)`, parseOnly],
  subject: ['nixtag scan (list, read, parse, locate, tie)', scan],
  target: 1.5,
});
await session.release();
process.exitCode = (process.exitCode ?? 0) || (ok ? 0 : 1);
