#!/usr/bin/env bash
# The README's first command: set up this machine (Debian packages, .venv
# with vnfsnap) and run the main job, vnfsnap-demo, on the embedded default.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$ROOT/tools/install.sh"
exec "$ROOT/.venv/bin/vnfsnap-demo" "$@"
