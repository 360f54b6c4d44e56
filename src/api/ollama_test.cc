#include "api/ollama.h"

#include <gtest/gtest.h>

namespace aiinfra::api {
namespace {

using nlohmann::json;

TEST(OllamaTest, ParsesChatAndGenerateWithOptions) {
  auto chat = ParseOllamaChat(json::parse(R"({
    "model": "llama3.1:8b", "messages": [{"role": "user", "content": "Hi", "images": []}],
    "stream": false, "keep_alive": "5m", "format": "json",
    "options": {"num_predict": 64, "temperature": 0, "seed": 42, "stop": ["\n"], "num_ctx": 8192,
                "repeat_penalty": 1.1}})"));
  ASSERT_TRUE(chat) << chat.error().message;
  EXPECT_EQ(chat->model, "llama3.1:8b");
  ASSERT_EQ(chat->messages.size(), 1u);
  EXPECT_EQ(chat->messages[0].content, "Hi");
  EXPECT_FALSE(chat->stream);
  EXPECT_EQ(chat->options.num_predict, 64);
  EXPECT_EQ(chat->options.temperature, 0);
  EXPECT_EQ(chat->options.seed, 42);
  EXPECT_EQ(chat->options.num_ctx, 8192);
  // Streaming is Ollama's default; num_predict -1 means no limit.
  auto generate = ParseOllamaGenerate(
      json::parse(R"({"model":"m","prompt":"Why?","options":{"num_predict":-1}})"));
  ASSERT_TRUE(generate) << generate.error().message;
  EXPECT_TRUE(generate->stream);
  EXPECT_FALSE(generate->options.num_predict.has_value());
  EXPECT_EQ(generate->options.temperature, 0.8);  // Ollama's default
  // No messages or prompt: Ollama loads the model and answers done.
  EXPECT_TRUE(ParseOllamaChat(json::parse(R"({"model":"m"})")));
}

TEST(OllamaTest, ErrorsNameTheField) {
  const auto field = [](const char* body) {
    auto r = ParseOllamaChat(json::parse(body));
    return r ? std::string("ok") : r.error().where.field;
  };
  EXPECT_EQ(field(R"({"messages":[]})"), "model");
  EXPECT_EQ(field(R"({"model":"m","messages":{}})"), "messages");
  EXPECT_EQ(field(R"({"model":"m","messages":[{"role":"robot","content":"x"}]})"),
            "messages[0].role");
  EXPECT_EQ(field(R"({"model":"m","options":{"num_predict":"64"}})"), "options.num_predict");
  EXPECT_EQ(field(R"({"model":"m","options":{"temprature":1}})"), "options.temprature");
  EXPECT_EQ(field(R"({"model":"m","streaming":true})"), "streaming");
  EXPECT_EQ(field(R"({"model":"m","stream":"yes"})"), "stream");
}

TEST(OllamaTest, StreamedObjectsAndTheFinalStatistics) {
  // Unix seconds in a double resolve about 0.2 us today: .25 is exact.
  EXPECT_EQ(Rfc3339Nano(1691176965.25), "2023-08-04T19:22:45.250000000Z");
  EXPECT_EQ(Rfc3339Nano(0.9999999999), "1970-01-01T00:00:01.000000000Z");
  EXPECT_EQ(OllamaChatChunk("m", 0, "He").dump(),
            R"({"model":"m","created_at":"1970-01-01T00:00:00.000000000Z",)"
            R"("message":{"role":"assistant","content":"He"},"done":false})");
  const OllamaStats stats{.total = 1.5,
                          .load = 0.001,
                          .prompt_eval_count = 26,
                          .prompt_eval = 0.13,
                          .eval_count = 290,
                          .eval = 1.325};
  const Json done = OllamaGenerateDone("m", 0, "", "stop", stats);
  EXPECT_EQ(done["done"], true);
  EXPECT_EQ(done["done_reason"], "stop");
  EXPECT_EQ(done["total_duration"], 1'500'000'000);
  EXPECT_EQ(done["load_duration"], 1'000'000);
  EXPECT_EQ(done["prompt_eval_duration"], 130'000'000);
  EXPECT_EQ(done["eval_count"], 290);
  EXPECT_EQ(done["eval_duration"], 1'325'000'000);
  EXPECT_EQ(done["response"], "");
}

TEST(OllamaTest, ModelListsAndReadingChunks) {
  const OllamaModel m{.name = "llama3.1:8b",
                      .modified_at = 0,
                      .size = 4'920'753'328,
                      .digest = "abc",
                      .family = "llama",
                      .parameter_size = "8.0B",
                      .quantization_level = "Q4_K_M",
                      .parameter_count = 8'030'261'248,
                      .context_length = 131072};
  const Json tags = OllamaTags({m});
  EXPECT_EQ(tags["models"][0]["name"], "llama3.1:8b");
  EXPECT_EQ(tags["models"][0]["details"]["quantization_level"], "Q4_K_M");
  EXPECT_EQ(OllamaShow(m)["model_info"]["llama.context_length"], 131072);
  const Json ps = OllamaPs({m}, 300, 6'000'000'000);
  EXPECT_EQ(ps["models"][0]["size_vram"], 6'000'000'000);
  EXPECT_EQ(ps["models"][0]["expires_at"], "1970-01-01T00:05:00.000000000Z");
  EXPECT_FALSE(ps["models"][0].contains("modified_at"));

  auto piece = ReadOllamaChunk(json::parse(OllamaChatChunk("m", 0, "Hi").dump()));
  ASSERT_TRUE(piece);
  EXPECT_EQ(piece->text, "Hi");
  EXPECT_FALSE(piece->done);
  auto last = ReadOllamaChunk(json::parse(
      OllamaGenerateDone("m", 0, "", "length", {.prompt_eval_count = 3, .eval_count = 9}).dump()));
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->done);
  EXPECT_EQ(last->done_reason, "length");
  EXPECT_EQ(last->eval_count, 9);
  // Surprising types are ignored, not thrown on; an error object is an error.
  auto odd = ReadOllamaChunk(json::parse(R"({"response":"x","done":"yes","eval_count":"9"})"));
  ASSERT_TRUE(odd);
  EXPECT_FALSE(odd->done);
  EXPECT_EQ(odd->eval_count, 0);
  auto error = ReadOllamaChunk(json::parse(R"({"error":"model 'x' not found"})"));
  ASSERT_FALSE(error);
  EXPECT_NE(error.error().message.find("model 'x' not found"), std::string::npos);
  EXPECT_EQ(OllamaErrorJson({404, "", "model 'x' not found", "model", ""}).dump(),
            R"({"error":"model 'x' not found"})");
}

}  // namespace
}  // namespace aiinfra::api
