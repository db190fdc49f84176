import base from './vitest.config.ts';
const flags = (process.env.EXP_FLAGS ?? '').split(' ').filter(Boolean);
const projects = (base as any).test.projects.filter((p: any) => p.test.name === 'integration');
projects[0].test.execArgv = flags;
export default { ...base, test: { ...(base as any).test, projects } };
