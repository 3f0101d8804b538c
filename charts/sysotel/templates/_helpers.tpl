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
