{{/*
Chart name.
*/}}
{{- define "sysotel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: release-chart, unless the release name already contains the chart name.
*/}}
{{- define "sysotel.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Namespace of every namespaced resource.
*/}}
{{- define "sysotel.namespace" -}}
{{- default .Release.Namespace .Values.namespaceOverride }}
{{- end }}

{{/*
Chart label value.
*/}}
{{- define "sysotel.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels (immutable on a DaemonSet: keep them minimal).
*/}}
{{- define "sysotel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sysotel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Common labels.
*/}}
{{- define "sysotel.labels" -}}
helm.sh/chart: {{ include "sysotel.chart" . }}
{{ include "sysotel.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/component: agent
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
ServiceAccount name.
*/}}
{{- define "sysotel.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "sysotel.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
ClusterRole and ClusterRoleBinding names.
*/}}
{{- define "sysotel.clusterRoleName" -}}
{{- default (include "sysotel.fullname" .) .Values.clusterRole.name }}
{{- end }}

{{- define "sysotel.clusterRoleBindingName" -}}
{{- default (include "sysotel.clusterRoleName" .) .Values.clusterRole.clusterRoleBinding.name }}
{{- end }}

{{/*
Agent image reference: repository@digest or repository:tag (tag defaults to appVersion).
*/}}
{{- define "sysotel.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
Collector sidecar ConfigMap name.
*/}}
{{- define "sysotel.collectorConfigName" -}}
{{- printf "%s-collector" (include "sysotel.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Container security context of the agent: the least-privilege context from
values, or a privileged one when .Values.privileged (or
securityContext.privileged) is true. A privileged container must not set
allowPrivilegeEscalation: false, and its capabilities are moot.
*/}}
{{- define "sysotel.securityContext" -}}
{{- $sc := deepCopy (.Values.securityContext | default dict) }}
{{- if or .Values.privileged $sc.privileged }}
{{- $_ := set $sc "privileged" true }}
{{- $_ := set $sc "allowPrivilegeEscalation" true }}
{{- $_ := unset $sc "capabilities" }}
{{- else }}
{{- $_ := set $sc "privileged" false }}
{{- end }}
{{- toYaml $sc }}
{{- end }}

{{/*
OTEL_RESOURCE_ATTRIBUTES: k8s.node.name plus .Values.resourceAttributes,
sorted by key. $(K8S_NODE_NAME) is expanded by the kubelet.
*/}}
{{- define "sysotel.resourceAttributes" -}}
{{- $pairs := list "k8s.node.name=$(K8S_NODE_NAME)" }}
{{- range $k, $v := .Values.resourceAttributes }}
{{- if ne $k "k8s.node.name" }}
{{- $pairs = append $pairs (printf "%s=%v" $k $v) }}
{{- end }}
{{- end }}
{{- join "," $pairs }}
{{- end }}

{{/*
Rules ConfigMap name (rules.custom).
*/}}
{{- define "sysotel.rulesConfigName" -}}
{{- printf "%s-rules" (include "sysotel.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The security-event categories sysotel knows (SYSOTEL_SECURITY_EVENTS), and the
rule file name pattern (a ConfigMap key that is also a safe file name).
*/}}
{{- define "sysotel.securityCategories" -}}
file network privilege isolation module bpf ptrace evasion signal
{{- end }}

{{- define "sysotel.checkRuleFileName" -}}
{{- $value := index . 0 }}
{{- $name := index . 1 }}
{{- if or (not (kindIs "string" $name)) (not (regexMatch "^[-._a-zA-Z0-9]+$" $name)) (hasPrefix ".." $name) }}
{{- fail (printf "%s: file name %q may only contain letters, digits, '-', '_' and '.' (and may not start with '..')" $value $name) }}
{{- end }}
{{- end }}

{{/*
SYSOTEL_SECURITY_EVENTS: security.events (a string, or a list joined with
commas), checked against the known categories; the agent would refuse to start.
*/}}
{{- define "sysotel.securityEvents" -}}
{{- $raw := .Values.security.events }}
{{- if kindIs "slice" $raw }}
{{- $raw = join "," $raw }}
{{- end }}
{{- if not (kindIs "string" $raw) }}
{{- fail (printf "security.events must be a string such as \"all\", \"none\" or \"file,network\", got %v" $raw) }}
{{- end }}
{{- $known := splitList " " (include "sysotel.securityCategories" .) }}
{{- $items := list }}
{{- range splitList "," $raw }}
{{- $item := trim . }}
{{- if $item }}
{{- if not (or (eq $item "all") (eq $item "none") (has $item $known)) }}
{{- fail (printf "security.events: unknown category %q; use all, none, or a comma list of %s" $item (join ", " $known)) }}
{{- end }}
{{- $items = append $items $item }}
{{- end }}
{{- end }}
{{- if not $items }}
{{- fail "security.events is empty: set it to none to turn security events off" }}
{{- end }}
{{- join "," $items }}
{{- end }}

{{/*
SYSOTEL_WATCH_PATHS: security.watchPaths joined with commas ("" when empty).
The agent wants absolute prefixes of at most 64 bytes.
*/}}
{{- define "sysotel.watchPaths" -}}
{{- $paths := .Values.security.watchPaths | default list }}
{{- if not (kindIs "slice" $paths) }}
{{- fail "security.watchPaths must be a list of absolute path prefixes" }}
{{- end }}
{{- range $paths }}
{{- if or (not (kindIs "string" .)) (not (hasPrefix "/" .)) }}
{{- fail (printf "security.watchPaths: %v is not an absolute path" .) }}
{{- end }}
{{- if contains "," . }}
{{- fail (printf "security.watchPaths: %q contains a comma, which separates the paths in SYSOTEL_WATCH_PATHS" .) }}
{{- end }}
{{- if gt (len .) 64 }}
{{- fail (printf "security.watchPaths: %q is longer than 64 bytes" .) }}
{{- end }}
{{- end }}
{{- join "," $paths }}
{{- end }}

{{/*
The rule files, in load order, as a YAML list of
{name, source: custom|existing}: the keys of rules.existingConfigMap (in
rules.existingConfigMapKeys order), then rules.custom (by file name).
Fails on a misplaced or invalid setting.
*/}}
{{- define "sysotel.ruleFiles" -}}
{{- $rules := .Values.rules | default dict }}
{{- if not (kindIs "map" $rules) }}
{{- fail "rules must be a map with defaultRules, custom, existingConfigMap and existingConfigMapKeys" }}
{{- end }}
{{- $settings := list "defaultRules" "custom" "existingConfigMap" "existingConfigMapKeys" }}
{{- range $key, $_ := $rules }}
{{- if not (has $key $settings) }}
{{- fail (printf "rules.%s is not a rules setting (%s); rule files go under rules.custom, e.g. rules.custom.%s" $key (join ", " $settings) $key) }}
{{- end }}
{{- end }}
{{- if not (kindIs "bool" $rules.defaultRules) }}
{{- fail "rules.defaultRules must be true or false" }}
{{- end }}
{{- $custom := $rules.custom | default dict }}
{{- if not (kindIs "map" $custom) }}
{{- fail "rules.custom must be a map of file name to rules YAML" }}
{{- end }}
{{- $existing := $rules.existingConfigMap | default "" }}
{{- $keys := $rules.existingConfigMapKeys | default list }}
{{- if not (kindIs "slice" $keys) }}
{{- fail "rules.existingConfigMapKeys must be a list of keys of rules.existingConfigMap" }}
{{- end }}
{{- if and $existing (not $keys) }}
{{- fail (printf "rules.existingConfigMap %q needs rules.existingConfigMapKeys: the keys (rule files) to load, in order" $existing) }}
{{- end }}
{{- if and $keys (not $existing) }}
{{- fail "rules.existingConfigMapKeys is set but rules.existingConfigMap is empty" }}
{{- end }}
{{- $files := list }}
{{- $seen := dict }}
{{- range $keys }}
{{- include "sysotel.checkRuleFileName" (list "rules.existingConfigMapKeys" .) }}
{{- if hasKey $seen . }}
{{- fail (printf "rules.existingConfigMapKeys: %q is listed twice" .) }}
{{- end }}
{{- $_ := set $seen . true }}
{{- $files = append $files (dict "name" . "source" "existing") }}
{{- end }}
{{- range $name, $_ := $custom }}
{{- include "sysotel.checkRuleFileName" (list "rules.custom" $name) }}
{{- if hasKey $seen $name }}
{{- fail (printf "rule file %q is both in rules.custom and in rules.existingConfigMapKeys" $name) }}
{{- end }}
{{- $files = append $files (dict "name" $name "source" "custom") }}
{{- end }}
{{- toYaml $files }}
{{- end }}

{{/*
SYSOTEL_RULES: the mounted rule files, comma-separated ("" when none).
*/}}
{{- define "sysotel.rulesEnv" -}}
{{- $paths := list }}
{{- range (include "sysotel.ruleFiles" . | fromYamlArray) }}
{{- $paths = append $paths (printf "/etc/sysotel/rules/%s" .name) }}
{{- end }}
{{- join "," $paths }}
{{- end }}
