#!/usr/bin/env bash
# Workloads as a k3s user runs them, with the real kubectl and the server's
# embedded agent running the pods: a Deployment applied from a manifest rolls
# from v1 to v2 without dropping below its replicas, rolls back, scales;
# Jobs complete, fail after their backoff limit, index their pods and expire;
# cascading deletes take a Deployment's ReplicaSets and pods (or orphan them);
# a Secret's value never reaches the server's log.
source "$(dirname "$0")/lib.sh"

FLEETS=()
cleanup_workloads() {
  for pid in "${FLEETS[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  cleanup
  # Pods outlive their agent by design: end what this test started.
  pkill -KILL -f "^sleep 1003$" 2>/dev/null
  pkill -KILL -f "http.server 8080" 2>/dev/null
  pkill -KILL -f "gantry-it-probe" 2>/dev/null
  rm -rf /tmp/gantry-it-hostpath
}
trap cleanup_workloads EXIT

EMBEDDED_AGENT=1 start_server "$WORK/data" || { not_ok "server starts"; finish; }
export KUBECONFIG="$KUBECONFIG_FILE"
K=(kubectl --request-timeout=20s)
HERE=$(dirname "$0")

# jsonpath TEMPLATE GET-ARGS...
jsonpath() {
  local template=$1
  shift
  "${K[@]}" get "$@" -o "jsonpath=$template" 2>/dev/null
}
# Ready pods of app=web that are not terminating; with "by-image", also how
# many of them run each image.
ready_web_pods() {
  "${K[@]}" get pods -l app=web -o json 2>/dev/null | python3 -c '
import collections, json, sys
pods = json.load(sys.stdin)["items"]
ready = [p for p in pods if not p["metadata"].get("deletionTimestamp") and
         any(c["type"] == "Ready" and c["status"] == "True" for c in p.get("status", {}).get("conditions", []))]
images = collections.Counter(p["spec"]["containers"][0]["image"] for p in ready)
print(len(ready), *(f"{i}={n}" for i, n in sorted(images.items())) if sys.argv[1:] else "")' "$@"
}
rolled_out() { "${K[@]}" rollout status deployment/web --timeout=1s; }
ready_is() { [[ "$(ready_web_pods)" == "$1" ]]; }

out=$("${K[@]}" apply -f "$HERE/workloads/web.yaml" 2>&1)
expect_contains "kubectl apply creates a Deployment, a ConfigMap and a Secret" "$out" "deployment.apps/web created"
check "the Deployment rolls out three ready pods" wait_for 40 rolled_out
expect_eq "... through one ReplicaSet at revision 1" \
  "$(jsonpath '{range .items[*]}{.metadata.annotations.deployment\.kubernetes\.io/revision}{end}' rs -l app=web)" "1"
expect_eq "kubectl get deployment shows READY 3/3" "$("${K[@]}" get deployment web --no-headers | awk '{print $2}')" "3/3"
pages=""
for pod in $("${K[@]}" get pods -l app=web -o name); do
  ip=$(jsonpath '{.status.podIP}' "$pod")
  pages+="$(curl -s --max-time 3 "http://$ip:8080/index.html" | awk '{print $1 == name ? "own-page" : "wrong:" $1}' name="${pod#pod/}")${ip:+ }"
done
expect_eq "each pod serves its own page on port 8080 of its own address (pod network from the node's podCIDR)" \
  "$pages" "own-page own-page own-page "
expect_eq "the Secret's stringData is stored base64-encoded in data" \
  "$(jsonpath '{.data.password}' secret/web-secret | base64 -d)" "gantry-it-secret-value"

# Roll to v2 while a watcher records the fewest ready pods seen.
: >"$WORK/ready.log"
rollout_start=$(date +%s.%N)
( while [[ ! -f "$WORK/stop-watch" ]]; do
    echo "$(date +%s.%N) $(ready_web_pods by-image)" >>"$WORK/ready.log"
    sleep 0.2
  done ) &
WATCHER=$!
"${K[@]}" set image deployment/web web=web:v2 >/dev/null
check "kubectl rollout status follows the update to v2" "${K[@]}" rollout status deployment/web --timeout=60s
touch "$WORK/stop-watch"
wait "$WATCHER"
fewest=$(awk '{print $2}' "$WORK/ready.log" | sort -n | head -1)
# The timeline: each change of the ready pods by image, seconds from kubectl set image.
echo "# rolling update timeline (s: ready pods by image): $(awk -v t0="$rollout_start" '
  { state = $3 " " $4 } state != last { printf "%.1f: %s; ", $1 - t0, state; last = state }' "$WORK/ready.log")"
if [[ -n "$fewest" && "$fewest" -ge 3 ]]; then
  ok "with maxUnavailable 0 no moment of the rollout had fewer than 3 ready pods (fewest $fewest in $(wc -l <"$WORK/ready.log") samples)"
else
  not_ok "with maxUnavailable 0 no moment of the rollout had fewer than 3 ready pods" "fewest: ${fewest:-no samples}"
fi
only_v2() { [[ "$(jsonpath '{range .items[*]}{.spec.containers[0].image} {end}' pods -l app=web)" == "web:v2 web:v2 web:v2 " ]]; }
check "once the old pods have terminated, the three pods run v2" wait_for 30 only_v2
expect_eq "the new ReplicaSet is revision 2, the old one scaled to 0" \
  "$(jsonpath '{range .items[*]}{.metadata.annotations.deployment\.kubernetes\.io/revision}={.spec.replicas} {end}' rs -l app=web | tr ' ' '\n' | sort | xargs)" \
  "1=0 2=3"
history=$("${K[@]}" rollout history deployment/web 2>&1)
expect_contains "kubectl rollout history lists both revisions" "$history" "2 "

"${K[@]}" rollout undo deployment/web >/dev/null
check "kubectl rollout undo rolls back" "${K[@]}" rollout status deployment/web --timeout=60s
expect_eq "... to v1, now revision 3" \
  "$(jsonpath '{.spec.template.spec.containers[0].image} {.metadata.annotations.deployment\.kubernetes\.io/revision}' deployment/web)" \
  "web:v1 3"

"${K[@]}" scale deployment/web --replicas 10 >/dev/null
check "kubectl scale --replicas 10 (the scale subresource) brings 10 ready pods" wait_for 60 ready_is 10
"${K[@]}" scale deployment/web --replicas 3 >/dev/null
check "... and back to 3" wait_for 60 ready_is 3
expect_eq "kubectl get deployment after scaling back" "$("${K[@]}" get deployment web --no-headers | awk '{print $2, $3, $4}')" "3/3 3 3"

expect_contains "kubectl describe deployment shows the controller's ScalingReplicaSet Events" \
  "$("${K[@]}" describe deployment web)" "Scaled down replica set web-"

# Jobs.
"${K[@]}" apply -f "$HERE/workloads/jobs.yaml" >/dev/null
job_condition() { [[ "$(jsonpath '{.status.conditions[?(@.status=="True")].type}' "job/$1")" == "$2" ]]; }
check "a Job of 10 completions, 3 at a time, completes" wait_for 90 job_condition ten Complete
expect_eq "... with 10 succeeded pods and none active" "$(jsonpath '{.status.succeeded}/{.status.active}' job/ten)" "10/"
# Events are written in batches within a second of being recorded.
completed_event() {
  [[ "$("${K[@]}" get events --field-selector involvedObject.name=ten -o custom-columns=R:.reason --no-headers)" == *Completed* ]]
}
check "... and records a Completed Event" wait_for 10 completed_event
check "the Indexed Job completes" wait_for 60 job_condition indexed Complete
indexed_logs=$(for p in $("${K[@]}" get pods -l job-name=indexed -o name 2>/dev/null); do "${K[@]}" logs "$p"; done | sort | xargs)
expect_eq "... each of its pods saw its own JOB_COMPLETION_INDEX and host name <job>-<index>" "$indexed_logs" \
  "index=0 host=indexed-0 index=1 host=indexed-1 index=2 host=indexed-2"
expect_eq "... completedIndexes" "$(jsonpath '{.status.completedIndexes}' job/indexed)" "0-2"
check "a Job whose pod always fails is Failed" wait_for 90 job_condition failing Failed
expect_eq "... after backoffLimit 2 + 1 attempts" "$(jsonpath '{.status.failed} {.status.conditions[0].reason}' job/failing)" \
  "3 BackoffLimitExceeded"
job_gone() { ! "${K[@]}" get job "$1" >/dev/null 2>&1; }
no_pods() { [[ -z "$("${K[@]}" get pods -l "$1" -o name 2>/dev/null)" ]]; }
check "ttlSecondsAfterFinished deletes the finished Job" wait_for 45 job_gone indexed
check "... and the garbage collector its pods" wait_for 30 no_pods job-name=indexed
out=$("${K[@]}" create job adhoc --image=busybox -- sh -c 'echo adhoc' 2>&1)
expect_contains "kubectl create job (sent as Kubernetes protobuf)" "$out" "job.batch/adhoc created"
check "... runs to completion" wait_for 60 job_condition adhoc Complete

# Cascading deletes.
"${K[@]}" create deployment orphaned --image=o --replicas=2 -- sleep 1003 >/dev/null
orphan_ready() { [[ "$(jsonpath '{.status.readyReplicas}' deployment/orphaned)" == "2" ]]; }
check "kubectl create deployment (Kubernetes protobuf) runs 2 pods" wait_for 40 orphan_ready
"${K[@]}" delete deployment orphaned --cascade=orphan >/dev/null
expect_eq "--cascade=orphan keeps the ReplicaSet, its owner reference removed" \
  "$(jsonpath '{range .items[*]}{.metadata.name}:{.metadata.ownerReferences}{end}' rs -l app=orphaned | sed 's/-[a-z0-9]*:/:/')" "orphaned:"
expect_eq "... and its pods" "$("${K[@]}" get pods -l app=orphaned --no-headers 2>/dev/null | grep -c Running)" "2"
"${K[@]}" delete deployment web >/dev/null
no_rs() { [[ -z "$("${K[@]}" get rs -l "$1" -o name 2>/dev/null)" ]]; }
check "deleting the Deployment (background) removes its ReplicaSets" wait_for 30 no_rs app=web
check "... and its pods" wait_for 30 no_pods app=web
"${K[@]}" delete rs -l app=orphaned --cascade=foreground --wait=false >/dev/null
foreground_waits() { [[ -n "$(jsonpath '{.items[*].metadata.finalizers}' rs -l app=orphaned)" ]]; }
check "a foreground delete keeps the ReplicaSet (finalizer foregroundDeletion) while its pods terminate" foreground_waits
check "... its pods go (after their 30 s grace: sleep as PID 1 ignores SIGTERM)" wait_for 60 no_pods app=orphaned
check "... and then the ReplicaSet" wait_for 30 no_rs app=orphaned

# Init containers (before the simulated nodes join, so they run on this machine).
"${K[@]}" apply -f "$HERE/workloads/init-pods.yaml" >/dev/null
phase_is() { [[ "$(jsonpath '{.status.phase}' pod "$1")" == "$2" ]]; }
saw_init=""
for _ in $(seq 1 40); do
  status=$("${K[@]}" get pod init-demo --no-headers 2>/dev/null | awk '{print $3}')
  [[ "$status" == Init:* ]] && saw_init="$status"
  [[ "$status" == Completed ]] && break
  sleep 0.25
done
expect_contains "kubectl get pods shows Init:N/2 while init containers run" "$saw_init" "Init:"
check "the pod with init containers completes" wait_for 30 phase_is init-demo Succeeded
first=$("${K[@]}" logs init-demo -c first)
second=$("${K[@]}" logs init-demo -c second)
main=$("${K[@]}" logs init-demo -c main)
if [[ -n "$first" && -n "$second" && -n "$main" && "$first" -lt "$second" && "$second" -lt "$main" ]]; then
  ok "init containers ran one after another, before the main container (kubectl logs -c of each)"
else
  not_ok "init containers ran one after another, before the main container" "first=$first second=$second main=$main"
fi
expect_eq "... and their statuses are reported" \
  "$(jsonpath '{range .status.initContainerStatuses[*]}{.name}={.state.terminated.exitCode} {end}' pod init-demo)" "first=0 second=0 "
check "an init container that fails under restartPolicy Never fails its pod" wait_for 30 phase_is init-fails Failed
expect_eq "... shown as Init:Error, its main container never started" \
  "$("${K[@]}" get pod init-fails --no-headers | awk '{print $3}') $(jsonpath '{.status.containerStatuses[0].state.waiting.reason}' pod init-fails)" \
  "Init:Error PodInitializing"

# The downward API in env (on this machine too).
"${K[@]}" apply -f "$HERE/workloads/downward-pod.yaml" >/dev/null
check "a pod with downward API env runs to completion" wait_for 30 phase_is downward Succeeded
node=$(jsonpath '{.spec.nodeName}' pod downward)
ip=$(jsonpath '{.status.podIP}' pod downward)
expect_eq "... and its command saw its name, namespace, label, annotation, node, IP and resources" \
  "$("${K[@]}" logs downward)" "name=downward ns=default app=downward team=storage node=$node ip=$ip mem=32 cpu=250"
host_ip=$(jsonpath '{.status.hostIP}' pod downward)
node_cidr=$(jsonpath '{.spec.podCIDR}' node "$node")
if [[ "$ip" == 10.42.* && "$node_cidr" == 10.42.*.0/24 && "$ip" != "$host_ip" && -n "$host_ip" ]]; then
  ok "a pod's podIP comes from its node's podCIDR $node_cidr ($ip), its hostIP is the node's ($host_ip)"
else
  not_ok "a pod's podIP comes from its node's podCIDR" "podIP=$ip hostIP=$host_ip podCIDR=$node_cidr"
fi

# ConfigMaps and Secrets as env and files, every kind of volume, $(VAR) expansion, host names.
mkdir -p /tmp/gantry-it-hostpath && echo from-host >/tmp/gantry-it-hostpath/marker
"${K[@]}" apply -f "$HERE/workloads/config-pod.yaml" >/dev/null
check "a pod with ConfigMap/Secret env and volumes runs to completion" wait_for 30 phase_is configured Succeeded
expect_eq "... and sees exactly what Kubernetes would give it" "$("${K[@]}" logs configured -c main)" \
"env greeting=hello password=gantry-it-secret-value user=admin mode=fast bad=unset missing=unset expanded=hello-fast-\$(literal)
seed seeded-by-init
config greeting.txt | hello | mode 600
ini [main] level=3
secret gantry-it-secret-value | mode 400
labels app=configured tier=backend | name configured
projected hello admin default
memory tmpfs
host from-host
configmap read-only
work read-only
hostname configured fqdn configured.backend.default.svc.cluster.local"
"${K[@]}" delete pod configured >/dev/null
mount_points_gone() { [[ ! -e /etc/app && ! -e /etc/secret && ! -e /etc/podinfo && ! -e /etc/projected && ! -e /scratch ]]; }
if wait_for 20 mount_points_gone; then
  ok "... and the mount points it needed on the node are gone with it"
else
  not_ok "... and the mount points it needed on the node are gone with it" "$(ls -la /etc/app /etc/secret /scratch 2>&1)"
fi

cat >"$WORK/waiting.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: waiting}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox
    command: ["sh", "-c", "echo late=$LATE"]
    env:
    - name: LATE
      valueFrom: {configMapKeyRef: {name: late-config, key: value}}
YAML
"${K[@]}" apply -f "$WORK/waiting.yaml" >/dev/null
waiting_reason_is() { [[ "$(jsonpath '{.status.containerStatuses[0].state.waiting.reason}' pod waiting)" == "$1" ]]; }
check "a container whose ConfigMap is missing waits in CreateContainerConfigError" wait_for 20 waiting_reason_is CreateContainerConfigError
config_error_event() {
  [[ "$("${K[@]}" get events --field-selector involvedObject.name=waiting -o custom-columns=M:.message --no-headers)" == *'configmap "late-config" not found'* ]]
}
check "... with an Event naming it" wait_for 10 config_error_event
"${K[@]}" create configmap late-config --from-literal=value=arrived >/dev/null
check "... and starts once the ConfigMap exists" wait_for 30 phase_is waiting Succeeded
expect_eq "... with its value" "$("${K[@]}" logs waiting)" "late=arrived"

# Probes, hooks, live volume updates and emptyDir limits.
"${K[@]}" apply -f "$HERE/workloads/probe-pods.yaml" >/dev/null
restarted() { [[ "$(jsonpath '{.status.containerStatuses[0].restartCount}' pod liveness)" -ge 1 ]]; }
check "a container whose liveness probe fails is restarted" wait_for 60 restarted
event_reasons() { "${K[@]}" get events --field-selector involvedObject.name="$1" -o custom-columns=R:.reason,M:.message --no-headers; }
liveness_events() { [[ "$(event_reasons liveness)" == *"Unhealthy"*"Liveness probe failed"* && "$(event_reasons liveness)" == *"Killing"*"failed liveness probe, will be restarted"* ]]; }
check "... with Unhealthy and Killing Events" wait_for 10 liveness_events
pod_ready() { [[ "$(jsonpath '{.status.conditions[?(@.type=="Ready")].status}' pod "$1")" == "$2" ]]; }
check "a pod whose tcpSocket readiness probe fails is Running but not Ready" wait_for 30 phase_is unready Running
sleep 3
expect_eq "... (Ready False: ContainersNotReady)" \
  "$(jsonpath '{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].reason}' pod unready)" \
  "False ContainersNotReady"
check "a startup probe holds readiness back until it passes, then the pod is Ready" wait_for 30 pod_ready slow-start True
expect_eq "... and its postStart hook ran" "$(cat /tmp/gantry-it-hostpath/post-start 2>/dev/null)" "post-start ran"
"${K[@]}" create configmap live --from-literal=value=v2 --dry-run=client -o yaml | "${K[@]}" apply -f - >/dev/null
live_updated() { [[ "$("${K[@]}" logs live-config | tail -1)" == "value=v2" ]]; }
check "a ConfigMap volume follows an update of the ConfigMap" wait_for 40 live_updated
evicted() { [[ "$(jsonpath '{.status.phase} {.status.reason}' pod too-big)" == "Failed Evicted" ]]; }
check "a pod that writes past its emptyDir sizeLimit is evicted" wait_for 40 evicted
expect_contains "... with kubelet's message" "$(jsonpath '{.status.message}' pod too-big)" 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi".'
"${K[@]}" delete pod slow-start >/dev/null
expect_eq "deleting a pod runs its preStop hook before SIGTERM" "$(cat /tmp/gantry-it-hostpath/pre-stop 2>/dev/null)" "pre-stop ran"
"${K[@]}" delete pod liveness unready live-config too-big --wait=false >/dev/null

# A Job whose pods carry a PodGroup label is scheduled as a gang.
"${K[@]}" apply -f "$HERE/workloads/gang-jobs.yaml" >/dev/null
check "a Job whose pods join a PodGroup of minMember 3 completes as a gang" wait_for 60 job_condition trainers Complete
expect_eq "... its PodGroup counted 3 scheduled" "$(jsonpath '{.status.scheduled}' podgroups.scheduling.x-k8s.io/trainers)" "3"
short_pods() { [[ "$(jsonpath '{range .items[*]}{.metadata.name}{"\n"}{end}' pods -l job-name=short | grep -c .)" == 3 ]]; }
check "a Job of 3 pods in a PodGroup of minMember 4 creates its pods" wait_for 30 short_pods
sleep 3
expect_eq "... none of which is bound: the gang is never whole" \
  "$(jsonpath '{range .items[*]}{.spec.nodeName}{end}' pods -l job-name=short)" ""
"${K[@]}" delete job short trainers >/dev/null

# DaemonSets, on simulated nodes: three labelled, the embedded agent's not.
start_fleet() {
  "$GANTRY" agent --server "https://127.0.0.1:$PORT" --token "$(cat "$WORK/data/token")" --simulate "$2" \
    --node-template "$HERE/workloads/$1.yaml" --data-dir "$WORK/$1" >>"$WORK/$1.log" 2>&1 &
  FLEETS+=($!)
}
workers_ready() { [[ "$("${K[@]}" get nodes -l role=worker --no-headers 2>/dev/null | grep -c " Ready ")" == "$1" ]]; }
# "node:count" of the daemon's running pods, one line per node.
daemon_pods_per_node() {
  jsonpath '{range .items[?(@.status.phase=="Running")]}{.spec.nodeName}{"\n"}{end}' pods -l app=node-agent | sort | uniq -c |
    awk '{print $2":"$1}' | xargs
}
start_fleet fleet-a 3
check "three simulated worker nodes join" wait_for 30 workers_ready 3
"${K[@]}" apply -f "$HERE/workloads/daemonset.yaml" >/dev/null
daemons_are() { [[ "$(daemon_pods_per_node)" == "$1" ]]; }
check "a DaemonSet runs exactly one pod on each matching node, none elsewhere" \
  wait_for 30 daemons_are "fleet-a-0:1 fleet-a-1:1 fleet-a-2:1"
start_fleet fleet-b 2
check "... and one on each node that joins later" \
  wait_for 30 daemons_are "fleet-a-0:1 fleet-a-1:1 fleet-a-2:1 fleet-b-0:1 fleet-b-1:1"
expect_eq "kubectl get daemonset: desired, current, ready, up-to-date, available" \
  "$("${K[@]}" get ds node-agent --no-headers | awk '{print $2, $3, $4, $5, $6}')" "5 5 5 5 5"
"${K[@]}" set image ds/node-agent agent=node-agent:v2 >/dev/null
check "kubectl rollout status follows the DaemonSet's rolling update" "${K[@]}" rollout status ds/node-agent --timeout=60s
all_v2() {
  [[ "$(jsonpath '{range .items[*]}{.spec.containers[0].image}{"\n"}{end}' pods -l app=node-agent | sort | uniq -c | xargs)" == "5 node-agent:v2" ]]
}
check "... after which every node runs exactly one v2 daemon" wait_for 30 all_v2
"${K[@]}" label node fleet-b-1 role- >/dev/null
check "a node that loses the label loses its daemon" \
  wait_for 30 daemons_are "fleet-a-0:1 fleet-a-1:1 fleet-a-2:1 fleet-b-0:1"

log_has_secret=$(grep -c "gantry-it-secret-value" "$WORK/data/server.log")
expect_eq "the Secret's value never appears in the server's log" "$log_has_secret" "0"
finish
