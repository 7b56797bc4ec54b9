// `?set=key.path=value` of the page's address, read as `selfsup pretrain --set` reads its flag. Kept
// apart from presets.ts so that the page's bundle does not carry the methods.
import { parse as parseYaml } from 'yaml';
import { invalidArgument } from '@selfsup/core';

const KEY_PATH = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/**
 * Parses one `?set=key.path=value` of the page's address, as `selfsup pretrain --set` reads its
 * flag: the value is YAML (`1e-3` a number, `true` a boolean, `[0, 0.3]` a list). The method's
 * schema checks the key when the session is built.
 */
export function parseOverride(text: string): [string, unknown] {
  const at = text.indexOf('=');
  const path = at < 0 ? '' : text.slice(0, at);
  if (!KEY_PATH.test(path) || path === 'method') {
    throw invalidArgument({ argument: '?set=', expected: 'key.path=value, e.g. set=optimizer.learningRate=0.002', actual: text });
  }
  try {
    return [path, parseYaml(text.slice(at + 1)) as unknown];
  } catch (cause) {
    throw invalidArgument({ argument: `?set=${path}=`, expected: 'a YAML value', actual: text.slice(at + 1), fix: (cause as Error).message.split('\n')[0] });
  }
}
