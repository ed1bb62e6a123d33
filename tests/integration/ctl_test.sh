#!/usr/bin/env bash
# gantry ctl as a user drives it: apply, get (tables, -o, selectors, -A, -w),
# describe, create, delete, errors.
source "$(dirname "$0")/lib.sh"
start_server "$WORK/data" || exit 1
EXAMPLE="$ROOT/configs/examples/pod.yaml"

expect_eq "apply creates" "$(ctl apply -f "$EXAMPLE")" "pod/hello created"
expect_eq "apply again is unchanged" "$(ctl apply -f "$EXAMPLE")" "pod/hello unchanged"
sed 's/app: hello/app: hello-v2/' "$EXAMPLE" >"$WORK/changed.yaml"
expect_eq "apply with a change configures" "$(ctl apply -f "$WORK/changed.yaml")" "pod/hello configured"
expect_contains "the change is applied" "$(ctl get pod hello -o json)" '"app": "hello-v2"'
out=$(ctl get pods)
expect_contains "get pods prints kubectl's columns plus NODE" "$(head -1 <<<"$out")" "NAME    READY   STATUS    RESTARTS   AGE   NODE"
expect_contains "get pods lists the pod" "$out" "hello   0/1     Pending   0"
expect_contains "get -o wide adds IP and NOMINATED NODE" "$(ctl get pods -o wide | head -1)" "NOMINATED NODE"
expect_contains "get -o yaml" "$(ctl get pod hello -o yaml)" "kind: Pod"
expect_not_contains "get -o yaml hides managedFields, as kubectl does" "$(ctl get pod hello -o yaml)" "managedFields"
expect_contains "... unless --show-managed-fields" "$(ctl get pod hello -o yaml --show-managed-fields)" "manager: kubectl-client-side-apply"
expect_eq "get -o name" "$(ctl get pods -o name)" "pod/hello"
expect_contains "get -l selects" "$(ctl get pods -l app=hello-v2)" "hello"
expect_eq "get -l excludes" "$(ctl get pods -l app=other 2>&1)" "No resources found in default namespace."
expect_contains "get --field-selector" "$(ctl get pods --field-selector status.phase=Pending)" "hello"
expect_contains "get -A adds NAMESPACE" "$(ctl get pods -A)" "NAMESPACE   NAME"
expect_contains "get namespaces" "$(ctl get ns)" "kube-system"
expect_eq "label adds a label" "$(ctl label pods hello tier=web 2>&1)" "pod/hello labeled"
expect_contains "... which get -l finds" "$(ctl get pods -l tier=web)" "hello"
out=$(ctl label pod/hello tier=db 2>&1); rc=$?
expect_eq "label refuses to change a set key without --overwrite" "$out" "error: 'tier' already has a value (web), and --overwrite is false"
expect_eq "... and exits non-zero" "$rc" 1
expect_eq "label --overwrite changes it" "$(ctl label pod/hello tier=db --overwrite 2>&1)" "pod/hello labeled"
expect_eq "label KEY- removes it" "$(ctl label pods hello tier- 2>&1)" "pod/hello unlabeled"
expect_not_contains "... and it is gone" "$(ctl get pod hello -o json)" '"tier"'
expect_eq "label with nothing to change says so" "$(ctl label pods hello app=hello-v2 2>&1)" "pod/hello not labeled"
expect_eq "annotate -l changes every match" "$(ctl annotate pods -l app=hello-v2 owner=team-a 2>&1)" "pod/hello annotated"
expect_contains "... and the annotation is there" "$(ctl get pod hello -o json)" '"owner": "team-a"'
expect_contains "label without a change explains" "$(ctl label pods hello 2>&1)" "at least one change is required"
expect_eq "get -o jsonpath" "$(ctl get pod hello -o jsonpath='{.metadata.name}/{.spec.containers[0].name}')" "hello/$(ctl get pod hello -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["spec"]["containers"][0]["name"])')"
sed 's/name: hello/name: another/' "$EXAMPLE" | ctl apply -f - >/dev/null
expect_eq "get -o jsonpath with range over a list" "$(ctl get pods -o jsonpath='{range .items[*]}{.metadata.name};{end}')" "another;hello;"
expect_eq "get --sort-by orders it" "$(ctl get pods --sort-by=.metadata.creationTimestamp -o jsonpath='{.items[0].metadata.name}')" "hello"
out=$(ctl get pods -o custom-columns=NAME:.metadata.name,POLICY:.spec.restartPolicy,NODE:.spec.nodeName)
expect_contains "get -o custom-columns prints the header as given" "$out" "NAME      POLICY"
expect_contains "... and a row per object" "$out" "another   Never"
out=$(ctl get pods --sort-by=.metadata.name 2>&1)
expect_eq "get --sort-by orders a table" "$(sed -n 2p <<<"$out" | cut -d' ' -f1)" "another"
out=$(ctl get pods -o jsonpath='{.items[0}' 2>&1); rc=$?
expect_contains "a broken jsonpath is an error that says where" "$out" "unclosed ["
expect_eq "... and exits 1" "$rc" "1"
out=$(ctl get pods -o yml 2>&1); rc=$?
expect_contains "an unknown output format lists the allowed ones" "$out" "allowed formats are"
ctl delete pod another --grace-period 0 >/dev/null 2>&1
expect_eq "patch (strategic)" "$(ctl patch pod hello -p '{"metadata":{"labels":{"patched":"yes"}}}' 2>&1)" "pod/hello patched"
expect_eq "patch that changes nothing says so" "$(ctl patch pod hello --type merge -p '{"metadata":{"labels":{"patched":"yes"}}}' 2>&1)" "pod/hello patched (no change)"
expect_eq "patch --type json" "$(ctl patch pod/hello --type json -p '[{"op":"remove","path":"/metadata/labels/patched"}]' 2>&1)" "pod/hello patched"
expect_not_contains "... removed the label" "$(ctl get pod hello -o jsonpath='{.metadata.labels}')" "patched"
out=$(ctl patch pod hello -p '{not json' 2>&1); rc=$?
expect_contains "a malformed patch is refused before it is sent" "$out" "unable to parse the patch"
expect_eq "... and exits 1" "$rc" "1"
ctl get pod hello -o yaml >"$WORK/replace.yaml"
sed -i 's/app: hello-v2/app: replaced/' "$WORK/replace.yaml"
expect_eq "replace -f" "$(ctl replace -f "$WORK/replace.yaml" 2>&1)" "pod/hello replaced"
expect_contains "... replaced it" "$(ctl get pod hello -o jsonpath='{.metadata.labels.app}')" "replaced"
out=$(ctl replace -f "$WORK/replace.yaml" 2>&1); rc=$?
expect_contains "replace with a stale resourceVersion is a conflict" "$out" "the object has been modified"
out=$(ctl api-resources 2>&1)
expect_eq "api-resources lists pods" "$(grep '^pods ' <<<"$out" | head -1 | tr -s ' ')" "pods po v1 true Pod"
expect_contains "api-resources lists PodGroups" "$out" "scheduling.x-k8s.io/v1alpha1"
expect_contains "api-resources -o name" "$(ctl api-resources -o name 2>&1)" "priorityclasses.scheduling.k8s.io"
(sleep 1; ctl label pod hello ready=yes >/dev/null) &
labeller=$!
expect_eq "wait --for=jsonpath waits until the value is there" \
  "$(ctl wait pod/hello --for=jsonpath='{.metadata.labels.ready}'=yes --timeout=30s 2>&1)" "pod/hello condition met"
wait "$labeller"
out=$(ctl wait pod/hello --for=condition=Ready --timeout=1s 2>&1); rc=$?
expect_contains "wait gives up at --timeout naming the object" "$out" "timed out waiting for the condition on pods/hello"
expect_eq "... and exits 1" "$rc" "1"
out=$(ctl wait pod/hello --for=condtion=Ready 2>&1); rc=$?
expect_contains "a malformed --for is explained" "$out" 'unrecognized condition: "condtion=Ready"'
sed 's/name: hello/name: doomed/' "$EXAMPLE" | ctl apply -f - >/dev/null
(sleep 1; ctl delete pod doomed --grace-period 0 --wait=false >/dev/null) &
deleter=$!
expect_eq "wait --for=delete returns once it is gone" "$(ctl wait pod doomed --for=delete --timeout=30s 2>&1)" "pod/doomed condition met"
wait "$deleter"
sed 's/name: hello/name: dry/' "$EXAMPLE" >"$WORK/dry.yaml"
expect_contains "create --dry-run=server says so" "$(ctl create -f "$WORK/dry.yaml" --dry-run=server 2>&1)" "pod/dry created (server dry run)"
expect_contains "apply --dry-run=client says so" "$(ctl apply -f "$WORK/dry.yaml" --dry-run=client 2>&1)" "pod/dry created (dry run)"
expect_contains "... and neither created it" "$(ctl get pod dry 2>&1)" "NotFound"
expect_contains "apply --server-side" "$(ctl apply --server-side -f "$WORK/dry.yaml" 2>&1)" "pod/dry serverside-applied"
ctl label pod dry app=changed --overwrite >/dev/null
out=$(ctl apply --server-side --field-manager other -f "$WORK/dry.yaml" 2>&1); rc=$?
expect_contains "apply --server-side names the conflicting manager and field" "$out" '.metadata.labels.app'
expect_eq "... and exits 1" "$rc" "1"
expect_contains "--force-conflicts takes the field" "$(ctl apply --server-side --force-conflicts --field-manager other -f "$WORK/dry.yaml" 2>&1)" "serverside-applied"
expect_contains "... back to the manifest's value" "$(ctl get pod dry -o json)" '"app": "hello"'
expect_contains "delete --dry-run=server says so" "$(ctl delete pod dry --dry-run=server 2>&1)" 'pod "dry" deleted (server dry run)'
expect_contains "... and the pod is still there" "$(ctl get pod dry -o name 2>&1)" "pod/dry"
ctl delete pod dry --grace-period 0 >/dev/null 2>&1
out=$(ctl get pods nope 2>&1); rc=$?
expect_contains "a missing object is reported like kubectl" "$out" 'Error from server (NotFound): pods "nope" not found'
expect_eq "and exits non-zero" "$rc" 1

cat >"$WORK/multi.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
apiVersion: v1
kind: Pod
metadata:
  name: worker
  namespace: team-a
  labels: {role: worker}
spec:
  containers:
  - name: w
    image: busybox
    command: [sleep, "3600"]
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: batch-low
value: 100
YAML
out=$(ctl create -f "$WORK/multi.yaml")
expect_contains "create -f with several documents" "$out" "pod/worker created"
expect_contains "create -f creates cluster-scoped kinds" "$out" "priorityclass.scheduling.k8s.io/batch-low created"
out=$(ctl create -f "$WORK/multi.yaml" 2>&1); rc=$?
expect_contains "create -f of existing objects fails" "$out" "AlreadyExists"
expect_eq "... with a non-zero exit" "$rc" 1
expect_contains "objects land in their own namespace" "$(ctl get pods -n team-a)" "worker"
expect_contains "get priorityclasses shows VALUE" "$(ctl get pc)" "batch-low"

cat >"$WORK/bad.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: broken
spec:
  containers:
  - name: c
    resources:
      requests:
        cpu: lots
YAML
out=$(ctl apply -f "$WORK/bad.yaml" 2>&1); rc=$?
expect_contains "invalid manifests print the field path" "$out" "spec.containers[0].image: Required value"
expect_contains "... and the bad quantity" "$out" "spec.containers[0].resources.requests[cpu]"
expect_eq "... and exit non-zero" "$rc" 1
out=$(ctl apply -f "$WORK/does-not-exist.yaml" 2>&1); rc=$?
expect_contains "a missing file is named" "$out" "does-not-exist.yaml"
expect_eq "... and exits non-zero" "$rc" 1
printf 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\n' >"$WORK/malformed.yaml"
out=$(ctl apply -f "$WORK/malformed.yaml" 2>&1); rc=$?
expect_contains "malformed YAML is reported with the file" "$out" "malformed.yaml"
expect_eq "... and exits non-zero" "$rc" 1
expect_eq "... and nothing was created" "$(ctl get pods -o name)" "pod/hello"

uid=$(ctl get pod hello -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["metadata"]["uid"])')
api POST /api/v1/namespaces/default/events -H 'Content-Type: application/json' -d "{\"metadata\":{\"name\":\"hello.1\"},\"involvedObject\":{\"kind\":\"Pod\",\"name\":\"hello\",\"namespace\":\"default\",\"uid\":\"$uid\"},\"reason\":\"FailedScheduling\",\"message\":\"0/0 nodes are available\",\"type\":\"Warning\",\"source\":{\"component\":\"gantry-scheduler\"}}" >/dev/null
out=$(ctl describe pod hello)
expect_contains "describe pod shows fields" "$out" "QoS Class:"
expect_contains "describe pod shows the container's command" "$out" "echo hello; sleep 1"
expect_contains "describe pod shows requests" "$out" "100m"
expect_contains "describe pod shows its events" "$out" "FailedScheduling"
api POST /api/v1/nodes -H 'Content-Type: application/json' -d '{"metadata":{"name":"n1","labels":{"zone":"a"}},"spec":{"taints":[{"key":"dedicated","value":"gpu","effect":"NoSchedule"}]},"status":{"capacity":{"cpu":"8"},"allocatable":{"cpu":"8"}}}' >/dev/null
out=$(ctl describe node n1)
expect_contains "describe node shows taints" "$out" "dedicated=gpu:NoSchedule"
expect_contains "describe node shows capacity" "$out" "Capacity:"

(timeout 4 "$GANTRY" ctl --kubeconfig "$KUBECONFIG_FILE" get pods -w >"$WORK/watch.out" 2>&1 &)
sleep 1
sed 's/name: hello/name: watched/' "$EXAMPLE" | ctl apply -f - >/dev/null
sleep 3.2
expect_contains "get -w prints new pods as they come" "$(cat "$WORK/watch.out")" "watched"

expect_eq "delete by name" "$(ctl delete pod watched)" 'pod "watched" deleted'
out=$(ctl delete -f "$WORK/multi.yaml" 2>&1)
expect_contains "delete -f deletes each object" "$out" 'priorityclass "batch-low" deleted'
expect_contains "deleting the namespace took its pod with it" "$out" 'pods "worker" not found'
ctl apply -f "$EXAMPLE" >/dev/null
sed 's/name: hello/name: hello-2/' "$EXAMPLE" | ctl apply -f - >/dev/null
out=$(ctl delete pods -l app=hello)
expect_contains "delete -l deletes every match" "$out" 'pod "hello-2" deleted'
expect_eq "nothing left" "$(ctl get pods -o name 2>&1)" ""
expect_contains "version" "$(ctl version)" "Server Version: v1.32.0-gantry"
out=$("$GANTRY" ctl --server "https://127.0.0.1:$PORT" --token wrong --insecure-skip-tls-verify get pods 2>&1); rc=$?
expect_contains "a wrong token is refused" "$out" "Unauthorized"
expect_eq "... with a non-zero exit" "$rc" 1
out=$(ctl gett pods 2>&1)
expect_eq "a mistyped ctl command exits 1" "$?" 1
expect_contains "... naming it and suggesting the nearest" "$out" 'unknown command "gett" for "gantry ctl"'
expect_contains "... (get)" "$out" "Did you mean this?"
out=$("$GANTRY" ctl --server https://127.0.0.1:1 --token x get pods 2>&1)
expect_contains "a refused connection is said in words" "$out" "connection refused"
finish
