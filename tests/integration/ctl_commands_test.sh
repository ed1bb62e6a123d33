#!/usr/bin/env bash
# gantry ctl's remaining kubectl commands as a user drives them: run, edit,
# explain, events, config, completion; --dry-run on label and annotate; YAML
# errors naming file and line; --help examples.
source "$(dirname "$0")/lib.sh"
start_server "$WORK/data" || exit 1

# run
expect_eq "run creates a pod" "$(ctl run web --image=busybox --restart=Never --env=MODE=prod --port=8080 \
  -- sh -c 'echo hi' 2>&1)" "pod/web created"
pod=$(ctl get pod web -o json)
expect_eq "run labels the pod run=NAME" "$(json_get "$pod" 'o["metadata"]["labels"]')" "{'run': 'web'}"
expect_eq "run's words after -- are the container's args" "$(json_get "$pod" 'o["spec"]["containers"][0]["args"]')" "['sh', '-c', 'echo hi']"
expect_eq "run names the container after the pod" "$(json_get "$pod" 'o["spec"]["containers"][0]["name"]')" "web"
expect_eq "run sets --env and --port" "$(json_get "$pod" '[o["spec"]["containers"][0]["env"], o["spec"]["containers"][0]["ports"][0]["containerPort"]]')" "[[{'name': 'MODE', 'value': 'prod'}], 8080]"
expect_eq "run --restart" "$(json_get "$pod" 'o["spec"]["restartPolicy"]')" "Never"
out=$(ctl run cmd --image=busybox --command --labels=app=cmd,tier=batch -- sleep 60 2>&1)
expect_eq "run --command sets the command" "$(ctl get pod cmd -o jsonpath='{.spec.containers[0].command}')" '["sleep","60"]'
expect_eq "run --labels replaces run=NAME" "$(ctl get pod cmd -o jsonpath='{.metadata.labels}')" '{"app":"cmd","tier":"batch"}'
out=$(ctl run dry --image=nginx --dry-run=client -o yaml 2>&1)
expect_contains "run --dry-run=client -o yaml prints the pod" "$out" "image: nginx"
expect_contains "... with restartPolicy Always by default" "$out" "restartPolicy: Always"
expect_contains "... and creates nothing" "$(ctl get pod dry 2>&1)" 'pods "dry" not found'
expect_eq "run --dry-run=server" "$(ctl run dry --image=nginx --dry-run=server 2>&1)" "pod/dry created (server dry run)"
expect_contains "... stores nothing" "$(ctl get pod dry 2>&1)" 'pods "dry" not found'
out=$(ctl run over --image=busybox --overrides='{"spec":{"priorityClassName":"none-such"}}' --dry-run=client -o json 2>&1)
expect_contains "run --overrides merges into the pod" "$out" '"priorityClassName": "none-such"'
out=$(ctl run web --image=busybox 2>&1); rc=$?
expect_contains "run of an existing name is the server's AlreadyExists" "$out" 'pods "web" already exists'
expect_eq "... and exits 1" "$rc" 1
out=$(ctl run bad --image=busybox --env=NOEQUALS 2>&1); rc=$?
expect_eq "run --env without = names the flag" "$out" 'error: invalid --env "NOEQUALS": expected KEY=VALUE'
expect_eq "... and exits 1" "$rc" 1
out=$(ctl run noimage 2>&1); rc=$?
expect_contains "run without --image is refused" "$out" "--image is required"
expect_eq "... with a non-zero exit" "$([[ $rc -ne 0 ]] && echo nonzero)" "nonzero"

# edit
out=$(KUBE_EDITOR="sed -i -e 's/run: web/run: edited/'" ctl edit pod web 2>&1)
expect_eq "edit saves what the editor changed" "$out" "pod/web edited"
expect_eq "... and the change is stored" "$(ctl get pod web -o jsonpath='{.metadata.labels.run}')" "edited"
expect_contains "... recorded under kubectl-edit" "$(ctl get pod web -o yaml --show-managed-fields)" "manager: kubectl-edit"
expect_eq "edit with no change cancels" "$(KUBE_EDITOR=true ctl edit pod/web 2>&1)" "Edit cancelled, no changes made."
out=$(EDITOR="sed -i -e 's/run: edited/run: \"bad value!\"/'" KUBE_EDITOR="" ctl edit pod web 2>&1); rc=$?
expect_contains "edit that the server refuses shows the server's error" "$out" "Invalid"
expect_contains "... and keeps the changes in a file" "$out" "A copy of your changes has been stored to"
expect_eq "... exits 1" "$rc" 1
kept=$(sed -n 's/^A copy of your changes has been stored to "\(.*\)"$/\1/p' <<<"$out")
expect_contains "... which holds the edit" "$(cat "$kept" 2>&1)" 'bad value!'
rm -f "$kept"
expect_eq "... and nothing was changed" "$(ctl get pod web -o jsonpath='{.metadata.labels.run}')" "edited"
out=$(KUBE_EDITOR="sed -i -e 's/^kind: Pod/kind: [/'" ctl edit pod web 2>&1); rc=$?
expect_contains "edit that breaks the YAML names the file and line" "$out" "malformed YAML"
expect_contains "... and keeps it" "$out" "A copy of your changes has been stored to"
rm -f "$(sed -n 's/^A copy of your changes has been stored to "\(.*\)"$/\1/p' <<<"$out")"
expect_contains "edit of a missing object is NotFound" "$(KUBE_EDITOR=true ctl edit pod nope 2>&1)" 'pods "nope" not found'

# explain
out=$(ctl explain pods 2>&1)
expect_contains "explain prints KIND and VERSION" "$out" "KIND:       Pod"
expect_contains "... the kind's description" "$out" "DESCRIPTION:"
expect_contains "... and its fields with types" "$out" "spec	<PodSpec>"
out=$(ctl explain pod.spec.containers 2>&1)
expect_contains "explain a nested field" "$out" "FIELD: containers <[]Container>"
expect_contains "... lists its fields, required ones marked" "$out" "name	<string> -required-"
expect_contains "... with descriptions" "$out" "image	<string>"
out=$(ctl explain podgroups --api-version=scheduling.x-k8s.io/v1alpha1 2>&1)
expect_contains "explain --api-version picks the group" "$out" "GROUP:      scheduling.x-k8s.io"
expect_contains "explain group-qualified" "$(ctl explain podgroups.scheduling.volcano.sh 2>&1)" "GROUP:      scheduling.volcano.sh"
expect_contains "explain --recursive nests fields" "$(ctl explain pod.spec --recursive 2>&1)" "    image	<string>"
out=$(ctl explain pod.spec.nosuch 2>&1); rc=$?
expect_eq "explain of an unknown field says so" "$out" 'error: field "nosuch" does not exist'
expect_eq "... and exits 1" "$rc" 1

# events: the scheduler's FailedScheduling (no nodes here) and one posted by hand
api POST /api/v1/namespaces/default/events -H 'Content-Type: application/json' -d '{
  "metadata":{"name":"web.1"},"involvedObject":{"apiVersion":"v1","kind":"Pod","name":"web","namespace":"default"},
  "reason":"Pulled","message":"image pulled","type":"Normal","count":3,
  "firstTimestamp":"2026-01-01T00:00:00Z","lastTimestamp":"2026-01-01T00:10:00Z","source":{"component":"test"}}' >/dev/null
for _ in $(seq 1 50); do
  [[ $(ctl events 2>&1) == *FailedScheduling* ]] && break
  sleep 0.1
done
out=$(ctl events 2>&1)
expect_contains "events prints kubectl's columns" "$(head -1 <<<"$out")" "LAST SEEN"
expect_contains "... the scheduler's FailedScheduling" "$out" "Warning   FailedScheduling"
expect_contains "... with the object as Kind/name, as kubectl events prints it" "$out" "Pod/web"
expect_contains "... and a repeated event's count" "$out" "(x3 over"
expect_contains "events are oldest first" "$(sed -n 2p <<<"$out")" "Pulled"
expect_not_contains "events --types=Warning drops Normal ones" "$(ctl events --types=Warning 2>&1)" "Pulled"
expect_not_contains "events --for selects one object" "$(ctl events --for pod/cmd 2>&1)" "Pod/web"
expect_contains "... and finds its events" "$(ctl events --for pod/web 2>&1)" "Pulled"
expect_contains "events -A adds NAMESPACE" "$(ctl events -A 2>&1 | head -1)" "NAMESPACE"
expect_contains "events -o yaml" "$(ctl events -o yaml 2>&1)" "kind: EventList"
expect_eq "events in an empty namespace say so" "$(ctl events -n kube-public 2>&1)" "No events found in kube-public namespace."
(timeout 3 "$GANTRY" ctl --kubeconfig "$KUBECONFIG_FILE" events -w >"$WORK/events.out" 2>&1 &)
sleep 1
api POST /api/v1/namespaces/default/events -H 'Content-Type: application/json' -d '{
  "metadata":{"name":"web.2"},"involvedObject":{"kind":"Pod","name":"web"},"reason":"Watched","message":"m",
  "type":"Normal","lastTimestamp":"2026-01-01T00:20:00Z"}' >/dev/null
sleep 2.5
expect_contains "events -w prints events as they happen" "$(cat "$WORK/events.out")" "Watched"

# --dry-run on label and annotate
expect_eq "label --dry-run=server" "$(ctl label pod web tier=x --dry-run=server 2>&1)" "pod/web labeled (server dry run)"
expect_eq "... stores nothing" "$(ctl get pod web -o jsonpath='{.metadata.labels.tier}')" ""
expect_eq "annotate --dry-run=client" "$(ctl annotate pod web note=y --dry-run=client 2>&1)" "pod/web annotated (dry run)"
expect_eq "... stores nothing" "$(ctl get pod web -o jsonpath='{.metadata.annotations.note}')" ""
expect_contains "label records kubectl-label as the manager" \
  "$(ctl label pod web tier=x >/dev/null; ctl get pod web -o yaml --show-managed-fields)" "manager: kubectl-label"

# config: on a copy of the kubeconfig
cp "$KUBECONFIG_FILE" "$WORK/kc.yaml"
kc() { "$GANTRY" ctl --kubeconfig "$WORK/kc.yaml" "$@"; }
expect_eq "config current-context" "$(kc config current-context 2>&1)" "gantry"
out=$(kc config view 2>&1)
expect_contains "config view hides the token" "$out" "token: REDACTED"
expect_contains "... and the CA data" "$out" "certificate-authority-data: DATA+OMITTED"
expect_contains "config view --raw shows the token" "$(kc config view --raw 2>&1)" "token: $TOKEN"
expect_contains "config get-contexts marks the current one" "$(kc config get-contexts 2>&1)" "*         gantry   gantry    admin      default"
expect_eq "config set-context creates" "$(kc config set-context batch --cluster=gantry --user=admin --namespace=batch 2>&1)" 'Context "batch" created.'
expect_eq "config use-context switches" "$(kc config use-context batch 2>&1)" 'Switched to context "batch".'
expect_eq "... which current-context reports" "$(kc config current-context 2>&1)" "batch"
ctl create namespace batch >/dev/null 2>&1 || api POST /api/v1/namespaces -H 'Content-Type: application/json' -d '{"metadata":{"name":"batch"}}' >/dev/null
expect_eq "commands act in the new context's namespace" "$(kc run inbatch --image=busybox 2>&1; kc get pods -o name 2>&1)" "pod/inbatch created
pod/inbatch"
expect_eq "config set-context --current changes the namespace" "$(kc config set-context --current --namespace=default 2>&1)" 'Context "batch" modified.'
expect_contains "... and get follows it" "$(kc get pods -o name 2>&1)" "pod/web"
out=$(kc config use-context nope 2>&1); rc=$?
expect_eq "use-context of an unknown context" "$out" 'error: no context exists with the name: "nope"'
expect_eq "... exits 1" "$rc" 1
expect_eq "... and leaves the file as it was" "$(kc config current-context 2>&1)" "batch"
expect_eq "config view --minify keeps one context" "$(kc config view --minify -o json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["contexts"]))')" "1"
expect_eq "the kubeconfig stays private" "$(stat -c %a "$WORK/kc.yaml")" "600"
expect_eq "config needs no server" "$("$GANTRY" ctl --kubeconfig "$WORK/kc.yaml" --server https://127.0.0.1:1 config current-context 2>&1)" "batch"
expect_contains "kubectl reads what config wrote" "$(kubectl --kubeconfig "$WORK/kc.yaml" config get-contexts 2>&1)" "batch"

# completion
script=$(ctl completion bash 2>&1)
expect_contains "completion bash registers a function" "$script" "complete -o default -F _gantry gantry"
complete_words() {
  KUBECONFIG=$KUBECONFIG_FILE bash -c 'source <("$1" ctl completion bash); shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _gantry; echo "${COMPREPLY[*]}"' _ "$GANTRY" "$@"
}
expect_contains "completes ctl's commands" "$(complete_words "$GANTRY" ctl ev)" "events"
expect_contains "completes nested commands" "$(complete_words "$GANTRY" ctl config use)" "use-context"
expect_contains "completes a command's flags" "$(complete_words "$GANTRY" ctl get --sho)" "--show-managed-fields"
expect_contains "completes resource types" "$(complete_words "$GANTRY" ctl get po)" "pods"
expect_eq "completes object names from the server" "$(complete_words "$GANTRY" ctl describe pods we)" "web"
zsh_script=$(ctl completion zsh 2>&1)
expect_contains "completion zsh is a compdef" "$(head -1 <<<"$zsh_script")" "#compdef gantry"
# zsh: Tab in an interactive zsh that loads _gantry from its fpath, as installed.
mkdir -p "$WORK/zsh-functions"
echo "$zsh_script" >"$WORK/zsh-functions/_gantry"
zsh_complete() {
  KUBECONFIG=$KUBECONFIG_FILE PATH="$(dirname "$GANTRY"):$PATH" \
    zsh -f "$ROOT/tests/integration/completion/zsh_complete.zsh" "$WORK/zsh-functions" "$1" 2>&1 | tr '\n' ' '
}
expect_eq "zsh completes subcommands at the first Tab" "$(zsh_complete "gantry ct")" "ctl "
expect_eq "zsh completes a command's flags" "$(zsh_complete "gantry snapshot prune --snapshot-r")" "--snapshot-retention "
expect_contains "zsh completes resource types" "$(zsh_complete "gantry ctl get po")" "pods"
expect_eq "zsh completes object names from the server" "$(zsh_complete "gantry ctl describe pods we")" "web "
expect_contains "completion of another shell is refused" "$(ctl completion fish 2>&1)" "fish not in {bash,zsh}"

# YAML errors name the file and the line
printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n  labels: {a: 1\nspec: {}\n' >"$WORK/broken.yaml"
out=$(ctl apply -f "$WORK/broken.yaml" 2>&1); rc=$?
expect_contains "a YAML syntax error names the file" "$out" "$WORK/broken.yaml"
expect_contains "... and the line" "$out" "line 6"
expect_eq "... and exits 1" "$rc" 1

# --help examples on every command
for cmd in get describe apply create delete logs top drain cordon uncordon label annotate patch replace \
  api-resources wait run edit explain events config completion; do
  expect_contains "ctl $cmd --help has examples" "$(ctl "$cmd" --help 2>&1)" "Examples:"
done

finish
