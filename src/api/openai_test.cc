#include "api/openai.h"

#include <gtest/gtest.h>

namespace aiinfra::api {
namespace {

using nlohmann::json;

using Err = std::pair<std::string, std::string>;  // param, message

// The error's param and message for a chat request body.
Err ChatError(const std::string& body) {
  auto r = ParseChatRequest(json::parse(body));
  if (r) return {"", "ok"};
  return {r.error().where.field, r.error().message};
}

TEST(OpenAiTest, ParsesAChatRequestWithStreamingUsageAndVllmExtensions) {
  auto r = ParseChatRequest(json::parse(R"({
    "model": "llama", "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": [{"type": "text", "text": "Hel"}, {"type": "text", "text": "lo"}]}],
    "max_tokens": 50, "max_completion_tokens": 64, "stream": true,
    "stream_options": {"include_usage": true}, "temperature": 0, "top_p": 0.9, "seed": 7,
    "stop": ["\n"], "ignore_eos": true, "min_tokens": 10, "top_k": 40, "user": "u1",
    "presence_penalty": 0.5})"));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->model, "llama");
  ASSERT_EQ(r->messages.size(), 2u);
  EXPECT_EQ(r->messages[1].role, "user");
  EXPECT_EQ(r->messages[1].content, "Hello");
  EXPECT_EQ(r->sampling.max_tokens, 64);  // max_completion_tokens wins
  EXPECT_TRUE(r->sampling.stream);
  EXPECT_TRUE(r->sampling.include_usage);
  EXPECT_EQ(r->sampling.temperature, 0);
  EXPECT_EQ(r->sampling.seed, 7);
  EXPECT_EQ(r->sampling.stop, std::vector<std::string>{"\n"});
  EXPECT_TRUE(r->sampling.ignore_eos);
  EXPECT_EQ(r->sampling.min_tokens, 10);
  EXPECT_EQ(r->sampling.top_k, 40);
  EXPECT_EQ(r->user, "u1");
  // Defaults: no limit on chat (the server decides), 16 on completions, as OpenAI's.
  auto plain =
      ParseChatRequest(json::parse(R"({"model":"m","messages":[{"role":"user","content":"x"}]})"));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->sampling.max_tokens.has_value());
  EXPECT_FALSE(plain->sampling.stream);
  auto completion = ParseCompletionRequest(json::parse(R"({"model":"m","prompt":["Say"]})"));
  ASSERT_TRUE(completion) << completion.error().message;
  EXPECT_EQ(completion->prompt, "Say");
  EXPECT_EQ(completion->sampling.max_tokens, 16);
}

TEST(OpenAiTest, ErrorsNameTheParameterInOpenAisWords) {
  const std::string messages = R"("messages":[{"role":"user","content":"x"}])";
  EXPECT_EQ(ChatError(R"({)" + messages + "}"),
            Err("model", "Missing required parameter: 'model'."));
  EXPECT_EQ(ChatError(R"({"model":"m"})"),
            Err("messages", "Missing required parameter: 'messages'."));
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"max_tokens":"5"})"),
            Err("max_tokens",
                "Invalid type for 'max_tokens': expected an integer, but got a string instead."));
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"foo":1})"),
            Err("foo", "Unrecognized request argument supplied: foo"));
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"":1})"),
            Err("\"\"", "Unrecognized request argument supplied: \"\""));
  EXPECT_EQ(
      ChatError(R"({"model":"m",)" + messages + R"(,"stream_options":{"include_usage":true}})")
          .first,
      "stream_options");  // only with stream
  EXPECT_EQ(
      ChatError(R"({"model":"m",)" + messages +
                R"(,"stream":true,"stream_options":{"include_usage":true,"chunk":1}})"),
      Err("stream_options.chunk", "Unrecognized request argument supplied: stream_options.chunk"));
  EXPECT_EQ(ChatError(R"({"model":"m","messages":[]})").first, "messages");
  EXPECT_EQ(ChatError(R"({"model":"m","messages":[{"role":"bot","content":"x"}]})").first,
            "messages[0].role");
  EXPECT_EQ(ChatError(R"({"model":"m","messages":[{"content":"x"}]})"),
            Err("messages[0].role", "Missing required parameter: 'messages[0].role'."));
  EXPECT_EQ(ChatError(R"({"model":"m","messages":[{"role":"user"}]})").first,
            "messages[0].content");
  EXPECT_EQ(
      ChatError(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})")
          .first,
      "messages[0].content[0]");
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"temperature":3})").first, "temperature");
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"top_p":0})").first, "top_p");
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"max_tokens":0})").first, "max_tokens");
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"n":2})").first, "n");
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"stop":["a","b","c","d","e"]})").first,
            "stop");
  EXPECT_EQ(ChatError(R"([1,2])").second, "The request body must be a JSON object.");
  // null counts as absent, as OpenAI treats it.
  EXPECT_EQ(ChatError(R"({"model":"m",)" + messages + R"(,"max_tokens":null})").second, "ok");
}

TEST(OpenAiTest, ResponsesHaveOpenAisShapes) {
  const ResponseHeader h{"chatcmpl-1", 1700000000, "llama"};
  const Json full = ChatCompletion(h, "Hi!", "stop", {12, 3, 8});
  EXPECT_EQ(
      full.dump(),
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"llama",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"logprobs":null,)"
      R"("finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":3,)"
      R"("total_tokens":15,"prompt_tokens_details":{"cached_tokens":8}}})");
  EXPECT_EQ(ChatChunk(h, "", true, std::nullopt, true).dump(),
            R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,)"
            R"("model":"llama","choices":[{"index":0,"delta":{"role":"assistant","content":""},)"
            R"("logprobs":null,"finish_reason":null}],"usage":null})");
  EXPECT_EQ(ChatChunk(h, "", false, "length", false)["choices"][0].dump(),
            R"({"index":0,"delta":{},"logprobs":null,"finish_reason":"length"})");
  const Json last = ChatUsageChunk(h, {12, 3, 0});
  EXPECT_TRUE(last["choices"].empty());
  EXPECT_EQ(last["usage"]["total_tokens"], 15);
  EXPECT_FALSE(last["usage"].contains("prompt_tokens_details"));
  EXPECT_EQ(Completion(h, "text", "length", {1, 2, 0})["object"], "text_completion");
  EXPECT_EQ(
      ModelList({{"llama", 1, "aiinfra"}}).dump(),
      R"({"object":"list","data":[{"id":"llama","object":"model","created":1,"owned_by":"aiinfra"}]})");
}

TEST(OpenAiTest, ReadChunkTakesWhatServersSend) {
  const ResponseHeader h{"c", 1, "m"};
  auto text = ReadChunk(json::parse(ChatChunk(h, "Hel", false, std::nullopt, true).dump()));
  ASSERT_TRUE(text);
  EXPECT_EQ(text->text, "Hel");
  EXPECT_FALSE(text->usage.has_value());
  auto usage = ReadChunk(json::parse(ChatUsageChunk(h, {5, 2, 1}).dump()));
  ASSERT_TRUE(usage);
  ASSERT_TRUE(usage->usage.has_value());
  EXPECT_EQ(usage->usage->completion_tokens, 2);
  EXPECT_EQ(usage->usage->cached_tokens, 1);
  // vLLM's usage chunk may carry "choices": null.
  auto null_choices = ReadChunk(
      json::parse(R"({"choices":null,"usage":{"prompt_tokens":1,"completion_tokens":4}})"));
  ASSERT_TRUE(null_choices);
  EXPECT_EQ(null_choices->usage->completion_tokens, 4);
  auto completion = ReadChunk(json::parse(CompletionChunk(h, "abc", "stop", false).dump()));
  ASSERT_TRUE(completion);
  EXPECT_EQ(completion->text, "abc");
  EXPECT_EQ(completion->finish_reason, "stop");
  EXPECT_FALSE(ReadChunk(json::parse(R"({"choices":3})")));
}

TEST(OpenAiTest, OneMappingFromErrorsToHttp) {
  Error bad{ErrorCode::kInvalidInput, "Invalid 'top_p'", Location{}};
  bad.where.field = "top_p";
  const ApiError a = ToApiError(bad);
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(
      ErrorJson(a).dump(),
      R"({"error":{"message":"Invalid 'top_p'","type":"invalid_request_error","param":"top_p","code":null}})");
  Error missing{ErrorCode::kNotFound, "The model 'x' does not exist.", Location{}};
  missing.where.field = "model";
  EXPECT_EQ(ToApiError(missing).status, 404);
  EXPECT_EQ(ToApiError(missing).code, "model_not_found");
  EXPECT_EQ(ToApiError(Error{ErrorCode::kNoResult, "overloaded", {}}).status, 503);
  const ApiError internal = ToApiError(Error{ErrorCode::kInternal, "boom", {}});
  EXPECT_EQ(internal.status, 500);
  EXPECT_EQ(ErrorJson(internal)["error"]["param"], nullptr);
}

}  // namespace
}  // namespace aiinfra::api
