// Control flow with types: tf.cond, tf.while_loop and tf.scan in sessionlib.
//
//   n = tf.placeholder(tf.int64, [])
//   steps, _ = tf.while_loop(lambda k, m: m > 1,
//                            lambda k, m: (k + 1, tf.cond(m % 2 < 1, lambda: m // 2, lambda: 3 * m + 1)),
//                            (0, n))                       # the Collatz steps of n
//   smoothed = tf.scan(lambda acc, x: acc + (x - acc) / 4, xs, 0.)  # exponential smoothing
//
// The loop variables' types are their C++ types: a body returning another dtype or
// static shape does not compile. The example checks every value against a plain
// C++ loop and exits non-zero on a mismatch.
#include <cstdint>
#include <cstdio>
#include <tuple>

#include <sessionlib/sessionlib.hpp>

namespace sl = sessionlib;

int main() {
  sl::Graph g;
  auto n = sl::placeholder<std::int64_t, sl::shape<>>(g, "n");
  auto zero = sl::constant(g, std::int64_t{0});
  auto collatz = sl::while_loop(
      [](auto, auto m) { return m > std::int64_t{1}; },
      [](auto k, auto m) {
        auto even = m % std::int64_t{2} < std::int64_t{1};  // m > 0
        auto next = sl::cond(even, [&] { return sl::floordiv(m, std::int64_t{2}); },
                             [&] { return m * std::int64_t{3} + std::int64_t{1}; });
        return std::tuple{k + std::int64_t{1}, next};
      },
      std::tuple{zero, n});
  auto steps = std::get<0>(collatz);

  // Exponential smoothing of a series with scan.
  auto xs = sl::placeholder<double, sl::shape<sl::dyn>>(g, "xs");
  auto means = sl::scan([](auto acc, auto x) { return acc + (x - acc) / 4.0; }, xs, sl::constant(g, 0.0));

  sl::Session sess(g);
  int failures = 0;
  for (std::int64_t v : {1, 6, 7, 27, 97}) {
    std::int64_t m = v, k = 0;
    while (m > 1) { m = m % 2 == 0 ? m / 2 : 3 * m + 1; ++k; }
    const std::int64_t got = sess.run(steps, {{n, v}});
    std::printf("collatz steps of %3lld: %3lld\n", static_cast<long long>(v), static_cast<long long>(got));
    failures += got != k;
  }
  const xt::xtensor<double, 1> xv{4, 8, 0, 4, 4};
  const xt::xtensor<double, 1> got = sess.run(means, {{xs, xv}});
  double acc = 0;
  for (std::size_t i = 0; i < xv.size(); ++i) {
    acc += (xv(i) - acc) / 4.0;
    std::printf("smoothed[%zu] = %.4f\n", i, got(i));
    failures += got(i) != acc;
  }
  if (failures) std::printf("%d MISMATCHES\n", failures);
  return failures ? 1 : 0;
}
