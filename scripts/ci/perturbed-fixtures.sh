#!/usr/bin/env bash
# Shows that the parity tests compare against what they read: for each reference fixture, the
# tests that read it run on a copy of the set where that one file's real numbers are all moved
# (x -> x ± (0.05 |x| + 0.02), the sign drawn at random for each, so that no affine relation
# between inputs and outputs survives; integers such as shapes, labels and sizes are kept, so the
# file still parses and fits), and must each fail; each must pass on an untouched copy.
#   bash scripts/ci/perturbed-fixtures.sh            every fixture
#   bash scripts/ci/perturbed-fixtures.sh vit.json   one
set -euo pipefail
cd "$(dirname "$0")/../.."
source_dir=${SELFSUP_REFERENCE_DIR:-fixtures/reference}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# an untouched, uncompressed copy of the set
copy_set() {
  mkdir -p "$1"
  for f in "$source_dir"/*.json "$source_dir"/*.json.gz; do
    [ -e "$f" ] || continue
    case "$f" in
      *.gz) gunzip -c "$f" > "$1/$(basename "$f" .gz)" ;;
      *) cp "$f" "$1/" ;;
    esac
  done
}

perturb() {
  /usr/bin/env python3 - "$1" <<'PY'
import json, random, sys
path = sys.argv[1]
rng = random.Random(0)
def move(value):
    if isinstance(value, bool) or isinstance(value, int):
        return value
    if isinstance(value, float):
        sign = rng.choice((-1.0, 1.0))
        return value + sign * (0.05 * abs(value) + 0.02)
    if isinstance(value, list):
        return [move(v) for v in value]
    if isinstance(value, dict):
        return {k: move(v) for k, v in value.items()}
    return value
with open(path) as f:
    data = json.load(f)
with open(path, 'w') as f:
    json.dump(move(data), f)
PY
}

copy_set "$work/clean"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  for f in "$work"/clean/*.json; do files+=("$(basename "$f")"); done
fi

failed=0
for name in "${files[@]}"; do
  mapfile -t tests < <(git grep -l -F "'$name'" -- 'packages/*/src/*.test.ts' || true)
  if [ ${#tests[@]} -eq 0 ]; then
    echo "$name: no test reads it yet"
    continue
  fi
  rm -rf "$work/perturbed" && cp -r "$work/clean" "$work/perturbed"
  perturb "$work/perturbed/$name"
  # every test file that reads the fixture must pass on the set and fail on the perturbed copy
  for test in "${tests[@]}"; do
    if ! SELFSUP_REFERENCE_DIR="$work/clean" npx vitest run "$test" > "$work/clean.log" 2>&1; then
      echo "$name: FAIL: $test fails on the untouched copy"
      tail -n 30 "$work/clean.log"
      failed=1
    elif SELFSUP_REFERENCE_DIR="$work/perturbed" npx vitest run "$test" > "$work/perturbed.log" 2>&1; then
      echo "$name: FAIL: $test passes on a perturbed copy"
      failed=1
    else
      echo "$name: ok: $test passes on it and fails on a perturbed copy ($(sed 's/\x1b\[[0-9;]*m//g' "$work/perturbed.log" | grep -oE 'Tests +[0-9]+ failed' | tr -s ' '))"
    fi
  done
done
exit $failed
