// What every `aiinfra dra` command reads the same way: the manifests of -f FILE... and the
// allocator features of --features.
#pragma once

#include "cli/command.h"
#include "common/result.h"
#include "dra/features.h"
#include "dra/objects.h"

namespace aiinfra::cli {

// The options every such command declares: --features, and -f FILE (repeatable, required) with
// `help` saying what the files hold.
OptionSpec DraFeaturesOption();
OptionSpec DraFileOption(std::string help);

// The -f files as one set of objects, with the API server's checks except those the allocator
// itself reports (its contract). kUsage when no file is given.
Result<dra::Objects> ReadDraManifests(Invocation& inv);

// --features F1,F2|none, or what Kubernetes 1.35 enables by default when it is not given.
Result<dra::Features> DraFeatures(const Invocation& inv);

// The node --node names: its Node manifest, or, when the input has no Node manifests at all, a
// node of that name without labels. kNotFound when Node manifests are given but not this one.
Result<dra::Node> NamedNode(const dra::Objects& objects, const std::string& name);

}  // namespace aiinfra::cli
