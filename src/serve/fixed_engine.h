// A TokenEngine with fixed timing (engine.h): every request is independent of the others; its
// first token comes `ttft` seconds after it arrives and each next one `itl` seconds after the
// one before, on a steady clock without drift (each token is due at arrival + ttft + k * itl,
// whenever the timer of the previous one actually fired). No queueing, batching or KV cache:
// the reference endpoint a load generator is checked against (issue 6, item 5), and the
// fastest way to hold thousands of streams open.
//
// Threading: everything runs on the executor given (one thread); callbacks are called there.
#pragma once

#include "serve/engine.h"

namespace aiinfra::serve {

struct FixedTiming {
  double ttft = 0.05;  // seconds
  double itl = 0.01;   // seconds
};

class FixedTimingEngine : public TokenEngine {
 public:
  FixedTimingEngine(boost::asio::any_io_executor executor, FixedTiming timing);
  ~FixedTimingEngine() override;

  void Submit(std::unique_ptr<sim::Sequence> seq, uint64_t session,
              EngineCallbacks callbacks) override;
  void Cancel(uint64_t id) override;
  double Now() const override;
  size_t queued() const override { return 0; }
  size_t in_flight() const override { return requests_.size(); }
  // One always-ready replica running every request in flight.
  std::vector<ReplicaState> replicas() const override;
  void Abort() override;

 private:
  struct Request {
    std::unique_ptr<sim::Sequence> seq;
    EngineCallbacks callbacks;
    boost::asio::steady_timer timer;
    double due = 0;  // the next token's time, seconds since start
  };
  void Arm(uint64_t id, Request& r);
  void Tick(uint64_t id);
  void End(uint64_t id, Ending ending);

  boost::asio::any_io_executor executor_;
  FixedTiming timing_;
  std::chrono::steady_clock::time_point start_;
  std::unordered_map<uint64_t, std::unique_ptr<Request>> requests_;
  std::shared_ptr<bool> alive_;
};

}  // namespace aiinfra::serve
