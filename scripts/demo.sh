#!/usr/bin/env bash
# The main job on the embedded default: set up the environment, build the demo warehouse from the
# simulated ECS estate, compute the chargeback and serve the Dash app on 127.0.0.1 (URL printed).
# Arguments go to `ecs-insight demo` (e.g. --no-serve, --port 8060).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/ecs-insight demo "$@"
