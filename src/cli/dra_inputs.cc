#include "cli/dra_inputs.h"

#include <fmt/format.h>

#include "dra/manifest.h"

namespace aiinfra::cli {

OptionSpec DraFeaturesOption() {
  return {.name = "features",
          .value_name = "F1,F2|none",
          .help = "allocator features to enable (default: Kubernetes 1.35's)"};
}

OptionSpec DraFileOption(std::string help) {
  return {.name = "file",
          .value_name = "FILE",
          .help = std::move(help),
          .required = true,
          .repeated = true,
          .short_name = 'f'};
}

Result<dra::Objects> ReadDraManifests(Invocation& inv) {
  std::vector<dra::ManifestFile> files;
  for (const std::string& path : inv.GetAll("file")) {
    AIINFRA_TRY(std::string text, inv.env.ReadFile(path));
    files.push_back({path, std::move(text)});
  }
  if (files.empty()) return Fail(ErrorCode::kUsage, "give the manifests with -f FILE");
  return dra::ReadManifests(files, dra::ReadOptions{.validate = true});
}

Result<dra::Features> DraFeatures(const Invocation& inv) {
  if (!inv.Has("features")) return dra::Features::Kubernetes135Defaults();
  return dra::ParseFeatures(inv.Get("features"));
}

Result<dra::Node> NamedNode(const dra::Objects& objects, const std::string& name) {
  if (const dra::Node* found = objects.FindNode(name)) return *found;
  if (!objects.nodes.empty()) {
    return Fail(ErrorCode::kNotFound,
                fmt::format("node {} is not among the Node manifests given; add it (kubectl get "
                            "node {} -o yaml)",
                            name, name));
  }
  dra::Node node;
  node.metadata.name = name;
  return node;
}

}  // namespace aiinfra::cli
