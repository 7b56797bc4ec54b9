import { describe, expect, it } from 'vitest';
import { loadMpiAddon } from './mpi-addon.js';

describe('loadMpiAddon', () => {
  it('without a built addon, says it is missing, why, and which packages to install', () => {
    expect(() => loadMpiAddon('/nonexistent/selfsup_mpi.node')).toThrow(
      expect.objectContaining({
        code: 'BACKEND_UNAVAILABLE',
        message: expect.stringMatching(/\/nonexistent\/selfsup_mpi\.node is missing.*apt-get install libopenmpi-dev openmpi-bin\), then npm rebuild @selfsup\/distributed/),
      }),
    );
  });
});
