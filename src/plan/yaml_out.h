// YamlOut: an ordered YAML value tree for writing documents such as Kubernetes manifests.
//
// yaml-cpp's YAML::Node keeps no difference between the string "8" and the number 8, and its
// emitter writes both plainly, so a string that looks like a number, a boolean or null would be
// read back as one (Kubernetes rejects `args: [8]` and a KEDA `threshold: 5`). YamlOut keeps the
// type of every scalar and quotes a string whenever a plain scalar could be read as something
// else; mappings keep their insertion order, so documents read in the order they were built.
// Emitting goes through yaml-cpp's emitter (block style, two-space indent).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace YAML {
class Emitter;
}

namespace aiinfra::plan {

class YamlOut {
 public:
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kSeq, kMap };

  YamlOut() = default;                                                     // null
  YamlOut(bool v) : kind_(Kind::kBool), bool_(v) {}                        // NOLINT: implicit
  YamlOut(int v) : kind_(Kind::kInt), int_(v) {}                           // NOLINT: implicit
  YamlOut(int64_t v) : kind_(Kind::kInt), int_(v) {}                       // NOLINT: implicit
  YamlOut(double v) : kind_(Kind::kDouble), double_(v) {}                  // NOLINT: implicit
  YamlOut(const char* v) : kind_(Kind::kString), string_(v) {}             // NOLINT: implicit
  YamlOut(std::string v) : kind_(Kind::kString), string_(std::move(v)) {}  // NOLINT: implicit
  YamlOut(std::string_view v) : kind_(Kind::kString), string_(v) {}        // NOLINT: implicit

  static YamlOut Map() { return YamlOut(Kind::kMap); }
  static YamlOut Seq() { return YamlOut(Kind::kSeq); }
  // A sequence of strings.
  static YamlOut Strings(const std::vector<std::string>& items);

  Kind kind() const { return kind_; }

  // The value at `key`, appended as null if absent. A null value becomes a mapping first;
  // calling it on any other non-mapping is a programmer error (asserted).
  YamlOut& operator[](std::string_view key);
  // Appends `item`; a null value becomes a sequence first (other non-sequences: asserted).
  YamlOut& Push(YamlOut item);

  // The document text: block style, ending with a newline. A finite double is written in its
  // shortest round-trip form; a non-finite one as .inf/-.inf/.nan.
  std::string Emit() const;

 private:
  explicit YamlOut(Kind kind) : kind_(kind) {}
  void EmitTo(YAML::Emitter& out) const;

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  double double_ = 0;
  std::string string_;
  std::vector<YamlOut> items_;
  std::vector<std::pair<std::string, YamlOut>> entries_;
};

// True when `text` must be quoted to be read back as this string: empty, a YAML 1.1/1.2 null or
// boolean word, anything starting with a character other than a letter, '_', '/' or a '-'
// followed by a letter or '-' ("--port"), or containing a character outside
// [A-Za-z0-9_./:@=+-], or ending with ':'.
bool YamlNeedsQuotes(std::string_view text);

}  // namespace aiinfra::plan
