// Prints the WebGPU adapter useBackend('webgpu') finds (SELFSUP_WEBGPU_BACKEND applies), in one
// line of JSON; exits 1 with the SslError's advice when there is none. Used by webgpu-tests.sh.
import { useBackend } from '@selfsup/backend';

try {
  const info = await useBackend('webgpu');
  console.log(`webgpu adapter: ${JSON.stringify(info.adapter)}`);
} catch (error) {
  console.error(`webgpu adapter: none: ${(error as Error).message}`);
  process.exit(1);
}
