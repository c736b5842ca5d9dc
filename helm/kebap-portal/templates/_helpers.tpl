{{/* The release's full name, at most 63 characters. */}}
{{- define "kebap-portal.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if eq .Release.Name (default .Chart.Name .Values.nameOverride) -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels: stable across upgrades. */}}
{{- define "kebap-portal.selectorLabels" -}}
app.kubernetes.io/name: {{ default .Chart.Name .Values.nameOverride }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "kebap-portal.labels" -}}
{{ include "kebap-portal.selectorLabels" . }}
app.kubernetes.io/version: {{ default .Chart.AppVersion .Values.image.tag | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The portal's service account. */}}
{{- define "kebap-portal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kebap-portal.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Secret the credentials come from. */}}
{{- define "kebap-portal.credentialsSecret" -}}
{{- if .Values.credentials.externalSecret.enabled -}}
{{- printf "%s-credentials" (include "kebap-portal.fullname" .) -}}
{{- else -}}
{{- required "credentials.existingSecret is required when credentials.externalSecret.enabled is false" .Values.credentials.existingSecret -}}
{{- end -}}
{{- end -}}

{{/* The app-config file passed last with --config. */}}
{{- define "kebap-portal.appConfig" -}}
{{ toYaml .Values.appConfig }}
{{- end -}}
