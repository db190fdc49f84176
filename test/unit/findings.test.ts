import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NixtagError } from '../../src/errors.js';
import { readFindings, writeFindings } from '../../src/registry/findings.js';
import type { CheckResult } from '../../src/types.js';
import { tempDir } from '../helpers/repo.js';

const result: CheckResult = {
  ok: false,
  judged: 'worktree',
  references: [
    {
      file: 'k8s/app.yaml',
      line: 10,
      column: 18,
      image: 'app',
      current: 'registry.example/app:0000000000000000000000000000000a',
      expected: 'registry.example/app:0000000000000000000000000000000b',
      status: 'stale',
      registry: { status: 'ok', registry: 'registry.example', digest: `sha256:${'a'.repeat(64)}` },
    },
    {
      file: 'k8s/db.yaml',
      line: 3,
      column: 5,
      image: null,
      current: 'postgres:16',
      expected: null,
      status: 'unmanaged',
    },
  ],
  warnings: [{ file: 'chart/x.yaml', line: null, message: 'skipped' }],
};

const refusal = async (file: string) => (await readFindings(file).catch((thrown: unknown) => thrown)) as NixtagError;

describe('the findings hand-off between the Task steps', () => {
  it('reads back what was written, without any registry answer', async () => {
    const file = path.join(tempDir(), 'findings.json');
    writeFindings(file, { result, images: ['app', 'worker'] });
    const read = await readFindings(file);
    expect(read.images).toEqual(['app', 'worker']);
    const stale = { ...result.references[0]! };
    delete stale.registry;
    expect(read.result).toEqual({ ...result, references: [stale, result.references[1]] });
    expect(readFileSync(file, 'utf8')).not.toContain('sha256:');
  });

  it('refuses a missing file, a file that is not JSON, and JSON of another shape (exit 2)', async () => {
    const dir = tempDir();
    expect((await refusal(path.join(dir, 'none.json'))).code).toBe('FINDINGS_INVALID');
    writeFileSync(path.join(dir, 'garbage.json'), '{"format": "nixtag-findings/1", "ok": tru');
    expect((await refusal(path.join(dir, 'garbage.json'))).code).toBe('FINDINGS_INVALID');
    // A check's --json output is not a findings file: a step that wrote the wrong file never passes.
    writeFileSync(path.join(dir, 'json.json'), JSON.stringify({ ok: true, references: [], warnings: [] }));
    const wrong = await refusal(path.join(dir, 'json.json'));
    expect(wrong.code).toBe('FINDINGS_INVALID');
    expect(wrong.kind).toBe('input');
    expect(wrong.hint).toContain('--findings');
  });
});
