// Manifest reading: documents, lists, kinds, metadata, core/v1 objects and node selectors. The
// resource.k8s.io/v1 shapes are in manifest_resource.cc.
#include "dra/manifest.h"

#include <charconv>
#include <set>

#include "dra/manifest_reader.h"
#include "dra/names.h"

namespace aiinfra::dra {
namespace internal {
namespace {

constexpr const char* kResourceApi = "resource.k8s.io/v1";
constexpr int kMaxListNesting = 4;

bool IsResourceKind(const std::string& kind) {
  return kind == "DeviceClass" || kind == "ResourceSlice" || kind == "ResourceClaim" ||
         kind == "ResourceClaimTemplate";
}
bool IsCoreKind(const std::string& kind) {
  return kind == "Node" || kind == "Pod" || kind == "Namespace";
}

std::string KnownKinds() {
  return "DeviceClass, ResourceSlice, ResourceClaim, ResourceClaimTemplate (resource.k8s.io/v1); "
         "Node, Pod, Namespace, List (v1)";
}

// Location of a document: where its mapping starts.
Location Where(const YamlMap& map) { return map.self().Where(); }

}  // namespace

Result<YamlMap> ManifestReader::Map(const YamlNode& node) {
  if (--budget_ < 0) return Fail(node.Err("the manifests are too large (too many nodes)"));
  return YamlMap::From(node);
}

Result<std::vector<YamlNode>> ManifestReader::List(const YamlNode& node, std::size_t max_items) {
  AIINFRA_TRY(auto items, node.Items());
  budget_ -= static_cast<long>(items.size());
  if (budget_ < 0) return Fail(node.Err("the manifests are too large (too many nodes)"));
  if (validate_ && max_items > 0 && items.size() > max_items) {
    return Fail(node.Err("must have at most " + std::to_string(max_items) + " items (has " +
                         std::to_string(items.size()) + ")"));
  }
  return items;
}

Result<std::vector<std::pair<std::string, YamlNode>>> ManifestReader::Entries(
    const YamlNode& node, std::size_t max_items) {
  AIINFRA_TRY(YamlMap map, Map(node));
  (void)map;
  std::vector<std::pair<std::string, YamlNode>> entries;
  std::set<std::string> seen;
  for (const auto& kv : node.node) {
    if (--budget_ < 0) return Fail(node.Err("the manifests are too large (too many nodes)"));
    YamlNode key{kv.first, node.file, node.path};
    if (!kv.first.IsScalar()) return Fail(key.Err("a key must be a single value"));
    std::string text = kv.first.Scalar();
    YamlNode value{kv.second, node.file, node.path + "." + text};
    if (!seen.insert(text).second) return Fail(value.Err("duplicate key \"" + text + "\""));
    entries.emplace_back(std::move(text), std::move(value));
  }
  if (validate_ && max_items > 0 && entries.size() > max_items) {
    return Fail(node.Err("must have at most " + std::to_string(max_items) + " entries (has " +
                         std::to_string(entries.size()) + ")"));
  }
  return entries;
}

Result<std::string> ManifestReader::String(const YamlNode& node) { return node.Scalar(); }

Result<int64_t> ManifestReader::Int(const YamlNode& node) {
  AIINFRA_TRY(std::string text, node.Scalar());
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const char* begin = text.data();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (node.node.Tag() == "!" || text.empty() || ec != std::errc() || ptr != end) {
    return Fail(node.Err("expected an integer, got \"" + text + "\""));
  }
  return value;
}

Result<bool> ManifestReader::Bool(const YamlNode& node) { return node.Bool(); }

Result<Quantity> ManifestReader::Qty(const YamlNode& node) {
  AIINFRA_TRY(std::string text, node.Scalar());
  auto q = Quantity::Parse(text);
  if (!q) return Fail(node.Err(q.error().message));
  return *q;
}

Result<std::vector<std::string>> ManifestReader::Strings(const YamlNode& node,
                                                         std::size_t max_items) {
  AIINFRA_TRY(auto items, List(node, max_items));
  std::vector<std::string> out;
  for (const auto& item : items) {
    AIINFRA_TRY(std::string s, String(item));
    out.push_back(std::move(s));
  }
  return out;
}

Result<std::map<std::string, std::string>> ManifestReader::StringMap(const YamlNode& node) {
  AIINFRA_TRY(auto entries, Entries(node));
  std::map<std::string, std::string> out;
  for (auto& [key, value] : entries) {
    std::string text;
    if (!value.IsNull()) {
      AIINFRA_TRY(text, String(value));
    }
    out[key] = std::move(text);
  }
  return out;
}

Result<std::string> ManifestReader::StringField(YamlMap& map, std::string_view key, bool required) {
  if (required && validate_) return map.RequiredString(key);
  auto node = map.Optional(key);
  if (!node) return std::string();
  return String(*node);
}

Status ManifestReader::Check(const YamlNode& node,
                             const std::optional<std::string>& problem) const {
  if (validate_ && problem) return Fail(node.Err(*problem));
  return {};
}

Status ManifestReader::Invalid(const YamlNode& node, std::string message) const {
  if (validate_) return Fail(node.Err(std::move(message)));
  return {};
}

bool EmitYamlValue(YAML::Emitter& out, const YAML::Node& node, int max_depth, long& max_nodes) {
  if (--max_nodes < 0 || max_depth < 0) return false;
  switch (node.Type()) {
    case YAML::NodeType::Map:
      out << YAML::BeginMap;
      for (const auto& kv : node) {
        if (!kv.first.IsScalar()) return false;
        out << YAML::Key << kv.first.Scalar() << YAML::Value;
        if (!EmitYamlValue(out, kv.second, max_depth - 1, max_nodes)) return false;
      }
      out << YAML::EndMap;
      return true;
    case YAML::NodeType::Sequence:
      out << YAML::BeginSeq;
      for (const auto& item : node) {
        if (!EmitYamlValue(out, item, max_depth - 1, max_nodes)) return false;
      }
      out << YAML::EndSeq;
      return true;
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") out << YAML::DoubleQuoted;
      out << node.Scalar();
      return true;
    default:
      out << YAML::Null;
      return true;
  }
}

Result<ObjectMeta> ManifestReader::ReadMeta(const YamlNode& node, bool namespaced) {
  AIINFRA_TRY(YamlMap m, Map(node));
  ObjectMeta meta;
  AIINFRA_TRY(meta.name, StringField(m, "name", true));
  if (auto n = m.Optional("name")) {
    AIINFRA_CHECK_OK(Check(*n, CheckDnsSubdomain(meta.name)));
  }
  if (auto n = m.Optional("namespace")) {
    AIINFRA_TRY(meta.ns, String(*n));
    if (namespaced) AIINFRA_CHECK_OK(Check(*n, CheckDnsLabel(meta.ns)));
  }
  // kubectl apply puts a namespaced object without one into the current namespace; cluster-scoped
  // objects have none (the API server drops one that is given).
  if (!namespaced) meta.ns.clear();
  if (namespaced && meta.ns.empty()) meta.ns = "default";
  if (auto n = m.Optional("labels")) {
    AIINFRA_TRY(meta.labels, StringMap(*n));
    for (const auto& [key, value] : meta.labels) {
      YamlNode at{n->node[key], n->file, n->path + "." + key};
      AIINFRA_CHECK_OK(Check(at, CheckLabelKey(key)));
      AIINFRA_CHECK_OK(Check(at, CheckLabelValue(value)));
    }
  }
  if (auto n = m.Optional("annotations")) {
    AIINFRA_TRY(meta.annotations, StringMap(*n));
  }
  if (auto n = m.Optional("uid")) {
    AIINFRA_TRY(meta.uid, String(*n));
  }
  if (auto n = m.Optional("generation")) {
    AIINFRA_TRY(meta.generation, Int(*n));
  }
  if (auto n = m.Optional("resourceVersion")) {
    AIINFRA_TRY(meta.resource_version, String(*n));
  }
  if (auto n = m.Optional("creationTimestamp")) {
    AIINFRA_TRY(meta.creation_timestamp, String(*n));
  }
  // Printed by kubectl, meaningless to allocation: read and dropped.
  for (const char* ignored : {"generateName", "ownerReferences", "managedFields", "finalizers",
                              "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"}) {
    (void)m.Optional(ignored);
  }
  AIINFRA_CHECK_OK(m.Finish());
  return meta;
}

Result<NodeSelector> ManifestReader::ReadNodeSelector(const YamlNode& node, bool one_term) {
  AIINFRA_TRY(YamlMap m, Map(node));
  NodeSelector selector;
  AIINFRA_TRY(YamlNode terms_node, m.Required("nodeSelectorTerms"));
  AIINFRA_TRY(auto terms, List(terms_node));
  if (one_term && terms.size() != 1) {
    AIINFRA_CHECK_OK(Invalid(terms_node, "must have exactly one node selector term (has " +
                                             std::to_string(terms.size()) + ")"));
  }
  for (const YamlNode& term_node : terms) {
    AIINFRA_TRY(YamlMap tm, Map(term_node));
    NodeSelectorTerm term;
    for (const char* field : {"matchExpressions", "matchFields"}) {
      const bool fields = field == std::string_view("matchFields");
      auto list_node = tm.Optional(field);
      if (!list_node) continue;
      AIINFRA_TRY(auto items, List(*list_node));
      for (const YamlNode& item : items) {
        AIINFRA_TRY(YamlMap rm, Map(item));
        NodeSelectorRequirement r;
        AIINFRA_TRY(r.key, StringField(rm, "key", true));
        AIINFRA_TRY(r.op, StringField(rm, "operator", true));
        if (auto v = rm.Optional("values")) {
          AIINFRA_TRY(r.values, Strings(*v));
        }
        AIINFRA_CHECK_OK(rm.Finish());
        if (validate_) {
          AIINFRA_TRY(YamlNode key_node, rm.Required("key"));
          AIINFRA_TRY(YamlNode op_node, rm.Required("operator"));
          if (fields) {
            if (r.key != "metadata.name") {
              AIINFRA_CHECK_OK(Invalid(key_node, "not a supported field selector: \"" + r.key +
                                                     "\" (supported: metadata.name)"));
            }
            if ((r.op != "In" && r.op != "NotIn") || r.values.size() != 1) {
              AIINFRA_CHECK_OK(
                  Invalid(op_node, "a field selector must use In or NotIn with one value"));
            }
          } else {
            AIINFRA_CHECK_OK(Check(key_node, CheckLabelKey(r.key)));
          }
          const YamlNode& at = op_node;
          if (r.op == "In" || r.op == "NotIn") {
            if (r.values.empty()) {
              AIINFRA_CHECK_OK(Invalid(at, "values must be non-empty for operator " + r.op));
            }
          } else if (r.op == "Exists" || r.op == "DoesNotExist") {
            if (!r.values.empty()) {
              AIINFRA_CHECK_OK(Invalid(at, "values must be empty for operator " + r.op));
            }
          } else if (r.op == "Gt" || r.op == "Lt") {
            int64_t unused = 0;
            const std::string v = r.values.size() == 1 ? r.values[0] : "";
            auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), unused);
            if (r.values.size() != 1 || v.empty() || ec != std::errc() ||
                ptr != v.data() + v.size()) {
              AIINFRA_CHECK_OK(
                  Invalid(at, "operator " + r.op + " needs exactly one integer value"));
            }
          } else {
            AIINFRA_CHECK_OK(Invalid(at, "unsupported operator \"" + r.op +
                                             "\" (In, NotIn, Exists, DoesNotExist, Gt, Lt)"));
          }
        }
        (fields ? term.match_fields : term.match_expressions).push_back(std::move(r));
      }
    }
    AIINFRA_CHECK_OK(tm.Finish());
    selector.node_selector_terms.push_back(std::move(term));
  }
  AIINFRA_CHECK_OK(m.Finish());
  return selector;
}

Result<Node> ManifestReader::ReadNode(YamlMap& doc) {
  Node node;
  node.where = Where(doc);
  AIINFRA_TRY(YamlNode meta, doc.Required("metadata"));
  AIINFRA_TRY(node.metadata, ReadMeta(meta, false));
  (void)doc.Optional("spec");  // taints, podCIDR, ...: not used by allocation
  (void)doc.Optional("status");
  return node;
}

Result<Namespace> ManifestReader::ReadNamespace(YamlMap& doc) {
  Namespace ns;
  ns.where = Where(doc);
  AIINFRA_TRY(YamlNode meta, doc.Required("metadata"));
  AIINFRA_TRY(ns.metadata, ReadMeta(meta, false));
  if (meta.IsMap() && meta.node["name"]) {
    AIINFRA_CHECK_OK(Check(YamlNode{meta.node["name"], meta.file, meta.path + ".name"},
                           CheckDnsLabel(ns.metadata.name)));
  }
  (void)doc.Optional("spec");
  (void)doc.Optional("status");
  return ns;
}

Result<Container> ManifestReader::ReadContainer(const YamlNode& node) {
  // Only name and resources.claims matter; image, command, ports, ... are accepted and ignored.
  AIINFRA_TRY(YamlMap m, Map(node));
  Container c;
  AIINFRA_TRY(c.name, StringField(m, "name", true));
  auto resources = m.Optional("resources");
  if (!resources) return c;
  AIINFRA_TRY(YamlMap rm, Map(*resources));
  auto claims = rm.Optional("claims");
  if (!claims) return c;
  AIINFRA_TRY(auto items, List(*claims));
  for (const YamlNode& item : items) {
    AIINFRA_TRY(YamlMap cm, Map(item));
    ContainerResourceClaim claim;
    AIINFRA_TRY(claim.name, StringField(cm, "name", true));
    AIINFRA_TRY(claim.request, StringField(cm, "request", false));
    AIINFRA_CHECK_OK(cm.Finish());
    c.claims.push_back(std::move(claim));
  }
  return c;
}

Result<Pod> ManifestReader::ReadPod(YamlMap& doc) {
  Pod pod;
  pod.where = Where(doc);
  AIINFRA_TRY(YamlNode meta, doc.Required("metadata"));
  AIINFRA_TRY(pod.metadata, ReadMeta(meta, true));
  (void)doc.Optional("status");
  auto spec_node = doc.Optional("spec");
  if (!spec_node) return pod;
  AIINFRA_TRY(YamlMap spec, Map(*spec_node));
  AIINFRA_TRY(pod.node_name, StringField(spec, "nodeName", false));
  if (auto n = spec.Optional("resourceClaims")) {
    AIINFRA_TRY(auto items, List(*n));
    std::map<std::string, int> seen;
    for (const YamlNode& item : items) {
      AIINFRA_TRY(YamlMap cm, Map(item));
      PodResourceClaim claim;
      AIINFRA_TRY(claim.name, StringField(cm, "name", true));
      if (auto v = cm.Optional("resourceClaimName")) {
        AIINFRA_TRY(claim.resource_claim_name, String(*v));
      }
      if (auto v = cm.Optional("resourceClaimTemplateName")) {
        AIINFRA_TRY(claim.resource_claim_template_name, String(*v));
      }
      AIINFRA_CHECK_OK(cm.Finish());
      if (validate_) {
        AIINFRA_TRY(YamlNode name_node, cm.Required("name"));
        AIINFRA_CHECK_OK(Check(name_node, CheckDnsLabel(claim.name)));
        if (!seen.emplace(claim.name, 0).second) {
          return Fail(name_node.Err("duplicate resource claim name \"" + claim.name + "\""));
        }
        if (claim.resource_claim_name.has_value() ==
            claim.resource_claim_template_name.has_value()) {
          return Fail(
              item.Err("exactly one of resourceClaimName and resourceClaimTemplateName is "
                       "required"));
        }
      }
      pod.resource_claims.push_back(std::move(claim));
    }
  }
  for (const char* field : {"initContainers", "containers"}) {
    auto n = spec.Optional(field);
    if (!n) continue;
    AIINFRA_TRY(auto items, List(*n));
    for (const YamlNode& item : items) {
      AIINFRA_TRY(Container c, ReadContainer(item));
      if (validate_) {
        for (std::size_t i = 0; i < c.claims.size(); ++i) {
          bool known = false;
          for (const auto& rc : pod.resource_claims) known = known || rc.name == c.claims[i].name;
          if (!known) {
            return Fail(item.Err("resources.claims[" + std::to_string(i) + "]: \"" +
                                 c.claims[i].name +
                                 "\" is not the name of an entry of spec.resourceClaims"));
          }
        }
      }
      (field == std::string_view("containers") ? pod.containers : pod.init_containers)
          .push_back(std::move(c));
    }
  }
  return pod;
}

Status ManifestReader::ReadDocument(const YamlNode& doc, Objects& out,
                                    const std::string& api_version, const std::string& kind_default,
                                    int depth) {
  if (doc.IsNull()) return {};
  AIINFRA_TRY(YamlMap m, Map(doc));
  std::string api = api_version;
  std::string kind = kind_default;
  std::optional<YamlNode> kind_node = m.Optional("kind");
  std::optional<YamlNode> api_node = m.Optional("apiVersion");
  if (kind_node) {
    AIINFRA_TRY(kind, String(*kind_node));
  }
  if (api_node) {
    AIINFRA_TRY(api, String(*api_node));
  }
  if (kind.empty()) return Fail(doc.Err("missing required field \"kind\""));
  if (api.empty()) return Fail(doc.Err("missing required field \"apiVersion\""));
  const YamlNode& kind_at = kind_node ? *kind_node : doc;
  const YamlNode& api_at = api_node ? *api_node : doc;

  // kubectl get -o yaml: "kind: List" whose items carry their kinds; the API's typed lists
  // ("ResourceSliceList") whose items may omit them.
  const bool typed_list = kind.size() > 4 && kind.ends_with("List") &&
                          (IsResourceKind(kind.substr(0, kind.size() - 4)) ||
                           IsCoreKind(kind.substr(0, kind.size() - 4)));
  if (kind == "List" || typed_list) {
    if (depth >= kMaxListNesting) return Fail(kind_at.Err("lists nested too deeply"));
    if (kind == "List" && api != "v1") {
      return Fail(api_at.Err("kind List needs apiVersion v1, not \"" + api + "\""));
    }
    (void)m.Optional("metadata");  // resourceVersion, continue: nothing to keep
    std::string item_api;
    std::string item_kind;
    if (typed_list) {
      item_api = api;
      item_kind = kind.substr(0, kind.size() - 4);
    }
    if (auto items_node = m.Optional("items")) {
      AIINFRA_TRY(auto items, List(*items_node));
      for (const YamlNode& item : items) {
        AIINFRA_CHECK_OK(ReadDocument(item, out, item_api, item_kind, depth + 1));
      }
    }
    return m.Finish();
  }

  if (IsResourceKind(kind)) {
    if (api != kResourceApi) {
      if (api.starts_with("resource.k8s.io/")) {
        return Fail(api_at.Err("apiVersion " + api + " is not supported: convert the " + kind +
                               " to resource.k8s.io/v1 (the GA API since Kubernetes 1.34; in "
                               "v1 a request's class, selectors and count move under "
                               "\"exactly:\")"));
      }
      return Fail(api_at.Err("kind " + kind + " needs apiVersion " + kResourceApi + ", not \"" +
                             api + "\""));
    }
  } else if (IsCoreKind(kind)) {
    if (api != "v1") {
      return Fail(api_at.Err("kind " + kind + " needs apiVersion v1, not \"" + api + "\""));
    }
  } else {
    return Fail(kind_at.Err("unknown kind \"" + kind + "\" (known: " + KnownKinds() + ")"));
  }

  if (kind == "DeviceClass") {
    AIINFRA_TRY(auto obj, ReadDeviceClass(m));
    out.device_classes.push_back(std::move(obj));
  } else if (kind == "ResourceSlice") {
    AIINFRA_TRY(auto obj, ReadResourceSlice(m));
    out.resource_slices.push_back(std::move(obj));
  } else if (kind == "ResourceClaim") {
    AIINFRA_TRY(auto obj, ReadResourceClaim(m));
    out.resource_claims.push_back(std::move(obj));
  } else if (kind == "ResourceClaimTemplate") {
    AIINFRA_TRY(auto obj, ReadResourceClaimTemplate(m));
    out.resource_claim_templates.push_back(std::move(obj));
  } else if (kind == "Node") {
    AIINFRA_TRY(auto obj, ReadNode(m));
    out.nodes.push_back(std::move(obj));
  } else if (kind == "Pod") {
    AIINFRA_TRY(auto obj, ReadPod(m));
    out.pods.push_back(std::move(obj));
  } else {
    AIINFRA_TRY(auto obj, ReadNamespace(m));
    out.namespaces.push_back(std::move(obj));
  }
  return m.Finish();
}

namespace {

std::string At(const Location& where) {
  std::string s = where.file;
  if (where.line > 0) s += ":" + std::to_string(where.line);
  return s;
}

// Two objects of one kind with one (namespace,) name: the API server would refuse the second.
template <typename T>
Status CheckUnique(const std::vector<T>& objects, const char* kind) {
  std::map<std::pair<std::string, std::string>, const T*> seen;
  for (const T& obj : objects) {
    auto [it, inserted] = seen.emplace(std::pair(obj.metadata.ns, obj.metadata.name), &obj);
    if (!inserted) {
      Location where = obj.where;
      where.field = "metadata.name";
      return Fail(ErrorCode::kInvalidInput,
                  std::string("duplicate ") + kind + " \"" +
                      (obj.metadata.ns.empty() ? "" : obj.metadata.ns + "/") + obj.metadata.name +
                      "\" (also at " + At(it->second->where) + ")",
                  where);
    }
  }
  return {};
}

// Admission (KEP-5018): a claim or template may ask for admin access only in a namespace labelled
// resource.kubernetes.io/admin-access=true. Checked when the namespace is among the inputs; a
// namespace that is not given cannot be judged and is assumed to allow it.
template <typename T>
Status CheckAdminAccess(const Objects& objects, const std::vector<T>& owners, const char* kind) {
  for (const T& owner : owners) {
    const Namespace* ns = objects.FindNamespace(owner.metadata.ns);
    if (!ns || ns->AllowsAdminAccess()) continue;
    const auto& requests = owner.spec.devices.requests;
    for (size_t i = 0; i < requests.size(); ++i) {
      const DeviceRequest& r = requests[i];
      if (!r.exactly || !r.exactly->admin_access.value_or(false)) continue;
      Location where = r.where;
      where.field = (std::is_same_v<T, ResourceClaimTemplate> ? "spec.spec" : "spec") +
                    std::string(".devices.requests[") + std::to_string(i) + "].exactly.adminAccess";
      return Fail(ErrorCode::kInvalidInput,
                  std::string(kind) + " " + owner.metadata.ns + "/" + owner.metadata.name +
                      ": admin access to devices requires the `" + kAdminAccessLabel +
                      ": \"true\"` label on the containing namespace " + owner.metadata.ns +
                      "; label it (kubectl label namespace " + owner.metadata.ns + " " +
                      kAdminAccessLabel + "=true) or drop adminAccess",
                  where);
    }
  }
  return {};
}

// kubectl's YAML reader refuses bytes that are not UTF-8 ("invalid leading UTF-8 octet"), and
// yaml-cpp would write them back changed; say where the first one is.
Status CheckUtf8(const ManifestFile& file) {
  const std::string& t = file.text;
  int line = 1;
  for (std::size_t i = 0; i < t.size();) {
    const auto c = static_cast<unsigned char>(t[i]);
    if (c == '\n') ++line;
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xe  ? 3
                    : (c >> 3) == 0x1e ? 4
                                       : 0;
    bool ok = n > 0 && i + n <= t.size();
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
    for (std::size_t k = 1; ok && k < n; ++k) {
      const auto cc = static_cast<unsigned char>(t[i + k]);
      ok = (cc >> 6) == 0x2;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and code points beyond U+10FFFF are not UTF-8 either.
    if (ok && ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
               (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)) {
      ok = false;
    }
    if (!ok) {
      return Fail(ErrorCode::kInvalidInput, "the file is not valid UTF-8",
                  Location{file.name, line, 0, ""});
    }
    i += n;
  }
  return {};
}

}  // namespace
}  // namespace internal

Result<Objects> ReadManifests(const std::vector<ManifestFile>& files, ReadOptions options) {
  internal::ManifestReader reader(options);
  Objects out;
  for (const ManifestFile& file : files) {
    AIINFRA_CHECK_OK(internal::CheckUtf8(file));
    AIINFRA_TRY(auto docs, ParseYamlDocuments(file.text, file.name));
    for (const YamlNode& doc : docs) AIINFRA_CHECK_OK(reader.ReadDocument(doc, out));
  }
  AIINFRA_CHECK_OK(internal::CheckUnique(out.device_classes, "DeviceClass"));
  AIINFRA_CHECK_OK(internal::CheckUnique(out.resource_slices, "ResourceSlice"));
  AIINFRA_CHECK_OK(internal::CheckUnique(out.resource_claims, "ResourceClaim"));
  AIINFRA_CHECK_OK(internal::CheckUnique(out.resource_claim_templates, "ResourceClaimTemplate"));
  AIINFRA_CHECK_OK(internal::CheckUnique(out.nodes, "Node"));
  AIINFRA_CHECK_OK(internal::CheckUnique(out.pods, "Pod"));
  AIINFRA_CHECK_OK(internal::CheckUnique(out.namespaces, "Namespace"));
  if (options.validate) {
    AIINFRA_CHECK_OK(internal::CheckAdminAccess(out, out.resource_claims, "ResourceClaim"));
    AIINFRA_CHECK_OK(
        internal::CheckAdminAccess(out, out.resource_claim_templates, "ResourceClaimTemplate"));
  }
  return out;
}

}  // namespace aiinfra::dra
