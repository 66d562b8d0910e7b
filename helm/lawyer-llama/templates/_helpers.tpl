{{- define "lawyer-llama.fullname" -}}
{{- printf "%s" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "lawyer-llama.labels" -}}
app.kubernetes.io/name: lawyer-llama
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{- define "lawyer-llama.selector" -}}
app.kubernetes.io/name: lawyer-llama
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "lawyer-llama.secretName" -}}
{{- printf "%s-credentials" (include "lawyer-llama.fullname" .) -}}
{{- end -}}
