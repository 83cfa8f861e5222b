#!/usr/bin/env bash
# The test command (`npm test`): set-up, then lint, types, the dependency-cycle
# check, and every mocha test (unit and integration) against real services.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bash "$here/setup.sh"
source "$here/lib/env.sh"
cd "$HOMEOSTAT_ROOT"

echo "== lint";        npx eslint .
echo "== types";       npx tsc -p tsconfig.json --noEmit
echo "== cycles";      npx madge --circular --no-spinner --extensions ts --ts-config tsconfig.json orchestrator sandbox remediations policies stacks bench

# Our own Node.js language host (scripts/pulumi-engine) has Go tests against
# real Node.js and @pulumi/pulumi; they need the Go toolchain that built it.
if command -v go >/dev/null 2>&1; then
  echo "== language host (go test)"
  (cd scripts/pulumi-engine && CGO_ENABLED=0 GOFLAGS=-mod=mod go test -count=1 ./cmd/...)
else
  echo "== language host: no Go toolchain, its tests are skipped (an installed Pulumi CLI brings its own host)"
fi

echo "== tests"
# --exit: a client some test left open must not keep mocha (and CI) waiting
# for ever; the root hooks fail the suite naming it (test/hooks/services.ts).
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
npx mocha --exit --require test/hooks/services.ts --timeout 180000 \
  'test/unit/**/*.test.ts' 'test/integration/**/*.test.ts' 'test/security/**/*.test.ts' "$@" 2>&1 | tee "$log" || status=$?
passed="$(grep -Eo '^ *[0-9]+ passing' "$log" | grep -Eo '[0-9]+' || echo 0)"
failed="$(grep -Eo '^ *[0-9]+ failing' "$log" | grep -Eo '[0-9]+' || echo 0)"
skipped="$(grep -Eo '^ *[0-9]+ pending' "$log" | grep -Eo '[0-9]+' || echo 0)"
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
