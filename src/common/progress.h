// A progress bar on stderr for long work, drawn only when stderr is a TTY (so logs, pipes and CI
// stay clean). Redraws are rate-limited to about 10 per second.
//
// Thread safety: Update() may be called from one thread at a time.
#pragma once

#include <cstdio>
#include <string>

namespace aiinfra {

class ProgressBar {
 public:
  // `total` units of work; `label` is printed before the bar. `out` defaults to stderr; the bar
  // is enabled when `out` is a terminal, or when `force` is true (tests).
  ProgressBar(std::string label, double total, std::FILE* out = stderr, bool force = false);
  ~ProgressBar();  // calls Finish()

  // Sets the amount done (clamped to [0, total]) and redraws if due.
  void Update(double done);
  void Add(double delta) { Update(done_ + delta); }
  // Draws the final state and ends the line. Idempotent.
  void Finish();

  bool enabled() const { return enabled_; }
  // The text of the bar for `done` of `total`, e.g. "label [#####     ]  50% 5/10"; no
  // terminal control characters. Exposed for tests.
  std::string Render(double done) const;
  // The same, with the time left at the rate so far after `elapsed` seconds of wall time:
  // "... 50% 5/10 ETA 12s" (while 0 < done < total; "ETA 2m05s", "ETA 1h02m" when longer).
  std::string Render(double done, double elapsed) const;

 private:
  std::string label_;
  double total_;
  std::FILE* out_;
  bool enabled_;
  bool finished_ = false;
  double done_ = 0;
  double last_draw_ = -1;
  double start_;  // steady-clock seconds at construction
};

}  // namespace aiinfra
