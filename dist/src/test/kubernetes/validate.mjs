// Validates Kubernetes manifests against the API schemas that kubernetes-models (Kubernetes 1.34) and
// @kubernetes-models/prometheus-operator carry. Prints one line per document, "valid KIND NAME (FILE)" or
// "invalid KIND NAME (FILE): what"; exit 0 only when every document is valid and of a known kind.
//   node validate.mjs FILE...
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import * as core from 'kubernetes-models/v1';
import * as apps from 'kubernetes-models/apps/v1';
import * as monitoring from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';

const models = {
  'v1/ConfigMap': core.ConfigMap, 'v1/Secret': core.Secret, 'v1/Service': core.Service,
  'apps/v1/Deployment': apps.Deployment,
  'monitoring.coreos.com/v1/ServiceMonitor': monitoring.ServiceMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': monitoring.PrometheusRule,
};

let failed = false;
for (const file of process.argv.slice(2)) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (doc.errors.length > 0) {
      console.log(`invalid YAML (${file}): ${doc.errors[0].message}`);
      failed = true;
      continue;
    }
    const obj = doc.toJS();
    if (obj == null) continue;
    const kind = `${obj.apiVersion}/${obj.kind}`;
    const name = obj.metadata?.name;
    const Model = models[kind];
    if (!Model) {
      console.log(`invalid ${kind} ${name} (${file}): no schema for this kind here`);
      failed = true;
      continue;
    }
    try {
      new Model(obj).validate();
      console.log(`valid ${kind} ${name} (${file})`);
    } catch (e) {
      console.log(`invalid ${kind} ${name} (${file}): ${e.message.split('\n')[0]}`);
      failed = true;
    }
  }
}
process.exit(failed ? 1 : 0);
