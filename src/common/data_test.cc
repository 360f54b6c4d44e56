#include "common/data.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/embedded.h"

namespace aiinfra {
namespace {

namespace fs = std::filesystem;

TEST(DataTest, EmbeddedFilesAreSortedAndListable) {
  auto files = EmbeddedFiles();
  ASSERT_FALSE(files.empty());
  for (std::size_t i = 1; i < files.size(); ++i) EXPECT_LT(files[i - 1].path, files[i].path);
  auto systems = DataSource().List("hardware/systems");
  ASSERT_TRUE(systems);
  ASSERT_FALSE(systems->empty());
  for (const DataFile& f : *systems) {
    EXPECT_TRUE(f.relative.starts_with("hardware/systems/"));
    EXPECT_TRUE(f.display.starts_with("data/hardware/systems/"));
    EXPECT_FALSE(f.contents.empty());
  }
}

TEST(DataTest, EmbeddedContentsEqualTheSourceFiles) {
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    std::ifstream in(fs::path(AIINFRA_SOURCE_DIR) / "data" / std::string(f.path), std::ios::binary);
    ASSERT_TRUE(in) << f.path;
    const std::string on_disk((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(on_disk, f.contents) << f.path;
  }
}

TEST(DataTest, OverlayReplacesAndAddsFiles) {
  const fs::path dir =
      fs::temp_directory_path() / ("aiinfra-data-test-" + std::to_string(::getpid()));
  fs::create_directories(dir / "hardware/systems");
  auto embedded = DataSource().List("hardware/systems").value();
  const std::string replaced =
      embedded.front().relative.substr(std::string("hardware/systems/").size());
  std::ofstream(dir / "hardware/systems" / replaced) << "id: replaced\n";
  std::ofstream(dir / "hardware/systems/zz-new.yaml") << "id: zz-new\n";
  std::ofstream(dir / "hardware/systems/notes.txt") << "ignored\n";
  auto files = DataSource(dir.string()).List("hardware/systems");
  fs::remove_all(dir);
  ASSERT_TRUE(files);
  EXPECT_EQ(files->size(), embedded.size() + 1);
  EXPECT_EQ(files->front().contents, "id: replaced\n");
  EXPECT_TRUE(files->front().display.find("aiinfra-data-test") != std::string::npos);
  EXPECT_EQ(files->back().contents, "id: zz-new\n");
}

TEST(DataTest, MissingOverlayIsNotFound) {
  auto files = DataSource("/nonexistent/aiinfra").List("hardware/systems");
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aiinfra
