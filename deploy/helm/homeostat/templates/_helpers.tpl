{{/* Names, labels and the pod parts the API and worker Deployments share. */}}

{{- define "homeostat.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "homeostat.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "homeostat.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "homeostat.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component (api or worker): pass (list $ "api"). */}}
{{- define "homeostat.selectorLabels" -}}
{{- $ := index . 0 -}}
app.kubernetes.io/name: {{ include "homeostat.name" $ }}
app.kubernetes.io/instance: {{ $.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "homeostat.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "homeostat.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "homeostat.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/*
The config file: the values' config with listen set by the chart (all
addresses inside the pod, the service's target port). dataDir and redisUrl
come from the environment (homeostat.env).
*/}}
{{- define "homeostat.config" -}}
{{- $config := deepCopy (default dict .Values.config) -}}
{{- if hasKey $config "listen" -}}
{{- fail "config.listen is set by the chart (service.targetPort): leave it out of config" -}}
{{- end -}}
{{- if hasKey $config "dataDir" -}}
{{- fail "config.dataDir is set by the chart (the data volume): leave it out of config" -}}
{{- end -}}
{{- $_ := set $config "listen" (dict "host" "0.0.0.0" "port" (int .Values.service.targetPort)) -}}
{{- toYaml $config -}}
{{- end -}}

{{/* Environment of both containers: state paths, Redis, secrets by reference, extras. */}}
{{- define "homeostat.env" -}}
- name: HOMEOSTAT_DATA_DIR
  value: /var/lib/homeostat/data
- name: HOMEOSTAT_LISTEN_PORT
  value: {{ .Values.service.targetPort | quote }}
- name: HOMEOSTAT_REDIS_URL
{{- if .Values.redis.urlSecret.name }}
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.urlSecret.name }}
      key: {{ required "redis.urlSecret.key is required with redis.urlSecret.name" .Values.redis.urlSecret.key }}
{{- else }}
  value: {{ required "redis.url (or redis.urlSecret.name) is required" .Values.redis.url | quote }}
{{- end }}
{{- range .Values.secretEnv }}
- name: {{ required "secretEnv[].name is required" .name }}
  valueFrom:
    secretKeyRef:
      name: {{ required (printf "secretEnv %s: secretName is required" .name) .secretName }}
      key: {{ required (printf "secretEnv %s: key is required" .name) .key }}
      {{- if .optional }}
      optional: true
      {{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "homeostat.volumeMounts" -}}
- name: config
  mountPath: /etc/homeostat/config.yaml
  subPath: config.yaml
  readOnly: true
- name: data
  mountPath: /var/lib/homeostat
- name: tmp
  mountPath: /tmp
{{- if .Values.persistence.enabled }}
- name: state
  mountPath: /var/lib/homeostat/state
{{- end }}
{{- range .Values.secretVolumes }}
- name: secret-{{ .name }}
  mountPath: /etc/homeostat/secrets/{{ .name }}
  readOnly: true
{{- end }}
{{- end -}}

{{- define "homeostat.volumes" -}}
- name: config
  configMap:
    name: {{ include "homeostat.fullname" . }}
- name: data
  {{- if .Values.dataVolume.sizeLimit }}
  emptyDir:
    sizeLimit: {{ .Values.dataVolume.sizeLimit }}
  {{- else }}
  emptyDir: {}
  {{- end }}
- name: tmp
  emptyDir:
    sizeLimit: 1Gi
{{- if .Values.persistence.enabled }}
- name: state
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-state" (include "homeostat.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}
{{- range .Values.secretVolumes }}
- name: secret-{{ required "secretVolumes[].name is required" .name }}
  secret:
    secretName: {{ required (printf "secretVolumes %s: secretName is required" .name) .secretName }}
    defaultMode: 0400
{{- end }}
{{- end -}}

{{/* Everything of a pod spec except its containers: pass (list $ "api"). */}}
{{- define "homeostat.podSpecCommon" -}}
{{- $ := index . 0 -}}
{{- $component := index $.Values (index . 1) -}}
serviceAccountName: {{ include "homeostat.serviceAccountName" $ }}
automountServiceAccountToken: false
terminationGracePeriodSeconds: {{ $.Values.terminationGracePeriodSeconds }}
securityContext:
  {{- toYaml $.Values.podSecurityContext | nindent 2 }}
{{- with $.Values.imagePullSecrets }}
imagePullSecrets:
  {{- range . }}
  - name: {{ . }}
  {{- end }}
{{- end }}
{{- with $component.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $component.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with $component.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  {{- include "homeostat.volumes" $ | nindent 2 }}
{{- end -}}
