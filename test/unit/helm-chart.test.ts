import { describe, expect, it } from 'vitest';
import { appVersionDefaults, appVersionTags } from '../../src/manifest/helmChart.js';

describe("a chart's appVersion default", () => {
  it('is read from the idioms that deploy appVersion itself, and from no other default', () => {
    const cases: Array<[string, string[][]]> = [
      [
        'image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
        [['image', 'tag']],
      ],
      ['{{- $tag := .Values.images.tag | default $.Chart.AppVersion | toString -}}', [['images', 'tag']]],
      ['{{ (.Values.app.image.tag | default .Chart.AppVersion) }}', [['app', 'image', 'tag']]],
      ['{{ default .Chart.AppVersion .Values.image.tag }}', [['image', 'tag']]],
      ['{{ .Values.image.tag | default (printf "v%s" .Chart.AppVersion) }}', []],
      ['{{ .Values.image.tag | default .Chart.AppVersionSuffix }}', []],
      ['app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}', []],
    ];
    for (const [line, paths] of cases) expect([line, appVersionDefaults(line)]).toEqual([line, paths]);
  });

  it('applies where values leave the tag empty beside a repository and Chart.yaml has an appVersion', () => {
    const chart = 'apiVersion: v2\nname: app\nappVersion: "1.0"\n';
    const values = (tag: string) => `image:\n  registry: ghcr.io/\n  repository: acme/app\n${tag}`;
    for (const tag of ['  tag: ""\n', '  tag:\n', '  tag: null\n', '']) {
      expect(appVersionTags(values(tag), chart, [['image', 'tag']])).toEqual([
        { path: ['image', 'tag'], repository: 'ghcr.io/acme/app', lines: tag === '' ? [3, 2] : [3, 2, 4] },
      ]);
    }
    expect(appVersionTags(values('  tag: v1\n'), chart, [['image', 'tag']])).toEqual([]);
    expect(appVersionTags(values(''), 'apiVersion: v2\nname: app\n', [['image', 'tag']])).toEqual([]);
    expect(appVersionTags('image:\n  tag: ""\n', chart, [['image', 'tag']])).toEqual([]);
  });
});
