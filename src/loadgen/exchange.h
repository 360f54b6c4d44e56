// One request of a load test (issue 6, item 4): the body for the endpoint's API, sent on a
// connection, its streamed answer timed chunk by chunk into a metrics::RequestRecord, so a
// measured run and a simulated one compute their metrics with the same code.
//
// Conversations: `history` holds the earlier turns (user and assistant messages) sent before
// the prompt, as a chatbot resends them; chat APIs send them as messages, the prompt APIs
// (completions, Ollama generate) as one text, the turns joined by newlines.
//
// Token counts: each streamed piece with text counts one token as it arrives (the clock of
// ITL); when the endpoint reports usage at the end (OpenAI `stream_options.include_usage`,
// Ollama's eval_count), the record's output count is the endpoint's (TokenSource::kUsage) and
// its prompt count too. Prompts are synthetic: SyntheticPrompt.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>: first.
// clang-format off
#include <utility>
// clang-format on
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "metrics/record.h"
#include "net/http_client.h"

namespace aiinfra::loadgen {

enum class ApiKind { kChat, kCompletions, kOllamaChat, kOllamaGenerate };
// "chat", "completions", "ollama-chat", "ollama-generate"; the error lists them.
Result<ApiKind> ParseApiKind(std::string_view name);
// The path each API is served at: /v1/chat/completions, /v1/completions, /api/chat,
// /api/generate.
std::string_view DefaultPath(ApiKind api);

struct Message {
  std::string role;  // "user" or "assistant"
  std::string content;
};

struct ExchangeSpec {
  ApiKind api = ApiKind::kChat;
  std::string model;
  std::string path;              // the API's default when empty
  std::vector<Message> history;  // earlier turns of the conversation, oldest first
  std::string prompt;            // the new user message
  int64_t max_tokens = 128;
  bool ignore_eos = true;  // vLLM's extension: generate exactly max_tokens (OpenAI APIs)
  std::map<std::string, std::string> headers;  // e.g. Authorization
};

// The JSON body of the request: streaming, with usage in the stream for the OpenAI APIs.
std::string RequestBody(const ExchangeSpec& spec);

// `words` common English words, each a single token for the usual BPE vocabularies, seeded:
// a prompt of about `words` tokens (the endpoint's usage reports the exact count).
std::string SyntheticPrompt(int64_t words, uint64_t seed);

// What an exchange leaves besides its record.
struct ExchangeOutput {
  std::string text;   // the answer's text, streamed pieces joined (for the next turn, or saving)
  std::string error;  // why it failed: the endpoint's error message or the transport's; "" if ok
};

// Sends the request on `connection` and records its answer into `record` (whose t_send the
// caller set), times in seconds since `epoch`; fills `output` when given. Never fails: a
// refused or broken request is a record with Outcome::kError (http_status 0 and error_type
// "connection" for transport errors). Exchange is StartExchange then FinishExchange.
boost::asio::awaitable<void> Exchange(net::HttpConnection& connection, const ExchangeSpec& spec,
                                      std::chrono::steady_clock::time_point epoch,
                                      metrics::RequestRecord& record,
                                      ExchangeOutput* output = nullptr);

// Puts the request on the wire now, from outside any coroutine (net::HttpConnection::Send):
// what an open loop calls at a request's scheduled time. A failure is left for FinishExchange
// to record.
void StartExchange(net::HttpConnection& connection, const ExchangeSpec& spec);

// Reads the answer to the request StartExchange sent (and writes what the socket did not take
// at once), as Exchange does.
boost::asio::awaitable<void> FinishExchange(net::HttpConnection& connection,
                                            const ExchangeSpec& spec,
                                            std::chrono::steady_clock::time_point epoch,
                                            metrics::RequestRecord& record,
                                            ExchangeOutput* output = nullptr);

}  // namespace aiinfra::loadgen
