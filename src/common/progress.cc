#include "common/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <utility>

namespace aiinfra {
namespace {

constexpr int kBarWidth = 30;
constexpr double kRedrawInterval = 0.1;  // seconds; ~10 redraws a second is smooth and cheap

double SteadySeconds() {
  using Seconds = std::chrono::duration<double>;
  return std::chrono::duration_cast<Seconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Whole amounts print as integers ("5/10"); fractional ones (bytes done of a size, say) keep one
// decimal so that progress stays visible.
std::string Amount(double x) {
  if (x == std::floor(x) && x < 1e15) return fmt::format("{:.0f}", x);
  return fmt::format("{:.1f}", x);
}

// Clamps to [0, total]; NaN counts as no progress rather than poisoning the arithmetic.
double ClampDone(double done, double total) {
  return std::isnan(done) ? 0.0 : std::clamp(done, 0.0, total);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, double total, std::FILE* out, bool force)
    : label_(std::move(label)),
      total_(std::isnan(total) || total < 0 ? 0.0 : total),
      out_(out),
      enabled_(out != nullptr && (force || ::isatty(::fileno(out)) != 0)),
      start_(SteadySeconds()) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(double done) {
  done_ = ClampDone(done, total_);
  if (!enabled_ || finished_) return;
  double now = SteadySeconds();
  if (last_draw_ >= 0 && now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  // '\r' returns to the start of the line so the new bar overwrites the old one.
  std::fputs(("\r" + Render(done_, now - start_)).c_str(), out_);
  std::fflush(out_);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  std::fputs(("\r" + Render(done_) + "\n").c_str(), out_);
  std::fflush(out_);
}

std::string ProgressBar::Render(double done) const {
  done = ClampDone(done, total_);
  // Nothing to do counts as all done, rather than dividing by zero.
  double fraction = total_ > 0 ? done / total_ : 1.0;
  // Floors, so the bar shows 100% only when the work is really complete.
  int filled = std::clamp(static_cast<int>(std::floor(fraction * kBarWidth)), 0, kBarWidth);
  int percent = std::clamp(static_cast<int>(std::floor(fraction * 100)), 0, 100);
  std::string bar = std::string(filled, '#') + std::string(kBarWidth - filled, ' ');
  std::string prefix = label_.empty() ? "" : label_ + " ";
  return fmt::format("{}[{}] {:3d}% {}/{}", prefix, bar, percent, Amount(done), Amount(total_));
}

std::string ProgressBar::Render(double done, double elapsed) const {
  std::string text = Render(done);
  done = ClampDone(done, total_);
  if (!(done > 0 && done < total_ && elapsed > 0)) return text;
  const double left = elapsed * (total_ - done) / done;
  if (!std::isfinite(left)) return text;
  const auto s = static_cast<long long>(std::ceil(left));
  if (s < 60) return text + fmt::format(" ETA {}s", s);
  if (s < 3600) return text + fmt::format(" ETA {}m{:02d}s", s / 60, s % 60);
  return text + fmt::format(" ETA {}h{:02d}m", s / 3600, (s % 3600) / 60);
}

}  // namespace aiinfra
