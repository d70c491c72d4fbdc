// A consumer of an installed sessionlib: c = a * b, then the run paths most
// programs take -- fresh results of rank 1 and 2 (the second run lends them to
// the kernels), a tuple, run_into, a callable and one training step.
// check_consumer.sh builds it at -O2 -Wall -Wextra -Werror, as users do:
// warnings such as -Wmaybe-uninitialized come from the optimiser, so only
// code that is instantiated and optimised can show them (an uninitialised
// shape array in session/lend.hpp failed users' -O2 builds, not -O0 ones).
#include <iostream>
#include <tuple>

#include <sessionlib/sessionlib.hpp>

#ifndef XTENSOR_USE_XSIMD
#error "the sessionlib dependency must carry -DXTENSOR_USE_XSIMD"
#endif

namespace sl = sessionlib;

namespace {
int failures = 0;
void expect(bool ok, const char* what) {
  if (!ok) {
    std::cerr << "consumer: wrong " << what << "\n";
    ++failures;
  }
}
}  // namespace

int main() {
  sl::Graph g;
  auto a = sl::constant(g, 5.0f);
  auto b = sl::constant(g, 6.0f);
  auto c = a * b;
  auto x = sl::placeholder<float, sl::shape<sl::dyn, 3>>(g, "x");
  auto y = x * 2.0f;                                              // rank 2
  auto v = sl::placeholder<float, sl::shape<sl::dyn>>(g, "v");
  auto v1 = v + 1.0f;                                             // rank 1
  sl::Variable<float, sl::shape<3, 1>> w(g, sl::init::zeros<float>(), "w");
  auto loss = sl::reduce_mean(sl::square(sl::matmul(x, w) - 1.0f));
  auto train = sl::train::GradientDescentOptimizer(0.01).minimize(loss);

  sl::Session sess(g);
  const float cv = sess.run(c);
  std::cout << "c = " << cv << "\n";
  expect(cv == 30.0f, "c");

  const xt::xtensor<float, 2> xv = {{1, 2, 3}, {4, 5, 6}};
  const xt::xtensor<float, 1> vv = {1, 2};
  for (int i = 0; i < 2; ++i) {  // the second run writes into arrays sized from the first
    const xt::xtensor<float, 2> yv = sess.run(y, {{x, xv}});
    expect(yv.shape(0) == 2 && yv(1, 2) == 12.0f, "rank-2 result");
    const xt::xtensor<float, 1> v1v = sess.run(v1, {{v, vv}});
    expect(v1v.size() == 2 && v1v(1) == 3.0f, "rank-1 result");
  }
  const auto [yt, ct] = sess.run(std::tuple{y, c}, {{x, xv}});
  expect(yt(0, 0) == 2.0f && ct == 30.0f, "tuple");

  xt::xtensor<float, 2> into;
  for (int i = 0; i < 2; ++i) sess.run_into(into, y, {{x, xv}});
  expect(into.shape(0) == 2 && into(1, 0) == 8.0f, "run_into");

  auto f = sess.make_callable(v1, sl::feed_list(v));
  expect(f(vv)(0) == 2.0f, "callable");

  sess.run(sl::global_variables_initializer(g));
  sess.run(train, {{x, xv}});
  const xt::xtensor<float, 2> wv = sess.run(w);
  expect(wv(0, 0) > 0.0f, "training step");  // the gradient at w = 0 pulls every weight up
  return failures == 0 ? 0 : 1;
}
