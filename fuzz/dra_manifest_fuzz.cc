// Fuzz target for dra/manifest.h: ReadManifests on the input as one manifest file, with and
// without the API server's validation, and ToYaml on every claim, slice, class and node read.
//
// Checked: never a crash; every error has a message and the code kInvalidInput; what validation
// accepts, structural reading accepts too and reads to equal objects (validation only refuses,
// it never changes what is read); a namespaced object has a namespace, a cluster-scoped one none;
// ExactCount requests have a count >= 1 after defaulting when validated; every claim written by
// ToYaml reads back to an equal claim (opaque parameters aside, which are normalised once) and
// a second write is a fixed point.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dra/manifest.h"
#include "dra/objects.h"
#include "fuzz_check.h"

namespace {

using aiinfra::ErrorCode;
using aiinfra::dra::ManifestFile;
using aiinfra::dra::Objects;
using aiinfra::dra::ReadManifests;
using aiinfra::dra::ReadOptions;
using aiinfra::dra::ResourceClaim;

constexpr std::string_view kTarget = "dra_manifest_fuzz";

[[noreturn]] void Finding(const std::string& what, std::string_view input) {
  aiinfra::fuzz::Finding(kTarget, what, input);
}

void ClearParameters(ResourceClaim& claim) {
  for (auto& c : claim.spec.devices.config) {
    if (c.opaque) c.opaque->parameters.clear();
  }
  if (claim.status.allocation) {
    for (auto& c : claim.status.allocation->devices.config) {
      if (c.opaque) c.opaque->parameters.clear();
    }
  }
}

void CheckSlots(const Objects& objects, std::string_view input) {
  for (const auto& claim : objects.resource_claims) {
    if (claim.metadata.ns.empty()) Finding("a claim without a namespace", input);
    for (const auto& r : claim.spec.devices.requests) {
      if (r.exactly && r.exactly->allocation_mode == aiinfra::dra::kAllocationModeExactCount &&
          r.exactly->count < 1) {
        Finding("a validated ExactCount request with count < 1", input);
      }
      if (r.exactly.has_value() == !r.first_available.empty()) {
        Finding("a validated request without exactly one of exactly/firstAvailable", input);
      }
    }
  }
  for (const auto& slice : objects.resource_slices) {
    if (!slice.metadata.ns.empty()) Finding("a cluster-scoped slice with a namespace", input);
    if (slice.spec.pool.resource_slice_count <= 0) Finding("a validated slice count <= 0", input);
  }
}

void CheckRoundTrip(const ResourceClaim& claim, std::string_view input) {
  const std::string text = aiinfra::dra::ToYaml(claim);
  auto again = ReadManifests({ManifestFile{"written.yaml", text}}, ReadOptions{.validate = false});
  if (!again) Finding("ToYaml output does not read back: " + again.error().ToString(), input);
  if (again->resource_claims.size() != 1) Finding("ToYaml output is not one claim", input);
  ResourceClaim a = claim;
  ResourceClaim b = again->resource_claims[0];
  ClearParameters(a);
  ClearParameters(b);
  if (!(a == b)) Finding("ToYaml output reads back to another claim:\n" + text, input);
  const std::string text2 = aiinfra::dra::ToYaml(again->resource_claims[0]);
  auto third = ReadManifests({ManifestFile{"written.yaml", text2}}, ReadOptions{.validate = false});
  if (!third || third->resource_claims.size() != 1 ||
      !(third->resource_claims[0] == again->resource_claims[0]) ||
      aiinfra::dra::ToYaml(third->resource_claims[0]) != text2) {
    Finding("ToYaml is not a fixed point after one round:\n" + text2, input);
  }
}

// ToYaml of a slice, a class or a node reads back to an equal object.
template <typename T>
void CheckObjectRoundTrip(const T& object, std::vector<T> Objects::*list, const char* kind,
                          std::string_view input) {
  const std::string text = aiinfra::dra::ToYaml(object);
  auto again = ReadManifests({ManifestFile{"written.yaml", text}}, ReadOptions{.validate = false});
  if (!again) {
    Finding(std::string("ToYaml of a ") + kind + " does not read back: " + again.error().ToString(),
            input);
  }
  const std::vector<T>& read = (*again).*list;
  if (read.size() != 1 || !(read[0] == object)) {
    Finding(std::string("ToYaml of a ") + kind + " reads back to another one:\n" + text, input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<ManifestFile> files{ManifestFile{"fuzz.yaml", std::string(input)}};

  auto loose = ReadManifests(files, ReadOptions{.validate = false});
  if (!loose) {
    aiinfra::fuzz::CheckError(kTarget, "ReadManifests(validate=false)", loose.error(),
                              {ErrorCode::kInvalidInput}, input);
  }
  auto strict = ReadManifests(files, ReadOptions{.validate = true});
  if (!strict) {
    aiinfra::fuzz::CheckError(kTarget, "ReadManifests(validate=true)", strict.error(),
                              {ErrorCode::kInvalidInput}, input);
  } else {
    if (!loose) Finding("validation accepted what structural reading refused", input);
    if (!(*loose == *strict)) Finding("validation changed what was read", input);
    CheckSlots(*strict, input);
  }
  if (loose) {
    for (const auto& claim : loose->resource_claims) CheckRoundTrip(claim, input);
    for (const auto& slice : loose->resource_slices) {
      CheckObjectRoundTrip(slice, &Objects::resource_slices, "ResourceSlice", input);
    }
    for (const auto& c : loose->device_classes) {
      CheckObjectRoundTrip(c, &Objects::device_classes, "DeviceClass", input);
    }
    for (const auto& node : loose->nodes) {
      CheckObjectRoundTrip(node, &Objects::nodes, "Node", input);
    }
  }
  return 0;
}
