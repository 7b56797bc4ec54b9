// Runs a TypeScript script on N ranks with mpirun, from source (tsx, the @selfsup/source
// condition), with the settings Open MPI needs as root and in containers. Used by the tests.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const REPOSITORY_ROOT = join(import.meta.dirname, '..', '..', '..');

/** Why mpirun cannot run here (to skip a test with), or undefined when it can. */
export function mpirunMissing(): string | undefined {
  const probe = spawnSync('mpirun', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const reason = 'mpirun is not installed (apt-get install libopenmpi-dev openmpi-bin)';
    // CI's MPI step sets this, so that a missing MPI fails there instead of skipping
    if (process.env.SELFSUP_REQUIRE_MPI === '1') throw new Error(`SELFSUP_REQUIRE_MPI=1, but ${reason}`);
    return reason;
  }
  return undefined;
}

/** The environment of mpirun: root allowed, no single-copy mechanism (containers), extra variables. */
export function mpirunEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OMPI_ALLOW_RUN_AS_ROOT: '1',
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
    OMPI_MCA_btl_vader_single_copy_mechanism: 'none',
    // one machine: shared memory and loopback only
    OMPI_MCA_btl: 'self,vader,tcp',
    OMPI_MCA_btl_tcp_if_include: 'lo',
    OMPI_MCA_oob_tcp_if_include: 'lo',
    ...extra,
  };
}

export interface MpirunResult {
  readonly code: number | null;
  readonly output: string;
  readonly seconds: number;
}

/** `mpirun -np <ranks> node --import tsx <script>`, with a time limit (the job is killed past it). */
export function mpirun(ranks: number, script: string, options: { timeoutMs?: number; env?: Record<string, string>; args?: readonly string[] } = {}): Promise<MpirunResult> {
  const start = performance.now();
  const args = ['-np', String(ranks), '--oversubscribe', process.execPath, '--conditions=@selfsup/source', '--import', 'tsx', script, ...(options.args ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn('mpirun', args, { cwd: REPOSITORY_ROOT, env: mpirunEnvironment(options.env), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, seconds: (performance.now() - start) / 1000 });
    });
  });
}

/** The `RESULT {...}` lines of a run, by rank. */
export function rankResults<T extends { rank: number }>(output: string): T[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('RESULT '))
    .map((line) => JSON.parse(line.slice('RESULT '.length)) as T)
    .sort((a, b) => a.rank - b.rank);
}
