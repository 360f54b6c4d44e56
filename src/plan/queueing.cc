#include "plan/queueing.h"

#include <cmath>
#include <limits>

namespace aiinfra::plan {

double ErlangC(double servers, double a) {
  if (a <= 0) return 0;
  if (a >= servers) return 1;
  int c = static_cast<int>(servers);
  double b = 1;  // Erlang B with k servers
  for (int k = 1; k <= c; ++k) b = a * b / (k + a * b);
  return c * b / (c - a * (1 - b));
}

double WaitQuantile(double servers, double service, double rate, double q) {
  double a = rate * service;
  if (a >= servers) return std::numeric_limits<double>::infinity();
  double c = ErlangC(servers, a);
  if (c <= 1 - q) return 0;
  double drain = servers / service - rate;  // c*mu - lambda
  return std::log(c / (1 - q)) / drain;
}

}  // namespace aiinfra::plan
