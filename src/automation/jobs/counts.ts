/**
 * How every screen counts jobs (`pai daemon status`, the daemon's log, `pai jobs list`): the jobs are the valid
 * job files of user/jobs/, enabled or not; the enabled ones and the files that could not be read are counted
 * apart. Pack hooks the daemon also runs are not jobs of the user: they are counted by whoever shows them.
 */
export interface JobCounts {
  jobs: number;
  enabled: number;
  invalid: number;
}

export function countJobs(loaded: { jobs: readonly { enabled: boolean }[]; invalid: readonly unknown[] }): JobCounts {
  return { jobs: loaded.jobs.length, enabled: loaded.jobs.filter((j) => j.enabled).length, invalid: loaded.invalid.length };
}

/** "10 jobs (8 enabled, 1 invalid)". */
export function jobsText(c: JobCounts): string {
  const apart = [c.enabled !== c.jobs ? `${c.enabled} enabled` : "", c.invalid ? `${c.invalid} invalid` : ""].filter(Boolean);
  return `${c.jobs} job${c.jobs === 1 ? "" : "s"}${apart.length ? ` (${apart.join(", ")})` : ""}`;
}
