# Shared environment for Homeostat's scripts; source it, do not run it.
# It only sets variables: nothing here installs or starts anything.

HOMEOSTAT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export HOMEOSTAT_ROOT

# Pinned versions, read from package.json so that there is one place to
# change them. The engine is built at exactly the version of the pinned
# @pulumi/pulumi SDK (the engine must be at least the SDK's version).
pkg_field() { node -p "const p=require('$HOMEOSTAT_ROOT/package.json'); $1"; }
PULUMI_VERSION="v$(pkg_field "p.dependencies['@pulumi/pulumi']")"
MOTO_VERSION="$(pkg_field "p.homeostat.motoVersion")"
NODE_VERSION="$(pkg_field "p.homeostat.node.version")"
export PULUMI_VERSION MOTO_VERSION NODE_VERSION
export HOMEOSTAT_CACHE="${HOMEOSTAT_CACHE:-$HOME/.cache/homeostat}"

# Node.js: Homeostat needs 22 or newer (@pulumi/pulumi since 3.249 and the
# AWS SDK from 2027 require it; 20 is past its end of life). A machine whose
# own node is that new is used as it is. Otherwise the pinned Node.js 24 in
# the cache goes first on PATH (setup installs it there), so that npm, npx,
# the CLI, the service and the engine's language host all run on it.
# HOMEOSTAT_NODE_DIR is empty when the machine's own node is used.
node_major() { "${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
cached_node_dir="$HOMEOSTAT_CACHE/node-v$NODE_VERSION/bin"
if [ "$(command -v node)" != "$cached_node_dir/node" ] && [ "$(node_major)" -ge 22 ]; then
  export HOMEOSTAT_NODE_DIR=""
else
  export HOMEOSTAT_NODE_DIR="$cached_node_dir"
  export PATH="$HOMEOSTAT_NODE_DIR:$PATH"
fi
unset cached_node_dir

# HOMEOSTAT_PULUMI_DIR names a folder holding `pulumi` and
# `pulumi-language-nodejs` of the pinned version; by default, our cached build.
if [ -n "${HOMEOSTAT_PULUMI_DIR:-}" ]; then
  export HOMEOSTAT_PULUMI_DIR_OVERRIDE=1
else
  export HOMEOSTAT_PULUMI_DIR="$HOMEOSTAT_CACHE/pulumi/$PULUMI_VERSION/bin"
fi
export HOMEOSTAT_MOTO_VENV="$HOMEOSTAT_CACHE/moto-$MOTO_VERSION"

# The engine finds its language host and the dynamic-provider launcher that
# ships with @pulumi/pulumi on PATH; nothing may reach Pulumi Cloud.
export PATH="$HOMEOSTAT_PULUMI_DIR:$HOMEOSTAT_ROOT/node_modules/@pulumi/pulumi:$HOMEOSTAT_MOTO_VENV/bin:$PATH"
export PULUMI_SKIP_UPDATE_CHECK=true
# Only for a bare `pulumi` typed in this shell (nothing here can download
# plugins), and only when the shell has not said otherwise. The engines of the
# service and of `homeostat pulumi -c` get the value of the config's
# `pulumi.plugins` set explicitly, so this never overrides `acquire`.
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="${PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION:-true}"
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=false
