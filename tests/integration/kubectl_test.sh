#!/usr/bin/env bash
# The real kubectl against gantry, with the kubeconfig the server writes.
source "$(dirname "$0")/lib.sh"
if ! command -v kubectl >/dev/null 2>&1; then
  echo "# kubectl is not installed: these checks need it (/usr/bin/kubectl)"
  not_ok "kubectl is available"
  finish
fi
start_server "$WORK/data" || exit 1
export KUBECONFIG=$KUBECONFIG_FILE
export KUBECACHEDIR=$WORK/kubecache
EXAMPLE="$ROOT/configs/examples/pod.yaml"

expect_contains "kubectl version sees the server" "$(kubectl version 2>&1)" "v1.32.0-gantry"
expect_contains "kubectl create -f" "$(kubectl create -f "$EXAMPLE" 2>&1)" "pod/hello created"
out=$(kubectl get pods 2>&1)
expect_contains "kubectl get pods shows server-side columns" "$out" "NAME    READY   STATUS    RESTARTS   AGE"
expect_contains "kubectl get pods lists the pod" "$out" "hello   0/1     Pending   0"
expect_contains "kubectl get pods -o wide" "$(kubectl get pods -o wide 2>&1)" "NOMINATED NODE"
out=$(kubectl get pod hello -o yaml 2>&1)
expect_contains "kubectl get -o yaml" "$out" "restartPolicy: Never"
expect_contains "kubectl get -o yaml shows the uid" "$out" "uid: "
expect_eq "kubectl get -o name" "$(kubectl get pods -o name 2>&1)" "pod/hello"
expect_contains "kubectl get -A" "$(kubectl get pods -A 2>&1)" "default     hello"
expect_contains "kubectl get pods --show-labels" "$(kubectl get pods --show-labels 2>&1)" "app=hello"
expect_contains "kubectl get pods --sort-by" "$(kubectl get pods --sort-by=.metadata.name 2>&1)" "hello"
expect_contains "kubectl get -l" "$(kubectl get pods -l app=hello 2>&1)" "hello"
expect_contains "kubectl get --field-selector" "$(kubectl get pods --field-selector status.phase!=Failed 2>&1)" "hello"
api POST /api/v1/nodes -H 'Content-Type: application/json' -d '{"metadata":{"name":"n1"},"status":{"capacity":{"cpu":"4"},"allocatable":{"cpu":"4"},"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.32.0-gantry"}}}' >/dev/null
out=$(kubectl get nodes 2>&1)
expect_contains "kubectl get nodes" "$out" "n1     Ready    <none>"
expect_contains "kubectl cordon" "$(kubectl cordon n1 2>&1)" "node/n1 cordoned"
expect_contains "a cordoned node shows SchedulingDisabled" "$(kubectl get nodes 2>&1)" "Ready,SchedulingDisabled"
expect_contains "kubectl uncordon" "$(kubectl uncordon n1 2>&1)" "node/n1 uncordoned"

sed 's/name: hello/name: applied/' "$EXAMPLE" >"$WORK/applied.yaml"
expect_contains "kubectl apply creates" "$(kubectl apply -f "$WORK/applied.yaml" 2>&1)" "pod/applied created"
sed -i 's/app: hello/app: hello-v2/' "$WORK/applied.yaml"
expect_contains "kubectl apply with a change configures" "$(kubectl apply -f "$WORK/applied.yaml" 2>&1)" "pod/applied configured"
expect_contains "the change is there" "$(kubectl get pod applied --show-labels 2>&1)" "app=hello-v2"
expect_contains "the command survived the strategic merge" "$(kubectl get pod applied -o jsonpath='{.spec.containers[0].command}' 2>&1)" "echo hello"
expect_contains "kubectl apply unchanged" "$(kubectl apply -f "$WORK/applied.yaml" 2>&1)" "pod/applied unchanged"
expect_contains "kubectl apply --server-side" "$(sed 's/name: hello/name: ssa/' "$EXAMPLE" | kubectl apply --server-side -f - 2>&1)" "pod/ssa serverside-applied"

# Server-side apply keeps managedFields: a field another manager changed is a
# conflict until --force-conflicts, and fields dropped from the manifest go.
cat >"$WORK/pc.yaml" <<'YAML'
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: ssa-pc
  labels: {team: a, tier: batch}
value: 100
description: first
YAML
expect_contains "kubectl apply --server-side creates" "$(kubectl apply --server-side -f "$WORK/pc.yaml" 2>&1)" "serverside-applied"
expect_contains "managedFields name the applier" \
  "$(kubectl get priorityclass ssa-pc -o jsonpath='{.metadata.managedFields[0].manager}/{.metadata.managedFields[0].operation}' --show-managed-fields 2>&1)" "kubectl/Apply"
expect_not_contains "kubectl get -o yaml hides managedFields" "$(kubectl get priorityclass ssa-pc -o yaml 2>&1)" "managedFields"
kubectl patch priorityclass ssa-pc --type merge -p '{"description":"edited"}' >/dev/null 2>&1
out=$(kubectl apply --server-side -f "$WORK/pc.yaml" 2>&1); rc=$?
expect_contains "a field another manager changed is a conflict" "$out" 'conflict with "kubectl-patch" using scheduling.k8s.io/v1: .description'
expect_eq "... and apply exits 1" "$rc" "1"
expect_eq "... and the other manager's value stays" "$(kubectl get priorityclass ssa-pc -o jsonpath='{.description}' 2>&1)" "edited"
expect_contains "--force-conflicts takes the field" "$(kubectl apply --server-side --force-conflicts -f "$WORK/pc.yaml" 2>&1)" "serverside-applied"
expect_eq "... with the applied value" "$(kubectl get priorityclass ssa-pc -o jsonpath='{.description}' 2>&1)" "first"
sed -i 's/labels: {team: a, tier: batch}/labels: {team: a}/' "$WORK/pc.yaml"
kubectl apply --server-side -f "$WORK/pc.yaml" >/dev/null 2>&1
expect_eq "a label dropped from the manifest is removed" "$(kubectl get priorityclass ssa-pc -o jsonpath='{.metadata.labels}' 2>&1)" '{"team":"a"}'
sed -i 's/description: first/description: second/' "$WORK/pc.yaml"
out=$(kubectl diff --server-side -f "$WORK/pc.yaml" 2>&1)
expect_contains "kubectl diff --server-side shows the change" "$out" "+description: second"
expect_not_contains "... and no managedFields or resourceVersion noise" "$out" "resourceVersion"
expect_eq "... and changes nothing" "$(kubectl get priorityclass ssa-pc -o jsonpath='{.description}' 2>&1)" "first"
expect_contains "kubectl apply --dry-run=server" "$(kubectl apply --server-side --dry-run=server -f "$WORK/pc.yaml" 2>&1)" "(server dry run)"
expect_eq "... stores nothing" "$(kubectl get priorityclass ssa-pc -o jsonpath='{.description}' 2>&1)" "first"
expect_contains "kubectl delete --dry-run=server" "$(kubectl delete priorityclass ssa-pc --dry-run=server 2>&1)" "deleted (server dry run)"
expect_contains "... deletes nothing" "$(kubectl get priorityclass ssa-pc 2>&1)" "ssa-pc"
sed 's/name: hello/name: dry/' "$EXAMPLE" | kubectl create --dry-run=server -f - >/dev/null 2>&1
expect_contains "kubectl create --dry-run=server creates nothing" "$(kubectl get pod dry 2>&1)" "NotFound"
out=$(kubectl describe pod hello 2>&1)
expect_contains "kubectl describe pod" "$out" "QoS Class:"
expect_contains "kubectl describe pod shows why it waited" "$out" "Warning  FailedScheduling"
messages=$(kubectl get events --field-selector involvedObject.name=hello,reason=FailedScheduling \
  -o jsonpath='{range .items[*]}{.message}{"\n"}{end}' 2>&1)
expect_eq "one FailedScheduling Event per distinct reason, however many attempts" "$(sort <<<"$messages" | uniq -d)" ""
expect_contains "kubectl get events" "$(kubectl get events 2>&1)" "pod/hello"
out=$(kubectl get pod nope 2>&1)
expect_contains "kubectl prints gantry's NotFound" "$out" 'Error from server (NotFound): pods "nope" not found'
out=$(kubectl apply -f - 2>&1 <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: broken}
spec:
  containers: [{name: c}]
YAML
)
expect_contains "kubectl prints gantry's 422 with the field" "$out" 'The Pod "broken" is invalid: spec.containers[0].image: Required value'

cat >"$WORK/real.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: real
spec:
  dnsPolicy: ClusterFirst
  containers:
  - name: web
    image: nginx:1.25
    securityContext: {runAsUser: 1000}
    livenessProbe: {grpc: {port: 9000}}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
YAML
out=$(kubectl apply -f "$WORK/real.yaml" 2>&1)
expect_contains "a real manifest with fields gantry does not model applies" "$out" "pod/real created"
expect_contains "... with a warning naming each ignored field" "$out" "spec.containers[0].securityContext: not supported by gantry, ignored"
expect_contains "... (a grpc probe)" "$out" "spec.containers[0].livenessProbe.grpc: not supported by gantry, ignored"
expect_contains "... (a persistentVolumeClaim volume)" "$out" "spec.volumes[0].persistentVolumeClaim: not supported by gantry, ignored"
out=$(sed -e 's/dnsPolicy/dnsPolicyy/' -e 's/name: real/name: typo/' "$WORK/real.yaml" | kubectl apply -f - 2>&1)
expect_contains "a field Kubernetes does not have fails kubectl's strict validation" "$out" 'unknown field "spec.dnsPolicyy"'

(timeout 5 kubectl get pods -w >"$WORK/watch.out" 2>&1 &)
sleep 1.5
sed 's/name: hello/name: watched/' "$EXAMPLE" | kubectl create -f - >/dev/null 2>&1
sleep 3.2
expect_contains "kubectl get -w shows a new pod" "$(cat "$WORK/watch.out")" "watched"
expect_contains "kubectl delete waits until gone" "$(kubectl delete pod watched 2>&1)" 'pod "watched" deleted'
expect_eq "and it is gone" "$(code GET /api/v1/namespaces/default/pods/watched)" 404
expect_contains "kubectl delete -f" "$(kubectl delete -f "$WORK/applied.yaml" 2>&1)" 'pod "applied" deleted'
out=$(kubectl explain pod.spec.containers 2>&1)
expect_contains "kubectl explain reads the served OpenAPI v3" "$out" "FIELD: containers <[]Container>"
expect_contains "... with the schema's descriptions" "$out" "The containers of the pod."
expect_contains "... down to a container's fields" "$out" "unique within the pod"
expect_contains "kubectl explain a PodGroup" "$(kubectl explain podgroups.scheduling.x-k8s.io 2>&1)" "GROUP:      scheduling.x-k8s.io"
expect_contains "/openapi/v3 lists every group-version's document by hash" "$(api GET /openapi/v3)" '"/openapi/v3/api/v1?hash='
expect_contains "kubectl api-resources lists gantry's kinds" "$(kubectl api-resources 2>&1)" "podgroups"
expect_eq "kubectl auth can-i" "$(kubectl auth can-i create pods 2>&1)" "yes"
expect_contains "kubectl auth can-i --list" "$(kubectl auth can-i --list 2>&1)" "*.*"
expect_contains "kubectl auth whoami" "$(kubectl auth whoami 2>&1)" "admin"
expect_contains "kubectl api-versions lists metrics.k8s.io (kubectl top needs it)" "$(kubectl api-versions 2>&1)" "metrics.k8s.io/v1beta1"
out=$(kubectl exec hello -- ls 2>&1)
expect_contains "kubectl exec says why it is not available" "$out" "pods/exec is not available in gantry yet"
out=$(api POST /api/v1/namespaces/default/pods/hello/portforward)
expect_contains "port-forward (kubectl's POST) says why it is not available" "$out" "connect to the container's port on the node's address"
out=$(kubectl run quiet --image=busybox --restart=Never -- sh -c true 2>&1)
expect_contains "kubectl run creates a pod" "$out" "pod/quiet created"
expect_not_contains "... without warnings about fields it sets to their defaults" "$out" "Warning"
expect_contains "kubectl create namespace" "$(kubectl create namespace scratch 2>&1)" "namespace/scratch created"
kubectl run -n scratch inside --image=busybox --restart=Never -- sh -c true >/dev/null 2>&1
api POST /api/v1/namespaces/scratch/pods/inside/binding -H 'Content-Type: application/json' \
  -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"inside"},"target":{"name":"n1"}}' >/dev/null
out=$(kubectl delete namespace scratch --wait=false 2>&1)
expect_contains "kubectl delete namespace" "$out" 'namespace "scratch" deleted'
expect_eq "a deleted namespace with a bound pod is Terminating" "$(kubectl get namespace scratch -o jsonpath='{.status.phase}' 2>&1)" "Terminating"
expect_contains "... and refuses new content" "$(kubectl run -n scratch late --image=busybox -- true 2>&1)" "because it is being terminated"
api DELETE "/api/v1/namespaces/scratch/pods/inside?gracePeriodSeconds=0" >/dev/null
for _ in $(seq 1 40); do [[ $(code GET /api/v1/namespaces/scratch) == 404 ]] && break; sleep 0.25; done
expect_eq "... and goes once its pod is gone" "$(code GET /api/v1/namespaces/scratch)" 404
out=$(KUBE_EDITOR="sed -i -e 's/run: quiet/run: edited/'" kubectl edit pod quiet 2>&1)
expect_contains "kubectl edit saves the change" "$out" "pod/quiet edited"
expect_eq "... which is stored" "$(kubectl get pod quiet -o jsonpath='{.metadata.labels.run}' 2>&1)" "edited"
expect_contains "kubectl label --dry-run=server" "$(kubectl label pod quiet tier=x --dry-run=server 2>&1)" "pod/quiet labeled (server dry run)"
expect_eq "... stores nothing" "$(kubectl get pod quiet -o jsonpath='{.metadata.labels.tier}' 2>&1)" ""
expect_contains "kubectl annotate" "$(kubectl annotate pod quiet note=y 2>&1)" "pod/quiet annotated"
expect_contains "kubectl wait --for=jsonpath" "$(kubectl wait pod/quiet --for=jsonpath='{.metadata.annotations.note}'=y --timeout=5s 2>&1)" "condition met"
api POST /api/v1/namespaces/default/events -H 'Content-Type: application/json' -d '{
  "metadata":{"name":"quiet.1"},"involvedObject":{"apiVersion":"v1","kind":"Pod","name":"quiet","namespace":"default"},
  "reason":"Pulled","message":"image pulled","type":"Normal","count":2,
  "firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:10:00Z"}' >/dev/null
out=$(kubectl events --for pod/quiet 2>&1)
expect_contains "kubectl events --for lists an object's events" "$out" "Pulled"
expect_contains "... as Kind/name" "$out" "Pod/quiet"
expect_contains "kubectl replace" "$(kubectl get pod quiet -o yaml | sed 's/note: y/note: z/' | kubectl replace -f - 2>&1)" "pod/quiet replaced"
KUBECONFIG=/dev/null out=$(kubectl --server "https://127.0.0.1:$PORT" --insecure-skip-tls-verify --token nope get pods 2>&1)
expect_contains "kubectl with a wrong token is refused" "$out" "Unauthorized"
finish
