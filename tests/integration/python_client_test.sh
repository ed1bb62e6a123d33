#!/usr/bin/env bash
# The official Kubernetes Python client (python3-kubernetes) against a server
# with its embedded agent: python_client_checks.py makes the calls.
source "$(dirname "$0")/lib.sh"
cleanup_pods() {
  # Containers outlive the agent by design: end what the test started.
  pkill -KILL -f "gantry-it-marker-py" 2>/dev/null
  cleanup
}
trap cleanup_pods EXIT
if ! /usr/bin/python3 -c "import kubernetes" 2>/dev/null; then
  not_ok "python3-kubernetes is installed (packaging/build-deps.sh installs it)"
  finish
fi
NODE="embedded-$$"  # the name lib.sh gives the embedded agent
EMBEDDED_AGENT=1 start_server "$WORK/data" || exit 1
wait_ready() { ctl get node "$NODE" 2>/dev/null | grep -q " Ready "; }
for _ in $(seq 1 60); do wait_ready && break; sleep 0.25; done
PYTHONPATH="$(dirname "$0")" timeout 300 /usr/bin/python3 "$(dirname "$0")/python_client_checks.py" "$KUBECONFIG_FILE" "$NODE" || CHECKS_FAILED=$((CHECKS_FAILED + 1))
finish
