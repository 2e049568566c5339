/**
 * Issue 17 "Kubernetes": every overlay under `deploy/kubernetes/overlays/` renders with `kubectl kustomize` (offline),
 * every object validates against the Kubernetes schemas (`kubernetes-models`, generated from the official OpenAPI
 * definitions; ServiceMonitor from the Prometheus Operator's CRD), and the rendered objects keep their promises:
 * probes on the gateway's endpoints, a locked-down securityContext, secrets only by reference, selectors that select,
 * and a NetworkPolicy admitting only the gateway to the model servers.
 *
 * The official schemas admit unknown fields (the API server rejects them, not the schema), so a misspelt field is
 * caught by the explicit assertions below rather than by validation.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../helpers/gateway.ts';

const KUSTOMIZE_ROOT = join(REPO_ROOT, 'deploy', 'kubernetes');
const OVERLAYS = readdirSync(join(KUSTOMIZE_ROOT, 'overlays')).sort();

/** The schema of every kind the manifests may hold; an object of any other kind fails the test. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

type Labels = Record<string, string>;
type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Labels };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are read field by field below, not typed.
  spec?: any;
};

function kubectlKustomizeVersion(): string | null {
  const result = spawnSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  // kubectl before 1.21 (Debian's kubernetes-client) embeds kustomize v2 and does not report it.
  if (result.status === 0)
    return (JSON.parse(result.stdout) as { kustomizeVersion?: string }).kustomizeVersion ?? 'v2 (not reported)';
  if (process.env.CI === 'true') throw new Error(`kubectl is required under CI=true: ${result.error ?? result.stderr}`);
  return null;
}

function render(directory: string): K8sObject[] {
  const result = spawnSync('kubectl', ['kustomize', directory], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`kubectl kustomize ${directory}: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as K8sObject);
}

function find(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && (name === undefined || object.metadata.name === name));
  if (!found) throw new Error(`no ${kind}${name ? ` ${name}` : ''} in the render`);
  return found;
}

function selects(selector: Labels, labels: Labels | undefined): boolean {
  return Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

/** Values that are secrets whatever their name: keys, hex keys, passwords in URLs, private keys. */
const SECRET_LIKE = [
  /gh[a]?_[A-Za-z0-9]{20,}/,
  /sk-[A-Za-z0-9]{16,}/,
  /\b[0-9a-f]{64}\b/i,
  /:\/\/[^/\s:@]*:[^/\s@]+@/,
  /PRIVATE KEY/,
];

const kustomize = kubectlKustomizeVersion();

describe.skipIf(kustomize === null)('deploy/kubernetes', () => {
  it('has kustomize v4 or later (resources may name directories, patches may be JSON 6902 inline)', () => {
    expect(Number(/^v?(\d+)/.exec(kustomize ?? '')?.[1]), `kustomize ${kustomize}`).toBeGreaterThanOrEqual(4);
  });

  it('has the overlays the README names', () => {
    expect(OVERLAYS).toEqual(['development', 'production']);
  });

  describe.each(OVERLAYS)('overlay %s', (overlay) => {
    const objects = kustomize === null ? [] : render(join(KUSTOMIZE_ROOT, 'overlays', overlay));
    const gateway = () => find(objects, 'Deployment', 'gatehouse');
    const podLabels = () => gateway().spec.template.metadata.labels as Labels;

    it('renders objects that each validate against their Kubernetes schema, in one namespace', () => {
      expect(objects.length).toBeGreaterThanOrEqual(8);
      for (const object of objects) {
        const Model = MODELS[`${object.apiVersion}/${object.kind}`];
        expect(Model, `${object.apiVersion} ${object.kind} has no schema here`).toBeDefined();
        expect(
          () => new (Model as NonNullable<typeof Model>)(object as never).validate(),
          object.metadata.name,
        ).not.toThrow();
      }
      const namespaces = new Set(objects.map((object) => object.metadata.namespace));
      expect([...namespaces]).toEqual([overlay === 'production' ? 'gatehouse' : 'gatehouse-dev']);
    });

    it('probes the gateway: startup and liveness on /healthz, readiness on /readyz', () => {
      const container = gateway().spec.template.spec.containers.find((c: { name: string }) => c.name === 'gateway');
      expect(container.ports).toEqual([{ name: 'http', containerPort: 8080 }]);
      expect(container.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.args).toEqual(['serve']);
      expect(container.env).toContainEqual({ name: 'GATEHOUSE_MIGRATE', value: 'off' });
      const [migrate] = gateway().spec.template.spec.initContainers;
      expect(migrate).toMatchObject({ name: 'migrate', args: ['migrate'], image: container.image });
    });

    it('runs every container non-root, read-only, without privilege escalation or capabilities', () => {
      const pod = gateway().spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of [...pod.initContainers, ...pod.containers]) {
        expect(container.securityContext, container.name).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.volumeMounts, container.name).toContainEqual({ name: 'data', mountPath: '/data' });
      }
    });

    it('takes secrets only by reference to an existing Secret, never inline', () => {
      expect(objects.filter((object) => object.kind === 'Secret')).toEqual([]);
      const text = JSON.stringify(objects);
      for (const pattern of SECRET_LIKE) expect(text).not.toMatch(pattern);
      const pod = gateway().spec.template.spec;
      expect(pod.volumes).toContainEqual({ name: 'secrets', secret: { secretName: 'gatehouse', defaultMode: 0o440 } });
      for (const container of [...pod.initContainers, ...pod.containers]) {
        for (const variable of container.env as Array<{ name: string; value?: string }>) {
          if (/KEY|PASSWORD|SECRET|TOKEN|_URL$/.test(variable.name) && !variable.name.endsWith('PUBLIC_URL')) {
            expect(variable.name).toMatch(/_FILE$/);
            expect(variable.value).toMatch(/^\/run\/secrets\/gatehouse\//);
          }
        }
        expect(container.volumeMounts).toContainEqual({
          name: 'secrets',
          mountPath: '/run/secrets/gatehouse',
          readOnly: true,
        });
      }
    });

    it('has a Service, a ServiceMonitor, an HPA and a PDB that select the gateway pods', () => {
      const service = find(objects, 'Service', 'gatehouse');
      expect(selects(service.spec.selector, podLabels())).toBe(true);
      expect(service.spec.type ?? 'ClusterIP').toBe('ClusterIP');
      const monitor = find(objects, 'ServiceMonitor', 'gatehouse');
      expect(selects(monitor.spec.selector.matchLabels, service.metadata.labels)).toBe(true);
      expect(monitor.spec.endpoints).toEqual([{ port: 'http', path: '/metrics', interval: '30s' }]);
      expect(service.spec.ports.map((port: { name: string }) => port.name)).toContain('http');
      const hpa = find(objects, 'HorizontalPodAutoscaler', 'gatehouse');
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gatehouse' });
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      const pdb = find(objects, 'PodDisruptionBudget', 'gatehouse');
      expect(selects(pdb.spec.selector.matchLabels, podLabels())).toBe(true);
      expect(selects(gateway().spec.selector.matchLabels, podLabels())).toBe(true);
      if (overlay === 'production') {
        expect(pdb.spec).toMatchObject({ minAvailable: 2 });
        expect(hpa.spec.minReplicas).toBeGreaterThan(pdb.spec.minAvailable);
      }
    });

    it('admits only the gateway pods to the model servers', () => {
      const policy = find(objects, 'NetworkPolicy', 'gatehouse-model-servers');
      expect(policy.spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/component': 'model-server' } });
      expect(policy.spec.policyTypes).toEqual(['Ingress']);
      expect(policy.spec.ingress).toHaveLength(1);
      const [peer, ...others] = policy.spec.ingress[0].from;
      expect(others).toEqual([]);
      expect(Object.keys(peer)).toEqual(['podSelector']);
      expect(selects(peer.podSelector.matchLabels, podLabels())).toBe(true);
      // Selecting the gateway by component alone would admit any pod that copied the label from another app.
      expect(peer.podSelector.matchLabels['app.kubernetes.io/name']).toBe('gatehouse');
      for (const server of objects.filter(
        (object) => object.metadata.labels?.['app.kubernetes.io/component'] === 'model-server',
      )) {
        if (server.kind === 'Deployment') {
          expect(selects(policy.spec.podSelector.matchLabels, server.spec.template.metadata.labels)).toBe(true);
          expect(selects(peer.podSelector.matchLabels, server.spec.template.metadata.labels)).toBe(false);
        }
        if (server.kind === 'Service') expect(server.spec.type ?? 'ClusterIP', server.metadata.name).toBe('ClusterIP');
      }
    });
  });

  it('rejects an invalid object, so the validation above can fail', () => {
    const deployment = structuredClone(find(render(join(KUSTOMIZE_ROOT, 'base')), 'Deployment', 'gatehouse'));
    deployment.spec.replicas = 'two';
    expect(() => new Deployment(deployment as never).validate()).toThrow();
  });
});
