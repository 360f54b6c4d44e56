#include "common/env.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace aiinfra {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path_ = fs::temp_directory_path() /
            ("aiinfra_env_test_" + std::to_string(::getpid()) + "_" + std::to_string(stamp));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

 private:
  fs::path path_;
};

TEST(FakeEnvTest, ClockStartsAtZeroAndAdvancesBySleep) {
  FakeEnv env;
  EXPECT_EQ(env.Now(), 0);
  env.Sleep(1.5);
  EXPECT_DOUBLE_EQ(env.Now(), 1.5);
  env.Advance(0.25);
  EXPECT_DOUBLE_EQ(env.Now(), 1.75);
  EXPECT_DOUBLE_EQ(env.WallTime(), 1.7e9 + 1.75);
}

TEST(FakeEnvTest, ClockNeverGoesBack) {
  FakeEnv env;
  env.Sleep(2);
  env.Sleep(-1);
  env.Sleep(0);
  EXPECT_DOUBLE_EQ(env.Now(), 2);
}

TEST(FakeEnvTest, RngIsDeterministicForASeed) {
  FakeEnv a(7), b(7), c(8);
  std::vector<uint64_t> from_a, from_b, from_c;
  for (int i = 0; i < 16; ++i) {
    from_a.push_back(a.Rng()());
    from_b.push_back(b.Rng()());
    from_c.push_back(c.Rng()());
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
  // The same engine and seed as a plain std::mt19937_64, so results are reproducible elsewhere.
  std::mt19937_64 reference(7);
  EXPECT_EQ(from_a.front(), reference());
}

TEST(FakeEnvTest, FilesLiveInMemory) {
  FakeEnv env;
  EXPECT_FALSE(env.FileExists("a/b.txt"));
  auto missing = env.ReadFile("a/b.txt");
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("a/b.txt"), std::string::npos);

  ASSERT_TRUE(env.WriteFile("a/b.txt", std::string("x\0y", 3)).has_value());
  EXPECT_TRUE(env.FileExists("a/b.txt"));
  auto read = env.ReadFile("a/b.txt");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(*read, std::string("x\0y", 3));
  ASSERT_TRUE(env.WriteFile("a/b.txt", "z").has_value());
  EXPECT_EQ(*env.ReadFile("a/b.txt"), "z");
  EXPECT_EQ(env.files().size(), 1u);
}

TEST(FakeEnvTest, CreateDirectoriesSucceedsAndCreatesNothing) {
  FakeEnv env;
  EXPECT_TRUE(env.CreateDirectories("a/b/c").has_value());
  EXPECT_TRUE(env.files().empty());
  ASSERT_TRUE(env.WriteFile("a/b/c/d.txt", "x").has_value());
  EXPECT_EQ(env.files().size(), 1u);
}

TEST(RealEnvTest, RngIsDeterministicForASeed) {
  RealEnv a(123), b(123);
  for (int i = 0; i < 16; ++i) EXPECT_EQ(a.Rng()(), b.Rng()());
}

TEST(RealEnvTest, ClockIsMonotonicAndSleepWaits) {
  RealEnv env;
  double start = env.Now();
  env.Sleep(0.01);
  double end = env.Now();
  EXPECT_GE(end - start, 0.01);
  EXPECT_GT(env.WallTime(), 1.6e9);  // after 2020: the Unix epoch, in seconds
}

TEST(RealEnvTest, WriteThenReadRoundTrips) {
  TempDir dir;
  RealEnv env;
  std::string path = (dir.path() / "out.bin").string();
  std::string contents("binary\0\xff\r\n data", 15);
  EXPECT_FALSE(env.FileExists(path));
  ASSERT_TRUE(env.WriteFile(path, contents).has_value());
  EXPECT_TRUE(env.FileExists(path));
  auto read = env.ReadFile(path);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(*read, contents);

  // Overwriting replaces the whole file, and no temporary file is left behind.
  ASSERT_TRUE(env.WriteFile(path, "short").has_value());
  EXPECT_EQ(*env.ReadFile(path), "short");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"out.bin"});
}

TEST(RealEnvTest, OutputFileAppearsOnlyOnCommit) {
  TempDir dir;
  RealEnv env;
  const std::string path = (dir.path() / "rows.csv").string();
  {
    auto f = env.CreateOutputFile(path);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    ASSERT_TRUE((*f)->Write("a,b\n").has_value());
    ASSERT_TRUE((*f)->Write("1,2\n").has_value());
    EXPECT_FALSE(env.FileExists(path));  // still a temporary file
    ASSERT_TRUE((*f)->Commit().has_value());
  }
  EXPECT_EQ(*env.ReadFile(path), "a,b\n1,2\n");
  {
    auto f = env.CreateOutputFile(path);
    ASSERT_TRUE(f.has_value());
    ASSERT_TRUE((*f)->Write("half").has_value());
  }  // abandoned: the old file stays whole and nothing else is left
  EXPECT_EQ(*env.ReadFile(path), "a,b\n1,2\n");
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"rows.csv"});
  auto bad = env.CreateOutputFile((dir.path() / "no" / "such" / "dir.csv").string());
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("cannot write"), std::string::npos);
}

TEST(FakeEnvTest, OutputFileIsBufferedUntilCommit) {
  FakeEnv env;
  auto f = env.CreateOutputFile("x.csv");
  ASSERT_TRUE(f.has_value());
  ASSERT_TRUE((*f)->Write("1").has_value());
  EXPECT_FALSE(env.FileExists("x.csv"));
  ASSERT_TRUE((*f)->Commit().has_value());
  EXPECT_EQ(env.files().at("x.csv"), "1");
}

TEST(RealEnvTest, EmptyFileRoundTrips) {
  TempDir dir;
  RealEnv env;
  std::string path = (dir.path() / "empty").string();
  ASSERT_TRUE(env.WriteFile(path, "").has_value());
  auto read = env.ReadFile(path);
  ASSERT_TRUE(read.has_value()) << read.error().message;
  EXPECT_EQ(*read, "");
}

TEST(RealEnvTest, ReadMissingFileIsNotFound) {
  TempDir dir;
  RealEnv env;
  std::string path = (dir.path() / "missing.yaml").string();
  auto read = env.ReadFile(path);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  EXPECT_NE(read.error().message.find(path), std::string::npos) << read.error().message;
}

TEST(RealEnvTest, ReadDirectoryIsInvalidInput) {
  TempDir dir;
  RealEnv env;
  auto read = env.ReadFile(dir.path().string());
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kInvalidInput);
}

TEST(RealEnvTest, WriteIntoMissingDirectoryFailsCleanly) {
  TempDir dir;
  RealEnv env;
  std::string path = (dir.path() / "no_such_dir" / "out.txt").string();
  auto status = env.WriteFile(path, "data");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(status.error().message.find(path), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find("No such file"), std::string::npos)
      << status.error().message;
  EXPECT_TRUE(dir.Entries().empty());
}

TEST(RealEnvTest, FailedRenameRemovesTemporaryFile) {
  TempDir dir;
  RealEnv env;
  // Renaming a file over a non-empty directory fails after the temporary file was written.
  fs::path target = dir.path() / "occupied";
  fs::create_directories(target / "child");
  auto status = env.WriteFile(target.string(), "data");
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(status.error().message.find(target.string()), std::string::npos);
  EXPECT_EQ(dir.Entries(), std::vector<std::string>{"occupied"});
}

TEST(RealEnvTest, CreateDirectoriesMakesParentsAndIsIdempotent) {
  TempDir dir;
  RealEnv env;
  fs::path nested = dir.path() / "a" / "b" / "c";
  ASSERT_TRUE(env.CreateDirectories(nested.string()).has_value());
  EXPECT_TRUE(fs::is_directory(nested));
  // Again: it already exists, which is success.
  EXPECT_TRUE(env.CreateDirectories(nested.string()).has_value());
  ASSERT_TRUE(env.WriteFile((nested / "f.txt").string(), "x").has_value());
  EXPECT_EQ(*env.ReadFile((nested / "f.txt").string()), "x");
}

TEST(RealEnvTest, CreateDirectoriesOverAFileFails) {
  TempDir dir;
  RealEnv env;
  std::string file = (dir.path() / "plain").string();
  ASSERT_TRUE(env.WriteFile(file, "x").has_value());
  for (const std::string& path : {file, file + "/below"}) {
    auto status = env.CreateDirectories(path);
    ASSERT_FALSE(status.has_value()) << path;
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(status.error().message.find(path), std::string::npos) << status.error().message;
  }
  EXPECT_EQ(*env.ReadFile(file), "x");
}

TEST(DefaultEnvTest, IsOneProcessWideInstance) {
  Env& a = DefaultEnv();
  Env& b = DefaultEnv();
  EXPECT_EQ(&a, &b);
  EXPECT_NE(dynamic_cast<RealEnv*>(&a), nullptr);
}

}  // namespace
}  // namespace aiinfra
