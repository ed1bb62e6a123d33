#!/usr/bin/env bash
# The HTTPS API as any client sees it: auth, errors as Status objects,
# CRUD, patches, subresources, watch, discovery, metrics.
source "$(dirname "$0")/lib.sh"
start_server "$WORK/data" || exit 1

expect_eq "request without a token gets 401" "$(curl -sk -o /dev/null -w '%{http_code}' "https://127.0.0.1:$PORT/api/v1/pods")" 401
expect_eq "request with a wrong token gets 401" \
  "$(curl -sk -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' "https://127.0.0.1:$PORT/api/v1/pods")" 401
body=$(curl -sk "https://127.0.0.1:$PORT/api/v1/pods")
expect_contains "401 is a Status object" "$body" '"reason":"Unauthorized"'
expect_contains "/version reports minor 32" "$(curl -sk "https://127.0.0.1:$PORT/version")" '"minor":"32"'
expect_eq "/healthz answers without a token" "$(curl -sk "https://127.0.0.1:$PORT/healthz")" ok

POD='{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"schedulerName":"manual","containers":[{"name":"c","image":"busybox","resources":{"requests":{"cpu":"250m","memory":"64Mi"}}}]}}'
expect_eq "create returns 201" "$(code POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "$POD")" 201
created=$(api GET /api/v1/namespaces/default/pods/web)
expect_contains "server fills uid, creationTimestamp, defaults" "$created" '"restartPolicy":"Always"'
expect_contains "QoS class is computed" "$created" '"qosClass":"Burstable"'
expect_contains "int64 fields are JSON numbers" "$created" '"terminationGracePeriodSeconds":30'
expect_eq "duplicate create is 409" "$(code POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "$POD")" 409
expect_contains "409 names AlreadyExists" "$(api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "$POD")" '"reason":"AlreadyExists"'
expect_eq "malformed JSON is 400" "$(code POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata": {')" 400
bad=$(api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' \
  -d '{"metadata":{"name":"bad"},"spec":{"containers":[{"name":"c","image":"x","resources":{"limits":{"memory":"12parsecs"}}}]}}')
expect_contains "invalid quantity is 422" "$bad" '"code":422'
expect_contains "422 names the field" "$bad" 'spec.containers[0].resources.limits[memory]'
expect_eq "missing pod is 404" "$(code GET /api/v1/namespaces/default/pods/nope)" 404
expect_eq "unknown resource is 404" "$(code GET /api/v1/widgets)" 404
expect_eq "create in a missing namespace is 404" "$(code POST /api/v1/namespaces/nowhere/pods -H 'Content-Type: application/json' -d "$POD")" 404
expect_eq "YAML body is accepted" "$(code POST /api/v1/namespaces/default/pods -H 'Content-Type: application/yaml' --data-binary $'metadata:\n  name: from-yaml\nspec:\n  schedulerName: manual\n  containers:\n  - name: c\n    image: busybox\n')" 201

hdrs=$(curl -sk -D - -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  "https://127.0.0.1:$PORT/api/v1/namespaces/default/pods" \
  -d '{"metadata":{"name":"unk"},"spec":{"bogusField":1,"containers":[{"name":"c","image":"x"}]}}')
expect_contains "unknown field is a Warning header, not a failure" "$hdrs" 'unknown field \"spec.bogusField\"'
expect_eq "fieldValidation=Strict rejects unknown fields" \
  "$(code POST '/api/v1/namespaces/default/pods?fieldValidation=Strict' -H 'Content-Type: application/json' -d '{"metadata":{"name":"unk2"},"spec":{"bogusField":1,"containers":[{"name":"c","image":"x"}]}}')" 400

stale=$(json_get "$created" 'json.dumps(dict(o, metadata=dict(o["metadata"], resourceVersion="1", labels={"app":"x"})))')
api PATCH /api/v1/namespaces/default/pods/web -H 'Content-Type: application/merge-patch+json' -d '{"metadata":{"labels":{"tier":"front"}}}' >/dev/null
expect_eq "PUT with a stale resourceVersion is 409" "$(code PUT /api/v1/namespaces/default/pods/web -H 'Content-Type: application/json' -d "$stale")" 409
patched=$(api PATCH /api/v1/namespaces/default/pods/web -H 'Content-Type: application/json-patch+json' -d '[{"op":"add","path":"/metadata/labels/json","value":"patch"}]')
expect_contains "JSON patch applies" "$patched" '"json":"patch"'
expect_contains "merge patch applied before it" "$patched" '"tier":"front"'
smp=$(api PATCH /api/v1/namespaces/default/pods/web -H 'Content-Type: application/strategic-merge-patch+json' \
  -d '{"spec":{"containers":[{"name":"c","image":"busybox:2"}]}}')
expect_contains "strategic patch merges containers by name" "$smp" '"image":"busybox:2"'
expect_contains "strategic patch keeps the container's other fields" "$smp" '"cpu":"250m"'
expect_contains "changing immutable pod fields is 422" \
  "$(api PATCH /api/v1/namespaces/default/pods/web -H 'Content-Type: application/merge-patch+json' -d '{"spec":{"restartPolicy":"Never"}}')" '"code":422'

NODE='{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1"}},"status":{"capacity":{"cpu":"4","memory":"8Gi","pods":"110"},"allocatable":{"cpu":"4","memory":"8Gi","pods":"110"},"conditions":[{"type":"Ready","status":"True"}]}}'
expect_eq "create node" "$(code POST /api/v1/nodes -H 'Content-Type: application/json' -d "$NODE")" 201
# "web" names another scheduler (schedulerName: manual): gantry leaves it alone.
sleep 0.5
expect_eq "a pod of another scheduler stays unbound" "$(json_get "$(api GET /api/v1/namespaces/default/pods/web)" 'o["spec"].get("nodeName", "")')" ""
expect_eq "bind pod to node" "$(code POST /api/v1/namespaces/default/pods/web/binding -H 'Content-Type: application/json' -d '{"apiVersion":"v1","kind":"Binding","metadata":{"name":"web"},"target":{"kind":"Node","name":"n1"}}')" 201
bound=$(api GET /api/v1/namespaces/default/pods/web)
expect_contains "binding sets spec.nodeName" "$bound" '"nodeName":"n1"'
expect_contains "binding sets PodScheduled=True" "$bound" '"type":"PodScheduled"'
expect_eq "binding twice is 409" "$(code POST /api/v1/namespaces/default/pods/web/binding -H 'Content-Type: application/json' -d '{"target":{"name":"n2"}}')" 409
expect_contains "field selector spec.nodeName" "$(api GET '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')" '"name":"web"'
expect_not_contains "field selector excludes others" "$(api GET '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1')" 'from-yaml'
expect_contains "label selector with set syntax" "$(api GET '/api/v1/namespaces/default/pods?labelSelector=app%20in%20(web,db),tier')" '"name":"web"'
st=$(api PATCH /api/v1/namespaces/default/pods/web/status -H 'Content-Type: application/merge-patch+json' -d '{"status":{"phase":"Running"},"spec":{"nodeName":"elsewhere"}}')
expect_contains "status subresource changes status" "$st" '"phase":"Running"'
expect_contains "status subresource ignores spec" "$st" '"nodeName":"n1"'

del=$(api DELETE /api/v1/namespaces/default/pods/web -H 'Content-Type: application/json' -d '{"propagationPolicy":"Background"}')
expect_contains "deleting a bound pod marks it terminating" "$del" '"deletionTimestamp"'
expect_eq "the terminating pod is still there until its node confirms" "$(code GET /api/v1/namespaces/default/pods/web)" 200
expect_eq "gracePeriodSeconds=0 removes it" "$(code DELETE '/api/v1/namespaces/default/pods/web?gracePeriodSeconds=0')" 200
expect_eq "then it is gone" "$(code GET /api/v1/namespaces/default/pods/web)" 404
expect_eq "an unbound pod is removed at once" "$(code DELETE /api/v1/namespaces/default/pods/from-yaml)" 200
expect_eq "... and is gone" "$(code GET /api/v1/namespaces/default/pods/from-yaml)" 404

list=$(api GET /api/v1/namespaces/default/pods)
list_rv=$(json_get "$list" 'o["metadata"]["resourceVersion"]')
expect_contains "lists carry kind and resourceVersion" "$list" '"kind":"PodList"'
(curl -sk -N -H "Authorization: Bearer $TOKEN" --max-time 3 \
  "https://127.0.0.1:$PORT/api/v1/namespaces/default/pods?watch=true&resourceVersion=$list_rv" >"$WORK/watch.out" 2>/dev/null &)
sleep 0.5
api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d "${POD//\"web\"/\"watched\"}" >/dev/null
api DELETE /api/v1/namespaces/default/pods/watched >/dev/null
sleep 3
w=$(cat "$WORK/watch.out")
expect_contains "watch streams ADDED, shaped as Kubernetes sends it" "$w" '{"type":"ADDED","object":{"apiVersion":"v1","kind":"Pod"'
expect_contains "watch streams the ADDED type" "$w" '"type":"ADDED"'
expect_contains "watch streams DELETED" "$w" '"type":"DELETED"'
expect_eq "watch events are one per line" "$(grep -c '"type"' "$WORK/watch.out")" 2
tw=$(curl -sk -N -H "Authorization: Bearer $TOKEN" -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io' --max-time 2 \
  "https://127.0.0.1:$PORT/api/v1/namespaces/default/pods?watch=true&resourceVersion=0&timeoutSeconds=1")
expect_contains "watch with a Table Accept sends one-row Tables" "$tw" '"kind":"Table"'

table=$(api GET /api/v1/nodes -H 'Accept: application/json;as=Table;v=v1;g=meta.k8s.io,application/json')
expect_contains "Table answers carry kubectl's node columns" "$table" '"name":"Roles"'
expect_contains "node Ready condition shows as Ready" "$table" '"Ready"'
expect_contains "/api lists v1" "$(api GET /api)" '"versions":["v1"]'
expect_contains "/apis lists gantry's group" "$(api GET /apis)" 'scheduling.gantry.io'
expect_contains "/api/v1 advertises pods/eviction" "$(api GET /api/v1)" '"pods/eviction"'
expect_eq "/openapi/v2 answers 200" "$(code GET /openapi/v2)" 200

PC='{"apiVersion":"scheduling.k8s.io/v1","kind":"PriorityClass","metadata":{"name":"high"},"value":1000}'
expect_eq "create a PriorityClass" "$(code POST /apis/scheduling.k8s.io/v1/priorityclasses -H 'Content-Type: application/json' -d "$PC")" 201
hp=$(api POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata":{"name":"hp"},"spec":{"priorityClassName":"high","containers":[{"name":"c","image":"x"}]}}')
expect_contains "pod priority comes from its PriorityClass" "$hp" '"priority":1000'
expect_eq "a missing PriorityClass is 403" "$(code POST /api/v1/namespaces/default/pods -H 'Content-Type: application/json' -d '{"metadata":{"name":"hp2"},"spec":{"priorityClassName":"nope","containers":[{"name":"c","image":"x"}]}}')" 403
PG='{"apiVersion":"scheduling.gantry.io/v1alpha1","kind":"PodGroup","metadata":{"name":"g1"},"spec":{"minMember":3,"scheduleTimeoutSeconds":60}}'
expect_eq "create a PodGroup" "$(code POST /apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups -H 'Content-Type: application/json' -d "$PG")" 201
expect_contains "PodGroup status defaults to Pending" "$(api GET /apis/scheduling.gantry.io/v1alpha1/namespaces/default/podgroups/g1)" '"phase":"Pending"'

expect_eq "create a namespace" "$(code POST /api/v1/namespaces -H 'Content-Type: application/json' -d '{"metadata":{"name":"team"}}')" 201
api POST /api/v1/namespaces/team/pods -H 'Content-Type: application/json' -d "$POD" >/dev/null
expect_eq "deleting a namespace" "$(code DELETE /api/v1/namespaces/team)" 200
for _ in $(seq 1 40); do [[ $(code GET /api/v1/namespaces/team) == 404 ]] && break; sleep 0.25; done
expect_eq "... deletes its pods" "$(code GET /api/v1/namespaces/team/pods/web)" 404
expect_eq "... and then the namespace" "$(code GET /api/v1/namespaces/team)" 404
expect_eq "the default namespace may not be deleted" "$(code DELETE /api/v1/namespaces/default)" 403

m=$(api GET /metrics)
expect_contains "metrics: requests by verb, resource, code" "$m" 'gantry_apiserver_requests_total{verb="create",resource="pods",code="201"}'
expect_contains "metrics: request latency histogram" "$m" 'gantry_apiserver_request_duration_seconds_bucket{verb="get",resource="pods",le="0.001"}'
expect_contains "metrics: store commit batch size" "$m" 'gantry_store_commit_batch_size_count'
expect_contains "metrics: store commit latency" "$m" 'gantry_store_commit_duration_seconds_bucket'
expect_contains "metrics: open watches" "$m" 'gantry_apiserver_open_watches'

stop_server TERM
expect_eq "SIGTERM stops the server with exit code 0" "$STOP_RC" 0
finish
