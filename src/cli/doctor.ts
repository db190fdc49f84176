import { exitCodeForResult } from './exitCode.js';
import type { Output } from './output.js';

export interface DoctorFlags {
  json?: boolean;
  config?: string;
  /** CI mode (ciMode.ts): confined, configuration as data only, nothing kept from earlier runs. */
  ci?: boolean;
}

/** `nixtag doctor [--json]`: exit 1 when a finding makes the local verdict differ from CI's. */
export async function runDoctor(flags: DoctorFlags, output: Output): Promise<number> {
  const [{ doctor }, report] = await Promise.all([import('../doctor/doctor.js'), import('../report/doctor.js')]);
  const confinement = flags.ci ? { ci: true, allowedUris: [], insecureRegistries: [] } : undefined;
  const result = await doctor({ cwd: process.cwd(), configFile: flags.config, confinement });
  output.out(flags.json ? report.doctorJson(result) : report.formatDoctor(result));
  return exitCodeForResult(result);
}
