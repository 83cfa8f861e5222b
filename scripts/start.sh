#!/usr/bin/env bash
# `npm start [-- options]`: set-up, then the sandbox (the whole loop on this
# machine). Options go to `homeostat sandbox`; see `npm start -- --help`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The tools that only the tests use (helm and the deploy/ checks) are not needed here.
bash "$here/setup.sh" --no-test-tools
source "$here/lib/env.sh"
cd "$HOMEOSTAT_ROOT"
exec npx tsx orchestrator/cli/main.ts sandbox "$@"
