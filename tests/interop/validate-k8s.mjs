#!/usr/bin/env node
// Validates Kubernetes manifests (the YAML that `aiinfra plan --emit-k8s` writes) against the API
// schemas, with the kubernetes-models packages pinned in package-lock.json.
//
//   node validate-k8s.mjs DIR...      every document of every *.yaml/*.yml under each DIR
//   node validate-k8s.mjs --self-check
//
// Prints one line per object ("ok" or "FAIL" with the reasons) and exits 1 on any failure, or
// when no object was found. --self-check runs deliberately broken manifests through the same
// checks and exits 1 unless every one of them fails (and a good one passes), so that a validator
// that accepts everything cannot go unnoticed.
//
// What checks what:
// - Deployment, Service, HorizontalPodAutoscaler (autoscaling/v2): kubernetes-models 4.x, the
//   OpenAPI schemas of the Kubernetes API (types, required fields, enums).
// - ScaledObject (keda.sh/v1alpha1): @kubernetes-models/keda, KEDA's CRD schema.
// - ResourceClaimTemplate (resource.k8s.io/v1): a structural check written here against the API
//   reference, since kubernetes-models 4.x predates resource.k8s.io/v1 and 5.x needs Node 22.
// - LeaderWorkerSet (leaderworkerset.x-k8s.io/v1): a structural check written here against the
//   LWS CRD's fields (no kubernetes-models package exists for it); its leader and worker pod
//   templates are checked with kubernetes-models' PodTemplateSpec.
// - Every object: metadata.name is a DNS-1123 subdomain (a DNS-1035 label for a Service), label
//   keys and values are well-formed, annotation values are strings.
// - Across the objects of one directory: each pod's resourceClaims name an existing
//   ResourceClaimTemplate, each container claim names a pod claim, each Service selects the pods
//   of some workload, each autoscaler targets an existing workload.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { PodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";
import { Service } from "kubernetes-models/v1/Service";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const isInt = (v) => Number.isInteger(v);

function isDnsSubdomain(s) {
  return typeof s === "string" && s.length > 0 && s.length <= 253 &&
    s.split(".").every((l) => l.length <= 63 && DNS_LABEL.test(l));
}

function isLabelKey(k) {
  const slash = k.lastIndexOf("/");
  const name = slash < 0 ? k : k.slice(slash + 1);
  const prefix = slash < 0 ? "" : k.slice(0, slash);
  return name.length <= 63 && LABEL_NAME.test(name) && (slash < 0 || isDnsSubdomain(prefix));
}

// Reports keys of `obj` outside `allowed` (the structural checks are strict: a misspelt field is
// an error, as the API server's strict field validation makes it).
function checkKeys(obj, allowed, path, errs) {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) errs.push(`${path}: unknown field "${k}"`);
  }
}

function checkMetadata(obj, errs, { service = false } = {}) {
  const m = obj.metadata;
  if (!isObject(m)) {
    errs.push("metadata: required object");
    return;
  }
  if (service ? !(typeof m.name === "string" && m.name.length <= 63 && DNS_1035.test(m.name))
              : !isDnsSubdomain(m.name)) {
    errs.push(`metadata.name ${JSON.stringify(m.name)} is not a ${service ? "DNS-1035 label" : "DNS-1123 subdomain"}`);
  }
  if (m.namespace !== undefined && !(typeof m.namespace === "string" && DNS_LABEL.test(m.namespace))) {
    errs.push(`metadata.namespace ${JSON.stringify(m.namespace)} is not a DNS-1123 label`);
  }
  checkLabels(m.labels, "metadata.labels", errs);
  if (m.annotations !== undefined) {
    if (!isObject(m.annotations)) errs.push("metadata.annotations: must be a map");
    else for (const [k, v] of Object.entries(m.annotations)) {
      if (typeof v !== "string") errs.push(`metadata.annotations.${k}: must be a string`);
    }
  }
}

function checkLabels(labels, path, errs) {
  if (labels === undefined) return;
  if (!isObject(labels)) {
    errs.push(`${path}: must be a map`);
    return;
  }
  for (const [k, v] of Object.entries(labels)) {
    if (!isLabelKey(k)) errs.push(`${path}: bad label key "${k}"`);
    if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) {
      errs.push(`${path}.${k}: bad label value ${JSON.stringify(v)}`);
    }
  }
}

// kubernetes-models' validate() throws a ValidationError whose message lists the failures.
function modelCheck(build, errs) {
  try {
    build().validate();
  } catch (e) {
    errs.push(e.message);
  }
}

function checkPodTemplate(t, path, errs) {
  if (!isObject(t)) {
    errs.push(`${path}: required object`);
    return;
  }
  modelCheck(() => new PodTemplateSpec(t), errs);
  checkLabels(t.metadata?.labels, `${path}.metadata.labels`, errs);
}

function checkResourceClaimTemplate(obj, errs) {
  checkKeys(obj, ["apiVersion", "kind", "metadata", "spec"], "", errs);
  const spec = obj.spec;
  if (!isObject(spec)) return errs.push("spec: required object");
  checkKeys(spec, ["metadata", "spec"], "spec", errs);
  if (spec.metadata !== undefined) checkLabels(spec.metadata.labels, "spec.metadata.labels", errs);
  const claim = spec.spec;
  if (!isObject(claim)) return errs.push("spec.spec: required object");
  checkKeys(claim, ["devices"], "spec.spec", errs);
  const devices = claim.devices;
  if (devices === undefined) return;
  if (!isObject(devices)) return errs.push("spec.spec.devices: must be an object");
  checkKeys(devices, ["requests", "constraints", "config"], "spec.spec.devices", errs);
  const requests = devices.requests ?? [];
  if (!Array.isArray(requests)) return errs.push("spec.spec.devices.requests: must be a list");
  const names = new Set();
  requests.forEach((r, i) => {
    const p = `spec.spec.devices.requests[${i}]`;
    if (!isObject(r)) return errs.push(`${p}: must be an object`);
    checkKeys(r, ["name", "exactly", "firstAvailable"], p, errs);
    if (typeof r.name !== "string" || !DNS_LABEL.test(r.name)) errs.push(`${p}.name: must be a DNS-1123 label`);
    if (names.has(r.name)) errs.push(`${p}.name: duplicate "${r.name}"`);
    names.add(r.name);
    if ((r.exactly === undefined) === (r.firstAvailable === undefined)) {
      errs.push(`${p}: exactly one of exactly and firstAvailable must be set`);
    }
    const ex = r.exactly;
    if (ex === undefined) return;
    if (!isObject(ex)) return errs.push(`${p}.exactly: must be an object`);
    const q = `${p}.exactly`;
    checkKeys(ex, ["deviceClassName", "selectors", "allocationMode", "count", "adminAccess",
      "tolerations", "capacity"], q, errs);
    if (!isDnsSubdomain(ex.deviceClassName)) errs.push(`${q}.deviceClassName: required DNS-1123 subdomain`);
    const mode = ex.allocationMode ?? "ExactCount";
    if (!["ExactCount", "All"].includes(mode)) errs.push(`${q}.allocationMode: must be ExactCount or All`);
    if (ex.count !== undefined && !(isInt(ex.count) && ex.count >= 1)) errs.push(`${q}.count: must be an integer >= 1`);
    if (mode === "All" && ex.count !== undefined) errs.push(`${q}.count: must not be set with allocationMode All`);
    if (ex.adminAccess !== undefined && typeof ex.adminAccess !== "boolean") errs.push(`${q}.adminAccess: must be a boolean`);
    if (ex.selectors !== undefined) {
      if (!Array.isArray(ex.selectors)) errs.push(`${q}.selectors: must be a list`);
      else ex.selectors.forEach((s, j) => {
        if (!isObject(s) || !isObject(s.cel) || typeof s.cel.expression !== "string") {
          errs.push(`${q}.selectors[${j}]: must be {cel: {expression: string}}`);
        }
      });
    }
  });
}

function checkLeaderWorkerSet(obj, errs) {
  checkKeys(obj, ["apiVersion", "kind", "metadata", "spec"], "", errs);
  const spec = obj.spec;
  if (!isObject(spec)) return errs.push("spec: required object");
  checkKeys(spec, ["replicas", "leaderWorkerTemplate", "rolloutStrategy", "startupPolicy",
    "networkConfig"], "spec", errs);
  if (spec.replicas !== undefined && !(isInt(spec.replicas) && spec.replicas >= 0)) {
    errs.push("spec.replicas: must be an integer >= 0");
  }
  if (spec.startupPolicy !== undefined && !["LeaderCreated", "LeaderReady"].includes(spec.startupPolicy)) {
    errs.push("spec.startupPolicy: must be LeaderCreated or LeaderReady");
  }
  if (spec.rolloutStrategy !== undefined) {
    const rs = spec.rolloutStrategy;
    if (!isObject(rs)) errs.push("spec.rolloutStrategy: must be an object");
    else {
      checkKeys(rs, ["type", "rollingUpdateConfiguration"], "spec.rolloutStrategy", errs);
      if (rs.type !== undefined && rs.type !== "RollingUpdate") errs.push("spec.rolloutStrategy.type: must be RollingUpdate");
    }
  }
  const t = spec.leaderWorkerTemplate;
  if (!isObject(t)) return errs.push("spec.leaderWorkerTemplate: required object");
  const p = "spec.leaderWorkerTemplate";
  checkKeys(t, ["leaderTemplate", "workerTemplate", "size", "restartPolicy", "subGroupPolicy",
    "volumeClaimTemplates", "persistentVolumeClaimRetentionPolicy"], p, errs);
  if (t.size !== undefined && !(isInt(t.size) && t.size >= 1)) errs.push(`${p}.size: must be an integer >= 1`);
  if (t.restartPolicy !== undefined &&
      !["Default", "RecreateGroupOnPodRestart", "RecreateGroupAfterStart", "None"].includes(t.restartPolicy)) {
    errs.push(`${p}.restartPolicy: must be Default, RecreateGroupOnPodRestart, RecreateGroupAfterStart or None`);
  }
  if (t.leaderTemplate !== undefined) checkPodTemplate(t.leaderTemplate, `${p}.leaderTemplate`, errs);
  checkPodTemplate(t.workerTemplate, `${p}.workerTemplate`, errs);
}

const VALIDATORS = {
  "apps/v1/Deployment": (o, errs) => modelCheck(() => new Deployment(o), errs),
  "v1/Service": (o, errs) => modelCheck(() => new Service(o), errs),
  "autoscaling/v2/HorizontalPodAutoscaler": (o, errs) => modelCheck(() => new HorizontalPodAutoscaler(o), errs),
  "keda.sh/v1alpha1/ScaledObject": (o, errs) => modelCheck(() => new ScaledObject(o), errs),
  "resource.k8s.io/v1/ResourceClaimTemplate": checkResourceClaimTemplate,
  "leaderworkerset.x-k8s.io/v1/LeaderWorkerSet": checkLeaderWorkerSet,
};

// The errors of one object on its own.
export function validateObject(obj) {
  const errs = [];
  if (!isObject(obj)) return ["not a mapping"];
  const key = `${obj.apiVersion}/${obj.kind}`;
  const check = VALIDATORS[key];
  if (!check) return [`no validator for apiVersion ${obj.apiVersion} kind ${obj.kind}`];
  check(obj, errs);
  checkMetadata(obj, errs, { service: obj.kind === "Service" });
  return errs;
}

// The pod templates of a workload with the labels its pods carry.
function podTemplates(obj) {
  if (obj.kind === "Deployment") return [{ t: obj.spec?.template, leader: true }];
  if (obj.kind === "LeaderWorkerSet") {
    const lwt = obj.spec?.leaderWorkerTemplate ?? {};
    return [{ t: lwt.leaderTemplate ?? lwt.workerTemplate, leader: true },
      { t: lwt.workerTemplate, leader: false }];
  }
  return [];
}

// Errors between the objects of one directory: [{where, message}].
export function validateTogether(objects) {
  const errs = [];
  const claimTemplates = new Set(objects.filter((o) => o.kind === "ResourceClaimTemplate")
    .map((o) => o.metadata?.name));
  const workloads = objects.filter((o) => o.kind === "Deployment" || o.kind === "LeaderWorkerSet");
  for (const w of workloads) {
    const where = `${w.kind} ${w.metadata?.name}`;
    for (const { t } of podTemplates(w)) {
      const pod = t?.spec ?? {};
      const podClaims = new Set((pod.resourceClaims ?? []).map((c) => c.name));
      for (const c of pod.resourceClaims ?? []) {
        if (c.resourceClaimTemplateName && !claimTemplates.has(c.resourceClaimTemplateName)) {
          errs.push({ where, message: `resourceClaims "${c.name}" names ResourceClaimTemplate "${c.resourceClaimTemplateName}", which is not among the manifests` });
        }
      }
      for (const container of pod.containers ?? []) {
        for (const c of container.resources?.claims ?? []) {
          if (!podClaims.has(c.name)) {
            errs.push({ where, message: `container ${container.name} claims "${c.name}", which the pod does not declare` });
          }
        }
      }
    }
  }
  for (const s of objects.filter((o) => o.kind === "Service")) {
    const selector = s.spec?.selector ?? {};
    const matches = workloads.some((w) => podTemplates(w).some(({ t, leader }) => {
      // LWS labels its pods with their index in the group; the leader's is 0.
      const labels = { ...(t?.metadata?.labels ?? {}) };
      if (w.kind === "LeaderWorkerSet") labels["leaderworkerset.sigs.k8s.io/worker-index"] = leader ? "0" : "1";
      return Object.entries(selector).every(([k, v]) => labels[k] === v);
    }));
    if (Object.keys(selector).length === 0 || !matches) {
      errs.push({ where: `Service ${s.metadata?.name}`, message: "its selector matches the pods of no workload" });
    }
  }
  for (const a of objects.filter((o) => o.kind === "HorizontalPodAutoscaler" || o.kind === "ScaledObject")) {
    const ref = a.spec?.scaleTargetRef ?? {};
    const kind = ref.kind ?? "Deployment";  // KEDA's default
    const ok = workloads.some((w) => w.kind === kind && w.metadata?.name === ref.name &&
      (ref.apiVersion === undefined || ref.apiVersion === w.apiVersion));
    if (!ok) {
      errs.push({ where: `${a.kind} ${a.metadata?.name}`, message: `scaleTargetRef ${ref.apiVersion ?? ""} ${kind} ${ref.name} is not among the manifests` });
    }
  }
  return errs;
}

function yamlFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

// Validates the directories; prints a line per object and per cross-object problem; returns the
// number of failures (a directory without objects counts as one).
export function validateDirs(dirs, log = console.log) {
  let failures = 0;
  for (const root of dirs) {
    const byDir = new Map();
    const files = yamlFiles(root);
    for (const file of files) {
      const shown = file;
      let docs;
      try {
        docs = parseAllDocuments(readFileSync(file, "utf8"));
      } catch (e) {
        log(`FAIL ${shown}: ${e.message}`);
        failures++;
        continue;
      }
      if (!Array.isArray(docs)) docs = [docs];  // parseAllDocuments returns an EmptyStream for ""
      docs.forEach((doc, i) => {
        const where = `${shown}#${i}`;
        if (doc.errors.length > 0) {
          log(`FAIL ${where}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
          failures++;
          return;
        }
        const obj = doc.toJS();
        if (obj === null || obj === undefined) return;  // an empty document
        const errs = validateObject(obj);
        const what = `${obj.apiVersion} ${obj.kind} ${obj?.metadata?.name}`;
        if (errs.length > 0) {
          log(`FAIL ${where} ${what}: ${errs.join("; ")}`);
          failures++;
        } else {
          log(`ok   ${where} ${what}`);
        }
        const group = dirname(file);
        if (!byDir.has(group)) byDir.set(group, []);
        byDir.get(group).push(obj);
      });
    }
    if (byDir.size === 0) {
      log(`FAIL ${root}: no Kubernetes objects found`);
      failures++;
    }
    for (const [group, objects] of byDir) {
      for (const e of validateTogether(objects)) {
        log(`FAIL ${group}: ${e.where}: ${e.message}`);
        failures++;
      }
    }
  }
  return failures;
}

// Broken manifests, each of which must fail, and one good set that must pass.
function selfCheck() {
  const pod = (extra = {}) => ({
    metadata: { labels: { app: "x" } },
    spec: { containers: [{ name: "c", image: "i", ...extra }] },
  });
  const deployment = (spec = {}) => ({
    apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" },
    spec: { replicas: 2, selector: { matchLabels: { app: "x" } }, template: pod(), ...spec },
  });
  const rct = (exactly) => ({
    apiVersion: "resource.k8s.io/v1", kind: "ResourceClaimTemplate", metadata: { name: "x-gpus" },
    spec: { spec: { devices: { requests: [{ name: "gpus", exactly }] } } },
  });
  const lws = (lwt) => ({
    apiVersion: "leaderworkerset.x-k8s.io/v1", kind: "LeaderWorkerSet", metadata: { name: "x" },
    spec: { replicas: 1, leaderWorkerTemplate: lwt },
  });
  const scaled = (threshold) => ({
    apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "x" },
    spec: { scaleTargetRef: { name: "x" }, triggers: [{ type: "prometheus",
      metadata: { serverAddress: "http://p:9090", query: "sum(up)", threshold } }] },
  });
  const good = [
    deployment(),
    rct({ deviceClassName: "gpu.nvidia.com", allocationMode: "ExactCount", count: 8 }),
    lws({ size: 2, workerTemplate: pod() }),
    scaled("5"),
  ];
  const broken = {
    'Deployment replicas: "two"': deployment({ replicas: "two" }),
    "Deployment container args: [8]": deployment({ template: pod({ args: [8] }) }),
    "Deployment without a selector": deployment({ selector: undefined }),
    "Deployment named Bad_Name": { ...deployment(), metadata: { name: "Bad_Name" } },
    "Service port as a string": { apiVersion: "v1", kind: "Service", metadata: { name: "x" },
      spec: { ports: [{ port: "eighty" }] } },
    "HPA without maxReplicas": { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler",
      metadata: { name: "x" }, spec: { scaleTargetRef: { kind: "Deployment", name: "x" } } },
    "ScaledObject threshold as a number": scaled(5),
    'ResourceClaimTemplate count: "8"': rct({ deviceClassName: "gpu.nvidia.com", count: "8" }),
    "ResourceClaimTemplate allocationMode Some": rct({ deviceClassName: "gpu.nvidia.com", allocationMode: "Some" }),
    "ResourceClaimTemplate without deviceClassName": rct({ count: 1 }),
    "ResourceClaimTemplate v1beta1 field deviceClassName at the request": {
      ...rct(undefined), spec: { spec: { devices: { requests: [{ name: "gpus", deviceClassName: "gpu.nvidia.com" }] } } } },
    "LeaderWorkerSet without workerTemplate": lws({ size: 2 }),
    "LeaderWorkerSet size 0": lws({ size: 0, workerTemplate: pod() }),
    "LeaderWorkerSet misspelt field": lws({ sise: 2, workerTemplate: pod() }),
    "LeaderWorkerSet worker container name 7": lws({ size: 2, workerTemplate: pod({ name: 7 }) }),
    "unknown kind": { apiVersion: "v1", kind: "Pod", metadata: { name: "x" } },
  };
  let bad = 0;
  for (const obj of good) {
    const errs = validateObject(obj);
    if (errs.length > 0) {
      console.log(`FAIL self-check: a valid ${obj.kind} was rejected: ${errs.join("; ")}`);
      bad++;
    }
  }
  for (const [what, obj] of Object.entries(broken)) {
    const errs = validateObject(obj);
    if (errs.length === 0) {
      console.log(`FAIL self-check: ${what} was accepted`);
      bad++;
    } else {
      console.log(`ok   self-check: ${what} rejected (${errs[0]})`);
    }
  }
  // Cross-object: a claim that names a missing template, a Service that selects nothing.
  const orphan = validateTogether([deployment({ template: { ...pod(), spec: { ...pod().spec,
    resourceClaims: [{ name: "gpus", resourceClaimTemplateName: "missing" }] } } }),
  { apiVersion: "v1", kind: "Service", metadata: { name: "x" }, spec: { selector: { app: "y" } } }]);
  if (orphan.length !== 2) {
    console.log(`FAIL self-check: expected 2 cross-object errors, got ${orphan.length}`);
    bad++;
  } else {
    console.log("ok   self-check: dangling claim template and unmatched Service rejected");
  }
  return bad;
}

function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error("usage: validate-k8s.mjs DIR... | --self-check");
    process.exit(2);
  }
  const self = args[0] === "--self-check";
  const failures = self ? selfCheck() : validateDirs(args);
  if (failures > 0) console.log(`${failures} failure(s)`);
  else console.log(self ? "self-check passed: every broken manifest was rejected" : "all valid");
  process.exit(failures === 0 ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) main();
