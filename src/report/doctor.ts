import type { DoctorResult } from '../doctor/doctor.js';
import { messages } from '../messages.js';

/** `nixtag doctor`: each finding at its place, with its fix; then the verdict. */
export function formatDoctor(result: DoctorResult): string {
  const lines = [messages.doctorHeader(result.nix.version, result.nix.ci, result.nix.system)];
  for (const { image, outside } of result.reads) lines.push(messages.doctorReadsOutside(image, outside));
  for (const finding of result.findings) {
    const place = finding.line === null ? finding.file : `${finding.file}:${finding.line}:${finding.column ?? 1}`;
    lines.push(messages.doctorFinding(place, finding.code, finding.message), messages.doctorFix(finding.fix));
  }
  const differing = result.findings.filter((finding) => finding.differsFromCi).length;
  lines.push(
    result.findings.length === 0
      ? messages.doctorClean(result.images.length)
      : messages.doctorSummary(result.findings.length, differing),
  );
  return lines.join('\n');
}

/** `doctor --json`: the contract's style, with `ok` first and 1-based lines. */
export function doctorJson(result: DoctorResult): string {
  return JSON.stringify({
    ok: result.ok,
    nix: result.nix,
    images: result.images,
    findings: result.findings.map(({ code, file, line, column, images, message, fix, differsFromCi, submodule }) => ({
      code,
      file,
      line,
      column,
      images,
      message,
      fix,
      differsFromCi,
      ...(submodule === undefined ? {} : { submodule }),
    })),
    reads: result.reads,
  });
}
