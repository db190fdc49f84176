import { exitCodeForResult } from './exitCode.js';
import type { Output } from './output.js';

export interface DoctorFlags {
  json?: boolean;
  config?: string;
}

/** `nixtag doctor [--json]`: exit 1 when a finding makes the local verdict differ from CI's. */
export async function runDoctor(flags: DoctorFlags, output: Output): Promise<number> {
  const [{ doctor }, report] = await Promise.all([import('../doctor/doctor.js'), import('../report/doctor.js')]);
  const result = await doctor({ cwd: process.cwd(), configFile: flags.config });
  output.out(flags.json ? report.doctorJson(result) : report.formatDoctor(result));
  return exitCodeForResult(result);
}
