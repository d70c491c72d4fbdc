// The smallest consumer of an installed sessionlib: c = a * b.
#include <iostream>

#include <sessionlib/sessionlib.hpp>

#ifndef XTENSOR_USE_XSIMD
#error "the sessionlib dependency must carry -DXTENSOR_USE_XSIMD"
#endif

namespace sl = sessionlib;

int main() {
  sl::Graph g;
  auto a = sl::constant(g, 5.0f);
  auto b = sl::constant(g, 6.0f);
  auto c = a * b;
  sl::Session sess(g);
  const float v = sess.run(c);
  std::cout << "c = " << v << "\n";
  return v == 30.0f ? 0 : 1;
}
